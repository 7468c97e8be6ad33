import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// Threads run built JavaScript: these tests use the build, as the CLI does.
import { execute, DataflowError, ThreadPool, WorkerError } from '../../dist/src/index.js';
import { BACKLOG_LIMIT } from '../../dist/src/workers/transport.js';
import { rejection } from '../helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixture = (name: string) => join(here, 'fixtures', name);
const cli = resolve(here, '../../dist/src/cli/main.js');

describe('execute on worker threads', () => {
  it('lets a waiting worker\'s event loop run with runAsync, and gives what run() gives', async () => {
    type Out = { ticks: number; sums: [number, number][] };
    const blocking = await execute<Out>(fixture('awaits.mjs'), { workers: 2, args: { busyMs: 150, async: false } });
    const waiting = await execute<Out>(fixture('awaits.mjs'), { workers: 2, args: { busyMs: 150, async: true } });
    const sums = (r: Out[]) => r.flatMap((o) => o.sums).sort((a, b) => a[0] - b[0]);
    expect(sums(waiting.results)).toEqual(sums(blocking.results));
    expect(sums(waiting.results)).toHaveLength(5);
    // Worker 1 waits some 150 ms for worker 0: its 2 ms timer fires meanwhile only if its thread is not blocked.
    expect(blocking.results[1]!.ticks).toBe(0);
    expect(waiting.results[1]!.ticks).toBeGreaterThanOrEqual(10);
  });

  it.each([2, 3, 4])('exchanges by key across %i threads and matches one worker', async (workers) => {
    const args = { n: 5000, epochs: 3 };
    const norm = (results: [number, [number, number][]][][]) =>
      results
        .flat()
        .flatMap(([e, recs]) => recs.map(([k, s]) => `${e}:${k}:${s}`))
        .sort();
    const one = await execute<[number, [number, number][]][]>(fixture('exchange.mjs'), { workers: 1, args });
    const many = await execute<[number, [number, number][]][]>(fixture('exchange.mjs'), { workers, args });
    expect(norm(many.results)).toEqual(norm(one.results));
    expect(norm(one.results)).toHaveLength(21);
    const traffic = many.stats.map((s) => s.traffic);
    expect(traffic.reduce((a, t) => a + t.dataMessages, 0)).toBeGreaterThan(0);
    expect(traffic.reduce((a, t) => a + t.progressMessages, 0)).toBeGreaterThan(0);
  });

  it('starts every job only once every thread has imported the module', async () => {
    const imported = new SharedArrayBuffer(4);
    const { results } = await execute<number>(fixture('slow-import.mjs'), { workers: 3, args: { imported } });
    expect(results).toEqual([3, 3, 3]);
  });

  it('a vertex that throws on one worker ends every worker with VERTEX_FAILED naming stage, worker and time', async () => {
    const t0 = Date.now();
    const err = await rejection(execute(fixture('throws.mjs'), { workers: 3 }));
    expect(err).toBeInstanceOf(DataflowError);
    expect(err.code).toBe('VERTEX_FAILED');
    expect(err.message).toMatch(/stage 'picky' threw on worker 1 at \(2\): seven is not allowed/);
    expect(err.details).toMatchObject({ stage: 'picky', worker: 1, time: '(2)' });
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('the error a vertex threw is the cause, on threads as on one worker: class, message, stack', async () => {
    const one = await rejection(execute(fixture('throws.mjs'), { workers: 1 }));
    const three = await rejection(execute(fixture('throws.mjs'), { workers: 3 }));
    for (const err of [one, three]) {
      expect(err.code).toBe('VERTEX_FAILED');
      expect(err.cause).toBeInstanceOf(RangeError);
      expect((err.cause as Error).message).toBe('seven is not allowed');
      expect((err.cause as Error & { code?: string }).code).toBe('E_SEVEN');
      expect((err.cause as Error).stack).toMatch(/throws\.mjs/);
    }
    expect((three.cause as Error).stack).toMatch(/\[in worker 1\]/);
  });

  it('a failed computation leaves no timer behind (a worker stopped by another must not delay the end)', () => {
    const script = `
      import { execute } from ${JSON.stringify(resolve(here, '../../dist/src/index.js'))};
      const left = [];
      for (let i = 0; i < 3; i++) {
        await execute(${JSON.stringify(fixture('throws.mjs'))}, { workers: 4 }).catch(() => {});
        left.push(...process.getActiveResourcesInfo());
      }
      console.log(JSON.stringify(left));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout) as string[]).not.toContain('Timeout');
  });

  it('computations run at once stay apart: each gets its own answers, and one failing stops only itself', async () => {
    const args = { n: 3000, epochs: 2 };
    const sums = (results: [number, [number, number][]][][]) => results.flat().flatMap(([e, recs]) => recs.map(([k, s]) => `${e}:${k}:${s}`)).sort();
    const alone = sums((await execute<[number, [number, number][]][]>(fixture('exchange.mjs'), { workers: 1, args })).results);
    const [two, failing, three] = await Promise.allSettled([
      execute<[number, [number, number][]][]>(fixture('exchange.mjs'), { workers: 2, args }),
      execute(fixture('throws.mjs'), { workers: 2 }),
      execute<[number, [number, number][]][]>(fixture('exchange.mjs'), { workers: 3, args }),
    ]);
    expect(two.status === 'fulfilled' && sums(two.value.results)).toEqual(alone);
    expect(three.status === 'fulfilled' && sums(three.value.results)).toEqual(alone);
    expect(failing.status === 'rejected' && (failing.reason as DataflowError).code).toBe('VERTEX_FAILED');
  }, 20_000);

  it('an AbortSignal cancels a computation that would never end: CANCELLED, promptly, with the reason as cause', async () => {
    const controller = new AbortController();
    const t0 = Date.now();
    setTimeout(() => controller.abort(new Error('user pressed stop')), 300);
    const err = await rejection(execute(fixture('forever.mjs'), { workers: 2, signal: controller.signal }));
    expect(err).toBeInstanceOf(WorkerError);
    expect(err.code).toBe('CANCELLED');
    expect(err.message).toMatch(/cancelled by its AbortSignal: user pressed stop/);
    expect((err.cause as Error).message).toBe('user pressed stop');
    expect(Date.now() - t0).toBeLessThan(10_000);
    // A signal that has already fired stops the call before any thread starts; one that never fires changes nothing.
    expect((await rejection(execute(fixture('forever.mjs'), { workers: 2, signal: AbortSignal.abort() }))).code).toBe('CANCELLED');
    expect((await rejection(execute(fixture('forever.mjs'), { signal: AbortSignal.abort() }))).code).toBe('CANCELLED');
    const idle = new AbortController();
    const done = await execute<[number, [number, number][]][]>(fixture('exchange.mjs'), { workers: 2, args: { n: 100, epochs: 1 }, signal: idle.signal });
    expect(done.results).toHaveLength(2);
  }, 20_000);

  it('a worker thread that dies ends the computation with WORKER_DIED', async () => {
    const err = await rejection(execute(fixture('dies.mjs'), { workers: 2 }));
    expect(err).toBeInstanceOf(WorkerError);
    expect(err.code).toBe('WORKER_DIED');
    expect(err.message).toMatch(/worker 1 exited with code 3/);
  });

  it('workers that all wait for what cannot come end with STALLED instead of hanging', async () => {
    const err = await rejection(execute(fixture('stalls.mjs'), { workers: 2 }));
    expect(err).toBeInstanceOf(DataflowError);
    expect(err.code).toBe('STALLED');
    expect(err.message).toMatch(/nothing more can happen on worker [01]/);
  }, 20_000);

  it('a count that goes negative for good ends every worker with NEGATIVE_COUNT instead of hanging', async () => {
    const err = await rejection(execute(fixture('negative.mjs'), { workers: 2 }));
    expect(err.code).toBe('NEGATIVE_COUNT');
    expect(err.message).toMatch(/numbers/);
  }, 20_000);

  it.each([2, 3])('runs dataflow after dataflow on %i threads while peers run ahead into the next one', async (workers) => {
    const args = { n: 2000, dataflows: 3, pauseMs: 100 };
    const one = await execute<[number, number][][]>(fixture('successive.mjs'), { workers: 1, args: { ...args, pauseMs: 0 } });
    const many = await execute<[number, number][][]>(fixture('successive.mjs'), { workers, args });
    const merge = (results: [number, number][][][]) => [0, 1, 2].map((d) => results.flatMap((r) => r[d]!).sort((a, b) => a[0] - b[0]));
    expect(merge(many.results)).toEqual(merge(one.results));
    expect(merge(one.results)[2]).toHaveLength(5);
  }, 20_000);

  it.each([
    ['operators', /worker \d built dataflow 0 as 'numbers' with \d+ stages and \d+ edges \(shape [0-9a-f]{8}\), worker \d as 'numbers' with \d+ stages/],
    ['name', /worker \d built dataflow 0 as 'numbers-\d' with 3 stages and 2 edges \(shape [0-9a-f]{8}\), worker \d as 'numbers-\d'/],
  ])('workers that build different dataflows (%s) in one position get DATAFLOW_MISMATCH, naming both shapes', async (how, message) => {
    for (const workers of [2, 3]) {
      const err = await rejection(execute(fixture('shapes.mjs'), { workers, args: { how } }));
      expect(err).toBeInstanceOf(WorkerError);
      expect(err.code).toBe('DATAFLOW_MISMATCH');
      expect(err.message).toMatch(message);
    }
  });

  it('a worker that never builds a dataflow its peer sends to ends the computation with DATAFLOW_MISMATCH', async () => {
    const err = await rejection(execute(fixture('mismatch.mjs'), { workers: 2 }));
    expect(err).toBeInstanceOf(WorkerError);
    expect(err.code).toBe('DATAFLOW_MISMATCH');
    expect(err.message).toMatch(/worker 0 (built|sent data for|sent progress for) dataflow 1, which worker 1 never built/);
  }, 20_000);

  it('a module without a default export is refused with BAD_MODULE', async () => {
    for (const workers of [1, 2]) {
      const err = await rejection(execute(fixture('no-default.mjs'), { workers }));
      expect(err.code).toBe('BAD_MODULE');
    }
    expect((await rejection(execute(fixture('no-such-module.mjs'), { workers: 2 }))).code).toBe('BAD_MODULE');
    expect((await rejection(execute(fixture('exchange.mjs'), { workers: 0 }))).code).toBe('INVALID_OPTION');
  });

  it('a result that cannot be cloned back ends the computation with BAD_RESULT naming the worker', async () => {
    const err = await rejection(execute(fixture('bad-result.mjs'), { workers: 2 }));
    expect(err).toBeInstanceOf(WorkerError);
    expect(err.code).toBe('BAD_RESULT');
    expect(err.message).toMatch(/worker 1's result cannot be sent back to the caller: a function at \.next \(named next\)/);
    expect(err.details).toMatchObject({ worker: 1, type: 'a function', path: '.next' });
    // The same refusal on one worker, run in this thread, where nothing needs cloning.
    const one = await rejection(execute(fixture('bad-result.mjs'), { workers: 1, args: { bad: 0 } }));
    expect(one).toBeInstanceOf(WorkerError);
    expect(one.message).toBe(err.message.replaceAll('worker 1', 'worker 0').replace('worker=1', 'worker=0'));
  });

  it('bad options, and args that cannot cross to a thread, are refused with INVALID_OPTION naming what to fix', async () => {
    const cases: [Parameters<typeof execute>[1], RegExp][] = [
      [{ workers: 2, ringBytes: 100 }, /ringBytes must be a multiple of 8/],
      [{ workers: 2, ringBytes: Number.NaN }, /ringBytes/],
      [{ workers: 2, threads: 'yes' as unknown as boolean }, /threads must be true or false/],
      [{ workers: 2, concurrentCompilation: 1 as unknown as boolean }, /concurrentCompilation must be true or false/],
      [{ workers: 2, signal: {} as AbortSignal }, /signal must be an AbortSignal/],
      [{ workers: 2, args: { f: () => 1 } }, /args must be data that reaches every worker unchanged, on threads too: a function at \.f/],
      [{ workers: 1, threads: true, args: [Symbol('s')] }, /args must be data that reaches every worker unchanged.*a symbol/],
      // On one worker in this thread too, where args are not cloned: the same job must work on N.
      [{ workers: 1, args: { when: new (class Moment {})() } }, /args must be data .*an instance of class Moment at \.when/],
      [{ workers: 65 }, /workers must be an integer from 1 to 64/],
    ];
    for (const [options, message] of cases) {
      const err = await rejection(execute(fixture('exchange.mjs'), options));
      expect(err).toBeInstanceOf(WorkerError);
      expect(err.code).toBe('INVALID_OPTION');
      expect(err.message).toMatch(message);
    }
    // The options given first, in place of the module.
    const swapped = await rejection(execute({ workers: 2 } as unknown as string, fixture('exchange.mjs') as never));
    expect(swapped.code).toBe('INVALID_OPTION');
    expect(swapped.message).toMatch(/the module must be a path or URL.*execute\(module, options\); got an object with keys workers/);
  });

  it('a slow consumer makes the producer wait: its backlog stays bounded and nothing is lost', async () => {
    const batches = 3000; // 3 M records of three numbers: ~72 MB encoded, far beyond the backlog bound
    const { results } = await execute<{ received: number; traffic: { peakBacklog: number; dataBytes: number } }>(fixture('flood.mjs'), {
      workers: 2,
      args: { batches },
      ringBytes: 1 << 20,
    });
    expect(results[1]!.received).toBe(batches * 1000);
    expect(results[0]!.traffic.dataBytes).toBeGreaterThan(8 * BACKLOG_LIMIT);
    expect(results[0]!.traffic.peakBacklog).toBeLessThanOrEqual(BACKLOG_LIMIT + 64 * 1024);
  });
});

describe('progress reaches the other workers promptly', () => {
  it('a busy worker (never idle) still sends its progress as soon as it could move a frontier', async () => {
    const shared = new SharedArrayBuffer(8);
    const { results } = await execute<number>(fixture('prompt.mjs'), { workers: 2, args: { shared, epochs: 20, patienceMs: 3000 } });
    expect(results).toEqual([0, 0]);
  });

  it('many short computations in a row on 2 and 3 threads all finish with the right answer (no false STALLED)', async () => {
    const pool = new ThreadPool();
    try {
      const args = { n: 40, epochs: 3 };
      const expected = (await execute<[number, [number, number][]][]>(fixture('exchange.mjs'), { workers: 1, args })).results.flat().flatMap(([e, rs]) => rs.map(([k, v]) => `${e}:${k}:${v}`)).sort();
      for (let run = 0; run < 40; run++) {
        const { results } = await execute<[number, [number, number][]][]>(fixture('exchange.mjs'), { workers: 2 + (run % 2), args, pool });
        expect(results.flat().flatMap(([e, rs]) => rs.map(([k, v]) => `${e}:${k}:${v}`)).sort()).toEqual(expected);
      }
    } finally {
      await pool.close();
    }
  });
});

describe('backpressure both ways', () => {
  it('two workers flooding each other with 5 M records each way: every record arrives, and memory stays bounded', () => {
    // In a child process, so that its peak resident memory is its own.
    const script = `
      import { readFileSync } from 'node:fs';
      import { execute } from ${JSON.stringify(resolve(here, '../../dist/src/index.js'))};
      const { results } = await execute(${JSON.stringify(fixture('flood-both.mjs'))}, { workers: 2, args: { batches: 5000 } });
      const hwm = /VmHWM:\\s*(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
      console.log(JSON.stringify({ results, peakMb: hwm === null ? null : Number(hwm[1]) / 1024 }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    const { results, peakMb } = JSON.parse(r.stdout) as { results: { received: number; sum: number; traffic: { peakBacklog: number } }[]; peakMb: number | null };
    for (const w of results) {
      expect(w.received).toBe(5_000_000);
      expect(w.sum).toBe(5000 * 499_500);
      expect(w.traffic.peakBacklog).toBeLessThanOrEqual(BACKLOG_LIMIT + 64 * 1024);
    }
    // Without consuming while held back, each worker kept the other's 5 M decoded records: about 1 GB.
    if (peakMb !== null) expect(peakMb).toBeLessThan(400);
  });
});

describe('timely run', () => {
  it('runs a module on N threads and prints each worker result as a JSON line', () => {
    const r = spawnSync(process.execPath, [cli, 'run', fixture('exchange.mjs'), '-w', '2', '--args', '{"n":100,"epochs":1}'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { worker: number; result: unknown });
    expect(lines.map((l) => l.worker)).toEqual([0, 1]);
  });

  it('exits non-zero with a one-line error when a worker fails', () => {
    const r = spawnSync(process.execPath, [cli, 'run', fixture('throws.mjs'), '-w', '2'], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^timely: VERTEX_FAILED: stage 'picky' threw on worker 1/);
  });
});
