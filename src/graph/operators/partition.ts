/** partition: splits a stream into `parts` streams by a function giving each record's part. */
import { GraphError } from '../errors.js';
import type { Stream } from '../stream.js';

export function partition<T>(stream: Stream<T>, parts: number, part: (record: T) => number, name = 'partition'): Stream<T>[] {
  if (!Number.isInteger(parts) || parts < 1) throw new GraphError('INVALID_OPTION', `${name}: parts must be a positive integer, got ${parts}`);
  const stage = stream.scope.stage({
    name,
    inputs: [stream],
    outputs: parts,
    vertex: (ctx) => ({
      onRecv(_edge, batch, time) {
        const out: T[][] = Array.from({ length: parts }, () => []);
        for (const r of batch as readonly T[]) {
          const p = part(r);
          if (!(Number.isInteger(p) && p >= 0 && p < parts)) throw new RangeError(`${name}: part ${p} is outside [0, ${parts})`);
          out[p]!.push(r);
        }
        out.forEach((b, p) => ctx.sendBy(p, b, time));
      },
    }),
  });
  return Array.from({ length: parts }, (_, p) => stage.output<T>(p));
}
