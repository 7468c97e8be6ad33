import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/src/index.js');

describe('what waits for a time to complete', () => {
  it('updates that cancel within an open epoch do not pile up while they wait for it (consolidate, subscribe)', () => {
    // In a child process with a collector it can call. 2,000,000 updates come in one epoch, each
    // record inserted then removed; the epoch stays open while the heap is measured.
    const script = `
      import { Worker, newCollection } from ${JSON.stringify(dist)};
      const worker = new Worker();
      let changes = -1;
      const { xs, probe } = worker.dataflow((scope) => {
        const xs = newCollection(scope, 'xs');
        xs.collection.subscribe((c) => { changes = c.length; });
        return { xs, probe: xs.collection.consolidate().probe() };
      });
      const settle = () => { while (worker.step()); };
      const heapAt = [];
      for (let round = 0; round < 20; round++) {
        for (let i = 0; i < 50000; i++) xs.insert(round * 50000 + i);
        xs.flush();
        settle();
        for (let i = 0; i < 50000; i++) xs.remove(round * 50000 + i);
        xs.flush();
        settle();
        if (round === 1 || round === 19) {
          global.gc();
          heapAt.push(process.memoryUsage().heapUsed);
        }
      }
      xs.insert(7);
      xs.close();
      worker.run();
      console.log(JSON.stringify({ heapAt, changes, passed: probe.passed(0) }));`;
    const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    const { heapAt, changes, passed } = JSON.parse(r.stdout) as { heapAt: [number, number]; changes: number; passed: boolean };
    expect(passed).toBe(true);
    // Only the record 7 is left in the epoch's changes.
    expect(changes).toBe(1);
    // Kept until the epoch completes, the 1,800,000 updates of rounds 2 to 19 would take over 100 MB.
    expect(heapAt[1] - heapAt[0]).toBeLessThan(16 << 20);
  });
});
