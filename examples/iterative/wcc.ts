/** Weakly connected components by label propagation in a dataflow loop: label = smallest node id in the component. */
import type { InputHandle } from '../../src/graph/handles.js';
import type { Scope } from '../../src/graph/scope.js';
import type { Stream } from '../../src/graph/stream.js';
import { pipeline } from '../../src/graph/vertex.js';
import type { Timestamp } from '../../src/timestamps/timestamp.js';
import { grownColumn } from '../../src/collections/dense.js';
import { ByOwner, PairBlocks, routeEdges, toWorker, type EdgeBlock, type NodeBlock, type RoutedEdges } from './blocks.js';
import { largest, log2Exact, ownedCsr, type KeyedLists } from './csr.js';
import { leastFirst } from './labels.js';
import { RoundVertex } from './round-vertex.js';

/**
 * Loop messages, each for the worker named in its first field: kind 0, a label offered to each of
 * `nodes` (owned there) by a neighbour owned by the sender; kind 1, pairs of labels found to name one
 * component (for every worker).
 */
type Message = [worker: number, kind: 0 | 1, a: Int32Array, b: Int32Array];

export interface WccDataflow {
  readonly edges: InputHandle<EdgeBlock>;
  /** The final label of every node this worker owns, once epoch 0 is complete. */
  readonly labels: Stream<NodeBlock>;
}

/**
 * Edges enter a loop once, each reaching the owners of both its ends; a `propagate` vertex keeps, per
 * worker, the adjacency and labels of the nodes it owns, in three iterations:
 *
 * 0. Every owned node takes the smallest id among itself and its neighbours, then labels travel among
 *    the nodes owned here (along edges between two of them, a lowered label offered at once) until
 *    none drops: nodes joined by such edges end with one label, the id of a node of their component.
 *    Each node owned elsewhere is offered the label of one of its neighbours here (of those with a
 *    smaller id: an edge between two workers is taken by the owner of its smaller end); the labels of
 *    its other such neighbours here name the same component (all reach it), and each such pair goes
 *    to every worker.
 * 1. Each offer names the same component as the label of the node it was made to: those pairs go to
 *    every worker too.
 * 2. Every worker now holds every pair: a union-find over labels (the least label of a set its root)
 *    gives each node its component's smallest id, the root of its label's set.
 *
 * A label moves along an edge between two workers once, not once per iteration of a propagation: on
 * one worker iterations 1 and 2 have nothing to do.
 */
export function wccDataflow(scope: Scope): WccDataflow {
  const edges = scope.newInput<EdgeBlock>('edges');
  const loop = scope.loop('wcc');
  const messages = loop.feedback<Message>();
  const inside = loop.enter(edges.stream);
  const propagate = loop.stage({
    name: 'propagate',
    inputs: [
      { stream: routeEdges(inside, 0, 'by-src'), pact: toWorker },
      { stream: routeEdges(inside, 1, 'by-dst'), pact: toWorker },
      { stream: messages.stream, pact: toWorker },
    ],
    outputs: 2,
    vertex: (ctx) => new Propagate(ctx),
  });
  messages.connect(propagate.output<Message>(0));
  const labels = smallestLabel(loop.leave(propagate.output<NodeBlock>(1)));
  return { edges, labels };
}

class Propagate extends RoundVertex {
  private readonly edges = new PairBlocks();
  /**
   * Adjacency of the nodes owned here, by local number (see `ownedCsr`): each list holds first the
   * neighbours owned here, by local number, then those owned elsewhere, by id (see `ownedFirst`).
   */
  private graph: KeyedLists | undefined;
  /** Per list, the end of its neighbours owned here. */
  private split: Int32Array = new Int32Array(0);
  /** Per owned node, by local number: its label (-1: no edge). */
  private label = new Int32Array(0);
  /** The union-find over labels: `up[x]` is 1 + the parent of label x, 0 for a root. */
  private up = new Int32Array(0);
  /** Pairs of labels this worker joined, not yet sent: `pairA[i]`, `pairB[i]` for i below `pairCount`. */
  private pairA = new Int32Array(64);
  private pairB = new Int32Array(64);
  private pairCount = 0;
  /** Messages by iteration: a peer may already be an iteration ahead, even before this graph is built. */
  private readonly inbox = new Map<number, Message[]>();

  onRecv(port: number, batch: readonly unknown[], time: Timestamp): void {
    this.wake(time);
    if (port < 2) {
      this.edges.add(batch as readonly RoutedEdges[]);
      return;
    }
    let pending = this.inbox.get(time.iteration);
    if (pending === undefined) this.inbox.set(time.iteration, (pending = []));
    for (const m of batch as readonly Message[]) pending.push(m);
  }

  protected round(time: Timestamp): void {
    const iteration = time.iteration;
    const inbox = this.inbox.get(iteration) ?? [];
    this.inbox.delete(iteration);
    if (iteration === 0) {
      this.propagate();
      this.offerAcross(time);
    } else {
      for (const [, kind, a, b] of inbox) {
        // An offer joins the label offered and the label of the node it was made to; a pair, its two labels.
        if (kind === 0) this.joinOffers(a, b);
        else this.joinPairs(a, b);
      }
    }
    if (iteration < 2) {
      this.sendPairs(time);
      this.wake(time.incremented());
      return;
    }
    this.ctx.sendBy(1, [this.finalLabels()], time);
  }

  /**
   * Builds the adjacency of the nodes owned here; each with neighbours starts with the smallest id
   * among itself and them, then labels travel along the edges between nodes owned here, in passes,
   * until none drops.
   */
  private propagate(): void {
    const { peers, worker } = this.ctx;
    const { blocks, owned, lists } = this.edges.adjacency(peers, worker);
    this.edges.release();
    const { csr, size } = ownedCsr(blocks, lists, owned, worker, peers);
    const { offsets, targets } = csr;
    const n = offsets.length - 1;
    this.graph = csr;
    const label = (this.label = new Int32Array(n).fill(-1));
    this.up = new Int32Array(size);
    const isChanged = new Uint8Array(n);
    let changed = new Int32Array(n);
    let next = new Int32Array(n);
    let count = startLabels(csr, peers, worker, label, isChanged, changed);
    this.split = ownedFirst(csr, worker, peers);
    leastFirst(changed, count, label, next);
    while (count > 0) {
      const reached = offerFrom(offsets, this.split, targets, changed, count, label, isChanged, next);
      [changed, next] = [next, changed];
      count = reached;
    }
  }

  /**
   * Each node owned elsewhere with a neighbour here of smaller id is offered the label of the first
   * such neighbour; the label of each other such neighbour is joined to it here (and the pair kept for
   * every worker). The worker owning an edge's smaller end takes the edge (see `offerRemote`).
   */
  private offerAcross(time: Timestamp): void {
    const peers = this.ctx.peers;
    if (peers === 1) return;
    // Per node owned elsewhere, by owner and local number (see offerRemote): 1 + the label offered to
    // it from here, 0 for none yet. The places of this worker's own nodes are never written, so their
    // pages are never touched and take no memory.
    const stride = Math.ceil(this.up.length / peers);
    const offered = new Int32Array(peers * stride);
    // Each node owned elsewhere is offered once: room for all each worker owns, so no column grows.
    const out = new ByOwner(peers, stride);
    offerRemote(this.graph!, this.split, this.label, offered, stride, this.ctx.worker, peers, out, this);
    const records: Message[] = out.records().map(([w, nodes, labels]) => [w, 0, nodes, labels]);
    if (records.length > 0) this.ctx.sendBy(0, records, time);
  }

  /** Joins the label offered to each node owned here with the node's own. */
  private joinOffers(nodes: Int32Array, labels: Int32Array): void {
    const peers = this.ctx.peers;
    for (let i = 0; i < nodes.length; i++) this.join(this.label[(nodes[i]! / peers) | 0]!, labels[i]!, true);
  }

  /** Joins each pair another worker found. */
  private joinPairs(a: Int32Array, b: Int32Array): void {
    for (let i = 0; i < a.length; i++) this.join(a[i]!, b[i]!, false);
  }

  /** Joins the sets of labels `a` and `b` (the smaller root stays root); a pair that joined two sets is kept to send if `keep`. */
  join(a: number, b: number, keep: boolean): void {
    const up = (this.up = grownColumn(this.up, Math.max(a, b) + 1));
    const ra = root(up, a);
    const rb = root(up, b);
    if (ra === rb) return;
    if (ra < rb) up[rb] = ra + 1;
    else up[ra] = rb + 1;
    if (!keep) return;
    const n = this.pairCount++;
    this.pairA = grownColumn(this.pairA, n + 1);
    this.pairB = grownColumn(this.pairB, n + 1);
    this.pairA[n] = a;
    this.pairB[n] = b;
  }

  /** The pairs joined here since the last call, to every other worker. */
  private sendPairs(time: Timestamp): void {
    const n = this.pairCount;
    this.pairCount = 0;
    if (n === 0) return;
    const a = this.pairA.slice(0, n);
    const b = this.pairB.slice(0, n);
    const records: Message[] = [];
    for (let w = 0; w < this.ctx.peers; w++) if (w !== this.ctx.worker) records.push([w, 1, a, b]);
    this.ctx.sendBy(0, records, time);
  }

  /** Every owned node with an edge and its component's label (the root of its label's set), in id order. */
  private finalLabels(): NodeBlock {
    const label = this.label;
    let n = 0;
    for (let at = 0; at < label.length; at++) if (label[at] !== -1) n++;
    const nodes = new Int32Array(n);
    const values = new Float64Array(n);
    resolveLabels(label, this.up, this.ctx.worker, this.ctx.peers, nodes, values);
    return [nodes, values];
  }
}

/** The root of `x`'s set (halving the path on the way: each label visited points to its grandparent). */
function root(up: Int32Array, x: number): number {
  if (x >= up.length) return x;
  for (;;) {
    const p = up[x]!;
    if (p === 0) return x;
    const g = up[p - 1]!;
    if (g === 0) return p - 1;
    up[x] = g;
    x = g - 1;
  }
}

/** Each owned node with a label (local number `at` is id `worker + at·peers`) and the root of its label's set, into `nodes` and `values`. */
function resolveLabels(label: Int32Array, up: Int32Array, worker: number, peers: number, nodes: Int32Array, values: Float64Array): void {
  let i = 0;
  for (let at = 0; at < label.length; at++) {
    const l = label[at]!;
    if (l === -1) continue;
    nodes[i] = worker + at * peers;
    values[i++] = root(up, l);
  }
}

/**
 * Reorders each list so that the neighbours owned here come first, as local numbers (id / peers,
 * rounded down), the others after them as ids; returns, per list, where the first part ends. On one
 * worker every neighbour is owned here and its local number is its id.
 */
function ownedFirst(csr: KeyedLists, worker: number, peers: number): Int32Array {
  const { offsets, targets } = csr;
  const lists = offsets.length - 1;
  if (peers === 1) return offsets.slice(1);
  let longest = 0;
  for (let at = 0; at < lists; at++) longest = Math.max(longest, offsets[at + 1]! - offsets[at]!);
  const scratch = new Int32Array(2 * longest);
  const split = new Int32Array(Math.max(lists, 0));
  for (let at = 0; at < lists; at++) split[at] = offsets[at]! + ownedFirstRun(targets, offsets[at]!, offsets[at + 1]!, worker, peers, scratch);
  return split;
}

/**
 * `ownedFirst` for the list `targets[start .. end)`, through `scratch` (room for twice the longest
 * list); returns how many of its neighbours are owned here. Each neighbour is written both as a local
 * number at the next place of the front part and as an id at the next place of the back part (which
 * starts at `scratch[end - start]`), and only the count of the part it belongs to moves on: no branch
 * on whose a neighbour is, which on a random graph is a coin toss the processor mispredicts half the
 * time (the lists of one worker of two on the random graph: 85–99 against 112–128 ms, four runs).
 */
function ownedFirstRun(targets: Int32Array, start: number, end: number, worker: number, peers: number, scratch: Int32Array): number {
  const length = end - start;
  let front = 0;
  let back = length;
  for (let j = start; j < end; j++) {
    const t = targets[j]!;
    const own = Number(t % peers === worker);
    scratch[front] = (t / peers) | 0;
    scratch[back] = t;
    front += own;
    back += 1 - own;
  }
  let j = start;
  for (let i = 0; i < front; i++) targets[j++] = scratch[i]!;
  for (let i = length; i < back; i++) targets[j++] = scratch[i]!;
  return front;
}

/**
 * The offers across workers: for each owned node with a label (local number `at`, id `worker +
 * at·peers`), each neighbour owned elsewhere (the second part of its list) with a larger id, not yet
 * offered a label, is offered this node's (noted in `offered`, as 1 + the label at the node's place,
 * and into `out` by owner); one already offered a label gets that label joined with this node's in
 * `joiner` (both reach it: one component). An edge between two workers is in the lists of both its
 * ends, and the worker that owns its smaller end alone takes it: one join per edge is enough, and each
 * worker reads the places of about half its edges to other workers.
 */
function offerRemote(csr: KeyedLists, split: Int32Array, label: Int32Array, offered: Int32Array, stride: number, worker: number, peers: number, out: ByOwner, joiner: { join(a: number, b: number, keep: boolean): void }): void {
  const { offsets, targets } = csr;
  // Node m's place is owner · stride + local number; by a mask and a shift when the worker count is a
  // power of two (2 included: the common case).
  const shift = log2Exact(peers);
  const mask = peers - 1;
  for (let at = 0, n = worker; at + 1 < offsets.length; at++, n += peers) {
    const l = label[at]!;
    for (let j = split[at]!; j < offsets[at + 1]!; j++) {
      const m = targets[j]!;
      if (m < n) continue;
      const place = shift >= 0 ? (m & mask) * stride + (m >> shift) : (m % peers) * stride + ((m / peers) | 0);
      const given = offered[place]! - 1;
      if (given === -1) {
        offered[place] = l + 1;
        out.add(m, l);
      } else if (given !== l) joiner.join(given, l, true);
    }
  }
}

/**
 * The label of each of the first `count` changed nodes (local numbers) offered to its neighbours owned
 * here (the first part of its list, to `split`). An offer that beats a neighbour's label lowers it at
 * once, so a changed node that comes later in the same pass offers what it was just given. A lowered
 * node goes into `next` once (marked in `isChanged`), unless it is still to offer in this pass; each
 * changed node is unmarked as it offers. Returns how many nodes went into `next`.
 */
function offerFrom(offsets: Int32Array, split: Int32Array, targets: Int32Array, changed: Int32Array, count: number, label: Int32Array, isChanged: Uint8Array, next: Int32Array): number {
  let reached = 0;
  for (let i = 0; i < count; i++) {
    const n = changed[i]!;
    const l = label[n]!;
    isChanged[n] = 0;
    for (let j = offsets[n]!; j < split[n]!; j++) {
      const m = targets[j]!;
      // Read as unsigned, none (-1) is above every label.
      if (l < label[m]! >>> 0) {
        label[m] = l;
        if (isChanged[m] === 0) {
          isChanged[m] = 1;
          next[reached++] = m;
        }
      }
    }
  }
  return reached;
}

/**
 * Each owned node with neighbours (local number `at`, id `worker + at·peers`) takes the smallest id
 * among itself and them; one that took a neighbour's goes into `changed` (and is marked), to offer
 * it. Returns how many did.
 */
function startLabels(part: KeyedLists, peers: number, worker: number, label: Int32Array, isChanged: Uint8Array, changed: Int32Array): number {
  const { offsets, targets } = part;
  let count = 0;
  for (let at = 0, n = worker; at + 1 < offsets.length; at++, n += peers) {
    const start = offsets[at]!;
    const end = offsets[at + 1]!;
    if (start === end) continue;
    let least = n;
    for (let j = start; j < end; j++) least = Math.min(least, targets[j]!);
    label[at] = least;
    if (least < n) {
      isChanged[at] = 1;
      changed[count++] = at;
    }
  }
  return count;
}

/**
 * The smallest label each owned node was given, once the time is complete (labels only ever drop; the
 * example sends every edge at epoch 0). Each worker gets the labels of the nodes it owns (ids
 * `worker + k·peers`), kept by local number `k`.
 */
function smallestLabel(changes: Stream<NodeBlock>): Stream<NodeBlock> {
  return changes.scope.unary<NodeBlock, NodeBlock>(changes, 'smallest-label', pipeline, (ctx) => {
    const { worker, peers } = ctx;
    // best[k]: the smallest label node worker + k·peers was given at the open time, -1 for none; read out in id order.
    let best = new Int32Array(1024).fill(-1);
    let given = 0;
    let open: Timestamp | undefined;
    return {
      onRecv(batch, time) {
        if (open === undefined) ctx.notifyAt((open = time));
        for (const [ns, ls] of batch) {
          const top = (largest(ns) / peers) | 0;
          if (top >= best.length) {
            const grown = new Int32Array(Math.max(top + 1, best.length * 2)).fill(-1);
            grown.set(best);
            best = grown;
          }
          given += lowerLabels(best, ns, ls, peers);
        }
      },
      onNotify(time) {
        const nodes = new Int32Array(given);
        const values = new Float64Array(given);
        takeLabels(best, nodes, values, worker, peers);
        given = 0;
        open = undefined;
        ctx.send([[nodes, values]], time);
      },
    };
  });
}


/**
 * `best[k] = min(best[k], l)` for each pair (node `n`, label `l`), `k` the node's local number `n / peers`
 * (-1 is none); returns how many nodes had none before. Read as unsigned, none (-1) is above every
 * label, so one compare covers it: each part of the loop runs on the first call, when every node is
 * new, and V8 has seen it all by the time it compiles it.
 */
function lowerLabels(best: Int32Array, nodes: Int32Array, labels: Float64Array, peers: number): number {
  let fresh = 0;
  for (let i = 0; i < nodes.length; i++) {
    const n = (nodes[i]! / peers) | 0;
    const l = labels[i]!;
    const b = best[n]!;
    fresh += b >>> 31;
    if (l < b >>> 0) best[n] = l;
  }
  return fresh;
}

/** Every node with a label (local number `k`, id `worker + k·peers`), in id order, into `nodes` and `values`; `best` is left all -1. */
function takeLabels(best: Int32Array, nodes: Int32Array, values: Float64Array, worker: number, peers: number): void {
  let at = 0;
  for (let k = 0; k < best.length; k++) {
    const b = best[k]!;
    if (b === -1) continue;
    nodes[at] = worker + k * peers;
    values[at++] = b;
    best[k] = -1;
  }
}
