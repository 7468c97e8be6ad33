/**
 * The entry point of a worker thread: joins the mesh, imports the user's dataflow module, runs it, reports
 * back. A thread started for one computation gets its job with its start and ends after it; a pooled
 * thread gets jobs as messages, one at a time, and waits for the next.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { checkResult, jobFailure, toRecord, WorkerError } from './errors.js';
import type { MeshMemory } from './mesh.js';
import { ThreadTransport } from './transport.js';
import { Worker } from './worker.js';

/** One worker's part of a computation. */
export interface Job {
  readonly index: number;
  readonly peers: number;
  readonly mesh: MeshMemory;
  readonly moduleUrl: string;
  readonly args: unknown;
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

async function work(job: Job): Promise<void> {
  const transport = new ThreadTransport(job.mesh, job.index);
  try {
    const worker = new Worker({ transport });
    let module: Record<string, unknown>;
    try {
      module = (await import(job.moduleUrl)) as Record<string, unknown>;
    } catch (err) {
      throw new WorkerError('BAD_MODULE', `cannot import ${job.moduleUrl}: ${(err as Error).message}`, {}, err);
    }
    const run = module['default'];
    if (typeof run !== 'function') throw new WorkerError('BAD_MODULE', `${job.moduleUrl} must export a default function (worker, args) => result`);
    // Every job starts once every thread is up: a thread that started early would only wait later, at
    // its first exchange, and its job's own clock would count another thread's start-up.
    transport.ready();
    const result: unknown = await run(worker, job.args);
    worker.run();
    transport.finish();
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

const { job, preload = [] } = workerData as ThreadData;
// Loaded now, while the caller prepares a computation, and before the first job runs; a module that
// fails is reported by the job that imports it.
const preloaded = Promise.all(preload.map((url) => import(url).catch(() => undefined)));
if (job !== null) await work(job);
else parentPort!.on('message', (next: Job) => void preloaded.then(() => work(next)));
