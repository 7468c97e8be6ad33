import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker as Thread } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
// Threads run built JavaScript: these tests use the build, as the CLI does.
import { execute, runThread, ThreadPool, DataflowError, WorkerError } from '../../dist/src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixture = (name: string) => join(here, 'fixtures', name);

interface Whoami {
  threadId: number;
  computations: number;
  received: number;
}

/** Runs `body` with a new pool, closed afterwards whatever happens. */
async function withPool(options: ConstructorParameters<typeof ThreadPool>[0], body: (pool: ThreadPool) => Promise<void>): Promise<void> {
  const pool = new ThreadPool(options);
  try {
    await body(pool);
  } finally {
    await pool.close();
  }
}

describe('ThreadPool', () => {
  it('runs computation after computation on the same threads, each answer whole', async () => {
    await withPool({}, async (pool) => {
      const runs: Whoami[][] = [];
      for (let r = 0; r < 3; r++) runs.push((await execute<Whoami>(fixture('whoami.mjs'), { workers: 3, pool, args: { n: 300 } })).results);
      const threadsOf = (run: Whoami[]) => run.map((w) => w.threadId).sort((a, b) => a - b);
      expect(new Set(threadsOf(runs[0]!)).size).toBe(3);
      expect(threadsOf(runs[1]!)).toEqual(threadsOf(runs[0]!));
      expect(threadsOf(runs[2]!)).toEqual(threadsOf(runs[0]!));
      for (const run of runs) expect(run.reduce((a, w) => a + w.received, 0)).toBe(300);
      // The job module is imported once per thread: its top-level state lives on (as documented).
      expect(runs.map((run) => run.map((w) => w.computations))).toEqual([[1, 1, 1], [2, 2, 2], [3, 3, 3]]);
      // By default the pool keeps as many threads as its largest computation had workers.
      expect(pool.idle).toBe(3);
      await execute(fixture('whoami.mjs'), { workers: 2, pool });
      expect(pool.idle).toBe(3);
    });
  });

  it('gives computations run at once threads of their own, and keeps what it was told to', async () => {
    await withPool({ keep: 3 }, async (pool) => {
      const [a, b] = await Promise.all([
        execute<Whoami>(fixture('whoami.mjs'), { workers: 2, pool }),
        execute<Whoami>(fixture('whoami.mjs'), { workers: 2, pool }),
      ]);
      const ids = [...a.results, ...b.results].map((w) => w.threadId);
      expect(new Set(ids).size).toBe(4);
      expect(a.results.reduce((s, w) => s + w.received, 0)).toBe(100);
      expect(b.results.reduce((s, w) => s + w.received, 0)).toBe(100);
      // Four threads came back; the pool keeps three.
      expect(pool.idle).toBe(3);
    });
  });

  it('stops the threads of a computation that fails or whose thread exits, and starts new ones for the next', async () => {
    await withPool({}, async (pool) => {
      const first = (await execute<Whoami>(fixture('whoami.mjs'), { workers: 3, pool })).results.map((w) => w.threadId);
      const t0 = Date.now();
      await expect(execute(fixture('throws.mjs'), { workers: 3, pool })).rejects.toBeInstanceOf(DataflowError);
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect(pool.idle).toBe(0);
      const next = await execute<Whoami>(fixture('whoami.mjs'), { workers: 3, pool });
      expect(next.results.reduce((s, w) => s + w.received, 0)).toBe(100);
      for (const w of next.results) expect(first).not.toContain(w.threadId);
      expect(next.results.map((w) => w.computations)).toEqual([1, 1, 1]);
      // A pooled thread that exits takes its computation down with WORKER_DIED, as a fresh one does.
      await expect(execute(fixture('dies.mjs'), { workers: 2, pool })).rejects.toMatchObject({ code: 'WORKER_DIED', message: expect.stringMatching(/worker 1 exited with code 3/) });
      expect(pool.idle).toBe(1);
      const after = await execute<Whoami>(fixture('whoami.mjs'), { workers: 3, pool });
      expect(after.results.reduce((s, w) => s + w.received, 0)).toBe(100);
    });
  });

  it('cancels a computation on pooled threads with CANCELLED, and goes on serving', async () => {
    await withPool({}, async (pool) => {
      await execute(fixture('whoami.mjs'), { workers: 2, pool });
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('enough')), 300);
      await expect(execute(fixture('forever.mjs'), { workers: 2, pool, signal: controller.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
      expect(pool.idle).toBe(0);
      const again = await execute<Whoami>(fixture('whoami.mjs'), { workers: 2, pool });
      expect(again.results.reduce((s, w) => s + w.received, 0)).toBe(100);
    });
  });

  it('drops a waiting thread that fails (a timer its job left behind throws), without disturbing the caller', async () => {
    await withPool({}, async (pool) => {
      expect((await execute<number>(fixture('leaves-timer.mjs'), { workers: 2, pool })).results).toEqual([0, 1]);
      expect(pool.idle).toBe(2);
      for (let waited = 0; pool.idle > 0 && waited < 5000; waited += 20) await new Promise((r) => setTimeout(r, 20));
      expect(pool.idle).toBe(0);
      const next = await execute<Whoami>(fixture('whoami.mjs'), { workers: 2, pool });
      expect(next.results.map((w) => w.computations)).toEqual([1, 1]);
    });
  });

  it('starts threads ahead of the first computation when told to, and runs that computation on them', async () => {
    await withPool({ start: 2, keep: 8 }, async (pool) => {
      expect(pool.idle).toBe(2);
      const { results } = await execute<Whoami>(fixture('whoami.mjs'), { workers: 2, pool });
      expect(results.reduce((s, w) => s + w.received, 0)).toBe(100);
      // Had the computation started threads of its own, four would be waiting now.
      expect(pool.idle).toBe(2);
    });
  });

  it('runs even one worker in a thread of its own', async () => {
    await withPool({}, async (pool) => {
      const { results } = await execute<Whoami>(fixture('whoami.mjs'), { pool });
      expect(results).toHaveLength(1);
      expect(results[0]!.threadId).not.toBe(0);
      expect(pool.idle).toBe(1);
    });
  });

  it('imports the preload modules on every thread once, before its first job; one that fails is the job’s BAD_MODULE', async () => {
    await withPool({ start: 2, preload: [fixture('preloaded.mjs'), fixture('broken-import.mjs')] }, async (pool) => {
      expect((await execute<number>(fixture('was-preloaded.mjs'), { workers: 2, pool })).results).toEqual([1, 1]);
      // A third thread, started for a larger computation, preloads too.
      expect((await execute<number>(fixture('was-preloaded.mjs'), { workers: 3, pool })).results).toEqual([1, 1, 1]);
      await expect(execute(fixture('broken-import.mjs'), { workers: 2, pool })).rejects.toMatchObject({ code: 'BAD_MODULE', message: expect.stringMatching(/cannot be loaded/) });
    });
    await withPool({ start: 1 }, async (pool) => {
      expect((await execute<number>(fixture('was-preloaded.mjs'), { workers: 1, pool })).results).toEqual([0]);
    });
    expect(() => new ThreadPool({ preload: 'job.mjs' as unknown as string[] })).toThrow(/preload must be an array of module paths or URLs/);
  });

  it('starts its threads on the entry script it is given: a job linked into it runs without an import, any other is imported', async () => {
    await withPool({ start: 3, entry: fixture('linked-entry.mjs') }, async (pool) => {
      const linked = await execute<Whoami & { linked?: boolean }>(fixture('whoami.mjs'), { workers: 3, pool, args: { n: 200 } });
      expect(linked.results.map((w) => w.linked)).toEqual([true, true, true]);
      expect(linked.results.reduce((a, w) => a + w.received, 0)).toBe(200);
      const imported = await execute<number>(fixture('was-preloaded.mjs'), { workers: 3, pool });
      expect(imported.results).toEqual([0, 0, 0]);
    });
    // The default entry imports whoami.mjs itself: no mark.
    await withPool({}, async (pool) => {
      expect((await execute<Whoami & { linked?: boolean }>(fixture('whoami.mjs'), { workers: 2, pool })).results.map((w) => w.linked)).toEqual([undefined, undefined]);
    });
    expect(() => new ThreadPool({ entry: fixture('no-such-entry.mjs') })).toThrow(/entry .*no-such-entry\.mjs is not a file on this machine/);
    expect(() => new ThreadPool({ entry: 42 as unknown as string })).toThrow(/entry must be the path or URL of a built JavaScript file/);
    await expect(runThread()).rejects.toMatchObject({ code: 'INVALID_OPTION', message: expect.stringMatching(/call it from the entry script a thread starts with/) });
    // A thread started on the entry by hand, not by a pool: refused, not a TypeError.
    const stray = new Thread(fixture('linked-entry.mjs'));
    const failure = await new Promise<Error>((resolve) => stray.once('error', resolve));
    expect(failure).toMatchObject({ code: 'INVALID_OPTION', message: expect.stringMatching(/name this script as a ThreadPool entry/) });
  });

  it('refuses a closed pool, and a bad keep or start, with INVALID_OPTION', async () => {
    const pool = new ThreadPool();
    await execute(fixture('whoami.mjs'), { workers: 2, pool });
    expect(pool.idle).toBe(2);
    await pool.close();
    expect(pool.idle).toBe(0);
    await expect(execute(fixture('whoami.mjs'), { workers: 2, pool })).rejects.toMatchObject({ code: 'INVALID_OPTION', message: expect.stringMatching(/the pool was closed/) });
    for (const keep of [-1, 1.5, 1000]) expect(() => new ThreadPool({ keep })).toThrow(WorkerError);
    for (const start of [-1, 0.5, 257]) expect(() => new ThreadPool({ start })).toThrow(/start must be an integer from 0 to 256/);
    await expect(execute(fixture('whoami.mjs'), { workers: 2, pool: {} as ThreadPool })).rejects.toMatchObject({ code: 'INVALID_OPTION', message: expect.stringMatching(/pool must be a ThreadPool/) });
  });

  it('starts its threads with the resource limits given, those it starts at once and those it starts later; refuses a bad one with INVALID_OPTION', async () => {
    await withPool({ start: 1, resourceLimits: { maxYoungGenerationSizeMb: 8 } }, async (pool) => {
      // One thread started with the pool, one started for the second worker.
      const { results } = await execute<{ maxYoungGenerationSizeMb: number }>(fixture('limits.mjs'), { workers: 2, pool });
      expect(results.map((r) => r.maxYoungGenerationSizeMb)).toEqual([8, 8]);
    });
    await withPool({}, async (pool) => {
      const { results } = await execute<{ maxYoungGenerationSizeMb: number }>(fixture('limits.mjs'), { workers: 1, pool });
      expect(results[0]!.maxYoungGenerationSizeMb).not.toBe(8);
    });
    expect(() => new ThreadPool({ resourceLimits: { maxYoungGenerationSizeMb: 0 } })).toThrow(/resourceLimits.maxYoungGenerationSizeMb must be a positive number of megabytes, got 0/);
    expect(() => new ThreadPool({ resourceLimits: { youngMb: 8 } as never })).toThrow(/resourceLimits.youngMb is not a limit of a thread/);
    expect(() => new ThreadPool({ resourceLimits: 12 as never })).toThrow(WorkerError);
  });

  it('lets the process exit while its threads wait, under `node --input-type=module -e` and V8 options', () => {
    const index = JSON.stringify(resolve(here, '../../dist/src/index.js'));
    const script = `
      import { execute, ThreadPool } from ${index};
      const pool = new ThreadPool();
      const { results } = await execute(${JSON.stringify(fixture('whoami.mjs'))}, { workers: 2, pool });
      console.log(results.length, pool.idle);
      const options = await execute('data:text/javascript,import { execArgv } from "node:process"; export default () => execArgv', { workers: 2, pool });
      console.log(options.results[0].filter((o) => o.startsWith('--')).join(' '));
    `;
    // --input-type would stop a thread at once, and --max-old-space-size is refused by one: both stay
    // off its command line; the other options stay on.
    const child = spawnSync(process.execPath, ['--max-old-space-size=2048', '--enable-source-maps', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    expect(child.stdout.trim().split('\n')).toEqual(['2 2', '--enable-source-maps']);
    // Without --input-type, threads take the command line's options as Node gives them.
    const cjs = `import(${index}).then(({ execute }) => execute(${JSON.stringify(fixture('whoami.mjs'))}, { workers: 2 })).then(({ results }) => console.log(results.length));`;
    const plain = spawnSync(process.execPath, ['--stack-size=2000', '-e', cjs], { encoding: 'utf8', timeout: 20_000 });
    expect(plain.stderr).toBe('');
    expect(plain.stdout.trim()).toBe('2');
  });
});
