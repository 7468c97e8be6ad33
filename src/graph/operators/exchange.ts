/** exchange: moves each record to the worker its key hashes to (nothing moves on a single worker). */
import type { Stream } from '../stream.js';
import { exchangeBy } from '../vertex.js';

export function exchange<T>(stream: Stream<T>, key: (record: T) => number | string, name = 'exchange'): Stream<T> {
  return stream.scope.unary<T, T>(stream, name, exchangeBy(key), (ctx) => ({
    onRecv: (batch, time) => ctx.send(batch as T[], time),
  }));
}
