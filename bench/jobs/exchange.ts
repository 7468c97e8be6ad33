/** Benchmark job: every worker sends `records` small records, each to the worker its key names. */
import type { Worker } from '../../src/workers/worker.js';

/** Returns the records this worker received, and the milliseconds it took from building the dataflow to finishing. */
export default async function exchange(worker: Worker, args: { records: number; batch?: number; async?: boolean }): Promise<{ count: number; ms: number }> {
  const t0 = performance.now();
  let received = 0;
  const input = worker.dataflow((scope) => {
    const input = scope.newInput<[number, number]>('records');
    input.stream.exchange((r) => r[0]).inspect(() => received++).probe();
    return input;
  });
  const batch = args.batch ?? 1024;
  const mine = Math.floor(args.records / worker.peers);
  for (let start = 0; start < mine; start += batch) {
    const records: [number, number][] = [];
    for (let i = start; i < Math.min(mine, start + batch); i++) records.push([i, i * 3]);
    input.send(records);
    if (args.async === true) await worker.stepAsync();
    else worker.step();
  }
  input.close();
  // With direct links (`--links direct`) the worker must wait without blocking its thread.
  if (args.async === true) await worker.runAsync();
  else worker.run();
  return { count: received, ms: performance.now() - t0 };
}
