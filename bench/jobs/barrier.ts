/** Benchmark job: the barrier on every worker — an empty loop with one notification per iteration. */
import type { Worker } from '../../src/workers/worker.js';

/** Returns the iterations done, and the milliseconds this worker took from building the dataflow to finishing. */
export default function barrier(worker: Worker, args: { iterations: number }): { count: number; ms: number } {
  const t0 = performance.now();
  let last = -1;
  const input = worker.dataflow((scope) => {
    const input = scope.newInput<number>('start');
    const loop = scope.loop('barrier');
    const feedback = loop.feedback<number>();
    const stage = loop.stage({
      name: 'barrier',
      inputs: [loop.enter(input.stream), feedback.stream],
      vertex: (ctx) => ({
        onRecv: (_edge, _batch, time) => ctx.notifyAt(time),
        onNotify: (time) => {
          last = time.iteration;
          if (time.iteration + 1 < args.iterations) ctx.notifyAt(time.incremented());
        },
      }),
    });
    feedback.connect(stage.output());
    return input;
  });
  input.send([0]);
  input.close();
  worker.run();
  return { count: last + 1, ms: performance.now() - t0 };
}
