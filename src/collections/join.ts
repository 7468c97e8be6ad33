/** Join of two arrangements: each new batch of one side meets what the operator has already seen of the other. */
import type { Stream } from '../graph/stream.js';
import { pipeline } from '../graph/vertex.js';
import type { Timestamp } from '../timestamps/timestamp.js';
import type { Arrangement } from './arrange.js';
import type { Update } from './consolidate.js';
import type { ArrangedBatch, Trace, TraceReader } from './trace.js';

/**
 * The updates of `f(key, a, b)` for every pair of updates of one key, one from each side: at the join of
 * their times, with the product of their diffs. A batch of the left side meets the right trace's batches
 * the operator has already processed (and the reverse), so each pair of updates meets exactly once, and
 * the work done for a batch is proportional to the histories of its keys.
 */
export function joinArrangements<K, A, B, R>(left: Arrangement<K, A>, right: Arrangement<K, B>, f: (key: K, a: A, b: B) => R, name: string): Stream<Update<R>> {
  return left.stream.scope.binary<ArrangedBatch<K, A>, ArrangedBatch<K, B>, Update<R>>(left.stream, right.stream, name, [pipeline, pipeline], (ctx) => {
    // The arrangements' stages come first, so their traces exist; registering now, before any batch,
    // keeps every batch this operator has not seen out of compaction's merges.
    const frontier = () => ctx.frontier();
    const order = ctx.order;
    const leftTrace: Trace<K, A> = left.trace();
    const rightTrace: Trace<K, B> = right.trace();
    const leftSeen: TraceReader = leftTrace.register({ frontier, acked: 0 });
    const rightSeen: TraceReader = rightTrace.register({ frontier, acked: 0 });
    /** Sends `out`'s updates grouped by time; most share the batch's own time. */
    const flush = (here: Update<R>[], later: Map<string, { time: Timestamp; updates: Update<R>[] }> | undefined, time: Timestamp) => {
      if (here.length > 0) ctx.send(here, time);
      if (later !== undefined) for (const g of later.values()) ctx.send(g.updates, g.time);
    };
    return {
      onLeft(batches, time) {
        for (const batch of batches) {
          const here: Update<R>[] = [];
          let later: Map<string, { time: Timestamp; updates: Update<R>[] }> | undefined;
          const seen = rightSeen.acked;
          for (const c of batch.changes) {
            const h = rightTrace.get(c.kk);
            if (h === undefined) continue;
            for (const e of h.entries) {
              if (e.seq > seen) continue;
              const u: Update<R> = [f(c.key, c.value, e.value), c.diff * e.diff];
              if (order.lessEqual(e.time, time)) here.push(u);
              else {
                const t = order.join(time, e.time);
                later ??= new Map();
                let g = later.get(t.key);
                if (g === undefined) later.set(t.key, (g = { time: t, updates: [] }));
                g.updates.push(u);
              }
            }
          }
          leftSeen.acked = batch.seq;
          flush(here, later, time);
        }
      },
      onRight(batches, time) {
        for (const batch of batches) {
          const here: Update<R>[] = [];
          let later: Map<string, { time: Timestamp; updates: Update<R>[] }> | undefined;
          const seen = leftSeen.acked;
          for (const c of batch.changes) {
            const h = leftTrace.get(c.kk);
            if (h === undefined) continue;
            for (const e of h.entries) {
              if (e.seq > seen) continue;
              const u: Update<R> = [f(c.key, e.value, c.value), c.diff * e.diff];
              if (order.lessEqual(e.time, time)) here.push(u);
              else {
                const t = order.join(time, e.time);
                later ??= new Map();
                let g = later.get(t.key);
                if (g === undefined) later.set(t.key, (g = { time: t, updates: [] }));
                g.updates.push(u);
              }
            }
          }
          rightSeen.acked = batch.seq;
          flush(here, later, time);
        }
      },
    };
  });
}
