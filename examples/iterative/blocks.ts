/** Columnar records for the examples: edges and node values travel as typed-array blocks, one per destination worker. */
import type { InputHandle } from '../../src/graph/handles.js';
import type { Stream } from '../../src/graph/stream.js';
import { exchangeBy, pipeline, type Pact } from '../../src/graph/vertex.js';
import type { Columns } from './csr.js';
import { ExampleError, type EdgeList } from './edge-list.js';

/**
 * A block of edges: `src[i] -> dst[i]`, tagged 'both' (or untagged): each edge reaches the worker
 * owning its source and the one owning its destination, through the exchange. A block tagged 'parts'
 * stands for a whole edge list that the workers have sorted in shared memory (see `EdgeParts`): every
 * worker sends the same one, and takes from it, once the input is complete, the edges it owns at
 * either end; nothing crosses between workers. The arrays are handed over with the block.
 */
export type EdgeBlock = [src: Int32Array, dst: Int32Array, ends?: 'both'] | PartsBlock;
/** `EdgeParts` as a block: `[src, dst, 'parts', bounds]`. */
export type PartsBlock = [src: Int32Array, dst: Int32Array, ends: 'parts', bounds: Int32Array];
/**
 * Edges for one worker, keyed by one end: `key[i]` is the end that worker owns, `other[i]` the far
 * end. Or, from a 'parts' block, the sorted list itself and the end (`by`) to key it by: the worker
 * reads its runs once the input is complete (see `PairBlocks`).
 */
export type RoutedEdges = [worker: number, key: Int32Array, other: Int32Array] | [worker: number, src: Int32Array, dst: Int32Array, bounds: Int32Array, by: 0 | 1];
/** Values of nodes: `values[i]` belongs to `nodes[i]`. */
export type NodeBlock = [nodes: Int32Array, values: Float64Array];

/**
 * An edge list sorted by the owners of its ends, twice over, in memory every worker thread can read:
 * positions `[0, count)` of `src` and `dst` hold it by the owner of each source, `[count, 2·count)` by
 * the owner of each destination. Worker `w` of `p` takes its slice of the list (positions
 * `[w·count/p, (w+1)·count/p)`) and sorts it into both copies, at the same positions, keeping the
 * list's order within each owner's run. Owner `o`'s run of slice `w` in copy `c` (0 by source, 1 by
 * destination) spans `[bounds[(2w+c)·(p+1) + o], bounds[(2w+c)·(p+1) + o + 1])`. So a worker reads
 * the edges it owns at either end as one run per slice, in the list's order: a list sorted by source
 * gives adjacency lists that need no sort.
 */
export interface EdgeParts {
  readonly src: Int32Array;
  readonly dst: Int32Array;
  readonly bounds: Int32Array;
}

/** Room, in `SharedArrayBuffer`s, for `peers` workers to sort a list of `count` edges into (pass it to every worker). */
export function edgeParts(count: number, peers: number): EdgeParts {
  const shared = (n: number) => new Int32Array(new SharedArrayBuffer(4 * n));
  return { src: shared(2 * count), dst: shared(2 * count), bounds: shared(boundsLength(peers)) };
}

/** How many bounds `EdgeParts` has for `peers` workers. */
function boundsLength(peers: number): number {
  return 2 * peers * (peers + 1);
}

/** Routes a record whose first field names the worker it is for. */
export const toWorker: Pact = exchangeBy((r: readonly unknown[]) => r[0] as number);

/** The worker that owns a node (the same rule as exchangeBy on the node id). */
export function owner(node: number, peers: number): number {
  return node % peers;
}

/** Splits each edge block by the owner of its source (`by` 0) or its destination (`by` 1); a 'parts' block stays here, to be read later. */
export function routeEdges(edges: Stream<EdgeBlock>, by: 0 | 1, name: string): Stream<RoutedEdges> {
  return edges.scope.unary<EdgeBlock, RoutedEdges>(edges, name, pipeline, (ctx) => {
    const { peers, worker } = ctx;
    let to = new Int32Array(0);
    return {
      onRecv(batch, time) {
        const out: RoutedEdges[] = [];
        for (const block of batch) {
          checkBlock(block, peers);
          if (block[2] === 'parts') {
            out.push([worker, block[0], block[1], block[3], by]);
            continue;
          }
          const [key, other] = by === 0 ? [block[0], block[1]] : [block[1], block[0]];
          if (key.length > 0) out.push(...split(key, other));
        }
        if (out.length > 0) ctx.send(out, time);
      },
    };

    /** `[worker, key, other]` for every worker owning some keys; a block owned by one worker whole passes as it is. */
    function split(key: Int32Array, other: Int32Array): RoutedEdges[] {
      if (peers === 1) return [[0, key, other]];
      const first = owner(key[0]!, peers);
      if (ownsAll(key, peers, first)) return [[first, key, other]];
      if (to.length < key.length) to = new Int32Array(key.length);
      const counts = countOwners(key, peers, to);
      const keys = Array.from(counts, (n) => new Int32Array(n));
      const others = Array.from(counts, (n) => new Int32Array(n));
      scatter(key, other, to, keys, others);
      const routed: RoutedEdges[] = [];
      for (let w = 0; w < peers; w++) if (counts[w]! > 0) routed.push([w, keys[w]!, others[w]!]);
      return routed;
    }
  });
}

/** An edge block as documented, or an error that says what is wrong with it. */
function checkBlock(block: EdgeBlock, peers: number): void {
  const [src, dst, ends, bounds] = block as unknown[];
  if (!(src instanceof Int32Array) || !(dst instanceof Int32Array)) {
    throw new ExampleError('MALFORMED_BLOCK', 'an edge block is [src: Int32Array, dst: Int32Array, ends?]: send the ends of each edge as two Int32Arrays');
  }
  if (src.length !== dst.length) throw new ExampleError('MALFORMED_BLOCK', `an edge block has ${src.length} sources but ${dst.length} destinations: the two arrays must be as long`);
  if (ends !== undefined && ends !== 'both' && ends !== 'parts') {
    throw new ExampleError('MALFORMED_BLOCK', `an edge block's ends must be 'both' or 'parts', got ${JSON.stringify(ends)}`);
  }
  if (ends === 'parts' && (!(bounds instanceof Int32Array) || bounds.length !== boundsLength(peers))) {
    throw new ExampleError('MALFORMED_BLOCK', `a 'parts' block needs bounds for ${peers} workers (an Int32Array of ${boundsLength(peers)}): make its EdgeParts with edgeParts(count, ${peers})`);
  }
}

/**
 * Edge blocks kept as they came (no copying: whoever hands a block over must not change it
 * afterwards), and 'parts' blocks to read once the input is complete.
 */
export class PairBlocks {
  private readonly blocks: Columns[] = [];
  private readonly parts: [src: Int32Array, dst: Int32Array, bounds: Int32Array, by: 0 | 1][] = [];

  add(batch: readonly RoutedEdges[]): void {
    for (const r of batch) {
      if (r.length === 3) this.blocks.push([r[1], r[2]]);
      else this.parts.push([r[1], r[2], r[3], r[4]]);
    }
  }

  /**
   * Every pair this worker (`worker` of `peers`) owns, keyed by its end: the blocks, then its runs
   * of each 'parts' list. Call it only once every worker has sorted its slice (when the input is complete).
   */
  columns(peers: number, worker: number): Columns[] {
    const out = [...this.blocks];
    for (const [src, dst, bounds, by] of this.parts) out.push(...ownRuns(src, dst, bounds, by, peers, worker));
    return out;
  }
}

/** The runs of a sorted list (see `EdgeParts`) that `worker` owns by source (`by` 0) or destination (`by` 1), keyed by that end, slice by slice. */
function ownRuns(src: Int32Array, dst: Int32Array, bounds: Int32Array, by: 0 | 1, peers: number, worker: number): Columns[] {
  const out: Columns[] = [];
  for (let w = 0; w < peers; w++) {
    const at = (2 * w + by) * (peers + 1) + worker;
    const start = bounds[at]!;
    const end = bounds[at + 1]!;
    if (!(start >= 0 && start <= end && end <= src.length)) {
      throw new ExampleError('MALFORMED_BLOCK', `a 'parts' block has a run [${start}, ${end}) outside its ${src.length} places: sort each slice with sendEdgeBlocks`);
    }
    if (end > start) out.push(by === 0 ? [src.subarray(start, end), dst.subarray(start, end)] : [dst.subarray(start, end), src.subarray(start, end)]);
  }
  return out;
}

// Each loop in a function of its own, so that V8 compiles it in place without cold code around it.

/** Whether worker `w` owns every key (a check that stops at the first key it does not). */
function ownsAll(key: Int32Array, peers: number, w: number): boolean {
  for (let i = 0; i < key.length; i++) if (owner(key[i]!, peers) !== w) return false;
  return true;
}

/** Writes each key's owner into `to` and returns how many keys each worker owns. */
function countOwners(key: Int32Array, peers: number, to: Int32Array): Int32Array {
  const counts = new Int32Array(peers);
  for (let i = 0; i < key.length; i++) {
    const w = owner(key[i]!, peers);
    to[i] = w;
    counts[w]!++;
  }
  return counts;
}

/** `[worker, nodes]` for every worker owning some of `nodes`, each worker's in the order given (copies). */
export function nodesByOwner(nodes: Int32Array, peers: number): [worker: number, nodes: Int32Array][] {
  if (nodes.length === 0) return [];
  if (peers === 1) return [[0, nodes.slice()]];
  const to = new Int32Array(nodes.length);
  const counts = countOwners(nodes, peers, to);
  const lists = Array.from(counts, (n) => new Int32Array(n));
  const fill = new Int32Array(peers);
  for (let i = 0; i < nodes.length; i++) lists[to[i]!]![fill[to[i]!]!++] = nodes[i]!;
  const out: [number, Int32Array][] = [];
  for (let w = 0; w < peers; w++) if (counts[w]! > 0) out.push([w, lists[w]!]);
  return out;
}

/** Moves each pair `(key[i], other[i])` to the arrays of worker `to[i]`, in order. */
function scatter(key: Int32Array, other: Int32Array, to: Int32Array, keys: Int32Array[], others: Int32Array[]): void {
  const fill = new Int32Array(keys.length);
  for (let i = 0; i < key.length; i++) {
    const w = to[i]!;
    const at = fill[w]!++;
    keys[w]![at] = key[i]!;
    others[w]![at] = other[i]!;
  }
}

/** Groups `(node, value)` pairs of 32-bit integers by the worker owning each node, in growable columns (kept, and reused after `clear`). */
export class ByOwner {
  private readonly nodes: Int32Array[];
  private readonly values: Int32Array[];
  private readonly length: Int32Array;

  /**
   * `room`: pairs each column holds before it grows (64 by default). Room for every node a worker owns
   * suits adding each node at most once between clears: a loop of adds then never grows a column
   * midway, which V8 would answer by throwing away the loop it compiled in place.
   */
  constructor(peers: number, room = 64) {
    this.nodes = Array.from({ length: peers }, () => new Int32Array(room));
    this.values = Array.from({ length: peers }, () => new Int32Array(room));
    this.length = new Int32Array(peers);
  }

  add(node: number, value: number): void {
    const w = owner(node, this.nodes.length);
    const at = this.length[w]!;
    if (at === this.nodes[w]!.length) this.grow(w);
    this.nodes[w]![at] = node;
    this.values[w]![at] = value;
    this.length[w] = at + 1;
  }

  /** Empties every column, keeping the room they have grown to. */
  clear(): void {
    this.length.fill(0);
  }

  /** `[worker, nodes, values]` for every worker that has any (copies: the columns stay here). */
  records(): [number, Int32Array, Int32Array][] {
    const out: [number, Int32Array, Int32Array][] = [];
    for (let w = 0; w < this.nodes.length; w++) {
      const n = this.length[w]!;
      if (n > 0) out.push([w, this.nodes[w]!.slice(0, n), this.values[w]!.slice(0, n)]);
    }
    return out;
  }

  private grow(w: number): void {
    const nodes = new Int32Array(2 * this.nodes[w]!.length);
    nodes.set(this.nodes[w]!);
    this.nodes[w] = nodes;
    const values = new Int32Array(nodes.length);
    values.set(this.values[w]!);
    this.values[w] = values;
  }
}

/** Where the edges go in: which worker this is, of how many. */
export interface WorkerPlace {
  readonly index: number;
  readonly peers: number;
}

/** How `sendEdgeBlocks` sends. */
export interface SendOptions {
  /** Edges per block (65536 by default). */
  readonly blockSize?: number;
  /** Shared memory to sort the list into, the same on every worker (see `EdgeParts`); for two or more workers. */
  readonly parts?: EdgeParts;
}

/**
 * Sends the edge list into `input` on worker `at.index` of `at.peers` (`between` runs after each
 * block). One worker sends all of it, in 'both' blocks of `blockSize` edges. With several workers,
 * each takes its slice of the list (positions `[index·count/peers, (index+1)·count/peers)`): with
 * `parts`, it sorts the slice into them by owners and sends one 'parts' block, so no edge crosses to
 * another worker and each worker's adjacency is built from the edges it owns alone; without, it sends
 * the slice in 'both' blocks through the exchange.
 */
export function sendEdgeBlocks(edges: EdgeList, input: InputHandle<EdgeBlock>, at: WorkerPlace, between: () => void, options: SendOptions = {}): void {
  const blockSize = options.blockSize ?? 1 << 16;
  if (!Number.isInteger(blockSize) || blockSize < 1) throw new ExampleError('BAD_OPTION', `blockSize must be a positive integer, got ${blockSize}`);
  const { index, peers } = at;
  const { parts } = options;
  if (peers === 1) {
    sendRange(edges, input, 0, edges.count, blockSize, between);
    return;
  }
  const start = Math.floor((index * edges.count) / peers);
  const end = Math.floor(((index + 1) * edges.count) / peers);
  if (parts === undefined) {
    sendRange(edges, input, start, end, blockSize, between);
    return;
  }
  if (parts.src.length !== 2 * edges.count || parts.dst.length !== 2 * edges.count || parts.bounds.length !== boundsLength(peers)) {
    throw new ExampleError('BAD_OPTION', `parts have room for ${Math.floor(parts.src.length / 2)} edges, for ${peers} workers' bounds of ${parts.bounds.length}: make them with edgeParts(${edges.count}, ${peers})`);
  }
  sortSlice(edges, parts, start, end, index, peers);
  input.send([[parts.src, parts.dst, 'parts', parts.bounds]]);
  between();
}

function sendRange(edges: EdgeList, input: InputHandle<EdgeBlock>, start: number, end: number, blockSize: number, between: () => void): void {
  for (let at = start; at < end; at += blockSize) {
    const stop = Math.min(end, at + blockSize);
    input.send([[edges.src.subarray(at, stop), edges.dst.subarray(at, stop), 'both']]);
    between();
  }
}

/**
 * Sorts edges `[start, end)` into both copies of `parts`, at the same positions, by the owner of the
 * source and of the destination (in order within each owner's run), and writes slice `index`'s bounds.
 */
function sortSlice(edges: EdgeList, parts: EdgeParts, start: number, end: number, index: number, peers: number): void {
  const counts = new Int32Array(2 * peers);
  countOwnersOfEnds(edges.src, edges.dst, start, end, peers, counts);
  const fill = new Int32Array(2 * (peers + 1));
  for (let c = 0; c < 2; c++) {
    let at = c * edges.count + start;
    for (let o = 0; o <= peers; o++) {
      fill[c * (peers + 1) + o] = at;
      if (o < peers) at += counts[c * peers + o]!;
    }
  }
  parts.bounds.set(fill, 2 * index * (peers + 1));
  placeByOwners(edges.src, edges.dst, start, end, peers, fill, parts.src, parts.dst);
}

/** How many edges of `[start, end)` each worker owns by source (`counts[o]`) and by destination (`counts[peers + o]`). */
function countOwnersOfEnds(src: Int32Array, dst: Int32Array, start: number, end: number, peers: number, counts: Int32Array): void {
  for (let i = start; i < end; i++) {
    counts[owner(src[i]!, peers)]!++;
    counts[peers + owner(dst[i]!, peers)]!++;
  }
}

/** Each edge of `[start, end)` to where its source's owner's run goes on, and to where its destination's owner's run goes on (`fill`). */
function placeByOwners(src: Int32Array, dst: Int32Array, start: number, end: number, peers: number, fill: Int32Array, toSrc: Int32Array, toDst: Int32Array): void {
  const second = peers + 1;
  for (let i = start; i < end; i++) {
    const s = src[i]!;
    const d = dst[i]!;
    const a = fill[owner(s, peers)]!++;
    toSrc[a] = s;
    toDst[a] = d;
    const b = fill[second + owner(d, peers)]!++;
    toSrc[b] = s;
    toDst[b] = d;
  }
}
