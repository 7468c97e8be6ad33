/** ProgressAccumulator: holds a worker's progress batches back, merged, until sending them could move a frontier. */
import { ChangeBatch, type PointstampUpdate } from './change-batch.js';
import type { ProgressTracker } from './tracker.js';

/**
 * Holding whole batches back is always safe: the other replicas keep seeing older, more conservative
 * counts, in which every held increment's cause is still active. It must end once the held decrements
 * could move a frontier: a decrement of a time that is in its location's frontier in the local replica.
 *
 * @example
 * accumulator.hold(runtime.changes);
 * if (accumulator.mustFlush(tracker)) exchange.broadcast(accumulator.take());
 */
export class ProgressAccumulator {
  private readonly held = new ChangeBatch();

  /** Moves one whole batch (a step's changes) into what is held, leaving `changes` empty. */
  hold(changes: ChangeBatch): void {
    changes.moveInto(this.held);
  }

  isEmpty(): boolean {
    return this.held.isEmpty();
  }

  /** Whether what is held could move some frontier of `tracker`, so that it must be sent now. */
  mustFlush(tracker: ProgressTracker): boolean {
    for (const u of this.held.updates()) {
      if (u.delta >= 0) continue;
      const frontier = tracker.frontierAt(u.location);
      for (let i = 0; i < frontier.length; i++) if (frontier[i]!.equals(u.time)) return true;
    }
    return false;
  }

  /** Takes everything held, as one batch. */
  take(): PointstampUpdate[] {
    return this.held.drain();
  }
}
