/** execute: runs a dataflow module on N workers (threads, or directly in this thread for one), SPMD style. */
import { pathToFileURL } from 'node:url';
import type { Worker as Thread } from 'node:worker_threads';
import { DataflowError, GraphError } from '../graph/errors.js';
import { ProgressError } from '../progress/errors.js';
import { TimestampError } from '../timestamps/errors.js';
import { WorkerError, type ErrorRecord } from './errors.js';
import { abortMesh, allocateMesh } from './mesh.js';
import { defaultCompilation, setConcurrentCompilation, startThread, ThreadPool } from './pool.js';
import type { Job, ThreadReport } from './thread-main.js';
import { Worker, type WorkerStats } from './worker.js';

export interface ExecuteOptions {
  /** Number of workers (1 by default). */
  readonly workers?: number;
  /** Handed to every worker's module function (structured-cloned; SharedArrayBuffers are shared). */
  readonly args?: unknown;
  /** Run one worker in a thread too, instead of directly in this thread. */
  readonly threads?: boolean;
  /** Bytes of each ring between two workers (4 MiB by default). */
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
 * all of them and rejects with that error, its class and code kept.
 */
export async function execute<R>(module: string | URL, options: ExecuteOptions = {}): Promise<ExecuteResult<R>> {
  const { workers, ringBytes, signal, pool } = checked(module, options);
  if (signal?.aborted) throw cancelled(signal);
  const url = typeof module === 'string' && !/^[a-z]+:/.test(module) ? pathToFileURL(module).href : String(module);
  if (workers === 1 && options.threads !== true && pool === undefined) return direct<R>(url, options.args);
  const compilation = options.concurrentCompilation ?? defaultCompilation(workers);
  setConcurrentCompilation(compilation);
  const mesh = allocateMesh(workers, ringBytes);
  const threads: Thread[] = [];
  /** Takes this call's listeners off its threads, before a pool gets them back. */
  const detach: (() => void)[] = [];
  let onAbort: (() => void) | undefined;
  const run = new Promise<ExecuteResult<R>>((resolve, reject) => {
    const results: R[] = new Array(workers);
    const stats: WorkerStats[] = new Array(workers);
    let finished = 0;
    let failed = false;
    let secondary: NodeJS.Timeout | undefined;
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      clearTimeout(secondary);
      abortMesh(mesh);
      // The threads keep this call's listeners (fail is called once): they are stopped, not given back.
      Promise.all(threads.map((t) => t.terminate())).finally(() => reject(err));
    };
    if (signal !== undefined) {
      onAbort = () => fail(cancelled(signal));
      signal.addEventListener('abort', onAbort, { once: true });
    }
    for (let index = 0; index < workers; index++) {
      const job: Job = { index, peers: workers, mesh, moduleUrl: url, args: options.args };
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
        return;
      }
      let reported = false;
      const onMessage = (report: ThreadReport) => {
        reported = true;
        if (report.kind === 'error') {
          const err = revive(report.error, report.index);
          // A worker stopped because another failed: wait a moment for that worker's own report.
          if (report.error.code === 'ABORTED') secondary ??= setTimeout(() => fail(err), 2000);
          else fail(err);
          return;
        }
        results[report.index] = report.result as R;
        stats[report.index] = report.stats;
        if (++finished === workers && !failed) {
          for (const off of detach) off();
          pool?.release(threads, compilation);
          resolve({ results, stats });
        }
      };
      const onError = (err: Error) => fail(new WorkerError('WORKER_DIED', `worker ${index} died: ${err.message}`, { worker: index }, err));
      const onExit = (code: number) => {
        if (!reported) fail(new WorkerError('WORKER_DIED', `worker ${index} exited with code ${code} before finishing`, { worker: index, code }));
      };
      thread.on('message', onMessage).on('error', onError).on('exit', onExit);
      detach.push(() => thread.off('message', onMessage).off('error', onError).off('exit', onExit));
    }
  });
  return signal === undefined ? run : run.finally(() => signal.removeEventListener('abort', onAbort!));
}

/** The options with their defaults, each checked: INVALID_OPTION names the first that is wrong. */
function checked(module: unknown, options: ExecuteOptions): { workers: number; ringBytes: number; signal: AbortSignal | undefined; pool: ThreadPool | undefined } {
  if (typeof module !== 'string' && !(module instanceof URL)) {
    throw new WorkerError('INVALID_OPTION', `the module must be a path or URL of a built JavaScript file, given first: execute(module, options); got ${describe(module)}`);
  }
  if (options === null || typeof options !== 'object') throw new WorkerError('INVALID_OPTION', `options must be an object, got ${describe(options)}`);
  const workers = options.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) throw new WorkerError('INVALID_OPTION', `workers must be an integer from 1 to 256, got ${workers}`);
  const ringBytes = options.ringBytes ?? 4 << 20;
  if (!Number.isInteger(ringBytes) || ringBytes < 64 || ringBytes % 8 !== 0 || ringBytes > 2 ** 30) {
    throw new WorkerError('INVALID_OPTION', `ringBytes must be a multiple of 8 from 64 to 2^30 (4 MiB by default), got ${String(ringBytes)}`);
  }
  for (const flag of ['threads', 'concurrentCompilation'] as const) {
    if (options[flag] !== undefined && typeof options[flag] !== 'boolean') throw new WorkerError('INVALID_OPTION', `${flag} must be true or false, got ${String(options[flag])}`);
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

function cancelled(signal: AbortSignal): WorkerError {
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
  const worker = new Worker();
  const result = (await run(worker, args)) as R;
  worker.run();
  return { results: [result], stats: [worker.stats()] };
}

const CLASSES: Record<string, { prototype: Error }> = { DataflowError, GraphError, WorkerError, ProgressError, TimestampError };

/** Rebuilds an error that crossed from a thread: same class (where known here), code, message and details. */
function revive(record: ErrorRecord, worker: number): Error {
  const Known = CLASSES[record.name];
  if (Known === undefined || record.code === undefined) {
    return new WorkerError('WORKER_FAILED', `worker ${worker} failed: ${record.name}: ${record.message}`, { worker });
  }
  const err = Object.create(Known.prototype) as Error;
  Object.assign(err, { name: record.name, code: record.code, message: record.message, details: record.details ?? {} });
  err.stack = `${record.name}: ${record.message}\n    [in worker ${worker}]\n${(record.stack ?? '').split('\n').slice(1).join('\n')}`;
  return err;
}
