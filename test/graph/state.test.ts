import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/src/index.js');

describe('operator state lives as long as its time, no longer', () => {
  it('over 10,000 epochs the heap does not grow with the epochs (per-time state is freed when its time completes)', () => {
    // In a child process with a collector it can call, so that the heap it measures is only this dataflow's.
    const script = `
      import { Worker } from ${JSON.stringify(dist)};
      const worker = new Worker();
      const { input, probe } = worker.dataflow((scope) => {
        const input = scope.newInput('numbers');
        const s = input.stream;
        const key = (x) => x % 7;
        const ends = [s.count(), s.sum((x) => x), s.countByKey(key), s.sumByKey(key, (x) => x), s.reduceByKey(key, () => 0, (a, x) => a + x), s.distinct(key), s.join(s, key, key)];
        let seen = 0;
        for (const e of ends) e.inspect(() => seen++).probe();
        s.subscribe({ complete: () => {} });
        return { input, probe: s.concat(...ends.map((e) => e.map(() => 0))).probe() };
      });
      const heapAt = [];
      for (let e = 0; e < 10000; e++) {
        input.send([e, e + 1, e + 2]);
        input.advanceTo(e + 1);
        worker.stepUntil(() => probe.passed(e));
        if (e === 999 || e === 9999) {
          global.gc();
          heapAt.push(process.memoryUsage().heapUsed);
        }
      }
      input.close();
      worker.run();
      console.log(JSON.stringify(heapAt));`;
    const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    const [at1000, at10000] = JSON.parse(r.stdout) as [number, number];
    // Kept per epoch by eight operators, 9,000 more epochs would take several MB.
    expect(at10000 - at1000).toBeLessThan(1 << 20);
  });
});
