/** Columnar records for the examples: edges and node values travel as typed-array blocks, one per destination worker. */
import type { InputHandle } from '../../src/graph/handles.js';
import type { Stream } from '../../src/graph/stream.js';
import { exchangeBy, pipeline, type Pact } from '../../src/graph/vertex.js';
import type { EdgeList } from './edge-list.js';

/** A block of edges: `src[i] -> dst[i]`. */
export type EdgeBlock = [src: Int32Array, dst: Int32Array];
/** Edges for one worker, keyed by one end: `key[i]` is the end that worker owns, `other[i]` the far end. */
export type RoutedEdges = [worker: number, key: Int32Array, other: Int32Array];
/** Values of nodes: `values[i]` belongs to `nodes[i]`. */
export type NodeBlock = [nodes: Int32Array, values: Float64Array];

/** Routes a record whose first field names the worker it is for. */
export const toWorker: Pact = exchangeBy((r: readonly unknown[]) => r[0] as number);

/** The worker that owns a node (the same rule as exchangeBy on the node id). */
export function owner(node: number, peers: number): number {
  return node % peers;
}

/** Splits each edge block by the owner of its source (`by` 0) or its destination (`by` 1). */
export function routeEdges(edges: Stream<EdgeBlock>, by: 0 | 1, name: string): Stream<RoutedEdges> {
  return edges.scope.unary<EdgeBlock, RoutedEdges>(edges, name, pipeline, (ctx) => {
    const peers = ctx.peers;
    let to = new Int32Array(0);
    return {
      onRecv(batch, time) {
        const out: RoutedEdges[] = [];
        for (const block of batch) out.push(...split(block[by], block[1 - by]!));
        ctx.send(out, time);
      },
    };

    /** `[worker, key, other]` for every worker owning some keys; a block owned by one worker whole passes as it is. */
    function split(key: Int32Array, other: Int32Array): RoutedEdges[] {
      if (peers === 1) return [[0, key, other]];
      if (to.length < key.length) to = new Int32Array(key.length);
      const counts = countOwners(key, peers, to);
      for (let w = 0; w < peers; w++) if (counts[w] === key.length) return [[w, key, other]];
      const keys = Array.from(counts, (n) => new Int32Array(n));
      const others = Array.from(counts, (n) => new Int32Array(n));
      scatter(key, other, to, keys, others);
      const routed: RoutedEdges[] = [];
      for (let w = 0; w < peers; w++) if (counts[w]! > 0) routed.push([w, keys[w]!, others[w]!]);
      return routed;
    }
  });
}

// Each loop in a function of its own, so that V8 compiles it in place without cold code around it.

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

/** Groups `(node, value)` pairs by the worker owning each node: one `[nodes, values]` pair of arrays per worker. */
export class ByOwner {
  private readonly nodes: number[][];
  private readonly values: number[][];

  constructor(peers: number) {
    this.nodes = Array.from({ length: peers }, () => []);
    this.values = Array.from({ length: peers }, () => []);
  }

  add(node: number, value: number): void {
    const w = owner(node, this.nodes.length);
    this.nodes[w]!.push(node);
    this.values[w]!.push(value);
  }

  /** `[worker, nodes, values]` records for every worker that has any, values as Int32Array or Float64Array. */
  records(ints: boolean): [number, Int32Array, Int32Array | Float64Array][] {
    const out: [number, Int32Array, Int32Array | Float64Array][] = [];
    this.nodes.forEach((nodes, w) => {
      if (nodes.length > 0) out.push([w, Int32Array.from(nodes), ints ? Int32Array.from(this.values[w]!) : Float64Array.from(this.values[w]!)]);
    });
    return out;
  }
}

/**
 * Sends the edges whose source worker `part` of `of` owns, as blocks of `blockSize` edges; `between`
 * runs after each. (Every worker sees the whole edge list in shared memory and takes its own part: the
 * edges then need no exchange to reach their source's owner, only their destination's.)
 */
export function sendEdgeBlocks(edges: EdgeList, input: InputHandle<EdgeBlock>, part: number, of: number, between: () => void, blockSize = 1 << 16): void {
  let src = new Int32Array(blockSize);
  let dst = new Int32Array(blockSize);
  let n = 0;
  const flush = () => {
    input.send([[src.subarray(0, n), dst.subarray(0, n)]]);
    src = new Int32Array(blockSize);
    dst = new Int32Array(blockSize);
    n = 0;
    between();
  };
  for (let e = 0; e < edges.count; e++) {
    const s = edges.src[e]!;
    if (owner(s, of) !== part) continue;
    src[n] = s;
    dst[n++] = edges.dst[e]!;
    if (n === blockSize) flush();
  }
  if (n > 0) flush();
}
