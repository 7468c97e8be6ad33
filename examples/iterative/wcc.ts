/** Weakly connected components by label propagation in a dataflow loop: label = smallest node id in the component. */
import type { InputHandle } from '../../src/graph/handles.js';
import type { Scope } from '../../src/graph/scope.js';
import type { Stream } from '../../src/graph/stream.js';
import { exchangeBy } from '../../src/graph/vertex.js';
import type { Timestamp } from '../../src/timestamps/timestamp.js';
import { buildCsr, PairBuffer, type Csr } from './csr.js';
import { RoundVertex } from './round-vertex.js';

export type Edge = [number, number];
/** `[node, label]`: a node's label, or a label proposed to a node. */
export type Label = [number, number];

export interface WccDataflow {
  readonly edges: InputHandle<Edge>;
  /** Final `[node, label]` of every node this worker owns, once epoch 0 is complete. */
  readonly labels: Stream<Label>;
}

const node = (r: Label | Edge) => r[0];

/**
 * Edges enter a loop once; a `propagate` vertex keeps, per worker, the adjacency and labels of the nodes
 * it owns. At iteration 0 every node takes its own id; at each iteration the nodes whose label dropped
 * offer it to their neighbours (the smallest offer per neighbour), through the feedback, to the next
 * iteration. Every label change leaves the loop; the smallest per node is its component's label.
 */
export function wccDataflow(scope: Scope): WccDataflow {
  const edges = scope.newInput<Edge>('edges');
  const loop = scope.loop('wcc');
  const proposals = loop.feedback<Label>();
  const inside = loop.enter(edges.stream);
  const propagate = loop.stage({
    name: 'propagate',
    inputs: [
      // Each edge reaches the owners of both its ends: as src -> dst, and as dst -> src.
      { stream: inside, pact: exchangeBy((e: Edge) => e[0]) },
      { stream: inside, pact: exchangeBy((e: Edge) => e[1]) },
      { stream: proposals.stream, pact: exchangeBy(node) },
    ],
    outputs: 2,
    vertex: (ctx) => new Propagate(ctx),
  });
  proposals.connect(propagate.output<Label>(0));
  const labels = smallestLabel(loop.leave(propagate.output<Label>(1)));
  return { edges, labels };
}

const OUT_BATCH = 4096;

class Propagate extends RoundVertex {
  private readonly edges = new PairBuffer();
  private graph: Csr | undefined;
  private label = new Int32Array(0);
  private changed: number[] = [];
  private isChanged = new Uint8Array(0);
  private offer = new Int32Array(0);
  private readonly proposals = new Map<number, (readonly Label[])[]>();

  onRecv(port: number, batch: readonly unknown[], time: Timestamp): void {
    this.wake(time);
    if (port < 2) {
      this.edges.pushRecords(batch as readonly Edge[], port === 1);
      return;
    }
    // A peer may already be an iteration ahead (even before this worker has built its graph): keep
    // proposals by iteration and apply them when that iteration is complete.
    let pending = this.proposals.get(time.iteration);
    if (pending === undefined) this.proposals.set(time.iteration, (pending = []));
    pending.push(batch as readonly Label[]);
  }

  protected round(time: Timestamp): void {
    if (this.graph === undefined) this.build();
    const label = this.label;
    for (const proposals of this.proposals.get(time.iteration) ?? []) {
      for (let i = 0; i < proposals.length; i++) {
        const n = proposals[i]![0];
        const l = proposals[i]![1];
        if (l < label[n]!) {
          label[n] = l;
          if (this.isChanged[n] === 0) {
            this.isChanged[n] = 1;
            this.changed.push(n);
          }
        }
      }
    }
    this.proposals.delete(time.iteration);
    const { offsets, targets } = this.graph!;
    const offer = this.offer;
    const changed = this.changed;
    this.changed = [];
    let out: Label[] = [];
    const offered: number[] = [];
    for (const n of changed) {
      this.isChanged[n] = 0;
      out.push([n, label[n]!]);
      if (out.length === OUT_BATCH) {
        this.ctx.sendBy(1, out, time);
        out = [];
      }
      const l = label[n]!;
      for (let i = offsets[n]!; i < offsets[n + 1]!; i++) {
        const m = targets[i]!;
        if (offer[m] === -1) offered.push(m);
        if (offer[m] === -1 || l < offer[m]!) offer[m] = l;
      }
    }
    if (out.length > 0) this.ctx.sendBy(1, out, time);
    out = [];
    for (const m of offered) {
      if (offer[m]! < label[m]! || label[m] === -1) out.push([m, offer[m]!]);
      offer[m] = -1;
      if (out.length === OUT_BATCH) {
        this.ctx.sendBy(0, out, time);
        out = [];
      }
    }
    if (out.length > 0) this.ctx.sendBy(0, out, time);
  }

  /** At iteration 0: adjacency of the nodes seen here, each labelled with its own id. */
  private build(): void {
    const e = this.edges;
    const size = e.extent();
    this.graph = buildCsr(size, e.from, e.to, e.length, false);
    this.label = new Int32Array(size).fill(-1);
    this.isChanged = new Uint8Array(size);
    this.offer = new Int32Array(size).fill(-1);
    for (let i = 0; i < e.length; i++) {
      const n = e.from[i]!;
      if (this.label[n] === -1) {
        this.label[n] = n;
        this.isChanged[n] = 1;
        this.changed.push(n);
      }
    }
  }
}

/** The smallest label each node was given, once the time is complete (labels only ever drop; the example sends every edge at epoch 0). */
function smallestLabel(changes: Stream<Label>): Stream<Label> {
  return changes.scope.unary<Label, Label>(changes, 'smallest-label', exchangeBy(node), (ctx) => {
    let best = new Int32Array(1024).fill(-1);
    const nodes: number[] = [];
    let open: Timestamp | undefined;
    return {
      onRecv(batch, time) {
        if (open === undefined) ctx.notifyAt((open = time));
        for (let i = 0; i < batch.length; i++) {
          const n = batch[i]![0];
          const l = batch[i]![1];
          if (n >= best.length) {
            const grown = new Int32Array(Math.max(n + 1, best.length * 2)).fill(-1);
            grown.set(best);
            best = grown;
          }
          if (best[n] === -1) nodes.push(n);
          if (best[n] === -1 || l < best[n]!) best[n] = l;
        }
      },
      onNotify(time) {
        const out: Label[] = nodes.map((n) => [n, best[n]!]);
        for (const n of nodes) best[n] = -1;
        nodes.length = 0;
        open = undefined;
        ctx.send(out, time);
      },
    };
  });
}
