/** mapWithTime: applies a function that also sees the record's time (its epoch and loop counters). */
import type { Timestamp } from '../../timestamps/timestamp.js';
import type { Stream } from '../stream.js';
import { pipeline } from '../vertex.js';

/**
 * Applies `f(record, time)` to every record; the result keeps the record's time.
 *
 * @example
 * // Tag each record with the epoch it was sent at.
 * const tagged = input.stream.mapWithTime((x, time) => [time.epoch, x] as const);
 */
export function mapWithTime<T, U>(stream: Stream<T>, f: (record: T, time: Timestamp) => U, name = 'mapWithTime'): Stream<U> {
  return stream.scope.unary<T, U>(stream, name, pipeline, (ctx) => ({
    onRecv(batch, time) {
      const out = new Array<U>(batch.length);
      for (let i = 0; i < batch.length; i++) out[i] = f(batch[i]!, time);
      ctx.send(out, time);
    },
  }));
}
