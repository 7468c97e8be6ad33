/**
 * Runs the iterative examples on several workers (threads of one process, or of several processes)
 * where every worker reads its own share of the input file and formats its own range of the output.
 */
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { execute as executeCluster, type ExecuteOptions as ClusterExecuteOptions } from '../../src/net/cluster.js';
import { ThreadPool } from '../../src/workers/pool.js';
import type { WorkerStats } from '../../src/workers/worker.js';
import { ExampleError, checkLines, readTextShared, wholeTextNeeded } from './edge-list.js';
import type { Algorithm, ExampleOptions } from './run.js';
import { fillStreamed, streamedGzip, type StreamedText } from './streamed-text.js';
import { SHARE_JOB, THREAD_LIMITS, THREADS_ENTRY } from './thread-scripts.js';

/** Where a run across processes takes place, and how its processes meet (see the net layer's execute). */
export type ClusterOptions = Pick<ClusterExecuteOptions, 'processes' | 'process' | 'hosts' | 'secret' | 'insecure' | 'connectTimeout' | 'heartbeatTimeout' | 'tls' | 'links'>;

/** What each worker of `runExampleOnShares` gets. */
export interface ShareJobArgs {
  readonly algorithm: Algorithm;
  /** The edge-list file, which every worker reads its share of (see `readEdgeListShare`). */
  readonly input: string;
  /** The file's text, read once by the process for its threads when they cannot read ranges of it (a pipe, or gzip without a believable size: see `readTextShared`). */
  readonly text?: Uint8Array;
  /** A gzip file's text as the process decompresses it, the workers parsing their blocks as it comes (see `parseStreamedShare`). */
  readonly streamed?: StreamedText;
  readonly options: ExampleOptions;
}

/** One worker's range of the output (see `formatShare`), its phase times, and the edges it read. */
export interface SharePart {
  /** Its lines, as parts one after the other. */
  readonly texts: readonly Uint8Array[];
  readonly lines: number;
  readonly readMs: number;
  readonly ms: number;
  readonly formatMs: number;
  readonly edges: number;
}

/** What `runExampleOnShares` returns on process 0 (the others get null: they write nothing). */
export interface SharedResult {
  /** The output, `node value` lines sorted by node: these texts one after the other, as bytes. */
  readonly texts: readonly Uint8Array[];
  readonly lines: number;
  readonly stats: readonly WorkerStats[];
  /**
   * The phases, each on its slowest worker anywhere: reading (the whole text's read, if the process had
   * to read it for its threads, included),
   * computing, formatting the output; and the edges read.
   */
  readonly readMs: number;
  readonly computeMs: number;
  readonly formatMs: number;
  readonly edges: number;
}

/** Whether `path` is a pipe, a socket or a device: read as a stream, never by ranges (a path that cannot be read is left to the workers' reads to name, a folder included). */
function pipeLike(path: string): boolean {
  try {
    const s = statSync(path);
    return s.isFIFO() || s.isSocket() || s.isCharacterDevice();
  } catch {
    return false;
  }
}

/**
 * Runs an example on `workers` threads of each of `cluster.processes` processes (one process, this
 * one, without `cluster`), every worker reading its own share of `input` (no process reads the whole
 * file, unless it is gzip or a pipe: then each process reads it once for its threads). Resolves on process 0
 * with the whole output, as one worker would write it; on the others with null. A BFS source that is
 * no node of the file is BAD_OPTION on every process (the cause of WORKER_FAILED).
 */
export async function runExampleOnShares(algorithm: Algorithm, input: string, options: ExampleOptions & { readonly workers?: number }, cluster: ClusterOptions = {}): Promise<SharedResult | null> {
  if ((cluster.processes ?? 1) > 1 && pipeLike(input)) {
    // Processes of one machine would share the pipe, each reading part of the text: a wrong answer.
    throw new ExampleError('BAD_OPTION', `--input ${input} is not a regular file (a pipe?): across processes every process reads the input by its path; give the path of a file (gzip or not)`);
  }
  const t0 = performance.now();
  // A gzip file is decompressed here while the workers parse their blocks of it as it comes (see
  // streamedGzip); any other text that cannot be read by ranges is read whole first.
  const streamed = input.endsWith('.gz') ? streamedGzip(input) : undefined;
  const text = streamed === undefined && wholeTextNeeded(input) ? await readTextShared(input, (chunks) => checkLines(chunks, input)) : undefined;
  const wholeReadMs = performance.now() - t0;
  const shared = streamed !== undefined ? { streamed } : text !== undefined ? { text } : {};
  const args: ShareJobArgs = { algorithm, input, ...shared, options: { iterations: options.iterations, source: options.source } };
  let size = 0;
  try {
    size = statSync(input).size;
  } catch {
    // The workers' reads name what is wrong with the file.
  }
  const job = `example ${algorithm} ${JSON.stringify(args.options)} on ${basename(input)} (${size} bytes)`;
  // A pool only for the entry script its threads start with (the jobs linked in, one file to load);
  // its threads are stopped once the computation is over, without waiting for them to go.
  const pool = new ThreadPool({ entry: THREADS_ENTRY, resourceLimits: THREAD_LIMITS });
  const filling = new AbortController();
  const computation = executeCluster<SharePart>(SHARE_JOB, { workers: options.workers ?? 1, ...cluster, args, job, threads: true, pool }).finally(() => {
    filling.abort();
    void pool.close();
  });
  // The workers wait for the text as it comes; what went wrong with it, they find on reading it again.
  if (streamed !== undefined) void fillStreamed(input, streamed, filling.signal);
  const { results, stats } = await computation;
  if ((cluster.process ?? 0) !== 0) return null;
  return {
    texts: results.flatMap((r) => r.texts),
    lines: results.reduce((a, r) => a + r.lines, 0),
    stats,
    readMs: wholeReadMs + Math.max(...results.map((r) => r.readMs)),
    computeMs: Math.max(...results.map((r) => r.ms)),
    formatMs: Math.max(...results.map((r) => r.formatMs)),
    edges: results.reduce((a, r) => a + r.edges, 0),
  };
}
