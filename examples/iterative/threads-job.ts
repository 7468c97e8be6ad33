/**
 * The module every worker thread imports for `runExampleOnThreads`, for both its phases: read this
 * worker's share of the file into shared memory; then build the adjacency of the nodes it owns from
 * every share, run its part of the example, and format its range of the output.
 */
import type { Worker } from '../../src/workers/worker.js';
import type { SharePart } from './across.js';
import { bucketByOwner, sendEdgeBlocks } from './blocks.js';
import { hasNode, NO_EDGES, parseEdgeListShare, readEdgeListShare, readFailure, type EdgeList } from './edge-list.js';
import { formatSharedRange, spentEdges } from './format.js';
import { buildOn, finishOnParts } from './run.js';
import { parseStreamedShare, type StreamedShareFailure } from './streamed-text.js';
import type { ComputeJobArgs, ReadJobArgs, ReadPart } from './threads.js';

export default async function threadsJob(worker: Worker, args: ReadJobArgs | ComputeJobArgs): Promise<ReadPart | StreamedShareFailure | SharePart> {
  return args.phase === 'read' ? readShare(worker, args) : computeShare(worker, args);
}

async function readShare(worker: Worker, args: ReadJobArgs): Promise<ReadPart | StreamedShareFailure> {
  const { index, peers } = worker;
  let edges: EdgeList | StreamedShareFailure;
  if (args.streamed !== undefined) edges = parseStreamedShare(args.streamed, index, peers, args.input, true);
  else {
    try {
      edges = args.text === undefined ? await readEdgeListShare(args.input, index, peers, true) : parseEdgeListShare(args.text, index, peers, args.input, true);
    } catch (err) {
      // The shares are byte ranges in worker order: the least index with a malformed line has the first.
      return { failure: readFailure(err, index) };
    }
  }
  if ('aborted' in edges || 'failure' in edges) return edges;
  return { ...edges, hasSource: args.source !== undefined && hasNode(edges, args.source) };
}

function computeShare(worker: Worker, args: ComputeJobArgs): SharePart {
  const t0 = performance.now();
  const dataflow = buildOn(worker, args.algorithm, args.options);
  sendEdgeBlocks(NO_EDGES, dataflow.input, worker, () => worker.step(), { shared: args.shares });
  // Each worker buckets its own share by owner, in parallel, before it closes its input: the others
  // read the buckets once every input is closed, each only those at the nodes it owns.
  const mine = args.shares[worker.index];
  if (mine?.buckets !== undefined) bucketByOwner(mine, worker.peers, mine.buckets);
  dataflow.input.close();
  const parts = finishOnParts(worker, dataflow);
  const t1 = performance.now();
  // This worker's share is read by no one once every worker is past its computation: its edges' memory
  // takes the first lines of the output.
  const share = args.shares[worker.index];
  const { texts, lines } = formatSharedRange(worker, parts, args.values, args.ids, args.algorithm === 'wcc', share === undefined ? [] : spentEdges(share));
  return { texts, lines, readMs: 0, ms: t1 - t0, formatMs: performance.now() - t1, edges: share?.count ?? 0 };
}

