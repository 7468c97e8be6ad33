/** ProgressExchange: how a worker broadcasts its progress batches; declared here, implemented by the transport. */
import type { PointstampUpdate } from './change-batch.js';

/**
 * Delivers every broadcast batch to every worker (the sender included), whole, and FIFO per sender.
 * The single-thread case is a loopback; worker threads and TCP peers implement it over their channels.
 */
export interface ProgressExchange {
  broadcast(updates: PointstampUpdate[]): void;
  /** Hands every batch received since the last call to `apply`, one whole batch per call. */
  receive(apply: (updates: readonly PointstampUpdate[]) => void): void;
  /** Every batch broadcast so far, by any worker, has been handed to this worker's `receive`. */
  settled(): boolean;
}

/** The single-worker exchange: a broadcast is received by the same worker on its next `receive`. */
export class LoopbackExchange implements ProgressExchange {
  private queue: PointstampUpdate[][] = [];
  /** Batches and updates broadcast, for statistics. */
  batches = 0;
  updates = 0;

  broadcast(updates: PointstampUpdate[]): void {
    if (updates.length === 0) return;
    this.batches++;
    this.updates += updates.length;
    this.queue.push(updates);
  }

  receive(apply: (updates: readonly PointstampUpdate[]) => void): void {
    const q = this.queue;
    if (q.length === 0) return;
    this.queue = [];
    for (const batch of q) apply(batch);
  }

  settled(): boolean {
    return this.queue.length === 0;
  }
}
