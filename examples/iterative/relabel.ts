/** Dense node ids for edge lists whose ids are sparse, so that memory grows with the nodes and edges, never with the largest id. */
import { ExampleError, type EdgeList } from './edge-list.js';

/** An edge list over ids 0..n-1, and the original id of each (`ids[i]`, ascending); `ids` is absent when the ids were kept. */
export interface DenseEdges {
  readonly edges: EdgeList;
  readonly ids: Int32Array | undefined;
}

/**
 * The examples size their arrays by the largest id. That is fine while the ids are dense (the largest
 * below twice the edge count, plus some slack); past it, the distinct ids are sorted and each one is
 * replaced by its rank. Ranks keep the order of ids, so an answer that compares ids (WCC's smallest id
 * in a component, PageRank's sums in id order) is the same once mapped back by `originalIds`.
 *
 * @example
 * const { edges: dense, ids } = denseIds({ src: Int32Array.of(0), dst: Int32Array.of(2_000_000_000), count: 1, maxId: 2_000_000_000 });
 * // dense.src = [0], dense.dst = [1], ids = [0, 2000000000]
 */
export function denseIds(edges: EdgeList): DenseEdges {
  if (!sparse(edges.maxId, edges.count)) return { edges, ids: undefined };
  const ids = sortedDistinct([edges.src.subarray(0, edges.count), edges.dst.subarray(0, edges.count)]);
  return { edges: ranked(edges, ids), ids };
}

/** Whether ids up to `maxId` over `count` edges are too sparse to size arrays by (see `denseIds`). */
export function sparse(maxId: number, count: number): boolean {
  return maxId >= 2 * count + 1024;
}

/** The ids of all `parts`, ascending, each once. */
export function sortedDistinct(parts: readonly Int32Array[]): Int32Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const all = new Int32Array(n);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  all.sort();
  let k = 0;
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) all[k++] = all[i]!;
  return all.slice(0, k);
}

/** The edges with every id replaced by its rank in `ids` (which holds them all). */
export function ranked(edges: EdgeList, ids: Int32Array): EdgeList {
  const n = edges.count;
  const src = new Int32Array(n);
  const dst = new Int32Array(n);
  for (let e = 0; e < n; e++) {
    src[e] = rankOf(ids, edges.src[e]!);
    dst[e] = rankOf(ids, edges.dst[e]!);
  }
  return { src, dst, count: n, maxId: ids.length - 1 };
}

/** The dense id of original id `id`, or -1 if it is not a node. */
export function rankOf(ids: Int32Array, id: number): number {
  let lo = 0;
  let hi = ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = ids[mid]!;
    if (v < id) lo = mid + 1;
    else if (v > id) hi = mid - 1;
    else return mid;
  }
  return -1;
}

/** The dense id of a node given by its original id (the BFS source); BAD_OPTION if it is not a node. */
export function denseNode(ids: Int32Array | undefined, id: number): number {
  if (ids === undefined) return id;
  const rank = rankOf(ids, id);
  if (rank < 0) throw new ExampleError('BAD_OPTION', `node ${id} is not a node of the graph`);
  return rank;
}

/** Maps dense ids back to the original ones, in place: every node, and the values too where they are node ids (WCC's labels). */
export function originalIds<T extends { readonly nodes: Int32Array; readonly values: Float64Array }>(result: T, ids: Int32Array | undefined, valuesAreIds: boolean): T {
  if (ids === undefined) return result;
  const { nodes, values } = result;
  for (let i = 0; i < nodes.length; i++) nodes[i] = ids[nodes[i]!]!;
  if (valuesAreIds) for (let i = 0; i < values.length; i++) values[i] = ids[values[i]!]!;
  return result;
}
