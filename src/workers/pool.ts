/**
 * Worker threads: how they start (their Node options, V8's compile setting), and ThreadPool, which
 * keeps them between computations. A computation run on a pool's threads skips what a fresh thread
 * costs before its job even starts (Node's bootstrap, importing the runtime and the job's module) and
 * keeps the machine code V8 compiled for the last one, at the price of state: a job module is imported
 * once per thread, so its top-level variables live on into the next computation.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { Worker as Thread, type ResourceLimits } from 'node:worker_threads';
import { WorkerError } from './errors.js';
import type { ThreadData } from './thread.js';

/** The script a thread starts with by default (see ThreadPoolOptions.entry). */
const ENTRY = new URL('./thread-main.js', import.meta.url);

const inputType = (arg: string, i: number, all: readonly string[]) => arg.startsWith('--input-type') || all[i - 1] === '--input-type';

/**
 * The Node options threads start with: the command line's, as by default, except under `node
 * --input-type=module -e ...`, where a thread given `--input-type` fails at once. Those are then
 * passed without it, and without any a thread refuses (V8's and the process's, which apply to every
 * thread in any case) once one has been refused.
 */
let execArgv: string[] | undefined = process.execArgv.some(inputType) ? process.execArgv.filter((arg, i, all) => !inputType(arg, i, all)) : undefined;

let compilationSetting: boolean | undefined;

/**
 * Sets V8's concurrent compilation for threads started from now on (once per value). V8 reads
 * `concurrent-recompilation` when a thread's isolate is created, and `concurrent-osr` at each
 * on-stack replacement, which without a background compiler runs on the thread in any case.
 */
export function setConcurrentCompilation(on: boolean): void {
  if (compilationSetting === on) return;
  setFlagsFromString(on ? '--concurrent-recompilation' : '--no-concurrent-recompilation');
  setFlagsFromString(on ? '--concurrent-osr' : '--no-concurrent-osr');
  compilationSetting = on;
}

/** Whether V8 compiles on background threads for a computation of `workers` (see ExecuteOptions.concurrentCompilation). */
export function defaultCompilation(workers: number): boolean {
  return workers < availableParallelism();
}

/** A module path or URL as the URL threads import. */
export function moduleUrl(module: string | URL): string {
  return typeof module === 'string' && !/^[a-z]+:/.test(module) ? pathToFileURL(module).href : String(module);
}

/** `entry` as a URL, if it names a file that exists (INVALID_OPTION otherwise). */
function entryUrl(entry: unknown): URL {
  if (typeof entry !== 'string' && !(entry instanceof URL)) throw new WorkerError('INVALID_OPTION', `entry must be the path or URL of a built JavaScript file, got ${typeof entry}`);
  const url = new URL(moduleUrl(entry));
  if (url.protocol !== 'file:' || !existsSync(url)) throw new WorkerError('INVALID_OPTION', `entry ${String(entry)} is not a file on this machine: give the path of a built JavaScript file that calls runThread`);
  return url;
}

/**
 * Starts a thread on `entry`: for one job (it ends after it), or, with `null`, for a pool (it waits for
 * jobs); with `limits`, its V8 heap's (see ThreadPoolOptions.resourceLimits).
 */
export function startThread(data: ThreadData, entry: URL = ENTRY, limits?: ResourceLimits): Thread {
  try {
    return new Thread(entry, { workerData: data, execArgv, ...(limits === undefined ? {} : { resourceLimits: limits }) });
  } catch (err) {
    if (execArgv === undefined || (err as { code?: unknown }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw err;
    const refused = new Set(/flags: (.*)$/.exec((err as Error).message)?.[1]?.split(', '));
    const kept = execArgv.filter((arg) => !refused.has(arg));
    execArgv = kept.length < execArgv.length ? kept : [];
    return startThread(data, entry, limits);
  }
}

/** The fields of Node's `ResourceLimits`, each a number of megabytes when given. */
const LIMITS = ['maxYoungGenerationSizeMb', 'maxOldGenerationSizeMb', 'codeRangeSizeMb', 'stackSizeMb'] as const;

/** `limits` checked: an object of Node's `ResourceLimits` fields, each a positive number (INVALID_OPTION otherwise). */
function checkedLimits(limits: unknown): ResourceLimits {
  if (limits === null || typeof limits !== 'object' || Array.isArray(limits)) throw new WorkerError('INVALID_OPTION', `resourceLimits must be an object such as { maxYoungGenerationSizeMb: 12 }, got ${String(limits)}`);
  for (const [key, value] of Object.entries(limits)) {
    if (!(LIMITS as readonly string[]).includes(key)) throw new WorkerError('INVALID_OPTION', `resourceLimits.${key} is not a limit of a thread: use ${LIMITS.join(', ')}`);
    if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) throw new WorkerError('INVALID_OPTION', `resourceLimits.${key} must be a positive number of megabytes, got ${String(value)}`);
  }
  return { ...(limits as ResourceLimits) };
}

export interface ThreadPoolOptions {
  /**
   * The most threads kept waiting once their computation has ended; any more are stopped. By default,
   * as many as the largest computation run on the pool so far had workers. A computation that needs
   * more threads than are waiting starts the rest, whatever this says.
   */
  readonly keep?: number;
  /**
   * Threads to start at once (none by default), set up for a computation of that many workers: they
   * start, and import the runtime, while the caller prepares the computation's input.
   */
  readonly start?: number;
  /**
   * Modules every thread of the pool imports as soon as it has started (a job's module, say), so that
   * a computation finds them loaded: the threads load them while the caller prepares its input. A
   * module that fails to load is reported by the computation that runs it (BAD_MODULE), not here.
   */
  readonly preload?: readonly (string | URL)[];
  /**
   * The script every thread of the pool starts with: by default the runtime's own, which imports each
   * job's module, and the runtime, module by module. A script that calls `runThread` with job modules
   * linked in, bundled into one file, starts faster (see `runThread`). It must be a built JavaScript
   * file: INVALID_OPTION if there is none at that path.
   */
  readonly entry?: string | URL;
  /**
   * Limits on each thread's V8 heap, in megabytes, as Node's `worker_threads` takes them
   * (`maxYoungGenerationSizeMb`, `maxOldGenerationSizeMb`, `codeRangeSizeMb`, `stackSizeMb`); none by
   * default. A small young generation keeps down the memory of a thread whose data lives in typed
   * arrays: V8 otherwise lets it grow to 16 MB per semi-space once a collection finds much of it alive
   * (see `Worker`), and keeps it. A thread that runs out of its old generation ends the computation
   * with WORKER_DIED ("reaching memory limit"). INVALID_OPTION for a field that is not one of these or
   * a value that is not a positive number.
   *
   * @example
   * const pool = new ThreadPool({ start: 2, resourceLimits: { maxYoungGenerationSizeMb: 12 } });
   */
  readonly resourceLimits?: ResourceLimits;
}

/** A waiting thread, and the V8 compilation setting it was started under (fixed for its life). */
interface Idle {
  readonly thread: Thread;
  readonly concurrentCompilation: boolean;
  /** Drops the thread from the pool if it fails or ends while waiting. */
  readonly onEnd: () => void;
}

/**
 * Threads for `execute(module, { pool })`. A thread goes back to the pool when its computation
 * succeeds, and is stopped when the computation fails or is cancelled (its state is then unknown).
 * Waiting threads do not keep the process alive; `close()` stops them at once.
 *
 * @example
 * // four threads start now, and import job.js, while the input is read
 * const pool = new ThreadPool({ start: 4, preload: ['job.js'] });
 * for (const n of [1000, 2000]) await execute('job.js', { workers: 4, args: { n }, pool });
 * await pool.close();
 */
export class ThreadPool {
  private readonly keepOption: number | undefined;
  /** The most workers of one computation so far. */
  private largest = 0;
  private readonly waiting: Idle[] = [];
  private closedFlag = false;
  private readonly preload: readonly string[];
  private readonly entry: URL;
  private readonly limits: ResourceLimits | undefined;

  constructor(options: ThreadPoolOptions = {}) {
    const { keep, start = 0, preload = [], entry, resourceLimits } = options;
    this.limits = resourceLimits === undefined ? undefined : checkedLimits(resourceLimits);
    if (!Array.isArray(preload) || !preload.every((m) => typeof m === 'string' || m instanceof URL)) {
      throw new WorkerError('INVALID_OPTION', 'preload must be an array of module paths or URLs');
    }
    this.preload = preload.map((m) => moduleUrl(m));
    this.entry = entry === undefined ? ENTRY : entryUrl(entry);
    if (keep !== undefined && (!Number.isInteger(keep) || keep < 0 || keep > 256)) throw new WorkerError('INVALID_OPTION', `keep must be an integer from 0 to 256, got ${String(keep)}`);
    if (!Number.isInteger(start) || start < 0 || start > 256) throw new WorkerError('INVALID_OPTION', `start must be an integer from 0 to 256, got ${String(start)}`);
    this.keepOption = keep;
    if (start > 0) {
      const compilation = defaultCompilation(start);
      setConcurrentCompilation(compilation);
      this.release(Array.from({ length: start }, () => startThread({ job: null, preload: this.preload }, this.entry, this.limits)), compilation);
    }
  }

  /** The most threads kept waiting (see ThreadPoolOptions.keep). */
  get keep(): number {
    return this.keepOption ?? this.largest;
  }

  /** Threads waiting for a computation. */
  get idle(): number {
    return this.waiting.length;
  }

  /** `close()` was called: the pool lends no more threads. */
  get closed(): boolean {
    return this.closedFlag;
  }

  /** Stops the waiting threads; computations under way finish, and their threads stop then. */
  async close(): Promise<void> {
    this.closedFlag = true;
    const stopping = this.waiting.splice(0).map((idle) => stop(idle));
    await Promise.all(stopping);
  }

  /**
   * A thread for one worker of a computation (used by `execute`): a waiting one started under the same
   * compilation setting, or a new one.
   * @internal
   */
  take(concurrentCompilation: boolean): Thread {
    if (this.closedFlag) throw new WorkerError('INVALID_OPTION', 'this ThreadPool was closed: make a new one, or leave out the pool option');
    const at = this.waiting.findIndex((idle) => idle.concurrentCompilation === concurrentCompilation);
    if (at < 0) return startThread({ job: null, preload: this.preload }, this.entry, this.limits);
    const [idle] = this.waiting.splice(at, 1);
    idle!.thread.off('exit', idle!.onEnd).off('error', idle!.onEnd);
    idle!.thread.ref();
    return idle!.thread;
  }

  /**
   * Takes back the threads of a computation that succeeded (used by `execute`); the oldest waiting are
   * stopped past `keep`, and all of them once the pool is closed.
   * @internal
   */
  release(threads: readonly Thread[], concurrentCompilation: boolean): void {
    this.largest = Math.max(this.largest, threads.length);
    for (const thread of threads) {
      const idle: Idle = { thread, concurrentCompilation, onEnd: () => this.forget(idle) };
      thread.unref();
      // A job can leave work behind that fails later (a timer that throws): the thread is then dropped.
      thread.on('exit', idle.onEnd).on('error', idle.onEnd);
      this.waiting.push(idle);
    }
    const excess = this.closedFlag ? this.waiting.length : this.waiting.length - this.keep;
    for (const idle of this.waiting.splice(0, Math.max(0, excess))) void stop(idle);
  }

  /** A waiting thread failed or ended: it is no longer offered, and is stopped. */
  private forget(idle: Idle): void {
    const at = this.waiting.indexOf(idle);
    if (at >= 0) this.waiting.splice(at, 1);
    void stop(idle);
  }
}

function stop(idle: Idle): Promise<number> {
  idle.thread.off('exit', idle.onEnd);
  // Keeps listening for 'error' (a thread being stopped may still report one, and none may go unheard).
  return idle.thread.terminate();
}
