/** Join of two arrangements: each new batch of one side meets what the operator has already seen of the other. */
import type { Stream } from '../graph/stream.js';
import { pipeline } from '../graph/vertex.js';
import type { Timestamp } from '../timestamps/timestamp.js';
import type { Arrangement } from './arrange.js';
import { Consolidator, MESSAGE_UPDATES, type Update } from './consolidate.js';
import { overflowed, pastSafe } from './record-key.js';
import type { ArrangedBatch, Trace, TraceReader } from './trace.js';

/** About how many pairs a join makes before it lets the stages downstream take them (at most one message's worth). */
const PIECE = MESSAGE_UPDATES;

/**
 * The updates of `f(key, a, b)` for every pair of updates of one key, one from each side: at the join of
 * their times, with the product of their diffs. A batch of the left side meets the right trace's batches
 * the operator has already processed (and the reverse), so each pair of updates meets exactly once, and
 * the work done for a batch is proportional to the histories of its keys. What it sends is consolidated
 * per piece and time.
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
    // What meets at the batch's own time is summed per record as it is made (no update per pair).
    // One for the operator: a meet never runs inside another of the same operator.
    const here = new Consolidator<R>();
    /**
     * Each change of `batch` against the entries of `other` (the batches this operator has seen of it):
     * `f(key, a, b)` with the change's value as `a` (as `b` when `swapped`) and the entry's as the other,
     * at the join of their times, with the product of their diffs; sent grouped by time, most at the
     * batch's own.
     */
    const meet = (batch: ArrangedBatch<K, unknown>, other: Trace<K, unknown>, seen: number, time: Timestamp, swapped: boolean) => {
      let later: Map<string, { time: Timestamp; updates: Update<R>[] }> | undefined;
      const { kks, keys, values, diffs } = batch;
      // Neighbouring entries mostly share one time (the histories of one trace number their times
      // alike): each run is compared with `time` (and its output time found) once.
      let last = -1;
      let lastIn = false;
      let lastGroup: Update<R>[] | undefined;
      let made = 0;
      for (let i = 0; i < kks.length; i++) {
        // A large output goes downstream in pieces, between keys.
        if (made >= PIECE) {
          made = 0;
          sendAll(time, later);
          ctx.flush();
        }
        // Looked up afresh for each key: a flush may have grown the other trace's columns.
        const histories = other.histories;
        const s = histories.slot(kks[i]!);
        if (s < 0) continue;
        const from = histories.at[s]!;
        const end = from + histories.lengths[s]!;
        made += end - from;
        const { nums: hNums, otherValues: hOthers, times: hTimes, timeOf, diffs: hDiffs, seqs: hSeqs } = histories.entries;
        const key = keys[i]!;
        const value = values[i];
        const diff = diffs[i]!;
        for (let j = from; j < end; j++) {
          if (hSeqs[j]! > seen) continue;
          const num = hNums[j]!;
          const other = num === num ? num : hOthers![j];
          const r = swapped ? f(key, other as A, value as B) : f(key, value as A, other as B);
          const d = diff * hDiffs[j]!;
          if (pastSafe(d)) throw overflowed(`join '${name}'`, r, d);
          const ti = hTimes[j]!;
          if (ti !== last) {
            last = ti;
            const t = timeOf[ti]!;
            lastIn = order.lessEqual(t, time);
            lastGroup = undefined;
            if (!lastIn) {
              const at = order.join(time, t);
              later ??= new Map();
              let grp = later.get(at.key);
              if (grp === undefined) later.set(at.key, (grp = { time: at, updates: [] }));
              lastGroup = grp.updates;
            }
          }
          if (lastIn) here.add(r, d);
          else lastGroup!.push([r, d]);
        }
      }
      sendAll(time, later);
    };
    /**
     * Sends what met at the batch's own time, consolidated, then what each later time's group holds,
     * consolidated through the same (then empty) `Consolidator`, and empties the groups. Many pairs meet
     * to make one record (in BFS, the in-neighbours of a node at one distance all offer it the next): a
     * piece of a large output shrinks 3–12 times here, before anything downstream handles each update.
     */
    const sendAll = (time: Timestamp, later: Map<string, { time: Timestamp; updates: Update<R>[] }> | undefined) => {
      if (here.size > 0) here.drain((out) => ctx.send(out, time));
      if (later === undefined) return;
      for (const grp of later.values()) {
        const { updates } = grp;
        if (updates.length === 0) continue;
        for (let i = 0; i < updates.length; i++) here.addUpdate(updates[i]!);
        updates.length = 0;
        here.drain((out) => ctx.send(out, grp.time));
      }
    };
    return {
      onLeft(batches, time) {
        for (const batch of batches) {
          meet(batch, rightTrace, rightSeen.acked, time, false);
          leftSeen.acked = batch.seq;
        }
      },
      onRight(batches, time) {
        for (const batch of batches) {
          meet(batch, leftTrace, leftSeen.acked, time, true);
          rightSeen.acked = batch.seq;
        }
      },
    };
  });
}
