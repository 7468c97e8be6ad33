import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lowerBackgroundThreads } from '../../src/workers/background-threads.js';

const here = dirname(fileURLToPath(import.meta.url));
const index = JSON.stringify(resolve(here, '../../dist/src/index.js'));

interface Thread {
  readonly tid: number;
  readonly nice: number;
  readonly started: number;
}

/**
 * A fresh process makes a Worker (or runs `workers` workers on threads, each reporting its own
 * thread's nice value), reads a file the asynchronous way (which starts libuv's pool if the module
 * loader had not), and prints every thread of the process: id, nice value and start time.
 */
function threadsOf(env: Record<string, string>, flags: string[] = [], workers = 0): { main: number; threads: Thread[]; workers: { tid: number; nice: number }[]; stderr: string; status: number | null } {
  const job = `data:text/javascript,${encodeURIComponent(`
    import { readlinkSync } from 'node:fs';
    import { getPriority } from 'node:os';
    export default () => { const tid = Number(readlinkSync('/proc/thread-self').split('/').pop()); return { tid, nice: getPriority(tid) }; };
  `)}`;
  const script = `
    import { readdirSync, readFileSync, promises } from 'node:fs';
    const { Worker, execute } = await import(${index});
    const ran = ${workers} > 0 ? (await execute(${JSON.stringify(job)}, { workers: ${workers} })).results : (new Worker(), []);
    await promises.readFile('/proc/self/stat');
    const threads = [];
    for (const t of readdirSync('/proc/self/task')) {
      let stat;
      try { stat = readFileSync('/proc/self/task/' + t + '/stat', 'utf8'); } catch { continue; } // a worker thread ending
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      threads.push({ tid: Number(t), nice: Number(f[16]), started: Number(f[19]) });
    }
    console.log(JSON.stringify({ main: process.pid, threads, workers: ran }));
  `;
  const child = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...env } });
  const out = child.status === 0 ? JSON.parse(child.stdout) : { main: 0, threads: [], workers: [] };
  return { ...out, stderr: child.stderr, status: child.status };
}

/** The threads after the main one in the order they started. */
const byStart = (r: { main: number; threads: Thread[] }) => r.threads.filter((t) => t.tid !== r.main).sort((a, b) => a.started - b.started || a.tid - b.tid);

describe.runIf(process.platform === 'linux')("V8's background threads", () => {
  it.each([
    ['Node as it starts (a pool of 4)', [] as string[], 4],
    ['--v8-pool-size=2', ['--v8-pool-size=2'], 2],
  ])('%s: the first pool + 1 threads to start after the main one run at nice 19 once a Worker is made; the main thread and every later thread keep theirs', (_name, flags, pool) => {
    const r = threadsOf({}, flags);
    expect(r.status, r.stderr).toBe(0);
    const base = r.threads.find((t) => t.tid === r.main)!.nice;
    const others = byStart(r);
    // The platform's threads, the signal handler's, then libuv's pool (4) at least.
    expect(others.length).toBeGreaterThanOrEqual(pool + 1 + 1 + 4);
    expect(others.slice(0, pool + 1).map((t) => t.nice)).toEqual(new Array(pool + 1).fill(Math.max(base, 19)));
    expect(others.slice(pool + 1).map((t) => t.nice)).toEqual(new Array(others.length - pool - 1).fill(base));
  });

  it("TIMELY_V8_NICE=0 leaves them alone, and TIMELY_V8_NICE=7 sets 7", () => {
    const alone = threadsOf({ TIMELY_V8_NICE: '0' });
    expect(alone.status, alone.stderr).toBe(0);
    const base = alone.threads.find((t) => t.tid === alone.main)!.nice;
    expect(new Set(alone.threads.map((t) => t.nice))).toEqual(new Set([base]));
    const seven = threadsOf({ TIMELY_V8_NICE: '7' });
    expect(seven.status, seven.stderr).toBe(0);
    expect(byStart(seven).slice(0, 5).map((t) => t.nice)).toEqual(new Array(5).fill(Math.max(base, 7)));
  });

  it('worker threads started by execute keep the priority of the thread that started them', () => {
    const r = threadsOf({}, [], 3);
    expect(r.status, r.stderr).toBe(0);
    const base = r.threads.find((t) => t.tid === r.main)!.nice;
    expect(r.workers).toHaveLength(3);
    for (const w of r.workers) expect(w).toEqual({ tid: w.tid, nice: base });
    expect(byStart(r).slice(0, 5).map((t) => t.nice)).toEqual(new Array(5).fill(Math.max(base, 19)));
  });

  it('refuses a TIMELY_V8_NICE that is not an integer from 0 to 19 with INVALID_OPTION', () => {
    for (const bad of ['x', '-1', '2.5', '20']) {
      expect(() => lowerBackgroundThreads({ TIMELY_V8_NICE: bad })).toThrow(`TIMELY_V8_NICE must be an integer from 0 to 19 (0 leaves V8's background threads alone), got '${bad}'`);
    }
  });
});
