/** Iteration: the fixpoint of a collection's body for every epoch, in a loop scope with a variable fed back. */
import type { LoopScope } from '../graph/scope.js';
import type { Timestamp } from '../timestamps/timestamp.js';
import { Collection } from './collection.js';
import type { Update } from './consolidate.js';
import { consolidateStream, isConsolidated } from './linear.js';

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
