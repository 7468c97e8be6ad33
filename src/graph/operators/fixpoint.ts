/** fixpoint: a loop that refines one value per key, emitting each key's final value once the loop is quiet. */
import type { LoopScope } from '../scope.js';
import type { Stream } from '../stream.js';
import { exchangeBy } from '../vertex.js';
import { feedbackLoop, type IterateOptions } from './iterate.js';
import { PerTime } from './per-time.js';
import type { Key } from './reduce.js';

/**
 * Runs `body` in a loop like `iterate` (its result is fed back), but emits only the fixpoint: for each
 * input time, once nothing circulates in the loop any more, the records of each key from the last round
 * that produced that key. Where `iterate` emits every round's result as it comes (all the intermediate
 * values), `fixpoint` suits a body that improves a value per key until it stops changing (labels,
 * distances), as differential's `iterate` does for collections.
 *
 * @example
 * // Each start's Collatz walk, emitted once, at its end: [start, 1, steps].
 * const ends = walks.fixpoint(([start]) => start, (w) =>
 *   w.filter(([, v]) => v !== 1).map(([s, v, n]): Walk => [s, v % 2 === 0 ? v / 2 : 3 * v + 1, n + 1]),
 * );
 */
export function fixpoint<T, K extends Key>(stream: Stream<T>, key: (record: T) => K, body: (variable: Stream<T>, loop: LoopScope) => Stream<T>, options: IterateOptions = {}): Stream<T> {
  const { loop, variable } = feedbackLoop(stream, body, options);
  // The round a record was made in, kept as it leaves the loop (leaving drops the counter); round 0 is the input.
  const rounds = variable.mapWithTime((r, time) => [time.counters[time.counters.length - 1]!, r] as [number, T], 'fixpoint.round');
  return stream.scope.unary<[number, T], T>(loop.leave(rounds), 'fixpoint', exchangeBy<[number, T]>(([, r]) => key(r)), (ctx) => {
    const latest = new PerTime(() => new Map<K, { round: number; records: T[] }>());
    return {
      onRecv(batch, time) {
        const byKey = latest.open(time, ctx.notifyAt);
        for (const [round, r] of batch) {
          const k = key(r);
          const held = byKey.get(k);
          if (held === undefined || round > held.round) byKey.set(k, { round, records: [r] });
          else if (round === held.round) held.records.push(r);
        }
      },
      onNotify(time) {
        const out: T[] = [];
        for (const { records } of latest.close(time)!.values()) out.push(...records);
        if (out.length > 0) ctx.send(out, time);
      },
    };
  });
}
