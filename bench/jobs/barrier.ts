/** Benchmark job: the barrier on every worker — an empty loop with one notification per iteration. */
import type { Worker } from '../../src/workers/worker.js';

/** Builds the barrier on `worker` and starts it; `last()` is the last iteration notified so far. */
function build(worker: Worker, iterations: number): { last: () => number } {
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
          if (time.iteration + 1 < iterations) ctx.notifyAt(time.incremented());
        },
      }),
    });
    feedback.connect(stage.output());
    return input;
  });
  input.send([0]);
  input.close();
  return { last: () => last };
}

/** The barrier run with `worker.run()`: returns the iterations done, and the milliseconds from building the dataflow to finishing. */
export function barrierSync(worker: Worker, args: { iterations: number }): { count: number; ms: number } {
  const t0 = performance.now();
  const { last } = build(worker, args.iterations);
  worker.run();
  return { count: last() + 1, ms: performance.now() - t0 };
}

/** The job: as `barrierSync`, waiting with `runAsync` when `async` is set (as direct links need). */
export default async function barrier(worker: Worker, args: { iterations: number; async?: boolean }): Promise<{ count: number; ms: number }> {
  if (args.async !== true) return barrierSync(worker, args);
  const t0 = performance.now();
  const { last } = build(worker, args.iterations);
  await worker.runAsync();
  return { count: last() + 1, ms: performance.now() - t0 };
}
