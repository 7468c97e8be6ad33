/** Deliberately simple reference answers for the examples: maps, union-find and queues. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEdgeList, type EdgeList } from '../../examples/iterative/edge-list.js';

/** The shared graph collection (../shared/data/graphs beside the checkout, or $TIMELY_GRAPHS). */
export function graphsDir(): string {
  const dir = process.env['TIMELY_GRAPHS'] ?? resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/data/graphs');
  if (!existsSync(dir)) throw new Error(`graph collection not found at ${dir}: set TIMELY_GRAPHS to the folder holding karate.txt`);
  return dir;
}

/** A graph of the shared collection, read whole (the small ones the tests use). */
export function loadGraph(file: string): EdgeList {
  return parseEdgeList(readFileSync(join(graphsDir(), file)), file);
}

function pairs(edges: EdgeList): [number, number][] {
  return Array.from({ length: edges.count }, (_, i) => [edges.src[i]!, edges.dst[i]!]);
}

export function referenceWcc(edges: EdgeList): Map<number, number> {
  const parent = new Map<number, number>();
  const find = (x: number): number => {
    while (parent.get(x) !== x) x = parent.get(x)!;
    return x;
  };
  for (const [a, b] of pairs(edges)) {
    if (!parent.has(a)) parent.set(a, a);
    if (!parent.has(b)) parent.set(b, b);
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(Math.max(ra, rb), Math.min(ra, rb));
  }
  const out = new Map<number, number>();
  for (const x of parent.keys()) out.set(x, find(x));
  return out;
}

export function referencePagerank(edges: EdgeList, iterations: number): Map<number, number> {
  const out = new Map<number, Set<number>>();
  const nodes = new Set<number>();
  for (const [a, b] of pairs(edges)) {
    nodes.add(a);
    nodes.add(b);
    if (!out.has(a)) out.set(a, new Set());
    out.get(a)!.add(b);
  }
  const n = nodes.size;
  let rank = new Map([...nodes].map((x) => [x, 1 / n]));
  for (let k = 0; k < iterations; k++) {
    const next = new Map([...nodes].map((x) => [x, 0]));
    let dangling = 0;
    for (const x of nodes) {
      const targets = out.get(x);
      if (targets === undefined) dangling += rank.get(x)!;
      else for (const y of targets) next.set(y, next.get(y)! + rank.get(x)! / targets.size);
    }
    rank = new Map([...nodes].map((x) => [x, (1 - 0.85) / n + 0.85 * (next.get(x)! + dangling / n)]));
  }
  return rank;
}

export function referenceBfs(edges: EdgeList, source: number): Map<number, number> {
  const out = new Map<number, number[]>();
  for (const [a, b] of pairs(edges)) out.set(a, [...(out.get(a) ?? []), b]);
  const dist = new Map([[source, 0]]);
  for (let frontier = [source], d = 1; frontier.length > 0; d++) {
    const next: number[] = [];
    for (const x of frontier) for (const y of out.get(x) ?? []) if (!dist.has(y)) (dist.set(y, d), next.push(y));
    frontier = next;
  }
  return dist;
}
