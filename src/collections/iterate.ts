/** Iteration: the fixpoint of a collection's body for every epoch, in a loop scope with a variable fed back. */
import type { LoopScope } from '../graph/scope.js';
import { pipeline } from '../graph/vertex.js';
import { counterCopy, Timestamp } from '../timestamps/timestamp.js';
import { Collection } from './collection.js';
import type { Update } from './consolidate.js';
import { CollectionError } from './errors.js';
import { consolidateStream, isConsolidated } from './linear.js';
import { previewRecord } from './record-key.js';

/**
 * The loop an `iterate` body runs in: `enter` brings collections from outside into it (their updates
 * at round 0 of every epoch).
 *
 * @example
 * labels.iterate((inner, it) => inner.joinMap(it.enter(edges), (_n, l, m) => [m, l] as [number, number]).concat(it.enter(labels)).min())
 */
export class Iteration {
  /** The loop scope of the iteration's times (one more counter than outside). */
  readonly loop: LoopScope;

  constructor(loop: LoopScope) {
    this.loop = loop;
  }

  /** `collection` (from the scope around the loop) inside the loop. */
  enter<U>(collection: Collection<U>): Collection<U> {
    return new Collection<U>(this.loop.enter(collection.stream));
  }

  /**
   * `collection` inside the loop, each update entering at round `round(record)` of its epoch instead of
   * round 0 (a non-negative safe integer; BAD_ROUND otherwise). The fixpoint is the same; what changes
   * is the order the loop reaches it in. Label propagation that lets small labels in first (a round
   * growing with the label's logarithm, as differential dataflow's `propagate_at`) changes most nodes'
   * labels once, instead of once for every larger label that reaches them first. Start such a loop
   * from an empty collection, or the start brings everything in at round 0 anyway.
   *
   * @example
   * // Connected components, the smallest labels first (labels 2^k .. 2^(k+1) - 1 enter at round 64k):
   * const labels = nodes.filter(() => false).iterate((inner, it) =>
   *   inner.joinMap(it.enter(edges), (_n, label, next) => [next, label] as [number, number])
   *     .concat(it.enterAt(nodes, ([, label]) => 64 * Math.floor(Math.log2(label + 1)))).min());
   */
  enterAt<U>(collection: Collection<U>, round: (record: U) => number, name = 'enter-at'): Collection<U> {
    const entered = this.loop.enter(collection.stream);
    const delayed = entered.scope.unary<Update<U>, Update<U>>(entered, name, pipeline, (ctx) => ({
      onRecv(batch, time) {
        // Updates bound for round 0 go on at once; the others in one message per round, in the
        // order their rounds first came.
        let now: Update<U>[] | undefined;
        let later: Map<number, Update<U>[]> | undefined;
        for (let i = 0; i < batch.length; i++) {
          const u = batch[i]!;
          const r = round(u[0]);
          if (r === 0) (now ??= []).push(u);
          else {
            if (!Number.isSafeInteger(r) || r < 0) {
              throw new CollectionError('BAD_ROUND', `${name}: a round must be a non-negative safe integer, got ${String(r)} for ${previewRecord(u[0])}`, { round: String(r) });
            }
            later ??= new Map();
            const group = later.get(r);
            if (group === undefined) later.set(r, [u]);
            else group.push(u);
          }
        }
        if (now !== undefined) ctx.send(now, time);
        if (later === undefined) return;
        // Entered at round 0: the loop's counter is the last, and becomes r.
        const depth = time.counters.length;
        for (const [r, group] of later) {
          const counters = counterCopy(time.counters, depth);
          counters[depth - 1] = r;
          ctx.send(group, Timestamp.trusted(time.epoch, counters));
        }
      },
    }));
    return new Collection<U>(delayed);
  }
}

/**
 * The variable starts as `start` (entered at round 0); at round i+1 it is the body's result at round i:
 * the feedback carries the result's updates minus the start's, consolidated per time, so that an
 * unchanged result sends nothing round and the loop ends. What leaves is the result's updates of every
 * round, which accumulate to its fixpoint.
 */
export function iterate<T>(start: Collection<T>, body: (variable: Collection<T>, iteration: Iteration) => Collection<T>, name: string): Collection<T> {
  const loop = start.scope.loop(name);
  const entered = new Collection<T>(loop.enter(start.stream));
  const feedback = loop.feedback<Update<T>>({ name: `${name}.feedback` });
  const variable = entered.concat(new Collection<T>(feedback.stream));
  const result = body(variable, new Iteration(loop));
  // The start's updates come in at round 0 only; at a later round the feedback is the result's updates
  // alone, which need no consolidation when the result is consolidated already (a reduce's, as a
  // loop's result usually is): they go round at once instead of waiting for their round to complete.
  const already = isConsolidated(result.stream) ? (t: Timestamp) => t.iteration > 0 : undefined;
  feedback.connect(consolidateStream(result.concat(entered.negate(`${name}.start-negated`)).stream, `${name}.next`, false, already));
  return new Collection<T>(loop.leave(result.stream));
}
