/**
 * The module every worker imports for the compute phase of `runExampleOnThreads`: build the adjacency
 * of the nodes this worker owns from every share, run its part of the example, format its range of the output.
 */
import type { Worker } from '../../src/workers/worker.js';
import type { SharePart } from './across.js';
import { sendEdgeBlocks } from './blocks.js';
import type { EdgeList } from './edge-list.js';
import { formatShare } from './format.js';
import { originalIds } from './relabel.js';
import { buildOn, finishOn } from './run.js';
import type { SharedJobArgs } from './threads.js';

const NO_EDGES: EdgeList = { src: new Int32Array(0), dst: new Int32Array(0), count: 0, maxId: -1 };

export default function sharedJob(worker: Worker, args: SharedJobArgs): SharePart {
  const t0 = performance.now();
  const dataflow = buildOn(worker, args.algorithm, args.options);
  sendEdgeBlocks(NO_EDGES, dataflow.input, worker, () => worker.step(), { shared: args.shares });
  dataflow.input.close();
  const part = originalIds(finishOn(worker, dataflow), args.ids, args.algorithm === 'wcc');
  const t1 = performance.now();
  const { text, lines } = formatShare(worker, part, args.maxId);
  return { text, lines, readMs: 0, ms: t1 - t0, formatMs: performance.now() - t1, edges: args.shares[worker.index]?.count ?? 0 };
}
