/** Benchmark job: one record bounces between the workers, `roundTrips` times there and back. */
import { exchangeBy } from '../../src/graph/vertex.js';
import type { Worker } from '../../src/workers/worker.js';

type Ball = [to: number, hop: number];
const toWorker = exchangeBy((b: Ball) => b[0]);

/**
 * Returns the hops this worker received (over all workers they add up to 2 × roundTrips), and the
 * milliseconds it took from building the dataflow to finishing.
 */
export default async function pingpong(worker: Worker, args: { roundTrips: number; async?: boolean }): Promise<{ count: number; ms: number }> {
  const t0 = performance.now();
  let hops = 0;
  const input = worker.dataflow((scope) => {
    const input = scope.newInput<Ball>('serve');
    const loop = scope.loop('rally');
    const back = loop.feedback<Ball>();
    const bounce = loop.stage({
      name: 'bounce',
      inputs: [
        { stream: loop.enter(input.stream), pact: toWorker },
        { stream: back.stream, pact: toWorker },
      ],
      vertex: (ctx) => ({
        onRecv: (_port, batch, time) => {
          for (const [, hop] of batch as Ball[]) {
            hops++;
            if (hop + 1 < 2 * args.roundTrips) ctx.sendBy(0, [[(ctx.worker + 1) % ctx.peers, hop + 1]], time);
          }
        },
      }),
    });
    back.connect(bounce.output());
    return input;
  });
  if (worker.index === 0) input.send([[0, 0]]);
  input.close();
  // With direct links (`--links direct`) the worker must wait without blocking its thread.
  if (args.async === true) await worker.runAsync();
  else worker.run();
  return { count: hops, ms: performance.now() - t0 };
}
