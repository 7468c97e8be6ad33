/** concat: merges streams of one scope into one stream. */
import type { Stream } from '../stream.js';

export function concat<T>(streams: readonly Stream<T>[], name = 'concat'): Stream<T> {
  const scope = streams[0]!.scope;
  return scope
    .stage({
      name,
      inputs: streams,
      vertex: (ctx) => ({ onRecv: (_edge, batch, time) => ctx.sendBy(0, batch as unknown[], time) }),
    })
    .output<T>();
}
