/** Breadth-first search: directed hop distances from one source, one loop iteration per hop. */
import type { InputHandle } from '../../src/graph/handles.js';
import type { Scope } from '../../src/graph/scope.js';
import type { Stream } from '../../src/graph/stream.js';
import { exchangeBy } from '../../src/graph/vertex.js';
import type { Timestamp } from '../../src/timestamps/timestamp.js';
import { owner, PairBlocks, routeEdges, toWorker, type EdgeBlock, type NodeBlock, type RoutedEdges } from './blocks.js';
import { buildCsr, type Csr } from './csr.js';
import { RoundVertex } from './round-vertex.js';

/** `[worker, nodes]`: nodes that worker owns, reached at this iteration. */
type Visits = [worker: number, nodes: Int32Array];

export interface BfsDataflow {
  readonly edges: InputHandle<EdgeBlock>;
  readonly source: InputHandle<number>;
  /** The distance of every reachable node this worker owns. */
  readonly distances: Stream<NodeBlock>;
}

/**
 * The source enters the loop at iteration 0; a node first reached at iteration i is at distance i, and
 * offers iteration i+1 to its out-neighbours through the feedback. The loop ends when no node is new.
 */
export function bfsDataflow(scope: Scope): BfsDataflow {
  const edges = scope.newInput<EdgeBlock>('edges');
  const source = scope.newInput<number>('source');
  const loop = scope.loop('bfs');
  const visits = loop.feedback<Visits>();
  const expand = loop.stage({
    name: 'expand',
    inputs: [
      { stream: routeEdges(loop.enter(edges.stream), 0, 'by-src'), pact: toWorker },
      { stream: loop.enter(source.stream), pact: exchangeBy((n: number) => n) },
      { stream: visits.stream, pact: toWorker },
    ],
    outputs: 2,
    vertex: (ctx) => new Expand(ctx),
  });
  visits.connect(expand.output<Visits>(0));
  return { edges, source, distances: loop.leave(expand.output<NodeBlock>(1)) };
}

class Expand extends RoundVertex {
  private readonly edges = new PairBlocks();
  private graph: Csr | undefined;
  private visited = new Uint8Array(0);
  /** Nodes this worker has offered to (at any iteration). */
  private offered = new Uint8Array(0);
  /** Nodes reached, by iteration: a peer may already send iteration i+1 while this worker is still at i. */
  private readonly arrivals = new Map<number, number[]>();

  onRecv(port: number, batch: readonly unknown[], time: Timestamp): void {
    this.wake(time);
    if (port === 0) {
      this.edges.add(batch as readonly RoutedEdges[]);
      return;
    }
    let list = this.arrivals.get(time.iteration);
    if (list === undefined) this.arrivals.set(time.iteration, (list = []));
    if (port === 1) for (const n of batch as readonly number[]) list.push(n);
    else for (const [, nodes] of batch as readonly Visits[]) for (const n of nodes) list.push(n);
  }

  protected round(time: Timestamp): void {
    if (this.graph === undefined) this.build();
    const { offsets, targets } = this.graph!;
    const size = offsets.length - 1;
    const peers = this.ctx.peers;
    const distance = time.iteration;
    const arrivals = this.arrivals.get(distance) ?? [];
    this.arrivals.delete(distance);
    const found: number[] = [];
    const next: number[][] = Array.from({ length: this.ctx.peers }, () => []);
    for (const n of arrivals) {
      if (n >= this.visited.length) this.grow(n + 1);
      if (this.visited[n] === 1) continue;
      this.visited[n] = 1;
      found.push(n);
      // Adjacency is by local number (id / peers).
      const local = (n / peers) | 0;
      if (local >= size) continue;
      for (let i = offsets[local]!; i < offsets[local + 1]!; i++) {
        const m = targets[i]!;
        // Offered once ever: the first offer to a node carries the smallest distance any offer could. A
        // node owned elsewhere is never marked visited here, so this is what stops offering it again.
        if (this.offered[m] !== 0 || (m < this.visited.length && this.visited[m] === 1)) continue;
        this.offered[m] = 1;
        next[owner(m, peers)]!.push(m);
      }
    }
    if (found.length > 0) this.ctx.sendBy(1, [[Int32Array.from(found), new Float64Array(found.length).fill(distance)]], time);
    const visits: Visits[] = [];
    next.forEach((nodes, w) => nodes.length > 0 && visits.push([w, Int32Array.from(nodes)]));
    if (visits.length > 0) this.ctx.sendBy(0, visits, time);
  }

  private build(): void {
    const { peers, worker } = this.ctx;
    this.graph = buildCsr(0, this.edges.columns(peers, worker), false, peers);
    const size = this.graph.extent;
    this.offered = new Uint8Array(size);
    this.grow(size);
  }

  private grow(size: number): void {
    if (size <= this.visited.length) return;
    const v = new Uint8Array(Math.max(size, this.visited.length * 2));
    v.set(this.visited);
    this.visited = v;
  }
}
