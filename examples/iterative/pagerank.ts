/** PageRank: K synchronous iterations in a dataflow loop, damping 0.85, dangling mass spread over all nodes. */
import type { InputHandle } from '../../src/graph/handles.js';
import type { Scope } from '../../src/graph/scope.js';
import type { Stream } from '../../src/graph/stream.js';
import type { VertexContext } from '../../src/graph/vertex.js';
import type { Timestamp } from '../../src/timestamps/timestamp.js';
import { owner, PairBlocks, routeEdges, toWorker, type EdgeBlock, type NodeBlock, type RoutedEdges } from './blocks.js';
import { buildCsr, runningTotals, widen, type Csr } from './csr.js';
import { ExactSum } from './exact-sum.js';
import { RoundVertex } from './round-vertex.js';

export const DAMPING = 0.85;

/**
 * Shares in one message to another worker: 1 MiB, which fits one frame of a ring of the default size
 * (frames up to half the ring, 2 MiB), so that the receiver reads it where it is instead of first
 * gathering the frames of a longer message into memory of its own, every iteration.
 */
const SHARES_PER_MESSAGE = 1 << 17;

/**
 * In-neighbours are read in blocks of this many ids (2^19): the shares a block's in-edges read lie
 * within 4 MiB, which stay in cache while every owned node takes its in-neighbours of that block, where
 * the in-lists read whole jump over all of `incoming` (16 MiB for 2 M in-neighbours) once per edge.
 */
const BLOCK_IDS = 1 << 19;

/** Loop messages, each for the worker named in its first field. */
type Message =
  | [worker: number, kind: 0, ownedNodes: number] // how many nodes the sender owns
  | [worker: number, kind: 1, from: number, at: number, shares: Float64Array] // rank / outdegree of the sender's nodes this worker needs, from place `at` of its list
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
 *
 * Which shares go from worker v to worker w follows from the edges between them, which both hold (v
 * by source, w by destination): the nodes of v with an out-neighbour on w, by id. So shares travel as
 * bare arrays of numbers in that order, and each worker reads them through in-edge lists that point
 * straight at their places.
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
  private readonly outEdges = new PairBlocks();
  private readonly inEdges = new PairBlocks();
  private readonly peers: number;
  private readonly iterations: number;
  /** The nodes owned here, by id; the arrays below are indexed by position in this list. */
  private owned = new Int32Array(0);
  private rank = new Float64Array(0);
  private outDegree = new Int32Array(0);
  /** Per worker: the owned nodes (positions) with an out-neighbour on that worker, by id. */
  private sendTo: Int32Array[] = [];
  /**
   * Per other worker, reused each iteration: the shares sent to it. The messages hold views of it until
   * the loop's feedback passes them on, encoded, to their workers, which happens before this worker's
   * next iteration writes here (that iteration waits for every message of this one). Until then they
   * share no memory: messages to different workers, or to one worker in several parts, must not
   * overlap. This worker's own shares go straight into `incoming` (empty here).
   */
  private outgoing: Float64Array[] = [];
  /** Per owned node, its in-neighbours' places in `incoming` (in-neighbours by id). */
  private inOffsets = new Int32Array(1);
  private inSlots: Int32Array = new Int32Array(0);
  /**
   * How the in-lists are cut by blocks of in-neighbour ids, when the ids span more than one block (see
   * `BLOCK_IDS`): made at the first gathering, from each slot's block (`blockOf`, made with the slots),
   * when what building needed is gone, so that the peak of memory is not raised by it.
   */
  private inBlocks: InBlocks | undefined;
  private blockOf: Uint8Array | Uint16Array | undefined;
  /** Where each sender's shares start in `incoming`. */
  private slotBase = new Int32Array(1);
  // A peer may already send iteration i+1 while this worker is still at i (never i+2: this worker's
  // pending notification at i holds the peers' iteration i+1 back), so shares and dangling mass are
  // kept by the parity of their iteration.
  private incoming: [Float64Array, Float64Array] = [new Float64Array(0), new Float64Array(0)];
  private dangling: [ExactSum, ExactSum] = [new ExactSum(), new ExactSum()];
  /** Shares arrived from each worker, by the parity of their iteration (see `checkShares`). */
  private received: [Int32Array, Int32Array];
  private nodes = 0;
  private built = false;

  constructor(ctx: VertexContext, iterations: number) {
    super(ctx);
    this.peers = ctx.peers;
    this.iterations = iterations;
    this.received = [new Int32Array(ctx.peers), new Int32Array(ctx.peers)];
  }

  onRecv(port: number, batch: readonly unknown[], time: Timestamp): void {
    this.wake(time);
    if (port < 2) {
      const into = port === 0 ? this.outEdges : this.inEdges;
      into.add(batch as readonly RoutedEdges[]);
      return;
    }
    const parity = time.iteration & 1;
    for (const m of batch as readonly Message[]) {
      if (m[1] === 0) this.nodes += m[2];
      else if (m[1] === 1) this.storeShares(m[2], m[3], m[4], parity);
      else for (const p of m[2]) this.dangling[parity].add(p);
    }
  }

  /** How many shares this worker needs from worker `w` each iteration. */
  private sharesFrom(w: number): number {
    return this.slotBase[w + 1]! - this.slotBase[w]!;
  }

  private storeShares(from: number, at: number, shares: Float64Array, parity: number): void {
    const base = this.slotBase[from]!;
    const expected = this.sharesFrom(from);
    if (at < 0 || at + shares.length > expected) {
      throw new Error(`pagerank: worker ${from} sent shares ${at} to ${at + shares.length - 1}, worker ${this.ctx.worker} needs ${expected}: the two disagree on the edges between them`);
    }
    this.incoming[parity].set(shares, base + at);
    this.received[parity][from] += shares.length;
  }

  /** Every other worker sent as many shares for this iteration (`parity`) as this worker needs from it; the counts start again. */
  private checkShares(parity: number): void {
    const received = this.received[parity];
    for (let w = 0; w < this.peers; w++) {
      const expected = this.sharesFrom(w);
      if (w !== this.ctx.worker && received[w] !== expected) {
        throw new Error(`pagerank: worker ${w} sent ${received[w]} shares, worker ${this.ctx.worker} needs ${expected}: the two disagree on the edges between them`);
      }
    }
    received.fill(0);
  }

  protected round(time: Timestamp): void {
    const iteration = time.iteration;
    // A worker that owns no node gets no edge, so it may first act at iteration 1, when the others'
    // node counts come: it builds its (empty) part then, and takes its turn in every later iteration.
    if (!this.built) this.build();
    if (iteration === 0) {
      const batch: Message[] = [];
      for (let w = 0; w < this.peers; w++) batch.push([w, 0, this.owned.length]);
      this.ctx.sendBy(0, batch, time);
      this.wake(time.incremented());
      return;
    }
    const n = this.nodes;
    const rank = this.rank;
    if (iteration === 1) rank.fill(1 / n);
    else {
      const parity = iteration & 1;
      this.checkShares(parity);
      const danglingMass = this.dangling[parity].sum();
      this.dangling[parity] = new ExactSum();
      if (this.blockOf !== undefined) {
        this.inBlocks = inBlocks(this.inSlots, this.inOffsets, this.blockOf);
        this.blockOf = undefined;
      }
      if (this.inBlocks !== undefined) gatherBlocks(rank, this.inOffsets, this.inSlots, this.inBlocks, this.incoming[parity], (1 - DAMPING) / n, danglingMass / n);
      else gatherRanks(rank, this.inOffsets, this.inSlots, this.incoming[parity], (1 - DAMPING) / n, danglingMass / n);
    }
    if (iteration - 1 === this.iterations) {
      // The ranks themselves, not a copy: this vertex writes them no more.
      this.ctx.sendBy(1, [[this.owned, rank]], time);
      return;
    }
    this.sendShares(time);
    this.wake(time.incremented());
  }

  private sendShares(time: Timestamp): void {
    const partials = danglingMass(this.rank, this.outDegree).parts();
    const me = this.ctx.worker;
    const batch: Message[] = [];
    for (let w = 0; w < this.peers; w++) {
      const list = this.sendTo[w]!;
      if (list.length > 0) {
        if (w !== me) {
          const out = shares(this.rank, this.outDegree, list, this.outgoing[w]!);
          // Messages of SHARES_PER_MESSAGE, each a view of its own part of `outgoing[w]`.
          for (let at = 0; at < out.length; at += SHARES_PER_MESSAGE) {
            this.ctx.sendBy(0, [[w, 1, me, at, out.subarray(at, Math.min(out.length, at + SHARES_PER_MESSAGE))]], time);
          }
        } else {
          // Where the next iteration reads them (as `storeShares` would put them), with no message.
          const at = this.slotBase[me]!;
          shares(this.rank, this.outDegree, list, this.incoming[(time.iteration + 1) & 1].subarray(at, at + list.length));
        }
      }
      if (partials.length > 0) batch.push([w, 2, Float64Array.from(partials)]);
    }
    if (batch.length > 0) this.ctx.sendBy(0, batch, time);
  }

  /**
   * The owned nodes, their out-degrees, what to send to whom, and where each in-neighbour's share will
   * be. Adjacency is indexed by an owned node's local number, `x / peers` rounded down (owned nodes are
   * those with `x % peers` equal to this worker), so its arrays are a `peers`-th of the id range.
   */
  private build(): void {
    this.built = true;
    const peers = this.peers;
    const me = this.ctx.worker;
    const outs = this.outEdges.adjacency(peers, me, true);
    const ins = this.inEdges.adjacency(peers, me, true);
    this.outEdges.release();
    this.inEdges.release();
    const built = buildCsr(0, outs.blocks, true, peers, { lists: outs.lists, first: me }, { columns: outs.owned, worker: me, peers });
    const inn = buildCsr(built.offsets.length - 1, ins.blocks, true, peers, { lists: ins.lists, first: me }, { columns: ins.owned, worker: me, peers });
    // Both indexed alike: out-lists as many as the in-lists (which are at least as many).
    const out = widen(built, inn.offsets.length);
    const size = Math.max(out.extent, inn.extent);
    const ownedLocal = withEdges(out.offsets, inn.offsets);
    const count = ownedLocal.length;
    this.owned = new Int32Array(count);
    this.outDegree = new Int32Array(count);
    describeOwned(ownedLocal, out.offsets, peers, me, this.owned, this.outDegree);
    this.rank = new Float64Array(count);
    this.sendTo = sendLists(ownedLocal, out, peers);
    this.outgoing = this.sendTo.map((list, w) => new Float64Array(w === me ? 0 : list.length));

    // Receiving: the in-neighbours of owned nodes, grouped by their owner, by id, give each share its place.
    const slot = new Int32Array(size).fill(-1);
    const slotBase = placeSenders(inn.targets, slot, peers);
    this.slotBase = slotBase;
    const own = this.sharesFrom(me);
    if (own !== this.sendTo[me]!.length) {
      throw new Error(`pagerank: worker ${me} has ${this.sendTo[me]!.length} shares for itself and needs ${own}: its out-edges and in-edges disagree`);
    }
    this.inOffsets = new Int32Array(count + 1);
    // The in-lists become the lists of slots where they are: the lists of the owned nodes, in order,
    // are all of them (a local number with no in-edge has an empty list).
    this.inSlots = toSlots(ownedLocal, inn, slot, this.inOffsets);
    this.blockOf = size > BLOCK_IDS ? blocksOfSlots(slot, slotBase[peers]!) : undefined;
    this.incoming = incomingRoom(slotBase[peers]!, out.targets);
  }
}

/**
 * Two arrays of `n` doubles for the shares coming in, zeroed: in the memory of `spent` (the out-lists,
 * read for the last time) when it holds them, since its pages are in memory already and fresh ones cost
 * a page fault each (about 10 µs here); fresh arrays otherwise.
 */
function incomingRoom(n: number, spent: Int32Array): [Float64Array, Float64Array] {
  const { buffer, byteOffset, byteLength } = spent;
  if (buffer instanceof SharedArrayBuffer || 16 * n > byteLength - (byteOffset % 8 === 0 ? 0 : 4)) return [new Float64Array(n), new Float64Array(n)];
  const at = byteOffset + (byteOffset % 8);
  const room: [Float64Array, Float64Array] = [new Float64Array(buffer, at, n), new Float64Array(buffer, at + 8 * n, n)];
  room[0].fill(0);
  room[1].fill(0);
  return room;
}

// One loop per function, so that each compiles on its own, without cold code after it (see wcc.ts).

/** Each owned node's new rank: the shares of its in-neighbours (slots in `incoming`), damped, plus the dangling term. */
function gatherRanks(rank: Float64Array, offsets: Int32Array, slots: Int32Array, incoming: Float64Array, base: number, danglingTerm: number): void {
  for (let k = 0; k < rank.length; k++) rank[k] = base + DAMPING * (sumSlots(incoming, slots, offsets[k]!, offsets[k + 1]!) + danglingTerm);
}

/**
 * `gatherRanks` block by block (see `InBlocks`): the same ranks, with the shares read from one block of
 * ids at a time. The lists' starts (`offsets[k]`, k below the node count) serve as each node's cursor,
 * moved past each run as it is read: once every block is read each holds the next list's start, and
 * they are shifted back (a column of cursors of its own would cost 4 bytes a node).
 */
function gatherBlocks(rank: Float64Array, offsets: Int32Array, slots: Int32Array, blocks: InBlocks, incoming: Float64Array, base: number, danglingTerm: number): void {
  rank.fill(0);
  for (let b = 0; b < blocks.counts.length; b++) sumBlock(rank, blocks.counts[b]!, blocks.wide[b]!, slots, offsets, incoming);
  startsAgain(offsets, rank.length);
  damp(rank, base, danglingTerm);
}

/** `offsets[k] = offsets[k - 1]` for k from `n - 1` down to 1, and `offsets[0] = 0`: the cursors `gatherBlocks` moved to the ends of the lists back at their starts. */
function startsAgain(offsets: Int32Array, n: number): void {
  if (n === 0) return;
  offsets.copyWithin(1, 0, n - 1);
  offsets[0] = 0;
}

/** Adds to each node's `sums` its shares in one block: its run, `counts[k]` long (`wide` for WIDE) from `next[k]` on, which moves past it. */
function sumBlock(sums: Float64Array, counts: Uint8Array, wide: Map<number, number>, slots: Int32Array, next: Int32Array, incoming: Float64Array): void {
  for (let k = 0; k < sums.length; k++) {
    let n = counts[k]!;
    if (n === 0) continue;
    if (n === WIDE) n = wide.get(k)!;
    const at = next[k]!;
    sums[k] = addSlots(sums[k]!, incoming, slots, at, at + n);
    next[k] = at + n;
  }
}

/** `s` plus the shares in `slots[from .. to)`, added one by one in order (as `sumSlots` does from 0). */
function addSlots(s: number, incoming: Float64Array, slots: Int32Array, from: number, to: number): number {
  for (let i = from; i < to; i++) s += incoming[slots[i]!]!;
  return s;
}

/** Each node's rank from the sum of its shares, as `gatherRanks` makes it. */
function damp(rank: Float64Array, base: number, danglingTerm: number): void {
  for (let k = 0; k < rank.length; k++) rank[k] = base + DAMPING * (rank[k]! + danglingTerm);
}

/**
 * The shares in `slots[from .. to)`. The inner loop of `gatherRanks` as a function of its own: a node
 * with many in-neighbours makes it hot before the outer loop has gone round once, and a loop compiled
 * in place around code it has not seen run is thrown away when it gets there.
 */
function sumSlots(incoming: Float64Array, slots: Int32Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += incoming[slots[i]!]!;
  return s;
}

/** The exact sum of the ranks of the nodes with no out-edge (the dangling mass). */
function danglingMass(rank: Float64Array, outDegree: Int32Array): ExactSum {
  const dangling = new ExactSum();
  for (let k = 0; k < rank.length; k++) if (outDegree[k] === 0) dangling.add(rank[k]!);
  return dangling;
}

/** rank / outdegree of the nodes at the positions in `list` (each with out-edges), into `out` (as long as `list`), which it returns. */
function shares(rank: Float64Array, outDegree: Int32Array, list: Int32Array, out: Float64Array): Float64Array {
  for (let j = 0; j < list.length; j++) {
    const k = list[j]!;
    out[j] = rank[k]! / outDegree[k]!;
  }
  return out;
}

/** The local numbers with an edge out or in (the owned nodes), ascending. */
function withEdges(out: Int32Array, inn: Int32Array): Int32Array {
  const list = new Int32Array(out.length);
  return list.slice(0, listWithEdges(out, inn, list));
}

/** `withEdges` into `list`; returns how many. */
function listWithEdges(out: Int32Array, inn: Int32Array, list: Int32Array): number {
  let n = 0;
  for (let l = 0; l + 1 < out.length; l++) if (out[l + 1]! > out[l]! || inn[l + 1]! > inn[l]!) list[n++] = l;
  return n;
}

/** Each owned node's id and out-degree. */
function describeOwned(ownedLocal: Int32Array, outOffsets: Int32Array, peers: number, me: number, ids: Int32Array, outDegree: Int32Array): void {
  for (let k = 0; k < ownedLocal.length; k++) {
    const l = ownedLocal[k]!;
    ids[k] = l * peers + me;
    outDegree[k] = outOffsets[l + 1]! - outOffsets[l]!;
  }
}

/** Per worker, the owned nodes (positions) with an out-neighbour on that worker: each node once per such worker. */
function sendLists(ownedLocal: Int32Array, out: Csr, peers: number): Int32Array[] {
  // peers × owned positions: room for every node on every list, cut to size at the end.
  const lists = new Int32Array(peers * ownedLocal.length);
  const lengths = new Int32Array(peers);
  fillSendLists(ownedLocal, out, peers, lists, lengths);
  // Views, not copies: the room past each list's end was never written, so it takes no memory.
  return Array.from(lengths, (n, w) => lists.subarray(w * ownedLocal.length, w * ownedLocal.length + n));
}

/** `sendLists` into `lists` (worker `w`'s from `w · ownedLocal.length` on), their lengths into `lengths`. */
function fillSendLists(ownedLocal: Int32Array, out: Csr, peers: number, lists: Int32Array, lengths: Int32Array): void {
  const last = new Int32Array(peers).fill(-1);
  const { offsets, targets } = out;
  for (let k = 0; k < ownedLocal.length; k++) {
    const l = ownedLocal[k]!;
    for (let i = offsets[l]!; i < offsets[l + 1]!; i++) {
      const w = owner(targets[i]!, peers);
      if (last[w] !== k) {
        last[w] = k;
        lists[w * ownedLocal.length + lengths[w]!++] = k;
      }
    }
  }
}

/**
 * Numbers the in-neighbours (`slot[x]`, by owner, then by id) and returns where each owner's range
 * starts; `slot` comes filled with -1 and is left -1 for ids that are no in-neighbour.
 */
function placeSenders(inTargets: Int32Array, slot: Int32Array, peers: number): Int32Array<ArrayBuffer> {
  markSenders(inTargets, slot);
  const slotBase = new Int32Array(peers + 1);
  countByOwner(slot, slotBase, peers);
  runningTotals(slotBase);
  numberByOwner(slot, slotBase.slice(0, peers), peers);
  return slotBase;
}

function markSenders(inTargets: Int32Array, slot: Int32Array): void {
  for (let i = 0; i < inTargets.length; i++) slot[inTargets[i]!] = 0;
}

function countByOwner(slot: Int32Array, slotBase: Int32Array, peers: number): void {
  for (let x = 0; x < slot.length; x++) if (slot[x] === 0) slotBase[owner(x, peers) + 1]!++;
}

function numberByOwner(slot: Int32Array, next: Int32Array, peers: number): void {
  for (let x = 0; x < slot.length; x++) if (slot[x] === 0) slot[x] = next[owner(x, peers)]!++;
}

/**
 * Per owned node, the slots of its in-neighbours, in the in-edge lists' order: `inn`'s targets turned
 * into slots in place (and returned), the lists' ends into `inOffsets`. The in-lists of the owned nodes
 * (`ownedLocal`, ascending) are all of `inn`'s lists with anything in them, so they lie one after the
 * other from the start of its targets.
 */
function toSlots(ownedLocal: Int32Array, inn: Csr, slot: Int32Array, inOffsets: Int32Array): Int32Array {
  const { offsets, targets } = inn;
  for (let k = 0; k < ownedLocal.length; k++) inOffsets[k + 1] = offsets[ownedLocal[k]! + 1]!;
  const end = inOffsets[ownedLocal.length]!;
  if (offsets[0] !== 0 || end !== (offsets.length > 0 ? offsets[offsets.length - 1]! : 0)) {
    throw new Error(`pagerank: the in-lists of the owned nodes hold ${end} entries of ${offsets[offsets.length - 1]}: some in-list belongs to no owned node`);
  }
  slotsInPlace(targets, end, slot);
  return targets.subarray(0, end);
}

/** Each slot's block: the block of the id it holds the share of (`slot` maps ids to slots, -1 for none). */
function blocksOfSlots(slot: Int32Array, slots: number): Uint8Array | Uint16Array {
  const blockOf = slot.length / BLOCK_IDS <= 256 ? new Uint8Array(slots) : new Uint16Array(slots);
  markBlocks(slot, blockOf);
  return blockOf;
}

function markBlocks(slot: Int32Array, blockOf: Uint8Array | Uint16Array): void {
  const shift = Math.log2(BLOCK_IDS);
  for (let id = 0; id < slot.length; id++) if (slot[id]! >= 0) blockOf[slot[id]!] = id >>> shift;
}

/**
 * How the in-lists divide by blocks of BLOCK_IDS in-neighbour ids. A node's in-list runs by increasing
 * id, so its part in a block is a run of it, and its runs come block after block: taking every node's
 * run of one block, then of the next, adds each node's shares in the order its whole list does — the
 * same sums, to the last bit, on any number of workers — while the shares read stay within a block.
 */
interface InBlocks {
  /** Per block, per owned node: the length of its run in the block; `WIDE` for 255 or more, then found in `wide`. */
  readonly counts: Uint8Array[];
  readonly wide: Map<number, number>[];
}

/** A run in a block too long for `InBlocks.counts`. */
const WIDE = 255;

/**
 * How the in-lists of `slots` (ends in `offsets`) divide by the blocks of their slots (`blockOf`);
 * undefined if some list goes back to an earlier block (then block by block would add its shares in
 * another order: the lists are built by increasing id, so this is a safeguard, not a case).
 */
function inBlocks(slots: Int32Array, offsets: Int32Array, blockOf: Uint8Array | Uint16Array): InBlocks | undefined {
  const nodes = offsets.length - 1;
  let blocks = 0;
  for (let i = 0; i < blockOf.length; i++) if (blockOf[i]! >= blocks) blocks = blockOf[i]! + 1;
  const counts = Array.from({ length: blocks }, () => new Uint8Array(nodes));
  const wide = Array.from({ length: blocks }, () => new Map<number, number>());
  return countRuns(slots, offsets, blockOf, counts, wide) ? { counts, wide } : undefined;
}

/** Per node and block, the length of the node's run in the block (into `counts` and `wide`); false if some list goes back to an earlier block. */
function countRuns(slots: Int32Array, offsets: Int32Array, blockOf: Uint8Array | Uint16Array, counts: Uint8Array[], wide: Map<number, number>[]): boolean {
  for (let k = 0; k + 1 < offsets.length; k++) {
    let i = offsets[k]!;
    const end = offsets[k + 1]!;
    while (i < end) {
      const b = blockOf[slots[i]!]!;
      const from = i;
      while (i < end && blockOf[slots[i]!] === b) i++;
      if (i < end && blockOf[slots[i]!]! < b) return false;
      const n = i - from;
      if (n < WIDE) counts[b]![k] = n;
      else {
        counts[b]![k] = WIDE;
        wide[b]!.set(k, n);
      }
    }
  }
  return true;
}

/** `targets[i] = slot[targets[i]]` for i below `end` (a function of its own: see `sumSlots`). */
function slotsInPlace(targets: Int32Array, end: number, slot: Int32Array): void {
  for (let i = 0; i < end; i++) targets[i] = slot[targets[i]!]!;
}
