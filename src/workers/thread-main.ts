/** The entry point of a worker thread: joins the mesh, imports the user's dataflow module, runs it, reports back. */
import { parentPort, workerData } from 'node:worker_threads';
import { WorkerError, toRecord } from './errors.js';
import type { MeshMemory } from './mesh.js';
import { ThreadTransport } from './transport.js';
import { Worker } from './worker.js';

/** What the launcher hands each thread. */
export interface ThreadData {
  readonly index: number;
  readonly peers: number;
  readonly mesh: MeshMemory;
  readonly moduleUrl: string;
  readonly args: unknown;
}

/** What a thread tells the launcher. */
export type ThreadReport =
  | { readonly kind: 'done'; readonly index: number; readonly result: unknown; readonly stats: ReturnType<Worker['stats']> }
  | { readonly kind: 'error'; readonly index: number; readonly error: ReturnType<typeof toRecord> };

async function main(data: ThreadData): Promise<void> {
  const transport = new ThreadTransport(data.mesh, data.index);
  try {
    const worker = new Worker({ transport });
    let module: Record<string, unknown>;
    try {
      module = (await import(data.moduleUrl)) as Record<string, unknown>;
    } catch (err) {
      throw new WorkerError('BAD_MODULE', `cannot import ${data.moduleUrl}: ${(err as Error).message}`, {}, err);
    }
    const run = module['default'];
    if (typeof run !== 'function') throw new WorkerError('BAD_MODULE', `${data.moduleUrl} must export a default function (worker, args) => result`);
    // Every job starts once every thread is up: a thread that started early would only wait later, at
    // its first exchange, and its job's own clock would count another thread's start-up.
    transport.ready();
    const result: unknown = await run(worker, data.args);
    worker.run();
    transport.finish();
    try {
      parentPort!.postMessage({ kind: 'done', index: data.index, result, stats: worker.stats() } satisfies ThreadReport, transferablesOf(result));
    } catch (err) {
      if ((err as Error).name !== 'DataCloneError') throw err;
      throw new WorkerError('BAD_RESULT', `worker ${data.index}'s result cannot be sent back to the caller: ${(err as Error).message} Return data (numbers, strings, arrays, plain objects, typed arrays), not functions or symbols.`, { worker: data.index }, err);
    }
  } catch (err) {
    transport.abort();
    parentPort!.postMessage({ kind: 'error', index: data.index, error: toRecord(err) } satisfies ThreadReport);
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

await main(workerData as ThreadData);
