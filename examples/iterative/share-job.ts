/**
 * The module every worker imports for `runExampleOnShares`: read this worker's share of the file, run
 * its part of an example, format its range of the output.
 */
import type { Worker } from '../../src/workers/worker.js';
import { ExampleError, firstFailure, hasNode, NO_EDGES, parseEdgeListShare, readEdgeListShare, readFailure, type EdgeList, type ReadFailure } from './edge-list.js';
import { formatShare } from './format.js';
import { originalIds, rankOf, ranked, sortedDistinct, sparse } from './relabel.js';
import type { ShareJobArgs, SharePart } from './across.js';
import { edgeBlocks } from './blocks.js';
import { buildOn, finishOnAsync } from './run.js';
import { parseStreamedShare } from './streamed-text.js';

export default async function shareJob(worker: Worker, args: ShareJobArgs): Promise<SharePart> {
  const t0 = performance.now();
  let edges: EdgeList | undefined;
  let failure: ReadFailure | null = null;
  const streamed = args.streamed === undefined ? undefined : parseStreamedShare(args.streamed, worker.index, worker.peers, args.input);
  if (streamed !== undefined && 'failure' in streamed) {
    // Streamed, the blocks are in file order: the least block with a malformed line has the first.
    failure = streamed.failure;
    edges = NO_EDGES;
  } else if (streamed !== undefined && !('aborted' in streamed)) edges = streamed;
  else {
    // A byte range of the text or of the file; or the whole gzip file, every line checked and every
    // `peers`-th edge kept: so a worker reads it itself when the decompression here failed or outgrew
    // its room (several gzip members), and meets what went wrong as one reader does.
    const whole = args.text === undefined && args.input.endsWith('.gz');
    try {
      edges = args.text === undefined ? await readEdgeListShare(args.input, worker.index, worker.peers) : parseEdgeListShare(args.text, worker.index, worker.peers, args.input);
    } catch (err) {
      // The shares are byte ranges in worker order: of the malformed lines the workers met, the least
      // index has the first in the file; every worker names that one, as one worker would. A worker
      // that read the whole file met the file's first: it comes before any block's.
      failure = readFailure(err, whole ? -1 : worker.index);
      edges = NO_EDGES;
    }
  }
  const t1 = performance.now();
  const source = args.options.source;
  // What no worker knows alone: the whole file's edge count and largest id, whether the BFS source is
  // a node of it (if not, every worker refuses it, so that every process fails as one worker does),
  // and the malformed lines met.
  const facts = await everyWorker(worker, [edges.count, edges.maxId, source !== undefined && hasNode(edges, source), failure] as [number, number, boolean, ReadFailure | null]);
  const first = firstFailure(facts.map((f) => f[3]));
  if (first !== undefined) throw first;
  const count = facts.reduce((a, f) => a + f[0], 0);
  const maxId = Math.max(...facts.map((f) => f[1]));
  if (args.algorithm === 'bfs' && !facts.some((f) => f[2])) throw new ExampleError('BAD_OPTION', `example bfs: --source ${source} is not a node of ${args.input}`);
  // Sparse ids (the largest far above the edge count) are renumbered by their rank among every
  // worker's ids, as one worker does (see denseIds): memory follows the nodes, not the largest id.
  let ids: Int32Array | undefined;
  let mine: EdgeList | undefined = edges;
  let options = args.options;
  if (sparse(maxId, count)) {
    ids = sortedDistinct(await everyWorker(worker, sortedDistinct([edges.src.subarray(0, edges.count), edges.dst.subarray(0, edges.count)])));
    mine = ranked(edges, ids);
    if (source !== undefined) options = { ...options, source: rankOf(ids, source) };
  }
  const edgesRead = edges.count;
  const dataflow = buildOn(worker, args.algorithm, options);
  // This worker's edges all go in (each reaches its owners through the exchange), then are let go:
  // from here on the adjacency the vertices build holds them. The worker waits without blocking its
  // thread throughout, as direct links need (see Worker.waitsAsync).
  for (const block of edgeBlocks(mine, 0, mine.count)) {
    dataflow.input.send([block]);
    await worker.stepAsync();
  }
  edges = mine = undefined;
  dataflow.input.close();
  const part = originalIds(await finishOnAsync(worker, dataflow), ids, args.algorithm === 'wcc');
  const t2 = performance.now();
  const { text, lines } = await formatShare(worker, part, maxId);
  return { texts: [text], lines, readMs: t1 - t0, ms: t2 - t1, formatMs: performance.now() - t2, edges: edgesRead };
}


/** Every worker's `value`, by worker index: a small dataflow where every worker tells every other. */
async function everyWorker<T>(worker: Worker, value: T): Promise<T[]> {
  const all: T[] = new Array(worker.peers);
  const input = worker.dataflow((scope) => {
    const input = scope.newInput<[number, T]>('tell');
    input.stream.broadcast().inspect(([from, v]) => (all[from] = v));
    return input;
  }, { name: 'every-worker' });
  input.send([[worker.index, value]]);
  input.close();
  await worker.runAsync();
  return all;
}
