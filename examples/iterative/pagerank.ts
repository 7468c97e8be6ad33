/** PageRank: K synchronous iterations in a dataflow loop, damping 0.85, dangling mass spread over all nodes. */
import type { InputHandle } from '../../src/graph/handles.js';
import type { Scope } from '../../src/graph/scope.js';
import type { Stream } from '../../src/graph/stream.js';
import type { VertexContext } from '../../src/graph/vertex.js';
import type { Timestamp } from '../../src/timestamps/timestamp.js';
import { owner, routeEdges, toWorker, type EdgeBlock, type NodeBlock, type RoutedEdges } from './blocks.js';
import { buildCsr, PairBuffer, type Csr } from './csr.js';
import { addExact, roundExact } from './exact-sum.js';
import { RoundVertex } from './round-vertex.js';

export const DAMPING = 0.85;

/** Loop messages, each for the worker named in its first field. */
type Message =
  | [worker: number, kind: 0, ownedNodes: number] // how many nodes the sender owns
  | [worker: number, kind: 1, srcs: Int32Array, shares: Float64Array] // rank(src) / outdegree(src)
  | [worker: number, kind: 2, partials: Float64Array]; // the sender's dangling mass, as exact partials

export interface PageRankDataflow {
  readonly edges: InputHandle<EdgeBlock>;
  /** The rank of every node this worker owns, after the last iteration. */
  readonly ranks: Stream<NodeBlock>;
}

/**
 * Each node's rank lives on the worker that owns it. Iteration 0 counts the distinct nodes (N) across
 * workers; each later iteration moves every node's share of rank to the owners of its out-neighbours,
 * and every worker's dangling mass to every worker. Sums are made in a fixed order (in-neighbours by
 * id; dangling mass exactly), so the ranks are the same bits for any number of workers.
 */
export function pagerankDataflow(scope: Scope, iterations: number): PageRankDataflow {
  const edges = scope.newInput<EdgeBlock>('edges');
  const loop = scope.loop('pagerank');
  const messages = loop.feedback<Message>();
  const inside = loop.enter(edges.stream);
  const rank = loop.stage({
    name: 'rank',
    inputs: [
      { stream: routeEdges(inside, 0, 'by-src'), pact: toWorker },
      { stream: routeEdges(inside, 1, 'by-dst'), pact: toWorker },
      { stream: messages.stream, pact: toWorker },
    ],
    outputs: 2,
    vertex: (ctx) => new Rank(ctx, iterations),
  });
  messages.connect(rank.output<Message>(0));
  return { edges, ranks: loop.leave(rank.output<NodeBlock>(1)) };
}

class Rank extends RoundVertex {
  private readonly outEdges = new PairBuffer();
  private readonly inEdges = new PairBuffer();
  private out: Csr | undefined;
  private in: Csr | undefined;
  private owned = new Int32Array(0);
  private rank = new Float64Array(0);
  // A peer may already send iteration i+1 while this worker is still at i (never i+2: this worker's
  // pending notification at i holds the peers' iteration i+1 back), so shares and dangling mass are
  // kept by the parity of their iteration.
  private share: [Float64Array, Float64Array] = [new Float64Array(0), new Float64Array(0)];
  private nodes = 0;
  private dangling: [number[], number[]] = [[], []];
  private readonly peers: number;
  private readonly iterations: number;

  constructor(ctx: VertexContext, iterations: number) {
    super(ctx);
    this.peers = ctx.peers;
    this.iterations = iterations;
  }

  onRecv(port: number, batch: readonly unknown[], time: Timestamp): void {
    this.wake(time);
    if (port < 2) {
      const into = port === 0 ? this.outEdges : this.inEdges;
      for (const [, key, other] of batch as readonly RoutedEdges[]) into.pushColumns(key, other);
      return;
    }
    const parity = time.iteration & 1;
    for (const m of batch as readonly Message[]) {
      if (m[1] === 0) this.nodes += m[2];
      else if (m[1] === 1) this.storeShares(m, parity);
      else for (const p of m[2]) addExact(this.dangling[parity], p);
    }
  }

  private storeShares(m: Message & { 1: 1 }, parity: number): void {
    const share = this.share[parity];
    const [, , srcs, shares] = m;
    for (let i = 0; i < srcs.length; i++) share[srcs[i]!] = shares[i]!;
  }

  protected round(time: Timestamp): void {
    const iteration = time.iteration;
    if (iteration === 0) {
      this.build();
      const batch: Message[] = [];
      for (let w = 0; w < this.peers; w++) batch.push([w, 0, this.owned.length]);
      this.ctx.sendBy(0, batch, time);
      this.wake(time.incremented());
      return;
    }
    const n = this.nodes;
    if (iteration === 1) {
      for (const x of this.owned) this.rank[x] = 1 / n;
    } else {
      const parity = iteration & 1;
      const danglingMass = roundExact(this.dangling[parity]);
      this.dangling[parity] = [];
      const share = this.share[parity];
      const base = (1 - DAMPING) / n;
      const { offsets, targets } = this.in!;
      for (const x of this.owned) {
        let s = 0;
        for (let i = offsets[x]!; i < offsets[x + 1]!; i++) s += share[targets[i]!]!;
        this.rank[x] = base + DAMPING * (s + danglingMass / n);
      }
    }
    if (iteration - 1 === this.iterations) {
      this.ctx.sendBy(1, [[this.owned, Float64Array.from(this.owned, (x) => this.rank[x]!)]], time);
      return;
    }
    this.sendShares(time);
    this.wake(time.incremented());
  }

  private sendShares(time: Timestamp): void {
    const { offsets, targets } = this.out!;
    const peers = this.peers;
    // Per destination worker: the sources it needs and their shares (at most every owned node each).
    const srcs = Array.from({ length: peers }, () => new Int32Array(this.owned.length));
    const shares = Array.from({ length: peers }, () => new Float64Array(this.owned.length));
    const counts = new Int32Array(peers);
    const partials: number[] = [];
    const to = new Uint8Array(peers);
    for (let k = 0; k < this.owned.length; k++) {
      const x = this.owned[k]!;
      const degree = offsets[x + 1]! - offsets[x]!;
      if (degree === 0) {
        addExact(partials, this.rank[x]!);
        continue;
      }
      const share = this.rank[x]! / degree;
      if (peers > 1) {
        to.fill(0);
        for (let i = offsets[x]!; i < offsets[x + 1]!; i++) to[owner(targets[i]!, peers)] = 1;
      } else to[0] = 1;
      for (let w = 0; w < peers; w++) {
        if (to[w] === 0) continue;
        srcs[w]![counts[w]!] = x;
        shares[w]![counts[w]!++] = share;
      }
    }
    const batch: Message[] = [];
    for (let w = 0; w < peers; w++) {
      if (counts[w]! > 0) batch.push([w, 1, srcs[w]!.subarray(0, counts[w]!), shares[w]!.subarray(0, counts[w]!)]);
      if (partials.length > 0) batch.push([w, 2, Float64Array.from(partials)]);
    }
    if (batch.length > 0) this.ctx.sendBy(0, batch, time);
  }

  /** Adjacency (deduplicated, in-neighbours sorted by id) and the sorted list of owned nodes. */
  private build(): void {
    const size = Math.max(this.outEdges.extent(), this.inEdges.extent());
    this.out = buildCsr(size, this.outEdges.from, this.outEdges.to, this.outEdges.length, true);
    this.in = buildCsr(size, this.inEdges.from, this.inEdges.to, this.inEdges.length, true);
    const seen = new Uint8Array(size);
    for (const b of [this.outEdges, this.inEdges]) for (let i = 0; i < b.length; i++) seen[b.from[i]!] = 1;
    const owned: number[] = [];
    for (let x = 0; x < size; x++) if (seen[x] === 1) owned.push(x);
    this.owned = Int32Array.from(owned);
    this.rank = new Float64Array(size);
    this.share = [new Float64Array(size), new Float64Array(size)];
  }
}
