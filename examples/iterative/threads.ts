/**
 * Runs the iterative examples on the worker threads of this process, the input read in parallel: each
 * worker parses its share of the file into shared memory, then every worker builds the adjacency of the
 * nodes it owns from all the shares (no edge crosses between workers) and formats its range of the output.
 */
import { execute } from '../../src/workers/execute.js';
import { ThreadPool } from '../../src/workers/pool.js';
import type { SharedResult, SharePart } from './across.js';
import { ExampleError, checkLines, firstFailure, readTextShared, wholeTextNeeded, type EdgeList, type ReadFailure } from './edge-list.js';
// Types only from format.js: its code needs the runtime, which this thread (the launcher's) does not load.
import type { SharedValues } from './format.js';
import { rankOf, sortedDistinct, sparse } from './relabel.js';
import type { Algorithm, ExampleOptions } from './run.js';
import { fillStreamed, streamedGzip, type StreamedShareFailure, type StreamedText } from './streamed-text.js';
import { THREAD_LIMITS, THREADS_ENTRY, THREADS_JOB } from './thread-scripts.js';

/**
 * From how many edges the workers put their shares in buckets by owner (see `bucketByOwner`): on a
 * small graph reading every share whole costs less than the buckets do (email-Eu-core on 3 workers,
 * compute 66–68 against 55–57 ms).
 */
const BUCKET_FROM = 1 << 20;

/** What each worker of the read phase gets. */
export interface ReadJobArgs {
  readonly phase: 'read';
  readonly input: string;
  /** The file's text, read once for all the threads when they cannot read ranges of it (a pipe, or gzip without a believable size: see `readTextShared`). */
  readonly text?: Uint8Array;
  /** A gzip file's text as this thread decompresses it, the threads parsing their blocks as it comes (see `parseStreamedShare`). */
  readonly streamed?: StreamedText;
  /** A node to look for (the BFS source). */
  readonly source?: number;
}

/** One worker's share of the file, in shared memory, and whether it holds the node looked for. */
export interface ReadPart extends EdgeList {
  readonly hasSource: boolean;
}

/** What each worker of the compute phase gets. */
export interface ComputeJobArgs {
  readonly phase: 'compute';
  readonly algorithm: Algorithm;
  /**
   * Every worker's share of the edges, in shared memory (dense ids), with room in shared memory for
   * where its edges lie by owner (on two or more workers, a large graph): each worker buckets its own share.
   */
  readonly shares: readonly (EdgeList & { readonly buckets?: Int32Array })[];
  /** The original id of each dense id, when the file's ids were renumbered (see `denseIds`). */
  readonly ids?: Int32Array;
  /** Where the workers put every node's value, to format the output by ranges of (dense) ids. */
  readonly values: SharedValues;
  readonly options: ExampleOptions;
}

/**
 * Runs an example on `workers` threads of this process (of `pool`, if given: start it with
 * `preload: [THREADS_JOB], entry: THREADS_ENTRY`), every thread reading its share of `input` in
 * parallel (a gzip file or a pipe is read once, here, and the threads parse their shares of its text).
 * Resolves with the whole output, as one worker would write it. A BFS source that is no node of the
 * file is BAD_OPTION.
 *
 * @example
 * const { texts, lines } = await runExampleOnThreads('wcc', 'graph.txt', { workers: 2 });
 */
export async function runExampleOnThreads(algorithm: Algorithm, input: string, options: ExampleOptions & { readonly workers: number }, pool?: ThreadPool): Promise<SharedResult> {
  const workers = options.workers;
  const threads = pool ?? new ThreadPool({ start: workers, preload: [THREADS_JOB], entry: THREADS_ENTRY, resourceLimits: THREAD_LIMITS });
  try {
    const t0 = performance.now();
    const read = await readShares(input, options.source, workers, threads);
    const readMs = performance.now() - t0;
    let shares: EdgeList[] = read.results.map(({ src, dst, count, maxId }) => ({ src, dst, count, maxId }));
    const count = shares.reduce((a, s) => a + s.count, 0);
    const maxId = Math.max(-1, ...shares.map((s) => s.maxId));
    let source = options.source;
    if (algorithm === 'bfs' && !read.results.some((r) => r.hasSource)) throw new ExampleError('BAD_OPTION', `example bfs: --source ${source} is not a node of ${input}`);
    let ids: Int32Array | undefined;
    if (sparse(maxId, count)) {
      // Sparse ids are renumbered by rank, as one worker does (see denseIds), into shared memory.
      ids = sortedDistinct(shares.flatMap((s) => [s.src, s.dst]));
      shares = shares.map((s) => rankedShared(s, ids!));
      if (source !== undefined) source = rankOf(ids, source);
      ids = shared(ids);
    }
    const values = sharedValues(ids === undefined ? maxId + 1 : ids.length, algorithm !== 'pagerank', shares[shares.length - 1]);
    const bucketed = workers > 1 && count >= BUCKET_FROM ? shares.map((s) => ({ ...s, buckets: new Int32Array(new SharedArrayBuffer(4 * (workers * workers + 1))) })) : shares;
    const args: ComputeJobArgs = { phase: 'compute', algorithm, shares: bucketed, ...(ids === undefined ? {} : { ids }), values, options: { iterations: options.iterations, source } };
    const { results, stats } = await execute<SharePart>(THREADS_JOB, { workers, args, pool: threads });
    return {
      texts: results.flatMap((r) => r.texts),
      lines: results.reduce((a, r) => a + r.lines, 0),
      stats,
      readMs,
      computeMs: Math.max(...results.map((r) => r.ms)),
      formatMs: Math.max(...results.map((r) => r.formatMs)),
      edges: count,
    };
  } finally {
    if (pool === undefined) await threads.close();
  }
}

/**
 * Every worker's share of `input`, read by the threads of `pool`: a gzip file is decompressed here
 * while they parse their blocks of the text already there; any other file each thread reads its range
 * of, unless it cannot (a pipe: then it is read here first, whole). The threads report malformed lines
 * rather than throw: of several, the first in the file is named, as one worker names it.
 */
async function readShares(input: string, source: number | undefined, workers: number, pool: ThreadPool): Promise<{ readonly results: readonly ReadPart[] }> {
  const at = source === undefined ? {} : { source };
  const streamed = input.endsWith('.gz') ? streamedGzip(input) : undefined;
  if (streamed !== undefined) {
    const args: ReadJobArgs = { phase: 'read', input, streamed, ...at };
    const filling = new AbortController();
    const fill = fillStreamed(input, streamed, filling.signal);
    // A read that fails (a thread died, say) stops the filling: no one reads what it would bring.
    const read = await execute<ReadPart | StreamedShareFailure>(THREADS_JOB, { workers, args, pool }).catch((err: unknown) => {
      filling.abort();
      throw err;
    });
    const filled = await fill;
    throwFirstFailure(read.results);
    if (filled.kind === 'failed') throw filled.error;
    // More text than the trailer said (a file of several gzip members): read it whole, then parse.
    if (filled.kind === 'done') return { results: read.results as ReadPart[] };
  }
  const text = wholeTextNeeded(input) ? await readTextShared(input, (chunks) => checkLines(chunks, input)) : undefined;
  const args: ReadJobArgs = { phase: 'read', input, ...(text === undefined ? {} : { text }), ...at };
  const read = await execute<ReadPart | { failure: ReadFailure }>(THREADS_JOB, { workers, args, pool });
  throwFirstFailure(read.results);
  return read as { results: ReadPart[] };
}

/** Throws the first in the file of the malformed lines the read's workers reported, if any. */
function throwFirstFailure(results: readonly (ReadPart | StreamedShareFailure)[]): void {
  const first = firstFailure(results.map((r) => ('failure' in r ? r.failure : undefined)));
  if (first !== undefined) throw first;
}

/**
 * Room in shared memory for the values of ids `0 .. size − 1` (see format.ts's `formatSharedRange`),
 * 32-bit integers if `integers`. The values are written only once the computation is over everywhere,
 * when no worker reads the edges any more, so they take the end of `last`'s destination column where it
 * has room for them: those pages are in memory already, and fresh ones would cost the peak their size
 * and a page fault each (`formatSharedRange` keeps the lines out of that room). `present`,
 * which must start all zero, is fresh (a byte per id).
 */
function sharedValues(size: number, integers: boolean, last: EdgeList | undefined): SharedValues {
  const present = new Uint8Array(new SharedArrayBuffer(size));
  const bytes = (integers ? 4 : 8) * size;
  const column = last?.dst.subarray(0, last.count);
  if (column !== undefined && column.buffer instanceof SharedArrayBuffer && bytes > 0) {
    // The last `bytes` of the column, the start moved down to a multiple of 8 (a double's alignment).
    const start = column.byteOffset + column.byteLength - bytes;
    const aligned = start - (start % 8);
    if (start >= column.byteOffset && aligned >= column.byteOffset) {
      const values = integers ? new Int32Array(column.buffer, aligned, size) : new Float64Array(column.buffer, aligned, size);
      return { values, present };
    }
  }
  const values = integers ? new Int32Array(new SharedArrayBuffer(bytes)) : new Float64Array(new SharedArrayBuffer(bytes));
  return { values, present };
}

/** The edges with every id replaced by its rank in `ids`, in shared memory. */
function rankedShared(edges: EdgeList, ids: Int32Array): EdgeList {
  const src = new Int32Array(new SharedArrayBuffer(4 * edges.count));
  const dst = new Int32Array(new SharedArrayBuffer(4 * edges.count));
  for (let e = 0; e < edges.count; e++) {
    src[e] = rankOf(ids, edges.src[e]!);
    dst[e] = rankOf(ids, edges.dst[e]!);
  }
  return { src, dst, count: edges.count, maxId: ids.length - 1 };
}

function shared(a: Int32Array): Int32Array {
  const out = new Int32Array(new SharedArrayBuffer(4 * a.length));
  out.set(a);
  return out;
}
