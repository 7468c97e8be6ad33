/** A worker lets go of each dataflow once it is complete: dataflow after dataflow in one worker keeps its memory bounded. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { DataflowError, execute, Worker } from '../../dist/src/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);

describe('dataflows let go of once complete', () => {
  it('one worker: the state of complete dataflows is collected once their handles are dropped', async () => {
    const worker = new Worker();
    const markers: WeakRef<object>[] = [];
    const one = (d: number): number[] => {
      const marker = { state: new Float64Array(1024) };
      markers.push(new WeakRef(marker));
      const { input, out } = worker.dataflow((scope) => {
        const input = scope.newInput<number>('numbers');
        return { input, out: input.stream.map((x) => x + marker.state[0]!).collect() };
      });
      input.send([d, d + 1]);
      input.close();
      worker.run();
      return out.records();
    };
    const ds = Array.from({ length: 16 }, (_, d) => d);
    const outs = ds.map(one);
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 0));
    }
    expect(outs).toEqual(ds.map((d) => [d, d + 1]));
    // The worker holds none; V8's optimized code may keep one or two alive for a while (a closure it
    // inlined as a constant: none stays with --no-opt). Held by the worker, all 16 would be.
    expect(markers.filter((m) => m.deref() !== undefined).length).toBeLessThanOrEqual(4);
  });

  it('one worker: the handles of a dataflow let go of still answer as complete, and its counts stay in stats()', () => {
    const worker = new Worker();
    const { input, probe } = worker.dataflow((scope) => {
      const input = scope.newInput<number>('numbers');
      return { input, probe: input.stream.map((x) => x + 1).probe() };
    });
    input.send([1, 2, 3]);
    input.close();
    worker.run();
    expect(probe.passed(1000)).toBe(true);
    expect(() => input.send([4])).toThrow(DataflowError);
    expect(worker.stats().records).toBeGreaterThanOrEqual(6);
  });

  it.each([1, 3])('%i worker(s): dataflow after dataflow, exchanging by key, gives the same sums and leaves none held', async (workers) => {
    const args = { n: 300, dataflows: 16 };
    const run = await execute<{ sums: [number, number][][]; live: number }>(fixture('retires.mjs'), { workers, args });
    const merged = (d: number) => run.results.flatMap((r) => r.sums[d]!).sort((a, b) => a[0] - b[0]);
    for (let d = 0; d < args.dataflows; d++) {
      const xs = Array.from({ length: args.n }, (_, i) => i * (d + 1));
      const want = [0, 1, 2].filter((k) => xs.some((x) => x % 3 === k)).map((k) => [k, xs.filter((x) => x % 3 === k).reduce((s, x) => s + x, 0)]);
      expect(merged(d)).toEqual(want);
    }
    // None held by the workers (see above: at most a few kept for a while by V8's optimized code).
    for (const r of run.results) expect(r.live).toBeLessThanOrEqual(4);
  }, 30_000);
});
