import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const index = JSON.stringify(resolve(here, '../../dist/src/index.js'));

/**
 * A fresh process makes a Worker, then keeps 100,000 small arrays alive, and prints the young
 * generation's size in MiB. The burst is more than the young generation holds when the Worker is made
 * (4 or 8 MiB then, depending on what loading the modules left), so collections run during it; with
 * 40,000 arrays a process whose young generation was already 8 MiB collected nothing and did not grow
 * (one run in four here).
 */
function youngAfterBurst(env: Record<string, string>, flags: string[] = []): { mib: number; stderr: string; status: number | null } {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    const { Worker } = await import(${index});
    new Worker();
    const keep = [];
    for (let i = 0; i < 100000; i++) keep.push([i, i]);
    const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    console.log(young.space_size / 2 ** 20, keep.length);
  `;
  const child = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, ...env } });
  return { mib: Number(child.stdout.split(' ')[0]), stderr: child.stderr, status: child.status };
}

describe('the young generation', () => {
  it('grows at once to its ceiling under a burst of surviving objects once a Worker is made, and at V8 pace with TIMELY_YOUNG_GROWTH=2', () => {
    const tuned = youngAfterBurst({});
    const own = youngAfterBurst({ TIMELY_YOUNG_GROWTH: '2' });
    expect(tuned.status, tuned.stderr).toBe(0);
    expect(own.status, own.stderr).toBe(0);
    // Here: 32 MiB (the ceiling) against 16 at V8's pace, in 22 runs of each, 10 of them beside two busy loops.
    expect(tuned.mib).toBeGreaterThanOrEqual(2 * own.mib);
  });

  it('is left to a semi-space flag the process was started with, on the command line or in NODE_OPTIONS', () => {
    const own = youngAfterBurst({ TIMELY_YOUNG_GROWTH: '2' });
    const given = youngAfterBurst({}, ['--semi-space-growth-factor=2']);
    expect(given.status, given.stderr).toBe(0);
    expect(given.mib).toBe(own.mib);
    // NODE_OPTIONS takes --max-semi-space-size (not the growth factor): a ceiling of 16 MiB, V8's own, at V8's pace.
    const options = youngAfterBurst({ NODE_OPTIONS: '--max-semi-space-size=16' });
    expect(options.status, options.stderr).toBe(0);
    expect(options.mib).toBe(own.mib);
  });

  it('refuses a TIMELY_YOUNG_GROWTH that is not an integer from 1 to 64 with INVALID_OPTION', () => {
    for (const bad of ['x', '0', '2.5', '65']) {
      const r = youngAfterBurst({ TIMELY_YOUNG_GROWTH: bad });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain('INVALID_OPTION');
      expect(r.stderr).toContain(`TIMELY_YOUNG_GROWTH must be an integer from 1 to 64 (2 is V8's own), got '${bad}'`);
    }
  });
});
