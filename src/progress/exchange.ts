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

/** The single-worker exchange: a broadcast is received by the same worker on its next `receive`. */
export class LoopbackExchange implements ProgressExchange {
  private queue: PointstampUpdate[][] = [];
  private spare: PointstampUpdate[][] = [];
  /** Batches and updates broadcast, for statistics. */
  batches = 0;
  updates = 0;

  broadcast(updates: PointstampUpdate[]): void {
    if (updates.length === 0) return;
    this.batches++;
    this.updates += updates.length;
    this.queue.push(updates);
  }

  receive(): readonly (readonly PointstampUpdate[])[] {
    const q = this.queue;
    if (q.length === 0) return NOTHING;
    clear(this.spare);
    this.queue = this.spare;
    this.spare = q;
    return q;
  }

  settled(): boolean {
    return this.queue.length === 0;
  }
}

const NOTHING: readonly (readonly PointstampUpdate[])[] = Object.freeze([]);
