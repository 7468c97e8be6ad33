/** Runs the iterative examples on one worker or on N worker threads, and formats results as `node value` lines. */
import type { Collected } from '../../src/graph/handles.js';
import type { InputHandle } from '../../src/graph/handles.js';
import { execute } from '../../src/workers/execute.js';
import type { ThreadPool } from '../../src/workers/pool.js';
import { Worker, type WorkerStats } from '../../src/workers/worker.js';
import { bfsDataflow } from './bfs.js';
import { edgeParts, sendEdgeBlocks, type EdgeBlock, type EdgeParts, type NodeBlock, type PartsShape } from './blocks.js';
import { largest, runningTotals } from './csr.js';
import { ExampleError, type EdgeList } from './edge-list.js';
import { pagerankDataflow } from './pagerank.js';
import { denseIds, denseNode, originalIds } from './relabel.js';
import { wccDataflow } from './wcc.js';

export type Algorithm = 'wcc' | 'pagerank' | 'bfs';

export interface ExampleOptions {
  /** PageRank iterations (20 by default). */
  readonly iterations?: number;
  /** BFS source node. */
  readonly source?: number;
}

/** Node values; `values[i]` belongs to `nodes[i]`. Sorted by node where a function says so. */
export interface NodeValues {
  readonly nodes: Int32Array;
  readonly values: Float64Array;
}

/** An example's dataflow on one worker: where its edges go in, and where its node values come out. */
export interface ExampleDataflow {
  readonly input: InputHandle<EdgeBlock>;
  readonly out: Collected<NodeBlock>;
}

/**
 * Builds the algorithm's dataflow on `worker` (BFS from `options.source`, which worker 0 sends in, else
 * from `firstSource`): send the edges into `input`, close it, then `finishOn`.
 */
export function buildOn(worker: Worker, algorithm: Algorithm, options: ExampleOptions, firstSource = 0): ExampleDataflow {
  if (algorithm === 'wcc') {
    return worker.dataflow((scope) => {
      const df = wccDataflow(scope);
      return { input: df.edges, out: df.labels.collect() };
    }, { name: 'wcc' });
  }
  if (algorithm === 'pagerank') {
    return worker.dataflow((scope) => {
      const df = pagerankDataflow(scope, options.iterations ?? 20);
      return { input: df.edges, out: df.ranks.collect() };
    }, { name: 'pagerank' });
  }
  const { input, sources, out } = worker.dataflow((scope) => {
    const df = bfsDataflow(scope);
    return { input: df.edges, sources: df.source, out: df.distances.collect() };
  }, { name: 'bfs' });
  if (worker.index === 0) sources.send([options.source ?? firstSource]);
  sources.close();
  return { input, out };
}

/** Runs `buildOn`'s dataflow to completion (its input closed); the values of the nodes this worker owns, in no particular order. */
export function finishOn(worker: Worker, dataflow: ExampleDataflow): NodeValues {
  return concat(finishOnParts(worker, dataflow));
}

/**
 * `finishOn` without joining the values into one list: the blocks as the dataflow gave them (BFS gives
 * one per hop), for a caller that reads them once (joining them would copy every value into fresh memory).
 *
 * @example
 * const parts = finishOnParts(worker, dataflow); // then formatSharedRange(worker, parts, …)
 */
export function finishOnParts(worker: Worker, dataflow: ExampleDataflow): NodeValues[] {
  worker.run();
  return partsOf(dataflow);
}

/** `finishOn` for a worker that waits with `runAsync` (across processes: see `Worker.waitsAsync`). */
export async function finishOnAsync(worker: Worker, dataflow: ExampleDataflow): Promise<NodeValues> {
  await worker.runAsync();
  return concat(partsOf(dataflow));
}

/** The values the dataflow gave this worker, in the blocks it gave them. */
function partsOf(dataflow: ExampleDataflow): NodeValues[] {
  return dataflow.out.records().map(([nodes, values]) => ({ nodes, values }));
}

/**
 * Builds the algorithm's dataflow on `worker`, sends this worker's share of the edges (see
 * `sendEdgeBlocks`; `parts`, the same on every worker, to list them into in shared memory; with `own`,
 * `edges` are this worker's alone and all go in), and runs to completion. Returns the values of the nodes this worker owns, in no particular order.
 */
export function runOn(worker: Worker, algorithm: Algorithm, edges: EdgeList, options: ExampleOptions = {}, parts?: EdgeParts, own = false): NodeValues {
  const dataflow = buildOn(worker, algorithm, options, edges.src[0]);
  // Edges of this worker's own (read from its share of a file) go in whole; else it takes its slice.
  sendEdgeBlocks(edges, dataflow.input, own ? { index: 0, peers: 1 } : worker, () => worker.step(), { parts });
  dataflow.input.close();
  return finishOn(worker, dataflow);
}

/** WCC on one worker in this thread: `node label` pairs sorted by node. */
export function runWcc(edges: EdgeList): NodeValues {
  return runHere('wcc', edges, {});
}

/** PageRank (`iterations`, 20 by default) on one worker in this thread: `node rank` pairs sorted by node. */
export function runPagerank(edges: EdgeList, iterations = 20): NodeValues {
  return runHere('pagerank', edges, { iterations });
}

/** BFS from `source` on one worker in this thread: `node distance` pairs of the reachable nodes, sorted by node. */
export function runBfs(edges: EdgeList, source: number): NodeValues {
  return runHere('bfs', edges, { source });
}

function runHere(algorithm: Algorithm, edges: EdgeList, options: ExampleOptions): NodeValues {
  const dense = denseIds(edges);
  const local = dense.ids === undefined || options.source === undefined ? options : { ...options, source: denseNode(dense.ids, options.source) };
  return originalIds(sortByNode([runOn(new Worker(), algorithm, dense.edges, local)]), dense.ids, algorithm === 'wcc');
}

/** Node values sorted by node, and what each worker did to get them. */
export interface ExampleResult extends NodeValues {
  readonly stats: readonly WorkerStats[];
  /**
   * The compute phase: from building the dataflow to its end, on the slowest worker (what a run costs
   * once the workers exist and the edges are in memory).
   */
  readonly computeMs: number;
}

/** One worker's nodes and how long its compute phase took. */
export interface WorkerPart extends NodeValues {
  readonly ms: number;
}

/** `runOn`, timed. */
export function timedRunOn(worker: Worker, algorithm: Algorithm, edges: EdgeList, options: ExampleOptions = {}, parts?: EdgeParts): WorkerPart {
  const t0 = performance.now();
  const part = runOn(worker, algorithm, edges, options, parts);
  return { ...part, ms: performance.now() - t0 };
}

/** How `runExample` runs. */
export interface RunOptions extends ExampleOptions {
  /** Number of workers (1 by default). */
  readonly workers?: number;
  /** Run one worker in a thread too (else one worker runs right here). */
  readonly threads?: boolean;
  /**
   * Run the example this many times over on the same workers (1 by default), each time as a new
   * dataflow; the result and `computeMs` are the last run's. Later runs find V8 has already compiled
   * the hot loops on each worker's thread.
   */
  readonly runs?: number;
  /**
   * How several workers take in the edges: 'shared' (the default) puts the list in shared memory,
   * where each worker lists its slice by id and reads the lists of the nodes it owns from every slice
   * (shaped for each example: see `PartsShape`);
   * 'exchange' has each worker send its slice through the exchange, as workers without shared memory
   * would.
   */
  readonly input?: 'shared' | 'exchange';
  /** Run on this pool's threads (see ThreadPool); implies `threads`. */
  readonly pool?: ThreadPool;
}

/** The lists each example reads from shared input (see `PartsShape`). */
const SHAPE: Record<Algorithm, PartsShape> = { wcc: 'undirected', pagerank: 'directed', bfs: 'out' };

/**
 * Runs an example on `workers` workers, in threads when more than one or with `threads`; results sorted
 * by node. Sparse ids (a largest id far above the edge count) are renumbered densely for the run and
 * mapped back in the result, so memory follows the nodes and edges, not the largest id.
 */
export async function runExample(algorithm: Algorithm, edges: EdgeList, options: RunOptions = {}): Promise<ExampleResult> {
  const dense = denseIds(edges);
  const source = options.source === undefined ? undefined : denseNode(dense.ids, options.source);
  const result = await runDense(algorithm, dense.edges, { ...options, source });
  return originalIds(result, dense.ids, algorithm === 'wcc');
}

async function runDense(algorithm: Algorithm, edges: EdgeList, options: RunOptions): Promise<ExampleResult> {
  const workers = options.workers ?? 1;
  const runs = options.runs ?? 1;
  if (!Number.isInteger(runs) || runs < 1) throw new ExampleError('BAD_OPTION', `runs must be a positive integer, got ${runs}`);
  const input = options.input ?? 'shared';
  if (input !== 'shared' && input !== 'exchange') throw new ExampleError('BAD_OPTION', `input must be 'shared' or 'exchange', got ${JSON.stringify(input)}`);
  const exampleOptions: ExampleOptions = { iterations: options.iterations, source: options.source };
  if (workers === 1 && options.threads !== true && options.pool === undefined) {
    const worker = new Worker();
    const part = timedRuns(worker, algorithm, edges, exampleOptions, runs);
    return { ...sortByNode([part]), stats: [worker.stats()], computeMs: part.ms };
  }
  const parts = workers > 1 && input === 'shared' ? edgeParts(edges, workers, SHAPE[algorithm]) : undefined;
  const args: JobArgs = { algorithm, edges: share(edges), parts, options: exampleOptions, runs };
  const { results, stats } = await execute<WorkerPart>(new URL('./job.js', import.meta.url), { workers, args, threads: true, pool: options.pool });
  return { ...sortByNode(results), stats, computeMs: Math.max(...results.map((r) => r.ms)) };
}

/** `timedRunOn`, `runs` times over on the same worker; the last run's part. */
export function timedRuns(worker: Worker, algorithm: Algorithm, edges: EdgeList, options: ExampleOptions, runs: number, parts?: EdgeParts): WorkerPart {
  let part = timedRunOn(worker, algorithm, edges, options, parts);
  for (let r = 1; r < runs; r++) part = timedRunOn(worker, algorithm, edges, options, parts);
  return part;
}

/** What each worker thread of `runExample` gets. */
export interface JobArgs {
  readonly algorithm: Algorithm;
  readonly edges: EdgeList;
  /** Where the workers list the edges (absent: they send their slices through the exchange). */
  readonly parts?: EdgeParts;
  readonly options: ExampleOptions;
  readonly runs: number;
}

/** The edge list in shared memory, so that threads read it without copies. */
function share(edges: EdgeList): EdgeList {
  const src = new Int32Array(new SharedArrayBuffer(4 * edges.count));
  const dst = new Int32Array(new SharedArrayBuffer(4 * edges.count));
  src.set(edges.src.subarray(0, edges.count));
  dst.set(edges.dst.subarray(0, edges.count));
  return { src, dst, count: edges.count, maxId: edges.maxId };
}

/** The parts one after the other. */
function concat(parts: readonly NodeValues[]): NodeValues {
  if (parts.length === 1) return parts[0]!;
  let n = 0;
  for (const p of parts) n += p.nodes.length;
  const nodes = new Int32Array(n);
  const values = new Float64Array(n);
  let at = 0;
  for (const p of parts) {
    nodes.set(p.nodes, at);
    values.set(p.values, at);
    at += p.nodes.length;
  }
  return { nodes, values };
}

/** Merges per-worker results (each node in exactly one) into one list sorted by node. */
export function sortByNode(parts: readonly NodeValues[]): NodeValues {
  let n = 0;
  let max = -1;
  for (const p of parts) {
    n += p.nodes.length;
    max = Math.max(max, largest(p.nodes));
  }
  if (max < 8 * n + 1024) {
    const nodes = new Int32Array(n);
    const values = new Float64Array(n);
    // Ids are dense enough: place each node by a counting pass over the id range.
    const slot = new Int32Array(max + 2);
    for (const p of parts) markPresent(p.nodes, slot);
    runningTotals(slot);
    for (const p of parts) placeAt(p, slot, nodes, values);
    return { nodes, values };
  }
  const { nodes, values } = concat(parts);
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => nodes[a]! - nodes[b]!);
  return { nodes: Int32Array.from(order, (i) => nodes[i]!), values: Float64Array.from(order, (i) => values[i]!) };
}

// sortByNode's loops, each a function of its own (with `largest` and `runningTotals` from csr.ts): V8
// compiles a hot loop in place, and code after it that had not run yet would throw that compiled loop away.

/** Marks each id `x` present at `slot[x + 1]`. */
function markPresent(ids: Int32Array, slot: Int32Array): void {
  for (let i = 0; i < ids.length; i++) slot[ids[i]! + 1] = 1;
}

function placeAt(part: NodeValues, slot: Int32Array, nodes: Int32Array, values: Float64Array): void {
  for (let i = 0; i < part.nodes.length; i++) {
    const at = slot[part.nodes[i]!]!;
    nodes[at] = part.nodes[i]!;
    values[at] = part.values[i]!;
  }
}

/** `node value` lines; values printed as the shortest decimal that reads back as the same double. */
export function formatNodeValues(result: NodeValues): string {
  const parts: string[] = [];
  for (let i = 0; i < result.nodes.length; i++) parts.push(`${result.nodes[i]} ${result.values[i]}\n`);
  return parts.join('');
}
