/** filter: keeps the records a predicate accepts. */
import type { Stream } from '../stream.js';
import { pipeline } from '../vertex.js';

export function filter<T>(stream: Stream<T>, keep: (record: T) => boolean, name = 'filter'): Stream<T> {
  return stream.scope.unary<T, T>(stream, name, pipeline, (ctx) => ({
    onRecv(batch, time) {
      const out: T[] = [];
      for (let i = 0; i < batch.length; i++) {
        const r = batch[i]!;
        if (keep(r)) out.push(r);
      }
      if (out.length > 0) ctx.send(out, time);
    },
  }));
}
