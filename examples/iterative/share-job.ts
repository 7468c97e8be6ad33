/** The module every worker imports for `runExampleOnShares`: read this worker's share of the file, run its part of an example. */
import type { Worker } from '../../src/workers/worker.js';
import { readEdgeListShare } from './edge-list.js';
import { runOn, type ShareJobArgs, type SharePart } from './run.js';

export default async function shareJob(worker: Worker, args: ShareJobArgs): Promise<SharePart> {
  const t0 = performance.now();
  const edges = await readEdgeListShare(args.input, worker.index, worker.peers);
  const t1 = performance.now();
  const source = args.options.source;
  let hasSource = false;
  if (source !== undefined) for (let i = 0; i < edges.count && !hasSource; i++) hasSource = edges.src[i] === source || edges.dst[i] === source;
  const part = runOn(worker, args.algorithm, edges, args.options, undefined, true);
  return { ...part, readMs: t1 - t0, ms: performance.now() - t1, edges: edges.count, hasSource };
}
