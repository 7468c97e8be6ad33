/** Plain-JS references for the collection operators: multisets as maps, each operator applied from scratch. */

export type Multiset<T> = Map<string, [T, number]>;
export type Change<T> = [T, number];

/** The multiset of `updates` (records identified by their JSON text), zero counts dropped. */
export function multiset<T>(updates: Iterable<Change<T>>): Multiset<T> {
  const m: Multiset<T> = new Map();
  for (const [r, d] of updates) {
    const k = JSON.stringify(r);
    const e = m.get(k);
    if (e === undefined) m.set(k, [r, d]);
    else e[1] += d;
  }
  for (const [k, e] of m) if (e[1] === 0) m.delete(k);
  return m;
}

/** The updates of epochs 0..e, accumulated: the input's value at each epoch. */
export function accumulated<T>(epochs: readonly Change<T>[][]): Multiset<T>[] {
  const out: Multiset<T>[] = [];
  const all: Change<T>[] = [];
  for (const e of epochs) {
    all.push(...e);
    out.push(multiset(all));
  }
  return out;
}

/** A multiset as sorted [JSON, count] pairs: what tests compare. */
export function canonical<T>(m: Multiset<T>): [string, number][] {
  return [...m].map(([k, [, n]]) => [k, n] as [string, number]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** The values per key of a multiset of pairs, each group sorted by value. */
function groups<K, V>(m: Multiset<[K, V]>): Map<string, { key: K; values: [V, number][] }> {
  const g = new Map<string, { key: K; values: [V, number][] }>();
  for (const [[k, v], n] of m.values()) {
    const kk = JSON.stringify(k);
    let e = g.get(kk);
    if (e === undefined) g.set(kk, (e = { key: k, values: [] }));
    e.values.push([v, n]);
  }
  for (const e of g.values()) e.values.sort((a, b) => cmp(a[0], b[0]));
  return g;
}

/** Numbers before strings before arrays; numbers numerically, strings by code units, arrays elementwise. */
export function cmp(a: unknown, b: unknown): number {
  const rank = (x: unknown) => (typeof x === 'number' ? 0 : typeof x === 'string' ? 1 : 2);
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  if (typeof a === 'number') return (a as number) - (b as number);
  if (typeof a === 'string') return a === b ? 0 : a < (b as string) ? -1 : 1;
  const x = a as unknown[];
  const y = b as unknown[];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const c = cmp(x[i], y[i]);
    if (c !== 0) return c;
  }
  return x.length - y.length;
}

export function mapRef<T, U>(m: Multiset<T>, f: (x: T) => U): Multiset<U> {
  return multiset([...m.values()].map(([r, n]) => [f(r), n] as Change<U>));
}

export function joinRef<K, V, W>(a: Multiset<[K, V]>, b: Multiset<[K, W]>): Multiset<[K, [V, W]]> {
  const out: Change<[K, [V, W]]>[] = [];
  for (const [[k, v], n] of a.values()) for (const [[k2, w], m] of b.values()) if (JSON.stringify(k) === JSON.stringify(k2)) out.push([[k, [v, w]], n * m]);
  return multiset(out);
}

/** `logic` per key of the accumulated pairs, as the operators define it (input sorted, counts non-zero). */
export function reduceRef<K, V, R>(m: Multiset<[K, V]>, logic: (key: K, input: [V, number][]) => [R, number][]): Multiset<[K, R]> {
  const out: Change<[K, R]>[] = [];
  for (const { key, values } of groups(m).values()) for (const [r, d] of logic(key, values)) out.push([[key, r], d]);
  return multiset(out);
}

export function countRef<T>(m: Multiset<T>): Multiset<[T, number]> {
  return multiset([...m.values()].filter(([, n]) => n > 0).map(([r, n]) => [[r, n], 1] as Change<[T, number]>));
}

export function thresholdRef<T>(m: Multiset<T>, f: (n: number) => number): Multiset<T> {
  return multiset([...m.values()].map(([r, n]) => [r, f(n)] as Change<T>).filter(([, n]) => n !== 0));
}

/** The edges present (count > 0) of a multiset of edges. */
export function liveEdges(m: Multiset<[number, number]>): [number, number][] {
  return [...m.values()].filter(([, n]) => n > 0).map(([e]) => e);
}

/** Each node of the live edges with the smallest id of its component (edges undirected): `[node, label]`. */
export function componentsRef(edges: Multiset<[number, number]>): Multiset<[number, number]> {
  const es = liveEdges(edges);
  const label = new Map<number, number>();
  for (const [a, b] of es) (label.set(a, a), label.set(b, b));
  for (let changed = true; changed; ) {
    changed = false;
    for (const [a, b] of es) {
      const m = Math.min(label.get(a)!, label.get(b)!);
      if (label.get(a) !== m || label.get(b) !== m) (label.set(a, m), label.set(b, m), (changed = true));
    }
  }
  return multiset([...label].map((p) => [p, 1] as Change<[number, number]>));
}

/**
 * `[node, 0]` for each node at the end of a walk of even length from a root along the live edges (the
 * roots themselves), `[node, 1]` for each at the end of one of odd length: walks, not shortest paths.
 */
export function parityRef(roots: Iterable<number>, edges: Multiset<[number, number]>): Multiset<[number, number]> {
  const es = liveEdges(edges);
  const seen = new Set<string>();
  const todo: [number, number][] = [];
  const reach = (n: number, p: number) => {
    const k = `${n},${p}`;
    if (!seen.has(k)) (seen.add(k), todo.push([n, p]));
  };
  for (const r of roots) reach(r, 0);
  while (todo.length > 0) {
    const [n, p] = todo.pop()!;
    for (const [a, b] of es) if (a === n) reach(b, 1 - p);
  }
  return multiset([...seen].map((k) => [k.split(',').map(Number) as [number, number], 1] as Change<[number, number]>));
}

/** The nodes reachable from `roots` along the live edges, roots included. */
export function reachableRef(roots: Iterable<number>, edges: Multiset<[number, number]>): Multiset<number> {
  const seen = new Set(roots);
  const es = liveEdges(edges);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [a, b] of es) if (seen.has(a) && !seen.has(b)) (seen.add(b), (grew = true));
  }
  return multiset([...seen].map((n) => [n, 1] as Change<number>));
}
