/** Columnar records for the examples: edges and node values travel as typed-array blocks, one per destination worker. */
import type { InputHandle } from '../../src/graph/handles.js';
import type { Stream } from '../../src/graph/stream.js';
import { exchangeBy, pipeline, type Pact } from '../../src/graph/vertex.js';
import { runningTotals, type Columns, type KeyedLists } from './csr.js';
import { ExampleError, type EdgeList } from './edge-list.js';

/**
 * A block of edges: `src[i] -> dst[i]`, tagged 'both' (or untagged): each edge reaches the worker
 * owning its source and the one owning its destination, through the exchange. A block tagged 'shared'
 * is a part of an edge list in memory every worker thread can read: every worker sends every such part
 * into its own input, nothing crosses between workers, and each worker takes from it the edges at the
 * nodes it owns when it builds its adjacency (see `sendEdgeBlocks`'s `shared`). A block tagged 'parts'
 * stands for a whole edge list whose slices the workers have turned into adjacency lists in shared
 * memory (see `EdgeParts`): every worker sends the same one, and reads from it, once the input is
 * complete, the lists of the nodes it owns; nothing crosses between workers. A 'shared' block may
 * carry `buckets`, its edges' places by owner (see `bucketByOwner`): a worker then reads only the
 * edges at nodes it owns, where they lie. The arrays are handed over with the block.
 */
export type EdgeBlock = [src: Int32Array, dst: Int32Array, ends?: 'both' | 'shared', buckets?: Int32Array] | PartsBlock;
/** `EdgeParts` as a block: `[offsets, targets, 'parts', shape]`. */
export type PartsBlock = [offsets: Int32Array, targets: Int32Array, ends: 'parts', shape: PartsShape];
/**
 * Edges for one worker, keyed by one end: `key[i]` is the end that worker owns, `other[i]` the far
 * end. From a 'shared' block, the same columns marked 'owned': the worker takes the pairs whose key
 * it owns; or, from one with buckets, its columns, buckets and the end to key them by: the worker
 * reads the buckets of the pairs whose key it owns once the input is complete. Or, from a 'parts'
 * block, its arrays and shape, and the end (`by`) to key it by: the worker reads its lists once the
 * input is complete (see `PairBlocks`).
 */
export type RoutedEdges =
  | [worker: number, key: Int32Array, other: Int32Array]
  | [worker: number, key: Int32Array, other: Int32Array, owned: 'owned']
  | [worker: number, src: Int32Array, dst: Int32Array, bucketed: 'bucketed', buckets: Int32Array, by: 0 | 1]
  | [worker: number, offsets: Int32Array, targets: Int32Array, by: 0 | 1, shape: PartsShape];
/** Values of nodes: `values[i]` belongs to `nodes[i]`. */
export type NodeBlock = [nodes: Int32Array, values: Float64Array];

/**
 * What the lists of `EdgeParts` hold for each id: 'directed', the far ends of the edges that start
 * there and, apart, of those that end there; 'undirected', the far ends of both in one list (for an
 * operator that keys every edge by both its ends, as WCC does; half the lists to read); 'out', the
 * far ends of the edges that start there alone (for one that keys them by source alone, as BFS does).
 */
export type PartsShape = 'directed' | 'undirected' | 'out';

const SHAPES: readonly PartsShape[] = ['directed', 'undirected', 'out'];

/**
 * An edge list as adjacency lists, one set per slice of the list, in memory every worker thread can
 * read. Worker `w` of `p` takes its slice (positions `[w·count/p, (w+1)·count/p)`) and lists, for
 * every id, the far ends of the slice's edges there, in the list's order (see `PartsShape`). With `x`
 * = the id range + 1, the lists of slice `w` are keyed by `offsets[(s·w+c)·x .. (s·w+c+1)·x)`, where
 * `s` is the number of sets (2 directed, else 1) and `c` the set (directed: 0 by source, 1 by
 * destination; else 0): id `k`'s list is `targets[o[k] .. o[k+1])` for those offsets `o`. Slice `w`'s
 * lists fill `targets` over `[start, end)` by source and `[count + start, count + end)` by
 * destination, `[2·start, 2·end)` undirected, `[start, end)` out. A worker then reads the lists of
 * the nodes it owns from every slice, where they lie: nothing is sorted by owner.
 */
export interface EdgeParts {
  readonly offsets: Int32Array;
  readonly targets: Int32Array;
  readonly shape: PartsShape;
}

/** Room, in `SharedArrayBuffer`s, for `peers` workers to list the slices of `edges` in, shaped `shape` (pass it to every worker). */
export function edgeParts(edges: Pick<EdgeList, 'count' | 'maxId'>, peers: number, shape: PartsShape = 'directed'): EdgeParts {
  const shared = (n: number) => new Int32Array(new SharedArrayBuffer(4 * n));
  return { offsets: shared(sets(shape) * peers * (edges.maxId + 2)), targets: shared(places(shape, edges.count)), shape };
}

/** How many places the lists of `count` edges take. */
function places(shape: PartsShape, count: number): number {
  return shape === 'out' ? count : 2 * count;
}

/** How many sets of lists a slice has. */
function sets(shape: PartsShape): number {
  return shape === 'directed' ? 2 : 1;
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
            out.push([worker, block[0], block[1], by, block[3]]);
            continue;
          }
          const [key, other] = by === 0 ? [block[0], block[1]] : [block[1], block[0]];
          if (block[2] === 'shared') {
            if (block[3] === undefined) out.push([worker, key, other, 'owned']);
            else out.push([worker, block[0], block[1], 'bucketed', block[3], by]);
            continue;
          }
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
  const [src, dst, ends, shape] = block as unknown[];
  if (!(src instanceof Int32Array) || !(dst instanceof Int32Array)) {
    throw new ExampleError('MALFORMED_BLOCK', 'an edge block is [src: Int32Array, dst: Int32Array, ends?]: send the ends of each edge as two Int32Arrays');
  }
  if (ends !== undefined && ends !== 'both' && ends !== 'shared' && ends !== 'parts') {
    throw new ExampleError('MALFORMED_BLOCK', `an edge block's ends must be 'both', 'shared' or 'parts', got ${JSON.stringify(ends)}`);
  }
  if (ends === 'parts') {
    if (!SHAPES.includes(shape as PartsShape)) {
      throw new ExampleError('MALFORMED_BLOCK', `a 'parts' block's shape must be 'directed', 'undirected' or 'out', got ${JSON.stringify(shape)}`);
    }
    const n = sets(shape as PartsShape) * peers;
    if (src.length === 0 || src.length % n !== 0) {
      throw new ExampleError('MALFORMED_BLOCK', `a ${shape} 'parts' block needs offsets for ${peers} workers (${n} lists as long as the id range + 1), got ${src.length}: make its EdgeParts with edgeParts(edges, ${peers}, '${shape}')`);
    }
  } else if (src.length !== dst.length) throw new ExampleError('MALFORMED_BLOCK', `an edge block has ${src.length} sources but ${dst.length} destinations: the two arrays must be as long`);
  else if (shape !== undefined) {
    if (ends !== 'shared') throw new ExampleError('MALFORMED_BLOCK', `only a 'shared' block carries buckets, got a fourth field on a ${JSON.stringify(ends ?? 'both')} block`);
    if (!(shape instanceof Int32Array) || shape.length !== peers * peers + 1) {
      throw new ExampleError('MALFORMED_BLOCK', `a 'shared' block's buckets must be an Int32Array of ${peers * peers + 1} places for ${peers} workers: make them with bucketByOwner(edges, ${peers})`);
    }
  }
}

/**
 * The buckets of a 'shared' block (see `bucketByOwner`) at the nodes `worker` of `peers` owns, keyed
 * by its `by` end: by source, buckets `worker·peers .. worker·peers + peers − 1` (one run); by
 * destination, bucket `a·peers + worker` for each `a`. Checked once the input is complete (the
 * buckets are filled by then): places going up from 0 to the count, each run this worker's whole.
 */
function ownedBuckets(src: Int32Array, dst: Int32Array, buckets: Int32Array, by: 0 | 1, worker: number, peers: number): Columns[] {
  if (buckets[0] !== 0 || lastIfAscending(buckets) !== src.length) {
    throw new ExampleError('MALFORMED_BLOCK', `a 'shared' block's buckets must go up from 0 to its ${src.length} edges: fill them with bucketByOwner(edges, ${peers}, buckets) before the input is closed`);
  }
  const runs: [number, number][] = by === 0 ? [[buckets[worker * peers]!, buckets[worker * peers + peers]!]] : Array.from({ length: peers }, (_, a) => [buckets[a * peers + worker]!, buckets[a * peers + worker + 1]!]);
  const out: Columns[] = [];
  for (const [from, to] of runs) {
    if (from === to) continue;
    const key = (by === 0 ? src : dst).subarray(from, to);
    if (!ownsAll(key, peers, worker)) {
      throw new ExampleError('MALFORMED_BLOCK', `a 'shared' block's buckets put edges at nodes of another worker where worker ${worker} of ${peers} reads its own: fill them with bucketByOwner(edges, ${peers}, buckets) once the edges no longer change`);
    }
    out.push([key, (by === 0 ? dst : src).subarray(from, to)]);
  }
  return out;
}

/**
 * Pairs keyed by the end a worker owns: blocks of pairs, columns shared by every worker of which the
 * pairs with a key it owns are its (see `buildCsr`), and lists keyed by id.
 */
export interface Adjacency {
  readonly blocks: readonly Columns[];
  readonly owned: readonly Columns[];
  readonly lists: readonly KeyedLists[];
}

/**
 * Edge blocks kept as they came (no copying: whoever hands a block over must not change it
 * afterwards), and 'parts' blocks to read once the input is complete.
 */
export class PairBlocks {
  private readonly blocks: Columns[] = [];
  private readonly owned: Columns[] = [];
  private readonly parts: [offsets: Int32Array, targets: Int32Array, by: 0 | 1, shape: PartsShape][] = [];
  private readonly bucketed: [src: Int32Array, dst: Int32Array, buckets: Int32Array, by: 0 | 1][] = [];

  add(batch: readonly RoutedEdges[]): void {
    for (const r of batch) {
      if (r.length === 3) this.blocks.push([r[1], r[2]]);
      else if (r.length === 4) this.owned.push([r[1], r[2]]);
      else if (r.length === 6) this.bucketed.push([r[1], r[2], r[4], r[5]]);
      else this.parts.push([r[1], r[2], r[3], r[4]]);
    }
  }

  /** Forgets the blocks and lists kept (once the adjacency is built from them), so their memory can go. */
  release(): void {
    this.blocks.length = 0;
    this.owned.length = 0;
    this.parts.length = 0;
    this.bucketed.length = 0;
  }

  /**
   * The pairs kept, for worker `worker` of `peers`: the blocks (with the buckets of bucketed 'shared'
   * blocks at the nodes it owns), and the lists of every slice of each 'parts' list by its end, keyed
   * by id (a worker of `peers` reads the ids it owns). An undirected list holds every edge at both
   * ends: keyed by source it stands for them all, keyed by destination for none, so that an operator
   * keying the same edges by both ends takes each edge once at each. An operator that needs the ends
   * apart (`directed`) gets an error for it, as does one that keys edges by destination from lists
   * that are 'out' alone. Call this only once every worker has listed its slice (when the input is
   * complete).
   */
  adjacency(peers: number, worker: number, directed = false): Adjacency {
    const lists: KeyedLists[] = [];
    const blocks = [...this.blocks];
    for (const [src, dst, buckets, by] of this.bucketed) blocks.push(...ownedBuckets(src, dst, buckets, by, worker, peers));
    for (const [offsets, targets, by, shape] of this.parts) {
      if (directed && shape === 'undirected') {
        throw new ExampleError('MALFORMED_BLOCK', "this operator needs the edges by source and by destination apart, but got an undirected 'parts' block: make its EdgeParts with edgeParts(edges, peers, 'directed')");
      }
      if (shape === 'out' && by === 1) {
        throw new ExampleError('MALFORMED_BLOCK', "this operator keys edges by destination, but got a 'parts' block with lists by source alone: make its EdgeParts with edgeParts(edges, peers, 'directed')");
      }
      if (shape === 'directed' || by === 0) lists.push(...sliceLists(offsets, targets, shape === 'directed' ? by : 0, sets(shape), peers));
    }
    return { blocks, owned: [...this.owned], lists };
  }
}

/** Set `set` of the lists of a 'parts' list of `count` sets per slice (see `EdgeParts`), slice by slice, each checked to stay within `targets`. */
function sliceLists(offsets: Int32Array, targets: Int32Array, set: number, count: number, peers: number): KeyedLists[] {
  const x = offsets.length / (count * peers);
  const out: KeyedLists[] = [];
  for (let w = 0; w < peers; w++) {
    const own = offsets.subarray((count * w + set) * x, (count * w + set + 1) * x);
    const last = lastIfAscending(own);
    if (last < 0 || last > targets.length) {
      throw new ExampleError('MALFORMED_BLOCK', `a 'parts' block's lists of slice ${w} go down or past its ${targets.length} places: list each slice with sendEdgeBlocks`);
    }
    out.push({ offsets: own, targets });
  }
  return out;
}

/**
 * The last entry of `a` (0 when empty) if `a` starts at or above 0 and never goes down, else -1. The
 * caller compares it with the limit: a compare after the loop would first run once V8 had compiled the
 * loop, and throw that code away on every call.
 */
function lastIfAscending(a: Int32Array): number {
  let last = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    if (x < last) return -1;
    last = x;
  }
  return last;
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

/** Groups `(node, value)` pairs of 32-bit integers by the worker owning each node, in growable columns. */
export class ByOwner {
  private readonly nodes: Int32Array[];
  private readonly values: Int32Array[];
  private readonly length: Int32Array;

  /**
   * `room`: pairs each column holds before it grows (64 by default). Room for every node a worker owns
   * suits adding each node at most once: a loop of adds then never grows a column midway, which V8
   * would answer by throwing away the loop it compiled in place.
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

  /**
   * `[worker, nodes, values]` for every worker that has any: views of the columns, not copies (a copy
   * would touch as many fresh pages again), so nothing is to be added once they are taken.
   */
  records(): [number, Int32Array, Int32Array][] {
    const out: [number, Int32Array, Int32Array][] = [];
    for (let w = 0; w < this.nodes.length; w++) {
      const n = this.length[w]!;
      if (n > 0) out.push([w, this.nodes[w]!.subarray(0, n), this.values[w]!.subarray(0, n)]);
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
  /** Shared memory to list the slices in, the same on every worker (see `EdgeParts`); for two or more workers. */
  readonly parts?: EdgeParts;
  /**
   * The whole edge list as parts in shared memory (each a `SharedArrayBuffer`-backed list, such as the
   * workers' shares of a file), the same on every worker: every worker sends them all as 'shared'
   * blocks into its own input and builds its adjacency from the edges at the nodes it owns; `edges`
   * is not read. Nothing crosses between workers. A part with `buckets` (see `bucketByOwner`, for
   * this many workers) is read by each worker only where its edges are at nodes it owns; they may be
   * filled after the part is sent, until the input is closed (each worker buckets its own share).
   */
  readonly shared?: readonly (EdgeList & { readonly buckets?: Int32Array })[];
}

/**
 * Sends the edge list into `input` on worker `at.index` of `at.peers` (`between` runs after each
 * block). One worker sends all of it, in 'both' blocks of `blockSize` edges. With several workers,
 * each takes its slice of the list (positions `[index·count/peers, (index+1)·count/peers)`): with
 * `parts`, it lists the slice into them (see `EdgeParts`) and sends one 'parts' block, so
 * no edge crosses to another worker and each reads the lists of the nodes it owns; without, it sends
 * the slice in 'both' blocks through the exchange.
 */
export function sendEdgeBlocks(edges: EdgeList, input: InputHandle<EdgeBlock>, at: WorkerPlace, between: () => void, options: SendOptions = {}): void {
  const blockSize = options.blockSize ?? 1 << 16;
  if (!Number.isInteger(blockSize) || blockSize < 1) throw new ExampleError('BAD_OPTION', `blockSize must be a positive integer, got ${blockSize}`);
  const { index, peers } = at;
  const { parts, shared } = options;
  if (shared !== undefined) {
    for (const part of shared) {
      const src = part.src.subarray(0, part.count);
      const dst = part.dst.subarray(0, part.count);
      input.send([part.buckets === undefined ? [src, dst, 'shared'] : [src, dst, 'shared', part.buckets]]);
    }
    between();
    return;
  }
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
  const room = sets(parts.shape) * peers * (edges.maxId + 2);
  const taken = places(parts.shape, edges.count);
  if (parts.targets.length !== taken || parts.offsets.length !== room) {
    throw new ExampleError('BAD_OPTION', `parts have ${parts.targets.length} places and ${parts.offsets.length} offsets, this list of ${edges.count} edges over ids up to ${edges.maxId} on ${peers} workers needs ${taken} and ${room}: make them with edgeParts(edges, ${peers}, '${parts.shape}')`);
  }
  if (parts.shape === 'directed') listSlice(edges, parts, start, end, index, peers);
  else if (parts.shape === 'undirected') listSliceUndirected(edges, parts, start, end, index, peers);
  else listSliceOut(edges, parts, start, end, index, peers);
  input.send([[parts.offsets, parts.targets, 'parts', parts.shape]]);
  between();
}

function sendRange(edges: EdgeList, input: InputHandle<EdgeBlock>, start: number, end: number, blockSize: number, between: () => void): void {
  for (const block of edgeBlocks(edges, start, end, blockSize)) {
    input.send([block]);
    between();
  }
}

/**
 * Edges `[start, end)` of `edges` as blocks of `blockSize` (the last one shorter), each tagged 'both':
 * what a worker sends into its input when all its edges go in (see `sendEdgeBlocks`).
 *
 * @example for (const block of edgeBlocks(mine, 0, mine.count, 1 << 16)) { input.send([block]); await worker.stepAsync(); }
 */
export function* edgeBlocks(edges: EdgeList, start: number, end: number, blockSize = 1 << 16): Generator<EdgeBlock> {
  for (let at = start; at < end; at += blockSize) {
    const stop = Math.min(end, at + blockSize);
    yield [edges.src.subarray(at, stop), edges.dst.subarray(at, stop), 'both'];
  }
}

/** Lists edges `[start, end)` into slice `index`'s lists of directed `parts`, by source and by destination (see `EdgeParts`). */
function listSlice(edges: EdgeList, parts: EdgeParts, start: number, end: number, index: number, peers: number): void {
  const x = parts.offsets.length / (2 * peers);
  const bySrc = parts.offsets.subarray(2 * index * x, (2 * index + 1) * x);
  const byDst = parts.offsets.subarray((2 * index + 1) * x, (2 * index + 2) * x);
  // Parts may be listed into again (one run after another): count from zero.
  bySrc.fill(0);
  byDst.fill(0);
  countEnds(edges.src, edges.dst, start, end, bySrc, byDst);
  if (!totalsTo(bySrc, start, end) || !totalsTo(byDst, edges.count + start, edges.count + end)) throw aboveMaxId(edges, start, end);
  placeEnds(edges.src, edges.dst, start, end, bySrc, byDst, parts.targets);
}

/** Lists edges `[start, end)` into slice `index`'s lists of undirected `parts`, each at both its ends (see `EdgeParts`). */
function listSliceUndirected(edges: EdgeList, parts: EdgeParts, start: number, end: number, index: number, peers: number): void {
  const x = parts.offsets.length / peers;
  const lists = parts.offsets.subarray(index * x, (index + 1) * x);
  lists.fill(0);
  countEnds(edges.src, edges.dst, start, end, lists, lists);
  if (!totalsTo(lists, 2 * start, 2 * end)) throw aboveMaxId(edges, start, end);
  placeEnds(edges.src, edges.dst, start, end, lists, lists, parts.targets);
}

/** Lists edges `[start, end)` into slice `index`'s lists of `parts` by source alone (see `EdgeParts`). */
function listSliceOut(edges: EdgeList, parts: EdgeParts, start: number, end: number, index: number, peers: number): void {
  const x = parts.offsets.length / peers;
  const lists = parts.offsets.subarray(index * x, (index + 1) * x);
  lists.fill(0);
  const largestDst = countKeys(edges.src, edges.dst, start, end, lists);
  if (!totalsTo(lists, start, end) || largestDst > edges.maxId) throw aboveMaxId(edges, start, end);
  placeKeys(edges.src, edges.dst, start, end, lists, parts.targets);
}

/** How many of keys `[start, end)` are each id, added into `counts`; returns the largest of the others there (-1 for none). */
function countKeys(key: Int32Array, other: Int32Array, start: number, end: number, counts: Int32Array): number {
  let largest = -1;
  for (let e = start; e < end; e++) {
    counts[key[e]!]!++;
    largest = Math.max(largest, other[e]!);
  }
  return largest;
}

/** `placeEnds` for one end: each pair of `[start, end)`, last first, to the end of what is left of its key's list. */
function placeKeys(key: Int32Array, other: Int32Array, start: number, end: number, lists: Int32Array, targets: Int32Array): void {
  for (let e = end - 1; e >= start; e--) targets[--lists[key[e]!]!] = other[e]!;
}

function aboveMaxId(edges: EdgeList, start: number, end: number): ExampleError {
  return new ExampleError('BAD_OPTION', `the edge list has an id above its maxId (${edges.maxId}) between edges ${start} and ${end}: give maxId as the largest id at either end`);
}

/** How many edges of `[start, end)` start at each id (`bySrc[id]`) and end at it (`byDst[id]`), added in. */
function countEnds(src: Int32Array, dst: Int32Array, start: number, end: number, bySrc: Int32Array, byDst: Int32Array): void {
  for (let e = start; e < end; e++) {
    bySrc[src[e]!]!++;
    byDst[dst[e]!]!++;
  }
}

/**
 * `runningTotals` from `base`, and whether they come to `total` with nothing counted in the last entry
 * (id maxId + 1): an id above maxId is counted there or lost past the end of the counts.
 */
function totalsTo(counts: Int32Array, base: number, total: number): boolean {
  const past = counts[counts.length - 1]!;
  runningTotals(counts, base);
  return past === 0 && counts[counts.length - 1] === total;
}


/**
 * Each edge of `[start, end)`, last first, to the end of what is left of its source's list (its
 * destination) and of its destination's (its source): the lists come out in the list's order, and
 * each id's entry is left where its list starts.
 */
function placeEnds(src: Int32Array, dst: Int32Array, start: number, end: number, bySrc: Int32Array, byDst: Int32Array, targets: Int32Array): void {
  for (let e = end - 1; e >= start; e--) {
    const s = src[e]!;
    const d = dst[e]!;
    targets[--bySrc[s]!] = d;
    targets[--byDst[d]!] = s;
  }
}

/**
 * Reorders the first `edges.count` edges of `edges` in place by owner, for `peers` workers: those
 * whose source worker `a` owns and whose destination worker `b` owns form bucket `a·peers + b`, the
 * buckets in that order. Writes where each bucket starts into `bounds` (`peers² + 1` places, the
 * last the count; in shared memory for other workers to read) and returns it. With the buckets, a
 * 'shared' block is read by each worker where its edges are at nodes it owns, rather than all of it
 * by every worker (see `SendOptions.shared`). The order within a bucket is not kept.
 *
 * @example const buckets = bucketByOwner(share, 2); // then send { ...share, buckets } as shared
 */
export function bucketByOwner(edges: EdgeList, peers: number, bounds: Int32Array = new Int32Array(peers * peers + 1)): Int32Array {
  const { src, dst, count } = edges;
  bounds.fill(0);
  countBuckets(src, dst, count, peers, bounds);
  runningTotals(bounds);
  placeInBuckets(src, dst, peers, bounds, bounds.slice(0, peers * peers));
  return bounds;
}

/** `bounds[k + 1]`: how many of the first `count` edges are in bucket `k`. */
function countBuckets(src: Int32Array, dst: Int32Array, count: number, peers: number, bounds: Int32Array): void {
  for (let e = 0; e < count; e++) bounds[(src[e]! % peers) * peers + (dst[e]! % peers) + 1]!++;
}

/**
 * Moves every edge into its bucket, in place (`next[k]`: the first place of bucket `k` not yet
 * settled): the edge at a bucket's next place is carried to its own bucket's next place, and the one
 * there picked up in turn, until the one picked up belongs where the chain began.
 */
function placeInBuckets(src: Int32Array, dst: Int32Array, peers: number, bounds: Int32Array, next: Int32Array): void {
  for (let k = 0; k < next.length; k++) {
    const end = bounds[k + 1]!;
    while (next[k]! < end) {
      const at = next[k]!;
      let s = src[at]!;
      let d = dst[at]!;
      let b = (s % peers) * peers + (d % peers);
      while (b !== k) {
        const to = next[b]!++;
        const s2 = src[to]!;
        const d2 = dst[to]!;
        src[to] = s;
        dst[to] = d;
        s = s2;
        d = d2;
        b = (s % peers) * peers + (d % peers);
      }
      src[at] = s;
      dst[at] = d;
      next[k] = at + 1;
    }
  }
}
