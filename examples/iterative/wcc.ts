/** Weakly connected components by label propagation in a dataflow loop: label = smallest node id in the component. */
import type { InputHandle } from '../../src/graph/handles.js';
import type { Scope } from '../../src/graph/scope.js';
import type { Stream } from '../../src/graph/stream.js';
import { exchangeBy } from '../../src/graph/vertex.js';
import type { Timestamp } from '../../src/timestamps/timestamp.js';
import { buildCsr, PairBuffer, type Csr } from './csr.js';

export type Edge = [number, number];
/** `[node, label]`: a node's label, or a label proposed to a node. */
export type Label = [number, number];

export interface WccDataflow {
  readonly edges: InputHandle<Edge>;
  /** Final `[node, label]` of every node this worker owns, once epoch 0 is complete. */
  readonly labels: Stream<[number, number]>;
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
  const undirected = scope.stage({
    name: 'undirect',
    inputs: [edges.stream],
    vertex: (ctx) => ({
      onRecv(_port, batch, time) {
        const out: Edge[] = [];
        for (const e of batch as readonly Edge[]) out.push(e, [e[1], e[0]]);
        ctx.sendBy(0, out, time);
      },
    }),
  }).output<Edge>();

  const loop = scope.loop('wcc');
  const proposals = loop.feedback<Label>();
  const propagate = loop.stage({
    name: 'propagate',
    inputs: [
      { stream: loop.enter(undirected), pact: exchangeBy(node) },
      { stream: proposals.stream, pact: exchangeBy(node) },
    ],
    outputs: 2,
    vertex: (ctx) => new Propagate(ctx.sendBy.bind(ctx), ctx.notifyAt.bind(ctx)),
  });
  proposals.connect(propagate.output<Label>(0));
  const changes = loop.leave(propagate.output<Label>(1));
  const labels = changes.reduceByKey<number, number>(node, () => Infinity, (m, [, l]) => Math.min(m, l), 'smallest-label');
  return { edges, labels };
}

const OUT_BATCH = 4096;

class Propagate {
  private readonly edges = new PairBuffer();
  private graph: Csr | undefined;
  private label = new Int32Array(0);
  private changed: number[] = [];
  private isChanged = new Uint8Array(0);
  private offer = new Int32Array(0);
  private waiting = false;
  private readonly send: (port: number, batch: unknown[], time: Timestamp) => void;
  private readonly notifyAt: (time: Timestamp) => void;

  constructor(send: (port: number, batch: unknown[], time: Timestamp) => void, notifyAt: (time: Timestamp) => void) {
    this.send = send;
    this.notifyAt = notifyAt;
  }

  onRecv(port: number, batch: readonly unknown[], time: Timestamp): void {
    if (!this.waiting) {
      this.notifyAt(time);
      this.waiting = true;
    }
    if (port === 0) {
      for (const [a, b] of batch as readonly Edge[]) this.edges.push(a, b);
      return;
    }
    const label = this.label;
    for (const [n, l] of batch as readonly Label[]) {
      if (l < label[n]!) {
        label[n] = l;
        if (this.isChanged[n] === 0) {
          this.isChanged[n] = 1;
          this.changed.push(n);
        }
      }
    }
  }

  onNotify(time: Timestamp): void {
    this.waiting = false;
    if (this.graph === undefined) this.build();
    const { offsets, targets } = this.graph!;
    const label = this.label;
    const offer = this.offer;
    const changed = this.changed;
    this.changed = [];
    let out: Label[] = [];
    const offered: number[] = [];
    for (const n of changed) {
      this.isChanged[n] = 0;
      out.push([n, label[n]!]);
      if (out.length === OUT_BATCH) {
        this.send(1, out, time);
        out = [];
      }
      const l = label[n]!;
      for (let i = offsets[n]!; i < offsets[n + 1]!; i++) {
        const m = targets[i]!;
        if (offer[m] === -1) offered.push(m);
        if (offer[m] === -1 || l < offer[m]!) offer[m] = l;
      }
    }
    if (out.length > 0) this.send(1, out, time);
    out = [];
    for (const m of offered) {
      if (offer[m]! < label[m]! || label[m] === -1) out.push([m, offer[m]!]);
      offer[m] = -1;
      if (out.length === OUT_BATCH) {
        this.send(0, out, time);
        out = [];
      }
    }
    if (out.length > 0) this.send(0, out, time);
  }

  /** At iteration 0: adjacency of the nodes seen here, each labelled with its own id. */
  private build(): void {
    const e = this.edges;
    let size = 0;
    for (let i = 0; i < e.length; i++) size = Math.max(size, e.from[i]! + 1, e.to[i]! + 1);
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
