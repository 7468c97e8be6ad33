/** ProgressExchange: how a worker broadcasts its progress batches; declared here, implemented by the transport. */
import { clear } from './arrays.js';
import type { PointstampUpdate } from './change-batch.js';

/**
 * Delivers every broadcast batch to every worker (the sender included), whole, and FIFO per sender.
 * The single-thread case is a loopback; worker threads and TCP peers implement it over their channels.
 */
export interface ProgressExchange {
  broadcast(updates: PointstampUpdate[]): void;
  /**
   * Every batch received since the last call, in order (FIFO per sender); each must be applied whole.
   * The array is the exchange's own and valid until the next call.
   */
  receive(): readonly (readonly PointstampUpdate[])[];
  /** Every batch broadcast so far, by any worker, has been handed to this worker's `receive`. */
  settled(): boolean;
}

/**
 * Batches received and not yet taken, in arrival order. `take` hands out the queue itself and queues on
 * into a spare array, so a worker that takes every step allocates nothing.
 */
export class BatchInbox {
  private queue: (readonly PointstampUpdate[])[] = [];
  private spare: (readonly PointstampUpdate[])[] = [];

  push(batch: readonly PointstampUpdate[]): void {
    this.queue.push(batch);
  }

  /** Every batch pushed since the last call; the array is valid until the next call. */
  take(): readonly (readonly PointstampUpdate[])[] {
    const q = this.queue;
    if (q.length === 0) return q;
    clear(this.spare);
    this.queue = this.spare;
    this.spare = q;
    return q;
  }

  isEmpty(): boolean {
    return this.queue.length === 0;
  }
}

/**
 * The single-worker exchange: a broadcast is received by the same worker on its next `receive`.
 *
 *
 * @example
 * const ex = new LoopbackExchange();
 * ex.broadcast([{ location: 0, time: Timestamp.of(0), delta: 1 }]);
 * ex.receive(); // [[that update]]
 */
export class LoopbackExchange implements ProgressExchange {
  private readonly inbox = new BatchInbox();
  /** Batches and updates broadcast, for statistics. */
  batches = 0;
  updates = 0;

  broadcast(updates: PointstampUpdate[]): void {
    if (updates.length === 0) return;
    this.batches++;
    this.updates += updates.length;
    this.inbox.push(updates);
  }

  receive(): readonly (readonly PointstampUpdate[])[] {
    return this.inbox.take();
  }

  settled(): boolean {
    return this.inbox.isEmpty();
  }
}
