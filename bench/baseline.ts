/**
 * The plain single-threaded JavaScript baseline: the same file reader, the same algorithms as the
 * dataflow examples, on typed arrays and without a dataflow (sparse ids renumbered as they do); and,
 * for WCC, the best single-threaded algorithm as well (`wcc-unionfind`), which no label propagation
 * matches. Usage: baseline wcc|wcc-unionfind|pagerank|bfs FILE [ARG] [--output FILE]
 */
import { writeFileSync } from 'node:fs';
import { peakRssMb } from '../src/cli/memory.js';
import { readEdgeList, type EdgeList } from '../examples/iterative/edge-list.js';
import { buildCsr } from '../examples/iterative/csr.js';
import { leastFirst } from '../examples/iterative/labels.js';
import { ExactSum } from '../examples/iterative/exact-sum.js';
import { DAMPING } from '../examples/iterative/pagerank.js';
import type { NodeValues } from '../examples/iterative/run.js';
import { formatLines } from '../examples/iterative/format.js';
import { denseIds, denseNode, originalIds } from '../examples/iterative/relabel.js';

function present(edges: EdgeList): { size: number; seen: Uint8Array } {
  const size = edges.maxId + 1;
  const seen = new Uint8Array(size);
  for (let i = 0; i < edges.count; i++) seen[edges.src[i]!] = seen[edges.dst[i]!] = 1;
  return { size, seen };
}

function collect(size: number, seen: Uint8Array, value: (x: number) => number): NodeValues {
  let n = 0;
  for (let x = 0; x < size; x++) n += seen[x]!;
  const nodes = new Int32Array(n);
  const values = new Float64Array(n);
  for (let x = 0, i = 0; x < size; x++) if (seen[x] === 1) (nodes[i] = x), (values[i++] = value(x));
  return { nodes, values };
}

/**
 * Label propagation: each node starts with the smallest id among itself and its neighbours; every
 * round, nodes whose label dropped offer it to their neighbours, and an offer that beats a label
 * lowers it at once (a node still to offer in the round offers the lower label), as the examples'
 * dataflow does.
 */
export function baselineWcc(edges: EdgeList): NodeValues {
  const { size, seen } = present(edges);
  const { src, dst } = columns(edges);
  const { offsets, targets } = buildCsr(size, [[src, dst], [dst, src]], false);
  const label = new Int32Array(size);
  // The nodes to offer in this round and in the next, as reused typed arrays, each node in at most
  // one of them at a time (marked in `pending`).
  let changed = new Int32Array(size);
  let next = new Int32Array(size);
  const pending = new Uint8Array(size);
  let changes = 0;
  for (let x = 0; x < size; x++) {
    let least = x;
    for (let i = offsets[x]!; i < offsets[x + 1]!; i++) least = Math.min(least, targets[i]!);
    label[x] = least;
    if (least < x) (changed[changes++] = x), (pending[x] = 1);
  }
  leastFirst(changed, changes, label, next);
  while (changes > 0) {
    let lowered = 0;
    for (let c = 0; c < changes; c++) {
      const n = changed[c]!;
      const l = label[n]!;
      pending[n] = 0;
      for (let i = offsets[n]!; i < offsets[n + 1]!; i++) {
        const m = targets[i]!;
        if (l < label[m]!) {
          label[m] = l;
          if (pending[m] === 0) (pending[m] = 1), (next[lowered++] = m);
        }
      }
    }
    [changed, next] = [next, changed];
    changes = lowered;
  }
  return collect(size, seen, (x) => label[x]!);
}

/**
 * WCC by union-find over the edge list, with no adjacency at all: each edge joins the sets of its two
 * ends, the smaller root staying root (so a set's root is its smallest id, the label the examples
 * give), finds halving the path they walk. The answer is `baselineWcc`'s; the work is one pass over
 * the edges and one over the nodes. This is the program a single thread should be held against (the
 * examples propagate labels in a loop, as a dataflow does), and the benchmarks print it beside them.
 *
 * @example
 * const { nodes, values } = baselineWccUnionFind(await readEdgeList('graph.txt')); // values[i]: nodes[i]'s label
 */
export function baselineWccUnionFind(edges: EdgeList): NodeValues {
  const { size, seen } = present(edges);
  const up = new Int32Array(size);
  for (let x = 0; x < size; x++) up[x] = x;
  const { src, dst } = columns(edges);
  for (let e = 0; e < src.length; e++) {
    const a = rootOf(up, src[e]!);
    const b = rootOf(up, dst[e]!);
    if (a < b) up[b] = a;
    else if (b < a) up[a] = b;
  }
  return collect(size, seen, (x) => rootOf(up, x));
}

/** The root of `x`'s set, each node on the way pointed at its grandparent. */
function rootOf(up: Int32Array, x: number): number {
  for (;;) {
    const p = up[x]!;
    if (p === x) return x;
    const g = up[p]!;
    up[x] = g;
    if (g === p) return p;
    x = g;
  }
}

/** K synchronous iterations; in-neighbours summed in id order, dangling mass summed exactly. */
export function baselinePagerank(edges: EdgeList, iterations: number): NodeValues {
  const { size, seen } = present(edges);
  const { src, dst } = columns(edges);
  const out = buildCsr(size, [[src, dst]], true);
  const inn = buildCsr(size, [[dst, src]], true);
  let n = 0;
  for (let x = 0; x < size; x++) n += seen[x]!;
  const rank = new Float64Array(size);
  const share = new Float64Array(size);
  for (let x = 0; x < size; x++) if (seen[x] === 1) rank[x] = 1 / n;
  const base = (1 - DAMPING) / n;
  for (let k = 0; k < iterations; k++) {
    const partials = new ExactSum();
    for (let x = 0; x < size; x++) {
      if (seen[x] === 0) continue;
      const degree = out.offsets[x + 1]! - out.offsets[x]!;
      if (degree === 0) partials.add(rank[x]!);
      else share[x] = rank[x]! / degree;
    }
    const dangling = partials.sum();
    for (let x = 0; x < size; x++) {
      if (seen[x] === 0) continue;
      let s = 0;
      for (let i = inn.offsets[x]!; i < inn.offsets[x + 1]!; i++) s += share[inn.targets[i]!]!;
      rank[x] = base + DAMPING * (s + dangling / n);
    }
  }
  return collect(size, seen, (x) => rank[x]!);
}

/** Level-synchronous breadth-first search over out-edges. */
export function baselineBfs(edges: EdgeList, source: number): NodeValues {
  const { size } = present(edges);
  const { src, dst } = columns(edges);
  const { offsets, targets } = buildCsr(size, [[src, dst]], false);
  const dist = new Int32Array(size).fill(-1);
  dist[source] = 0;
  // Frontiers as typed arrays: every node joins one frontier at most, so the id range is room enough.
  let frontier = new Int32Array(size);
  let next = new Int32Array(size);
  frontier[0] = source;
  let width = 1;
  for (let d = 1; width > 0; d++) {
    let reached = 0;
    for (let f = 0; f < width; f++) {
      const x = frontier[f]!;
      for (let i = offsets[x]!; i < offsets[x + 1]!; i++) {
        const y = targets[i]!;
        if (dist[y] === -1) (dist[y] = d), (next[reached++] = y);
      }
    }
    [frontier, next] = [next, frontier];
    width = reached;
  }
  const reached = new Uint8Array(size);
  for (let x = 0; x < size; x++) reached[x] = dist[x]! >= 0 ? 1 : 0;
  return collect(size, reached, (x) => dist[x]!);
}

async function main(args: string[]): Promise<void> {
  const [algorithm, file, ...rest] = args;
  let output: string | undefined;
  const outAt = rest.indexOf('--output');
  if (outAt >= 0) {
    output = rest[outAt + 1];
    rest.splice(outAt, 2);
  }
  if (file === undefined || !['wcc', 'wcc-unionfind', 'pagerank', 'bfs'].includes(algorithm ?? '')) {
    process.stderr.write('usage: baseline wcc|wcc-unionfind|pagerank|bfs FILE [ITERATIONS|SOURCE] [--output FILE]\n');
    process.exitCode = 2;
    return;
  }
  const t0 = performance.now();
  const edges = await readEdgeList(file);
  const t1 = performance.now();
  const arg = rest[0] === undefined ? undefined : Number(rest[0]);
  // Sparse ids (one edge `0 2147483647`) are renumbered densely for the run and mapped back, as the
  // examples do: arrays indexed by id would otherwise take memory for every id up to the largest.
  const dense = denseIds(edges);
  const run = dense.edges;
  const computed =
    algorithm === 'wcc'
      ? baselineWcc(run)
      : algorithm === 'wcc-unionfind'
        ? baselineWccUnionFind(run)
        : algorithm === 'pagerank'
          ? baselinePagerank(run, arg ?? 20)
          : baselineBfs(run, denseNode(dense.ids, arg ?? edges.src[0]!));
  const result = originalIds(computed, dense.ids, algorithm.startsWith('wcc'));
  const t2 = performance.now();
  const text = formatLines(result);
  const t3 = performance.now();
  if (output === undefined) process.stdout.write(text);
  else writeFileSync(output, text);
  process.stderr.write(
    `baseline ${algorithm}: ${edges.count} edges, ${result.nodes.length} output lines; read ${(t1 - t0).toFixed(0)} ms, compute ${(t2 - t1).toFixed(0)} ms, format ${(t3 - t2).toFixed(0)} ms, write ${(performance.now() - t3).toFixed(0)} ms; peak RSS ${peakRssMb()} MB\n`,
  );
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) await main(process.argv.slice(2));

/** The edges' two columns, `count` long. */
function columns(edges: EdgeList): { src: Int32Array; dst: Int32Array } {
  return { src: edges.src.subarray(0, edges.count), dst: edges.dst.subarray(0, edges.count) };
}
