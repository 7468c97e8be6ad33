/** map: applies a function to every record. */
import type { Stream } from '../stream.js';
import { pipeline } from '../vertex.js';

export function map<T, U>(stream: Stream<T>, f: (record: T) => U, name = 'map'): Stream<U> {
  return stream.scope.unary<T, U>(stream, name, pipeline, (ctx) => ({
    onRecv(batch, time) {
      const n = batch.length;
      const out = new Array<U>(n);
      for (let i = 0; i < n; i++) out[i] = f(batch[i]!);
      ctx.send(out, time);
    },
  }));
}
