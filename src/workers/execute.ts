/** execute: runs a dataflow module on N workers (threads, or directly in this thread for one), SPMD style. */
import type { Worker as Thread } from 'node:worker_threads';
import { checkRecord, RecordRefusal } from '../graph/records.js';
import { checkResult, jobFailure, revive, WorkerError } from './errors.js';
import { abortMesh, allocateMesh, type MeshMemory } from './mesh.js';
import { defaultCompilation, moduleUrl, setConcurrentCompilation, startThread, ThreadPool } from './pool.js';
import type { Job, ThreadReport } from './thread.js';
import type { WorkerStats } from './worker.js';
import { MAX_WORKERS } from './limits.js';

export { MAX_WORKERS, moduleUrl };

export interface ExecuteOptions {
  /** Number of workers (1 by default). */
  readonly workers?: number;
  /**
   * Handed to every worker's module function: structured-cloned to threads (SharedArrayBuffers are
   * shared), and held to the record rules on every worker count (see `checkRecord`).
   */
  readonly args?: unknown;
  /** Run one worker in a thread too, instead of directly in this thread. */
  readonly threads?: boolean;
  /** Bytes of each ring between two workers: 4 MiB by default, less past 8 workers (see `defaultRingBytes`). */
  readonly ringBytes?: number;
  /**
   * V8's concurrent compilation: whether hot functions and loops are optimised on background threads
   * while they run (V8's default), or on the worker's own thread at once. By default it is off when the
   * workers take every core (workers ≥ os.availableParallelism()), and on otherwise: a background
   * compile would take a core from a worker, and every worker would wait on that one at its next
   * exchange. A V8 setting, set at every call for the threads that call starts (and for this thread's
   * loops, for on-stack replacement): it overrides the command line's.
   */
  readonly concurrentCompilation?: boolean;
  /**
   * Stops the computation when it fires: every thread is stopped at once, and the call rejects with
   * CANCELLED (the signal's reason as its cause). One worker run directly in this thread cannot be
   * interrupted; the signal is looked at only before it starts.
   */
  readonly signal?: AbortSignal;
  /**
   * Run on threads kept by this pool: waiting ones are taken, and go back to it when the computation
   * succeeds (see ThreadPool). Implies `threads`. Without it, every call starts its own threads.
   */
  readonly pool?: ThreadPool;
}

export interface ExecuteResult<R> {
  /** Each worker's return value, by worker index. */
  readonly results: R[];
  readonly stats: WorkerStats[];
}

/**
 * Every worker imports `module` (a built JavaScript file or URL) and calls its default export
 * `(worker, args) => result`, which builds the same dataflows, feeds this worker's share of the input,
 * and may drive the worker; the worker then runs to completion. The first failure on any worker stops
 * all of them and rejects with that error, its class, code and cause kept.
 *
 * @example
 * // job.js: export default (worker, args) => { ...build, feed worker.index's share, return a result }
 * const { results, stats } = await execute<number[]>('job.js', { workers: 4, args: { n: 1000 } });
 * results[2]; // worker 2's result
 */
export async function execute<R>(module: string | URL, options: ExecuteOptions = {}): Promise<ExecuteResult<R>> {
  const { workers, ringBytes, signal, pool } = checkExecuteOptions(module, options);
  if (signal?.aborted) throw cancelled(signal);
  const url = moduleUrl(module);
  if (workers === 1 && options.threads !== true && pool === undefined) return direct<R>(url, options.args);
  const compilation = options.concurrentCompilation ?? defaultCompilation(workers);
  const launched = launch<R>(url, { mesh: allocateMesh(workers, ringBytes), args: options.args, pool, compilation });
  if (signal === undefined) return launched.done;
  const onAbort = () => launched.fail(cancelled(signal));
  signal.addEventListener('abort', onAbort, { once: true });
  return launched.done.finally(() => signal.removeEventListener('abort', onAbort));
}

/** What `launch` starts: this process's worker threads over `mesh`. */
export interface LaunchOptions {
  readonly mesh: MeshMemory;
  readonly args: unknown;
  readonly pool: ThreadPool | undefined;
  /** V8's concurrent compilation on the threads (see ExecuteOptions). */
  readonly compilation: boolean;
  /** With direct links (a mesh allocated with `direct`): the module that makes each thread's links, and its config. */
  readonly links?: { readonly module: string; readonly config: unknown };
}

/** Threads at work: `done` settles once every one has reported; `fail` stops them all and rejects `done` with `err`. */
export interface Launched<R> {
  /** Each local worker's result and stats, by its place in this process (global index − mesh.first). */
  readonly done: Promise<ExecuteResult<R>>;
  fail(err: Error): void;
}

/**
 * Starts one thread per worker of `mesh` (taken from `pool` when given), each running its part of the
 * module at `url`. The first failure of any thread stops all of them (see `execute`).
 */
export function launch<R>(url: string, options: LaunchOptions): Launched<R> {
  const { mesh, pool, compilation } = options;
  const workers = mesh.workers;
  setConcurrentCompilation(compilation);
  const threads: Thread[] = [];
  /** Takes this call's listeners off its threads, before a pool gets them back. */
  const detach: (() => void)[] = [];
  let fail: (err: Error) => void = () => {};
  const done = new Promise<ExecuteResult<R>>((resolve, reject) => {
    const results: R[] = new Array(workers);
    const stats: WorkerStats[] = new Array(workers);
    let finished = 0;
    let failed = false;
    /** Workers that reported ABORTED (stopped because another failed), and the first such report. */
    let stopped = 0;
    let firstStopped: Error | undefined;
    fail = (err: Error) => {
      if (failed) return;
      failed = true;
      abortMesh(mesh);
      // The threads keep this call's listeners (fail is called once): they are stopped, not given back.
      Promise.all(threads.map((t) => t.terminate())).finally(() => reject(err));
    };
    for (let local = 0; local < workers; local++) {
      const index = mesh.first + local;
      const job: Job = { index, peers: mesh.peers, mesh, moduleUrl: url, args: options.args, ...(options.links === undefined ? {} : { links: options.links }) };
      let thread: Thread;
      try {
        thread = pool === undefined ? startThread({ job }) : pool.take(compilation);
        threads.push(thread);
        if (pool !== undefined) thread.postMessage(job);
      } catch (err) {
        // Stops the threads already started (for args that cannot be cloned, at most the pool's first: every thread gets the same).
        const e = err as Error;
        fail(
          e.name === 'DataCloneError'
            ? new WorkerError('INVALID_OPTION', `args must be data that can be cloned to a thread (no functions or symbols): ${e.message}`, {}, err)
            : new WorkerError('WORKER_DIED', `worker ${index} could not start: ${e.message}`, { worker: index }, err),
        );
        break;
      }
      let reported = false;
      const onMessage = (report: ThreadReport) => {
        reported = true;
        if (failed) return;
        if (report.kind === 'error') {
          const err = revive(report.error, report.index);
          // A worker stopped because another failed: that one's own report is the error to give. It
          // always comes (a failing worker reports right after it raises the abort flag) unless every
          // worker was stopped from outside, and then the first ABORTED is the answer.
          if (report.error.code !== 'ABORTED') fail(err);
          else if ((firstStopped ??= err) && ++stopped === workers) fail(firstStopped);
          return;
        }
        results[report.index - mesh.first] = report.result as R;
        stats[report.index - mesh.first] = report.stats;
        if (++finished === workers && !failed) {
          for (const off of detach) off();
          pool?.release(threads, compilation);
          resolve({ results, stats });
        }
      };
      const onError = (err: Error) => fail(new WorkerError('WORKER_DIED', `worker ${index} died: ${err.message}`, { worker: index }, err));
      const onExit = (code: number) => {
        if (reported) return;
        // Exit code 13: the thread's event loop emptied while its job's promise was still pending.
        const why = code === 13 ? `'s job never finished: its default export returned a promise that never settles (nothing left to wait for)` : ` exited with code ${code} before finishing`;
        fail(new WorkerError('WORKER_DIED', `worker ${index}${why}`, { worker: index, code }));
      };
      thread.on('message', onMessage).on('error', onError).on('exit', onExit);
      detach.push(() => thread.off('message', onMessage).off('error', onError).off('exit', onExit));
    }
  });
  return { done, fail: (err) => fail(err) };
}


/**
 * Each ring's bytes by default: 4 MiB, halved until all of the w·(w−1) rings take at most 256 MiB
 * (1 MiB each on 16 workers, 64 KiB on 64), so that memory does not grow with the square of the workers.
 */
export function defaultRingBytes(workers: number): number {
  let bytes = 4 << 20;
  while (bytes > 64 << 10 && bytes * workers * (workers - 1) > 256 << 20) bytes /= 2;
  return bytes;
}

/** execute's options with their defaults, each checked: INVALID_OPTION names the first that is wrong. */
export function checkExecuteOptions(module: unknown, options: ExecuteOptions): { workers: number; ringBytes: number; signal: AbortSignal | undefined; pool: ThreadPool | undefined } {
  if (typeof module !== 'string' && !(module instanceof URL)) {
    throw new WorkerError('INVALID_OPTION', `the module must be a path or URL of a built JavaScript file, given first: execute(module, options); got ${describe(module)}`);
  }
  if (options === null || typeof options !== 'object') throw new WorkerError('INVALID_OPTION', `options must be an object, got ${describe(options)}`);
  const workers = options.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS) {
    throw new WorkerError('INVALID_OPTION', `workers must be an integer from 1 to ${MAX_WORKERS} (threads in one process), got ${workers}`);
  }
  const ringBytes = options.ringBytes ?? defaultRingBytes(workers);
  if (!Number.isInteger(ringBytes) || ringBytes < 64 || ringBytes % 8 !== 0 || ringBytes > 2 ** 30) {
    throw new WorkerError('INVALID_OPTION', `ringBytes must be a multiple of 8 from 64 to 2^30 (by default 4 MiB, less past 8 workers), got ${String(ringBytes)}`);
  }
  for (const flag of ['threads', 'concurrentCompilation'] as const) {
    if (options[flag] !== undefined && typeof options[flag] !== 'boolean') throw new WorkerError('INVALID_OPTION', `${flag} must be true or false, got ${String(options[flag])}`);
  }
  try {
    checkRecord(options.args, { result: true });
  } catch (err) {
    if (!(err instanceof RecordRefusal)) throw err;
    throw new WorkerError('INVALID_OPTION', `args must be data that reaches every worker unchanged, on threads too: ${err.describe()}`, { path: err.path });
  }
  const signal = options.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new WorkerError('INVALID_OPTION', `signal must be an AbortSignal, got ${describe(signal)}`);
  const pool = options.pool;
  if (pool !== undefined && !(pool instanceof ThreadPool)) throw new WorkerError('INVALID_OPTION', `pool must be a ThreadPool, got ${describe(pool)}`);
  if (pool?.closed === true) throw new WorkerError('INVALID_OPTION', 'the pool was closed: make a new ThreadPool, or leave out the pool option');
  return { workers, ringBytes, signal, pool };
}

function describe(value: unknown): string {
  if (value === null || typeof value !== 'object') return typeof value === 'string' ? JSON.stringify(value) : String(value);
  return value.constructor?.name === 'Object' ? `an object with keys ${Object.keys(value).join(', ') || '(none)'}` : `a ${value.constructor?.name ?? 'object'}`;
}

export function cancelled(signal: AbortSignal): WorkerError {
  const reason: unknown = signal.reason;
  const why = reason instanceof Error ? `: ${reason.message}` : reason === undefined ? '' : `: ${String(reason)}`;
  return new WorkerError('CANCELLED', `the computation was cancelled by its AbortSignal${why}`, {}, reason);
}

async function direct<R>(url: string, args: unknown): Promise<ExecuteResult<R>> {
  let module: Record<string, unknown>;
  try {
    module = (await import(url)) as Record<string, unknown>;
  } catch (err) {
    throw new WorkerError('BAD_MODULE', `cannot import ${url}: ${(err as Error).message}`, {}, err);
  }
  const run = module['default'];
  if (typeof run !== 'function') throw new WorkerError('BAD_MODULE', `${url} must export a default function (worker, args) => result`);
  // Loaded here, not with this module: a caller that only starts threads never needs the runtime itself.
  const { Worker } = await import('./worker.js');
  const worker = new Worker();
  let result: R;
  try {
    result = (await run(worker, args)) as R;
    worker.run();
  } catch (err) {
    throw jobFailure(0, err);
  }
  checkResult(result, 0);
  return { results: [result], stats: [worker.stats()] };
}
