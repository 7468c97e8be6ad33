/** Breadth-first search: directed hop distances from one source, one loop iteration per hop. */
import type { InputHandle } from '../../src/graph/handles.js';
import type { Scope } from '../../src/graph/scope.js';
import type { Stream } from '../../src/graph/stream.js';
import { exchangeBy } from '../../src/graph/vertex.js';
import type { Timestamp } from '../../src/timestamps/timestamp.js';
import { nodesByOwner, PairBlocks, routeEdges, toWorker, type EdgeBlock, type NodeBlock, type RoutedEdges } from './blocks.js';
import { log2Exact, ownedCsr, type KeyedLists } from './csr.js';
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
  /** Out-lists of the nodes owned here, by local number (see `ownedCsr`). */
  private graph: KeyedLists | undefined;
  private visited = new Uint8Array(0);
  /** Nodes this worker has offered to (at any iteration). */
  private offered = new Uint8Array(0);
  /** Nodes reached, by iteration, in the blocks they came in: a peer may already send iteration i+1 while this worker is still at i. */
  private readonly arrivals = new Map<number, Int32Array[]>();
  /**
   * Reused from round to round (no garbage per round): the nodes found in a round, `found[0 .. foundCount)`,
   * as long as `visited`; and the nodes offered to, `next[0 .. nextCount)`, as long as the id range
   * (a node is offered to once ever).
   */
  private found = new Int32Array(0);
  private foundCount = 0;
  private next = new Int32Array(0);
  private nextCount = 0;

  onRecv(port: number, batch: readonly unknown[], time: Timestamp): void {
    this.wake(time);
    if (port === 0) {
      this.edges.add(batch as readonly RoutedEdges[]);
      return;
    }
    let blocks = this.arrivals.get(time.iteration);
    if (blocks === undefined) this.arrivals.set(time.iteration, (blocks = []));
    if (port === 1) blocks.push(Int32Array.from(batch as readonly number[]));
    else for (const [, nodes] of batch as readonly Visits[]) blocks.push(nodes);
  }

  protected round(time: Timestamp): void {
    if (this.graph === undefined) this.build();
    const distance = time.iteration;
    this.foundCount = 0;
    this.nextCount = 0;
    for (const nodes of this.arrivals.get(distance) ?? []) this.visit(nodes);
    this.arrivals.delete(distance);
    const found = this.foundCount;
    this.nextCount = offerFrom(this.graph!, this.ctx.peers, this.found, found, this.offered, this.visited, this.next);
    if (found > 0) this.ctx.sendBy(1, [[this.found.slice(0, found), new Float64Array(found).fill(distance)]], time);
    const visits: Visits[] = nodesByOwner(this.next.subarray(0, this.nextCount), this.ctx.peers);
    if (visits.length > 0) this.ctx.sendBy(0, visits, time);
  }

  /** Marks the nodes not visited yet as found. */
  private visit(nodes: Int32Array): void {
    let found = this.foundCount;
    for (let k = 0; k < nodes.length; k++) {
      const n = nodes[k]!;
      if (n >= this.visited.length) {
        this.foundCount = found; // grow keeps the nodes found so far
        this.grow(n + 1);
      }
      if (this.visited[n] === 1) continue;
      this.visited[n] = 1;
      this.found[found++] = n;
    }
    this.foundCount = found;
  }

  private build(): void {
    const { peers, worker } = this.ctx;
    const { blocks, owned, lists } = this.edges.adjacency(peers, worker, true);
    this.edges.release();
    const { csr, size } = ownedCsr(blocks, lists, owned, worker, peers);
    this.graph = csr;
    this.offered = new Uint8Array(size);
    this.next = new Int32Array(size);
    this.grow(size);
  }

  private grow(size: number): void {
    if (size <= this.visited.length) return;
    const length = Math.max(size, this.visited.length * 2);
    const v = new Uint8Array(length);
    v.set(this.visited);
    this.visited = v;
    const f = new Int32Array(length);
    f.set(this.found.subarray(0, this.foundCount));
    this.found = f;
  }
}

/**
 * The out-neighbours (lists by local number, `n / peers`: see `ownedCsr`) of the first `count` found
 * nodes that are neither visited nor offered to before, into `next`; returns how many. Offered once
 * ever: the first offer to a node carries the smallest distance any offer could. A node owned
 * elsewhere is never marked visited here, so `offered` is what stops offering it again.
 */
function offerFrom({ offsets, targets }: KeyedLists, peers: number, found: Int32Array, count: number, offered: Uint8Array, visited: Uint8Array, next: Int32Array): number {
  const lists = offsets.length - 1;
  // Local numbers by a shift when the worker count is a power of two (1 and 2 included: the common cases).
  const shift = log2Exact(peers);
  let reached = 0;
  for (let k = 0; k < count; k++) {
    const n = found[k]!;
    const at = shift >= 0 ? n >> shift : (n / peers) | 0;
    if (at >= lists) continue;
    for (let i = offsets[at]!; i < offsets[at + 1]!; i++) {
      const m = targets[i]!;
      if (offered[m] !== 0 || visited[m] === 1) continue;
      offered[m] = 1;
      next[reached++] = m;
    }
  }
  return reached;
}
