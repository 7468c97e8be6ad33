/** distinct: the first record of each key at each time, emitted as soon as it is seen. */
import type { Stream } from '../stream.js';
import { exchangeBy } from '../vertex.js';
import { PerTime } from './per-time.js';
import type { Key } from './reduce.js';

/** By default a record's key is the record itself (numbers and strings) or its JSON text. */
export function distinct<T>(stream: Stream<T>, key: (record: T) => Key = defaultKey, name = 'distinct'): Stream<T> {
  return stream.scope.unary<T, T>(stream, name, exchangeBy(key), (ctx) => {
    const seen = new PerTime(() => new Set<Key>());
    return {
      onRecv(batch, time) {
        const s = seen.open(time, ctx.notifyAt);
        const out: T[] = [];
        for (let i = 0; i < batch.length; i++) {
          const r = batch[i]!;
          const k = key(r);
          if (s.has(k)) continue;
          s.add(k);
          out.push(r);
        }
        if (out.length > 0) ctx.send(out, time);
      },
      onNotify(time) {
        seen.close(time);
      },
    };
  });
}

export function defaultKey(record: unknown): Key {
  return typeof record === 'number' || typeof record === 'string' ? record : JSON.stringify(record);
}
