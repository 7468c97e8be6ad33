/** reduceByKey, countByKey, sumByKey: one aggregate per key per time, on the worker that owns the key. */
import type { Stream } from '../stream.js';
import { exchangeBy } from '../vertex.js';
import { PerTime } from './per-time.js';

export type Key = number | string;

/** Folds the records of each key at each time; emits `[key, aggregate]` once the time is complete. */
export function reduceByKey<T, K extends Key, A>(
  stream: Stream<T>,
  key: (record: T) => K,
  init: () => A,
  fold: (aggregate: A, record: T) => A,
  name = 'reduceByKey',
): Stream<[K, A]> {
  return stream.scope.unary<T, [K, A]>(stream, name, exchangeBy(key), (ctx) => {
    const groups = new PerTime(() => new Map<K, A>());
    return {
      onRecv(batch, time) {
        const g = groups.open(time, ctx.notifyAt);
        for (let i = 0; i < batch.length; i++) {
          const r = batch[i]!;
          const k = key(r);
          const prev = g.get(k);
          g.set(k, fold(prev !== undefined || g.has(k) ? (prev as A) : init(), r));
        }
      },
      onNotify(time) {
        const g = groups.close(time)!;
        ctx.send(Array.from(g), time);
      },
    };
  });
}

export function countByKey<T, K extends Key>(stream: Stream<T>, key: (record: T) => K, name = 'countByKey'): Stream<[K, number]> {
  return reduceByKey(stream, key, () => 0, (n) => n + 1, name);
}

export function sumByKey<T, K extends Key>(stream: Stream<T>, key: (record: T) => K, value: (record: T) => number, name = 'sumByKey'): Stream<[K, number]> {
  return reduceByKey(stream, key, () => 0, (s, r) => s + value(r), name);
}
