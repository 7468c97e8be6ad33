/** The module every worker imports for the read phase of `runExampleOnThreads`: parse this worker's share of the file into shared memory. */
import type { Worker } from '../../src/workers/worker.js';
import { parseEdgeListShare, readEdgeListShare } from './edge-list.js';
import type { ReadJobArgs, ReadPart } from './threads.js';

export default async function readJob(worker: Worker, args: ReadJobArgs): Promise<ReadPart> {
  const t0 = performance.now();
  const { index, peers } = worker;
  const edges = args.text === undefined ? await readEdgeListShare(args.input, index, peers, true) : parseEdgeListShare(args.text, index, peers, args.input, true);
  return { ...edges, hasSource: args.source !== undefined && hasNode(edges.src, edges.dst, edges.count, args.source), ms: performance.now() - t0 };
}

function hasNode(src: Int32Array, dst: Int32Array, count: number, node: number): boolean {
  for (let i = 0; i < count; i++) if (src[i] === node || dst[i] === node) return true;
  return false;
}
