/** broadcast: every worker receives every record. */
import type { Stream } from '../stream.js';
import { exchangeBy, pipeline } from '../vertex.js';

/**
 * Sends every record to every worker (each gets its own copy; on one worker, the stream as it is).
 * Records follow the record rules, as on any exchange.
 *
 * @example
 * // Every worker learns the full list of query points.
 * const everywhere = queries.broadcast();
 */
export function broadcast<T>(stream: Stream<T>, name = 'broadcast'): Stream<T> {
  const scope = stream.scope;
  const fanned = scope.unary<T, [number, T]>(stream, `${name}.fan`, pipeline, (ctx) => ({
    onRecv(batch, time) {
      const out: [number, T][] = [];
      for (let w = 0; w < ctx.peers; w++) for (let i = 0; i < batch.length; i++) out.push([w, batch[i]!]);
      ctx.send(out, time);
    },
  }));
  return scope.unary<[number, T], T>(fanned, name, exchangeBy<[number, T]>(([w]) => w), (ctx) => ({
    onRecv(batch, time) {
      ctx.send(
        batch.map(([, r]) => r),
        time,
      );
    },
  }));
}
