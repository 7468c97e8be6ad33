/** accumulate: folds each time's records on each worker into one value, sent once the time is complete. */
import type { Stream } from '../stream.js';
import { pipeline } from '../vertex.js';
import { PerTime } from './per-time.js';

/**
 * Folds the records of each time on this worker, starting from `init()`, and sends the result once no
 * more records of that time can arrive: one record per time per worker that saw records at it. Combine
 * the workers' results downstream (for one total, exchange them to one worker and fold again, as `sum`
 * does).
 *
 * @example
 * // The largest record of each epoch, on each worker.
 * const maxima = stream.accumulate(() => -Infinity, (m, x: number) => Math.max(m, x));
 */
export function accumulate<T, A>(stream: Stream<T>, init: () => A, fold: (aggregate: A, record: T) => A, name = 'accumulate'): Stream<A> {
  return stream.scope.unary<T, A>(stream, name, pipeline, (ctx) => {
    const state = new PerTime(() => ({ value: init() }));
    return {
      onRecv(batch, time) {
        const s = state.open(time, ctx.notifyAt);
        let v = s.value;
        for (let i = 0; i < batch.length; i++) v = fold(v, batch[i]!);
        s.value = v;
      },
      onNotify(time) {
        ctx.send([state.close(time)!.value], time);
      },
    };
  });
}
