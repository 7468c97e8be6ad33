/** Weakly connected components by label propagation in a dataflow loop: label = smallest node id in the component. */
import type { InputHandle } from '../../src/graph/handles.js';
import type { Scope } from '../../src/graph/scope.js';
import type { Stream } from '../../src/graph/stream.js';
import { pipeline } from '../../src/graph/vertex.js';
import type { Timestamp } from '../../src/timestamps/timestamp.js';
import { ByOwner, owner, PairBlocks, routeEdges, toWorker, type EdgeBlock, type NodeBlock, type RoutedEdges } from './blocks.js';
import { largest, log2Exact, ownedCsr, type KeyedLists } from './csr.js';
import { RoundVertex } from './round-vertex.js';

/** `[worker, nodes, labels]`: labels offered to nodes that worker owns. */
type Offers = [worker: number, nodes: Int32Array, labels: Int32Array];

export interface WccDataflow {
  readonly edges: InputHandle<EdgeBlock>;
  /** The final label of every node this worker owns, once epoch 0 is complete. */
  readonly labels: Stream<NodeBlock>;
}

/**
 * Edges enter a loop once, each reaching the owners of both its ends; a `propagate` vertex keeps, per
 * worker, the adjacency and labels of the nodes it owns. At iteration 0 every node takes the smallest
 * id among itself and its neighbours; then the nodes whose label dropped offer it to their neighbours.
 * An offer to a node owned here lowers its label at once, within the iteration; offers to nodes owned
 * elsewhere (the smallest per node) go through the feedback, to the next iteration. Label changes
 * leave the loop; the smallest per node is its component's label.
 */
export function wccDataflow(scope: Scope): WccDataflow {
  const edges = scope.newInput<EdgeBlock>('edges');
  const loop = scope.loop('wcc');
  const offers = loop.feedback<Offers>();
  const inside = loop.enter(edges.stream);
  const propagate = loop.stage({
    name: 'propagate',
    inputs: [
      { stream: routeEdges(inside, 0, 'by-src'), pact: toWorker },
      { stream: routeEdges(inside, 1, 'by-dst'), pact: toWorker },
      { stream: offers.stream, pact: toWorker },
    ],
    outputs: 2,
    vertex: (ctx) => new Propagate(ctx),
  });
  offers.connect(propagate.output<Offers>(0));
  const labels = smallestLabel(loop.leave(propagate.output<NodeBlock>(1)));
  return { edges, labels };
}

class Propagate extends RoundVertex {
  private readonly edges = new PairBlocks();
  /** Adjacency of the nodes owned here, by local number (see `ownedCsr`). */
  private graph: KeyedLists | undefined;
  /**
   * For a node owned here, its label; for a node owned elsewhere, the smallest label offered to it so
   * far (-1 for none yet, for either): an offer that does not beat it is never sent.
   */
  private label = new Int32Array(0);
  /**
   * The owned nodes to offer their label in this pass, `changed[0 .. changedCount)`, and those for the
   * next pass, gathered in `later` (the two swap); the nodes whose label a pass lowered, in `touched`.
   * `isChanged` marks a node in any of them, or in `remote`. All reused from round to round (no garbage
   * per round), and as long as the id range: a node is in each at most once.
   */
  private changed = new Int32Array(0);
  private changedCount = 0;
  private later = new Int32Array(0);
  private isChanged = new Uint8Array(0);
  private touched = new Int32Array(0);
  /** The nodes owned elsewhere whose label (the smallest offered) dropped in this round, marked in `isChanged` until it ends. */
  private remote = new Int32Array(0);
  /** The offers to send in a round, by owner (reused). */
  private useful: ByOwner | undefined;
  /** Offers by iteration: a peer may already be an iteration ahead, even before this graph is built. */
  private readonly offers = new Map<number, Offers[]>();

  onRecv(port: number, batch: readonly unknown[], time: Timestamp): void {
    this.wake(time);
    if (port < 2) {
      this.edges.add(batch as readonly RoutedEdges[]);
      return;
    }
    let pending = this.offers.get(time.iteration);
    if (pending === undefined) this.offers.set(time.iteration, (pending = []));
    for (const o of batch as readonly Offers[]) pending.push(o);
  }

  /**
   * One method per loop: V8 compiles a hot loop in place (on-stack replacement), and a method holding
   * only that loop is not thrown back to the interpreter by code after it that has not run yet. This
   * matters when every core runs a worker and no core is left to compile in the background.
   */
  protected round(time: Timestamp): void {
    if (this.graph === undefined) this.build(time);
    for (const [, nodes, labels] of this.offers.get(time.iteration) ?? []) this.changedCount = applyOffers(nodes, labels, this.label, this.isChanged, this.changed, this.changedCount);
    this.offers.delete(time.iteration);
    // Passes until no node owned here is left to offer: labels travel as far as they can among the
    // nodes owned here within the round, and only offers to other workers wait for the next.
    let count = this.changedCount;
    let remote = 0;
    while (count > 0) {
      const changes = new Float64Array(count);
      const touched = this.offerToNeighbours(count, changes);
      this.ctx.sendBy(1, [[this.changed.slice(0, count), changes]], time);
      const split = sortTouched(this.touched, touched, this.ctx.worker, this.ctx.peers, this.later, this.remote, remote);
      [this.changed, this.later] = [this.later, this.changed];
      count = split.local;
      remote = split.remote;
    }
    this.changedCount = 0;
    const useful = this.useful!;
    useful.clear();
    offersOut(this.remote, remote, this.label, this.isChanged, useful);
    const records: Offers[] = useful.records();
    if (records.length > 0) this.ctx.sendBy(0, records, time);
  }

  /**
   * Offers the label of each of the first `count` changed nodes to its neighbours; the changed nodes'
   * labels into `changes`. Returns how many nodes it lowered a label of (into `touched`).
   */
  private offerToNeighbours(count: number, changes: Float64Array): number {
    const { label, isChanged, changed, touched } = this;
    const { offsets, targets } = this.graph!;
    return offerFrom(offsets, targets, this.ctx.peers, changed, count, label, isChanged, changes, touched);
  }

  /**
   * At iteration 0: adjacency of the nodes owned here. Each owned node starts with the smallest id
   * among itself and its neighbours (what a first round of offers would give, read from its own lists
   * instead); the nodes that kept their own id leave the loop with it now, the others offer their
   * label in this round.
   */
  private build(time: Timestamp): void {
    const { peers, worker } = this.ctx;
    const { blocks, owned, lists } = this.edges.adjacency(peers);
    this.edges.release();
    const { csr, size } = ownedCsr(blocks, lists, owned, worker, peers);
    this.graph = csr;
    this.label = new Int32Array(size).fill(-1);
    this.isChanged = new Uint8Array(size);
    this.touched = new Int32Array(size);
    this.remote = new Int32Array(size);
    this.changed = new Int32Array(size);
    this.later = new Int32Array(size);
    // A node is offered to at most once per round: room for all a worker owns is enough.
    this.useful = new ByOwner(peers, Math.ceil(size / peers));
    const kept = new Int32Array(Math.ceil(size / peers));
    const counts = { changed: 0, kept: 0 };
    startLabels(csr, peers, worker, this.label, this.isChanged, this.changed, kept, counts);
    this.changedCount = counts.changed;
    if (counts.kept > 0) this.ctx.sendBy(1, [[kept.slice(0, counts.kept), Float64Array.from(kept.subarray(0, counts.kept))]], time);
  }
}

/**
 * The label of each of the first `count` changed nodes offered to its neighbours (their lists by local
 * number, `n / peers`: see `ownedCsr`). An offer that beats a neighbour's label (or, for a node owned
 * elsewhere, the smallest label offered to it so far) lowers it at once, so a changed node that comes
 * later in the same round offers what it was just given: fewer rounds than offering only the labels
 * the round began with, and the same labels in the end (the least id in each component). A lowered
 * node goes into `touched` once (marked in `isChanged`), unless it is still to offer in this round.
 * Each changed node is unmarked and its label put in `changes` as it offers. Returns how many nodes
 * went into `touched`.
 */
function offerFrom(offsets: Int32Array, targets: Int32Array, peers: number, changed: Int32Array, count: number, label: Int32Array, isChanged: Uint8Array, changes: Float64Array, touched: Int32Array): number {
  let reached = 0;
  // Local numbers by a shift when the worker count is a power of two (1 and 2 included: the common cases).
  const shift = log2Exact(peers);
  for (let i = 0; i < count; i++) {
    const n = changed[i]!;
    const l = label[n]!;
    const at = shift >= 0 ? n >> shift : (n / peers) | 0;
    isChanged[n] = 0;
    changes[i] = l;
    for (let j = offsets[at]!; j < offsets[at + 1]!; j++) {
      const m = targets[j]!;
      // Read as unsigned, none (-1) is above every label.
      if (l < label[m]! >>> 0) {
        label[m] = l;
        if (isChanged[m] === 0) {
          isChanged[m] = 1;
          touched[reached++] = m;
        }
      }
    }
  }
  return reached;
}

/**
 * The first `count` nodes of `touched`, all marked: one owned here goes into `later`, to offer its new
 * label in the next pass; one owned elsewhere into `remote` from `remoteCount` on, to be offered its
 * label at the end of the round. Both stay marked. Returns how many went into each.
 */
function sortTouched(touched: Int32Array, count: number, worker: number, peers: number, later: Int32Array, remote: Int32Array, remoteCount: number): { local: number; remote: number } {
  let local = 0;
  for (let i = 0; i < count; i++) {
    const m = touched[i]!;
    if (owner(m, peers) === worker) later[local++] = m;
    else remote[remoteCount++] = m;
  }
  return { local, remote: remoteCount };
}

/** The first `count` nodes of `remote`, unmarked, with their labels into `out` by owner. */
function offersOut(remote: Int32Array, count: number, label: Int32Array, isChanged: Uint8Array, out: ByOwner): void {
  for (let i = 0; i < count; i++) {
    const m = remote[i]!;
    isChanged[m] = 0;
    out.add(m, label[m]!);
  }
}

/**
 * Lowers the labels of owned nodes to the offers that beat them; each node that changed is noted once
 * in `changed` (after the first `count`). Returns the new count. A function of its own that only
 * returns after its loop: code after a loop compiled in place that has not run yet (a store to a
 * field, say) would throw the compiled loop away on every call.
 */
function applyOffers(nodes: Int32Array, labels: Int32Array, label: Int32Array, isChanged: Uint8Array, changed: Int32Array, count: number): number {
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    if (labels[i]! < label[n]!) {
      label[n] = labels[i]!;
      if (isChanged[n] === 0) {
        isChanged[n] = 1;
        changed[count++] = n;
      }
    }
  }
  return count;
}

/**
 * Each owned node (`worker`, `worker + peers`, …, local number `l` for id `worker + l·peers`) with
 * neighbours takes the smallest id among itself and them; then each owned node with a label goes into
 * `changed` (and is marked) if that is a neighbour's id, into `kept` if its own. `counts` counts them
 * as they go (a result built after the loop would be code the loop compiled in place has not seen run).
 */
function startLabels(part: KeyedLists, peers: number, worker: number, label: Int32Array, isChanged: Uint8Array, changed: Int32Array, kept: Int32Array, counts: { changed: number; kept: number }): void {
  const { offsets, targets } = part;
  for (let at = 0, n = worker; at + 1 < offsets.length; at++, n += peers) {
    let least = label[n]!;
    const start = offsets[at]!;
    const end = offsets[at + 1]!;
    if (start < end) {
      if (least === -1) least = n;
      for (let j = start; j < end; j++) least = Math.min(least, targets[j]!);
      label[n] = least;
    }
    if (least === -1) continue;
    if (least < n) {
      isChanged[n] = 1;
      changed[counts.changed++] = n;
    } else kept[counts.kept++] = n;
  }
}

/** The smallest label each owned node was given, once the time is complete (labels only ever drop; the example sends every edge at epoch 0). */
function smallestLabel(changes: Stream<NodeBlock>): Stream<NodeBlock> {
  return changes.scope.unary<NodeBlock, NodeBlock>(changes, 'smallest-label', pipeline, (ctx) => {
    // best[n]: the smallest label node n was given at the open time, -1 for none; read out in id order.
    let best = new Int32Array(1024).fill(-1);
    let given = 0;
    let open: Timestamp | undefined;
    return {
      onRecv(batch, time) {
        if (open === undefined) ctx.notifyAt((open = time));
        for (const [ns, ls] of batch) {
          const top = largest(ns);
          if (top >= best.length) {
            const grown = new Int32Array(Math.max(top + 1, best.length * 2)).fill(-1);
            grown.set(best);
            best = grown;
          }
          given += lowerLabels(best, ns, ls);
        }
      },
      onNotify(time) {
        const nodes = new Int32Array(given);
        const values = new Float64Array(given);
        takeLabels(best, nodes, values);
        given = 0;
        open = undefined;
        ctx.send([[nodes, values]], time);
      },
    };
  });
}


/**
 * `best[n] = min(best[n], l)` for each pair (-1 is none); returns how many nodes had none before.
 * Read as unsigned, none (-1) is above every label, so one compare covers it: each part of the loop
 * runs on the first call, when every node is new, and V8 has seen it all by the time it compiles it.
 */
function lowerLabels(best: Int32Array, nodes: Int32Array, labels: Float64Array): number {
  let fresh = 0;
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    const l = labels[i]!;
    const b = best[n]!;
    fresh += b >>> 31;
    if (l < b >>> 0) best[n] = l;
  }
  return fresh;
}

/** Every node with a label, in id order, into `nodes` and `values`; `best` is left all -1. */
function takeLabels(best: Int32Array, nodes: Int32Array, values: Float64Array): void {
  let at = 0;
  for (let n = 0; n < best.length; n++) {
    const b = best[n]!;
    if (b === -1) continue;
    nodes[at] = n;
    values[at++] = b;
    best[n] = -1;
  }
}
