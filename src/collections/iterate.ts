/** Iteration: the fixpoint of a collection's body for every epoch, in a loop scope with a variable fed back. */
import { GraphError } from '../graph/errors.js';
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
  return iterateTogether([start], ([variable], iteration) => [body(variable, iteration)], name)[0];
}

/**
 * Collections of the record types of the tuple `T`, one each, in order: what `iterateTogether` takes,
 * gives its body, and returns.
 *
 * @example const pair: Collections<[number, [number, number]]> = [nodes, edges];
 */
export type Collections<T extends readonly unknown[]> = { readonly [I in keyof T]: Collection<T[I]> };

/**
 * The fixpoint of several collections defined by each other, for every epoch: one loop with a variable
 * per collection of `starts`. `body(variables, iteration)` sees the starts at round 0, and after that
 * its own results of the round before, and returns one result per variable, in order; what leaves is
 * each result once nothing changes. For rules that refer to each other (the ends of even and of odd
 * walks, mutually recursive relations), where one `iterate` would have to tag each record with the
 * relation it belongs to. Every start is of one scope; collections from outside come in
 * with `iteration.enter`. A body that returns another number of collections than it was given is
 * refused with `INVALID_OPTION`.
 *
 * @example
 * // The nodes at an even and at an odd number of steps from the roots.
 * const [even, odd] = iterateTogether([roots, roots.filter(() => false)], ([even, odd], it) => {
 *   const steps = it.enter(edges);                  // edges: Collection<[number, number]>
 *   const next = (c: Collection<number>) => c.map((n) => [n, 0] as [number, number]).joinMap(steps, (_n, _z, m) => m);
 *   return [it.enter(roots).concat(next(odd)).distinct(), next(even).distinct()];
 * });
 */
export function iterateTogether<T extends readonly unknown[] | []>(starts: Collections<T>, body: (variables: Collections<T>, iteration: Iteration) => Collections<T>, name = 'iterate'): Collections<T> {
  const n = starts.length;
  if (n === 0) throw new GraphError('INVALID_OPTION', `${name}: iterateTogether needs at least one collection to iterate`);
  const loop = starts[0]!.scope.loop(name);
  // One variable: its stages keep the names `iterate` always gave them.
  const named = (what: string, i: number) => (n === 1 ? `${name}.${what}` : `${name}.${i}.${what}`);
  const entered = starts.map((start) => new Collection<unknown>(loop.enter(start.stream)));
  const feedbacks = entered.map((_, i) => loop.feedback<Update<unknown>>({ name: named('feedback', i) }));
  const variables = entered.map((e, i) => e.concat(new Collection<unknown>(feedbacks[i]!.stream)));
  const results = body(variables as unknown as Collections<T>, new Iteration(loop)) as readonly Collection<unknown>[];
  if (!Array.isArray(results) || results.length !== n || !results.every((r) => r instanceof Collection)) {
    const got = Array.isArray(results) ? `${results.length} value(s)` : typeof results;
    throw new GraphError('INVALID_OPTION', `${name}: the body must return ${n} collection(s), one per variable in order, and returned ${got}`);
  }
  // Said here in the collections' words: the graph would name the stages that join the result to the loop.
  results.forEach((result, i) => {
    if (result.scope !== loop) {
      const which = n === 1 ? 'its result' : `result ${i}`;
      throw new GraphError('SCOPE_MISMATCH', `${name}: the body returned as ${which} a collection made outside this loop (or inside a loop within it): make results from the variables, and bring other collections in with it.enter(collection)`, { loop: name });
    }
  });
  return results.map((result, i) => {
    // The start's updates come in at round 0 only; at a later round the feedback is the result's
    // updates alone, which need no consolidation when the result is consolidated already (a reduce's,
    // as a loop's result usually is): they go round at once instead of waiting for their round to complete.
    const already = isConsolidated(result.stream) ? (t: Timestamp) => t.iteration > 0 : undefined;
    feedbacks[i]!.connect(consolidateStream(result.concat(entered[i]!.negate(named('start-negated', i))).stream, named('next', i), false, already));
    return new Collection<unknown>(loop.leave(result.stream));
  }) as unknown as Collections<T>;
}
