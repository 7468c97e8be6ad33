/** Columnar records for the examples: edges and node values travel as typed-array blocks, one per destination worker. */
import type { InputHandle } from '../../src/graph/handles.js';
import type { Stream } from '../../src/graph/stream.js';
import { exchangeBy, pipeline, type Pact } from '../../src/graph/vertex.js';
import { ExampleError, type EdgeList } from './edge-list.js';

/**
 * A block of edges: `src[i] -> dst[i]`. With `ends` 'both' (the default) each edge reaches the worker
 * owning its source and the one owning its destination. With 'shared', every worker sends this same
 * block (a list all of them can read, as in shared memory) and keeps, at each end, the edges it owns
 * there: nothing crosses between workers. The arrays are handed over with the block.
 */
export type EdgeBlock = [src: Int32Array, dst: Int32Array, ends?: EdgeEnds];
export type EdgeEnds = 'both' | 'shared';
/**
 * Edges for one worker, keyed by one end: `key[i]` is the end that worker owns, `other[i]` the far
 * end. With `shared`, `key` holds every worker's keys (from a 'shared' block): the worker takes only
 * its own.
 */
export type RoutedEdges = [worker: number, key: Int32Array, other: Int32Array, shared?: boolean];
/** Values of nodes: `values[i]` belongs to `nodes[i]`. */
export type NodeBlock = [nodes: Int32Array, values: Float64Array];

/** Routes a record whose first field names the worker it is for. */
export const toWorker: Pact = exchangeBy((r: readonly unknown[]) => r[0] as number);

/** The worker that owns a node (the same rule as exchangeBy on the node id). */
export function owner(node: number, peers: number): number {
  return node % peers;
}

/** Splits each edge block by the owner of its source (`by` 0) or its destination (`by` 1); a 'shared' block stays here, marked. */
export function routeEdges(edges: Stream<EdgeBlock>, by: 0 | 1, name: string): Stream<RoutedEdges> {
  return edges.scope.unary<EdgeBlock, RoutedEdges>(edges, name, pipeline, (ctx) => {
    const { peers, worker } = ctx;
    let to = new Int32Array(0);
    return {
      onRecv(batch, time) {
        const out: RoutedEdges[] = [];
        for (const block of batch) {
          checkBlock(block);
          const [key, other] = by === 0 ? [block[0], block[1]] : [block[1], block[0]];
          if (block[2] === 'shared' && peers > 1) out.push([worker, key, other, true]);
          else if (key.length > 0) out.push(...split(key, other));
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
function checkBlock(block: EdgeBlock): void {
  const [src, dst, ends] = block as unknown[];
  if (!(src instanceof Int32Array) || !(dst instanceof Int32Array)) {
    throw new ExampleError('MALFORMED_BLOCK', 'an edge block is [src: Int32Array, dst: Int32Array, ends?]: send the ends of each edge as two Int32Arrays');
  }
  if (src.length !== dst.length) throw new ExampleError('MALFORMED_BLOCK', `an edge block has ${src.length} sources but ${dst.length} destinations: the two arrays must be as long`);
  if (ends !== undefined && ends !== 'both' && ends !== 'shared') {
    throw new ExampleError('MALFORMED_BLOCK', `an edge block's ends must be 'both' or 'shared', got ${JSON.stringify(ends)}`);
  }
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

  constructor(peers: number) {
    this.nodes = Array.from({ length: peers }, () => new Int32Array(64));
    this.values = Array.from({ length: peers }, () => new Int32Array(64));
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

  /** `[worker, nodes, values]` for every worker that has any. */
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

/**
 * Sends the edge list into `input` on each of `peers` workers, in blocks of `blockSize` edges
 * (`between` runs after each). The list is in memory every worker can read, so with several workers
 * each sends all of it as 'shared' blocks and keeps the edges it owns at either end: no edge crosses
 * to another worker, and no worker copies the list. One worker sends it as 'both' blocks.
 */
export function sendEdgeBlocks(edges: EdgeList, input: InputHandle<EdgeBlock>, peers: number, between: () => void, options: { blockSize?: number } = {}): void {
  const blockSize = options.blockSize ?? 1 << 16;
  if (!Number.isInteger(blockSize) || blockSize < 1) throw new ExampleError('BAD_OPTION', `blockSize must be a positive integer, got ${blockSize}`);
  const ends: EdgeEnds = peers === 1 ? 'both' : 'shared';
  for (let at = 0; at < edges.count; at += blockSize) {
    const end = Math.min(edges.count, at + blockSize);
    input.send([[edges.src.subarray(at, end), edges.dst.subarray(at, end), ends]]);
    between();
  }
}
