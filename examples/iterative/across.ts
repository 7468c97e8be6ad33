/** Runs the iterative examples across processes: every worker reads its own share of the input file. */
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { execute as executeCluster, type ExecuteOptions as ClusterExecuteOptions } from '../../src/net/cluster.js';
import type { WorkerStats } from '../../src/workers/worker.js';
import { sortByNode, type Algorithm, type ExampleOptions, type NodeValues } from './run.js';

/** Where a run across processes takes place, and how its processes meet (see the net layer's execute). */
export type ClusterOptions = Pick<ClusterExecuteOptions, 'processes' | 'process' | 'hosts' | 'secret' | 'insecure' | 'connectTimeout' | 'heartbeatTimeout'>;

/** What each worker of `runExampleOnShares` gets. */
export interface ShareJobArgs {
  readonly algorithm: Algorithm;
  /** The edge-list file, which every worker reads its share of (see `readEdgeListShare`). */
  readonly input: string;
  readonly options: ExampleOptions;
}

/** One worker's nodes, its read and compute times, and the edges it read. */
export interface SharePart extends NodeValues {
  readonly readMs: number;
  readonly ms: number;
  readonly edges: number;
}

/** What `runExampleOnShares` returns on process 0 (the others get null: they write nothing). */
export interface SharedResult extends NodeValues {
  readonly stats: readonly WorkerStats[];
  /** The slowest worker's read and compute phases, and the edges read, on every process. */
  readonly readMs: number;
  readonly computeMs: number;
  readonly edges: number;
}

/**
 * Runs an example on `workers` threads of each of `cluster.processes` processes, every worker reading
 * its own share of `input` (no process reads the whole file, unless it is gzip). Resolves on process 0
 * with every node's value, sorted by node, as one worker would give; on the others with null. A BFS
 * source that is no node of the file is BAD_OPTION on every process (the cause of WORKER_FAILED).
 */
export async function runExampleOnShares(algorithm: Algorithm, input: string, options: ExampleOptions & { readonly workers?: number }, cluster: ClusterOptions): Promise<SharedResult | null> {
  const args: ShareJobArgs = { algorithm, input, options: { iterations: options.iterations, source: options.source } };
  let size = 0;
  try {
    size = statSync(input).size;
  } catch {
    // The workers' reads name what is wrong with the file.
  }
  const job = `example ${algorithm} ${JSON.stringify(args.options)} on ${basename(input)} (${size} bytes)`;
  const { results, stats } = await executeCluster<SharePart>(new URL('./share-job.js', import.meta.url), { workers: options.workers ?? 1, ...cluster, args, job, threads: true });
  if ((cluster.process ?? 0) !== 0) return null;
  const sorted = sortByNode(results);
  return {
    ...sorted,
    stats,
    readMs: Math.max(...results.map((r) => r.readMs)),
    computeMs: Math.max(...results.map((r) => r.ms)),
    edges: results.reduce((a, r) => a + r.edges, 0),
  };
}
