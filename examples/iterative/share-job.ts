/** The module every worker imports for `runExampleOnShares`: read this worker's share of the file, run its part of an example. */
import type { Worker } from '../../src/workers/worker.js';
import { ExampleError, readEdgeListShare, type EdgeList } from './edge-list.js';
import { runOn, type ShareJobArgs, type SharePart } from './run.js';

export default async function shareJob(worker: Worker, args: ShareJobArgs): Promise<SharePart> {
  const t0 = performance.now();
  const edges = await readEdgeListShare(args.input, worker.index, worker.peers);
  const t1 = performance.now();
  const source = args.options.source;
  // A BFS source must be a node of the whole file: every worker learns whether some worker saw it, so
  // that every process fails the same way when none did (as one worker refuses it before running).
  if (args.algorithm === 'bfs' && !seenAnywhere(worker, source !== undefined && hasNode(edges, source))) {
    throw new ExampleError('BAD_OPTION', `example bfs: --source ${source} is not a node of ${args.input}`);
  }
  const part = runOn(worker, args.algorithm, edges, args.options, undefined, true);
  return { ...part, readMs: t1 - t0, ms: performance.now() - t1, edges: edges.count };
}

function hasNode(edges: EdgeList, node: number): boolean {
  for (let i = 0; i < edges.count; i++) if (edges.src[i] === node || edges.dst[i] === node) return true;
  return false;
}

/** Whether `mine` holds on some worker: a small dataflow where every worker tells every other. */
function seenAnywhere(worker: Worker, mine: boolean): boolean {
  let any = false;
  const input = worker.dataflow((scope) => {
    const input = scope.newInput<boolean>('seen');
    input.stream.broadcast().inspect((seen) => (any ||= seen));
    return input;
  }, { name: 'source-check' });
  input.send([mine]);
  input.close();
  worker.run();
  return any;
}
