/** inspect: calls a function on every record and passes the stream on unchanged. */
import type { Timestamp } from '../../timestamps/timestamp.js';
import type { Stream } from '../stream.js';
import { pipeline } from '../vertex.js';

export function inspect<T>(stream: Stream<T>, f: (record: T, time: Timestamp) => void, name = 'inspect'): Stream<T> {
  return stream.scope.unary<T, T>(stream, name, pipeline, (ctx) => ({
    onRecv(batch, time) {
      for (let i = 0; i < batch.length; i++) f(batch[i]!, time);
      ctx.send(batch as T[], time);
    },
  }));
}
