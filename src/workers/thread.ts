/**
 * What a worker thread runs: it joins the mesh, finds the job's module (linked into its entry script, or
 * imported), runs it and reports back. A thread started for one computation gets its job with its start
 * and ends after it; a pooled thread gets jobs as messages, one at a time, and waits for the next.
 * `thread-main.ts` is the default entry script; `runThread` lets another one link jobs in ahead.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { checkResult, jobFailure, toRecord, WorkerError } from './errors.js';
import type { LinkSlot, MeshMemory, RemoteLinks } from './mesh.js';
import { moduleUrl } from './pool.js';
import { ThreadTransport } from './transport.js';
import { Worker } from './worker.js';

/**
 * A job module's exports, as a thread sees them: `default` is the job, `(worker, args) => result`.
 *
 * @example
 * import job from './job.js';
 * const linked: Record<string, JobModule> = { [new URL('./job.js', import.meta.url).href]: { default: job } };
 */
export type JobModule = Readonly<Record<string, unknown>>;

/** One worker's part of a computation. */
export interface Job {
  readonly index: number;
  readonly peers: number;
  readonly mesh: MeshMemory;
  readonly moduleUrl: string;
  readonly args: unknown;
  /** With direct links: the module that makes them (its default export, `(slot, config) => Promise<RemoteLinks>`) and its config. */
  readonly links?: { readonly module: string; readonly config: unknown };
}

/** What a thread is started with: its one job, or none for a pooled thread; and modules to import at once (see ThreadPoolOptions.preload). */
export interface ThreadData {
  readonly job: Job | null;
  readonly preload?: readonly string[];
}

/** What a thread tells the launcher. */
export type ThreadReport =
  | { readonly kind: 'done'; readonly index: number; readonly result: unknown; readonly stats: ReturnType<Worker['stats']> }
  | { readonly kind: 'error'; readonly index: number; readonly error: ReturnType<typeof toRecord> };

async function work(job: Job, linked: ReadonlyMap<string, JobModule>): Promise<void> {
  const transport = new ThreadTransport(job.mesh, job.index);
  try {
    const worker = new Worker({ transport });
    // Direct links are made while the job's module loads (both wait on I/O); a failure of theirs is met where they are awaited.
    const linking = makeLinks(transport, job);
    linking.catch(() => {});
    let module: JobModule;
    try {
      module = linked.get(job.moduleUrl) ?? ((await import(job.moduleUrl)) as JobModule);
    } catch (err) {
      throw new WorkerError('BAD_MODULE', `cannot import ${job.moduleUrl}: ${(err as Error).message}`, {}, err);
    }
    const run = module['default'];
    if (typeof run !== 'function') throw new WorkerError('BAD_MODULE', `${job.moduleUrl} must export a default function (worker, args) => result`);
    const links = await linking;
    if (links !== undefined) transport.setLinks(links);
    // Every job starts once every thread is up: a thread that started early would only wait later, at
    // its first exchange, and its job's own clock would count another thread's start-up.
    transport.ready();
    const result: unknown = await run(worker, job.args);
    if (transport.direct) {
      await worker.runAsync();
      await transport.finishAsync();
    } else {
      worker.run();
      transport.finish();
    }
    checkResult(result, job.index);
    try {
      parentPort!.postMessage({ kind: 'done', index: job.index, result, stats: worker.stats() } satisfies ThreadReport, transferablesOf(result));
    } catch (err) {
      if ((err as Error).name !== 'DataCloneError') throw err;
      throw new WorkerError('BAD_RESULT', `worker ${job.index}'s result cannot be sent back to the caller: ${(err as Error).message} Return data (numbers, strings, arrays, plain objects, typed arrays), not functions or symbols.`, { worker: job.index }, err);
    }
  } catch (err) {
    transport.abort();
    parentPort!.postMessage({ kind: 'error', index: job.index, error: toRecord(jobFailure(job.index, err)) } satisfies ThreadReport);
  }
}

/** This worker's direct links, when its mesh wants them (made by the module its job names), else undefined. */
async function makeLinks(transport: ThreadTransport, job: Job): Promise<RemoteLinks | undefined> {
  const slot = transport.linkSlot();
  if (slot === undefined) return undefined;
  if (job.links === undefined) throw new WorkerError('INVALID_OPTION', `worker ${job.index}'s mesh wants direct links, but its job names no module to make them`);
  const made = (await import(job.links.module)) as { default: (slot: LinkSlot, config: unknown) => Promise<RemoteLinks> };
  return made.default(slot, job.links.config);
}

/** Typed arrays in a result travel without copying (their buffers are transferred). */
function transferablesOf(result: unknown): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  const visit = (v: unknown) => {
    if (ArrayBuffer.isView(v) && v.buffer instanceof ArrayBuffer && !out.includes(v.buffer)) out.push(v.buffer);
    else if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v)) for (const x of Object.values(v)) if (typeof x === 'object') visit(x);
  };
  if (typeof result === 'object') visit(result);
  return out;
}

/**
 * Runs this worker thread: call it once, from the script a thread starts with (see
 * `ThreadPoolOptions.entry`). `linked` gives job modules by the path or URL a computation names them
 * with; a thread runs those without importing them, and imports any other. A script that links its
 * jobs, bundled into one file with the runtime, starts faster than the default entry, which imports
 * each job and the runtime module by module. Resolves once the thread's one job is done; a pooled
 * thread goes on taking jobs as they come.
 *
 * @example
 * // threads.ts, built and bundled (say with rolldown) into threads.bundle.js:
 * import { runThread } from 'timely-dataflow';
 * import job from './job.js';
 * await runThread({ [new URL('./job.js', import.meta.url).href]: { default: job } });
 * // the caller:
 * const pool = new ThreadPool({ entry: new URL('./threads.bundle.js', import.meta.url) });
 * await execute(new URL('./job.js', import.meta.url), { workers: 4, pool });
 */
export async function runThread(linked: Readonly<Record<string, JobModule>> = {}): Promise<void> {
  if (parentPort === null) throw new WorkerError('INVALID_OPTION', 'runThread runs a worker thread: call it from the entry script a thread starts with (ThreadPoolOptions.entry), not from the main thread');
  const data = workerData as ThreadData | undefined;
  if (data === null || typeof data !== 'object' || !('job' in data)) {
    throw new WorkerError('INVALID_OPTION', 'runThread runs a thread that ThreadPool or execute started (it reads the job they give the thread): name this script as a ThreadPool entry rather than starting a thread on it yourself');
  }
  const modules = new Map(Object.entries(linked).map(([url, module]) => [moduleUrl(url), module] as const));
  const { job, preload = [] } = data;
  // Loaded now, while the caller prepares a computation, and before the first job runs; a module that
  // fails is reported by the job that imports it. Linked modules are loaded already.
  const preloaded = Promise.all(preload.filter((url) => !modules.has(url)).map((url) => import(url).catch(() => undefined)));
  if (job !== null) await work(job, modules);
  else parentPort.on('message', (next: Job) => void preloaded.then(() => work(next, modules)));
}
