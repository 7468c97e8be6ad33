/** join: pairs the records of two streams that share a key and a time, emitted as soon as both are seen. */
import type { Stream } from '../stream.js';
import { exchangeBy } from '../vertex.js';
import { PerTime } from './per-time.js';
import type { Key } from './reduce.js';

export function join<A, B, K extends Key>(
  left: Stream<A>,
  right: Stream<B>,
  leftKey: (record: A) => K,
  rightKey: (record: B) => K,
  name = 'join',
): Stream<[A, B]> {
  return left.scope.binary<A, B, [A, B]>(left, right, name, [exchangeBy(leftKey), exchangeBy(rightKey)], (ctx) => {
    const state = new PerTime(() => ({ left: new Map<K, A[]>(), right: new Map<K, B[]>() }));
    return {
      onLeft(batch, time) {
        const s = state.open(time, ctx.notifyAt);
        const out: [A, B][] = [];
        for (const a of batch) {
          const k = leftKey(a);
          append(s.left, k, a);
          for (const b of s.right.get(k) ?? []) out.push([a, b]);
        }
        if (out.length > 0) ctx.send(out, time);
      },
      onRight(batch, time) {
        const s = state.open(time, ctx.notifyAt);
        const out: [A, B][] = [];
        for (const b of batch) {
          const k = rightKey(b);
          append(s.right, k, b);
          for (const a of s.left.get(k) ?? []) out.push([a, b]);
        }
        if (out.length > 0) ctx.send(out, time);
      },
      onNotify(time) {
        state.close(time);
      },
    };
  });
}

function append<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
