/** Runs the iterative examples on one worker and formats their results as `node value` lines. */
import type { Collected } from '../../src/graph/handles.js';
import type { InputHandle } from '../../src/graph/handles.js';
import { Worker } from '../../src/workers/worker.js';
import { bfsDataflow } from './bfs.js';
import { sendEdges, type EdgeList } from './edge-list.js';
import { pagerankDataflow } from './pagerank.js';
import { wccDataflow, type Edge } from './wcc.js';

/** Results sorted by node: `values[i]` belongs to `nodes[i]`. */
export interface NodeValues {
  readonly nodes: Int32Array;
  readonly values: Float64Array;
}

export function runWcc(edges: EdgeList): NodeValues {
  const worker = new Worker();
  const { input, out } = worker.dataflow((scope) => {
    const df = wccDataflow(scope);
    return { input: df.edges, out: df.labels.collect() };
  }, { name: 'wcc' });
  feed(worker, input, edges);
  worker.run();
  return sortByNode(out);
}

export function runPagerank(edges: EdgeList, iterations = 20): NodeValues {
  const worker = new Worker();
  const { input, out } = worker.dataflow((scope) => {
    const df = pagerankDataflow(scope, iterations);
    return { input: df.edges, out: df.ranks.collect() };
  }, { name: 'pagerank' });
  feed(worker, input, edges);
  worker.run();
  return sortByNode(out);
}

export function runBfs(edges: EdgeList, source: number): NodeValues {
  const worker = new Worker();
  const { input, sources, out } = worker.dataflow((scope) => {
    const df = bfsDataflow(scope);
    return { input: df.edges, sources: df.source, out: df.distances.collect() };
  }, { name: 'bfs' });
  sources.send([source]);
  sources.close();
  feed(worker, input, edges);
  worker.run();
  return sortByNode(out);
}

/** Sends the edges batch by batch, letting the worker take each in before the next is made. */
function feed(worker: Worker, input: InputHandle<Edge>, edges: EdgeList): void {
  sendEdges(edges, (batch) => {
    input.send(batch);
    worker.step();
  });
  input.close();
}

function sortByNode(out: Collected<[number, number]>): NodeValues {
  const pairs = out.records();
  pairs.sort((a, b) => a[0] - b[0]);
  const nodes = new Int32Array(pairs.length);
  const values = new Float64Array(pairs.length);
  pairs.forEach(([n, v], i) => {
    nodes[i] = n;
    values[i] = v;
  });
  return { nodes, values };
}

/** `node value` lines; values printed as the shortest decimal that reads back as the same double. */
export function formatNodeValues(result: NodeValues): string {
  const parts: string[] = [];
  for (let i = 0; i < result.nodes.length; i++) parts.push(`${result.nodes[i]} ${result.values[i]}\n`);
  return parts.join('');
}
