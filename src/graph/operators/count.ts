/** count and sum: one total per time, summed across workers on worker 0. */
import type { Stream } from '../stream.js';
import { exchangeBy, pipeline } from '../vertex.js';
import { PerTime } from './per-time.js';

/** Each worker adds up `value` of its records (or counts them, without `value`) per time; worker 0 adds up the workers' partial totals. */
export function sum<T>(stream: Stream<T>, value: ((record: T) => number) | undefined, name = 'sum'): Stream<number> {
  const partial = stream.scope.unary<T, number>(stream, `${name}.partial`, pipeline, (ctx) => {
    const totals = new PerTime(() => ({ total: 0 }));
    return {
      onRecv(batch, time) {
        const s = totals.open(time, ctx.notifyAt);
        if (value === undefined) {
          s.total += batch.length;
          return;
        }
        let t = s.total;
        for (let i = 0; i < batch.length; i++) t += value(batch[i]!);
        s.total = t;
      },
      onNotify(time) {
        ctx.send([totals.close(time)!.total], time);
      },
    };
  });
  return stream.scope.unary<number, number>(partial, name, exchangeBy(() => 0), (ctx) => {
    const totals = new PerTime(() => ({ total: 0 }));
    return {
      onRecv(batch, time) {
        const s = totals.open(time, ctx.notifyAt);
        for (let i = 0; i < batch.length; i++) s.total += batch[i]!;
      },
      onNotify(time) {
        ctx.send([totals.close(time)!.total], time);
      },
    };
  });
}

/** The number of records per time, as one record at each time that had any. */
export function count<T>(stream: Stream<T>, name = 'count'): Stream<number> {
  return sum(stream, undefined, name);
}
