/** flatMap: replaces every record by the records of an iterable. */
import type { Stream } from '../stream.js';
import { pipeline } from '../vertex.js';

export function flatMap<T, U>(stream: Stream<T>, f: (record: T) => Iterable<U>, name = 'flatMap'): Stream<U> {
  return stream.scope.unary<T, U>(stream, name, pipeline, (ctx) => ({
    onRecv(batch, time) {
      const out: U[] = [];
      for (let i = 0; i < batch.length; i++) for (const u of f(batch[i]!)) out.push(u);
      if (out.length > 0) ctx.send(out, time);
    },
  }));
}
