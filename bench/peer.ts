/**
 * The peer: @electric-sql/d2ts (differential dataflow in TypeScript) running the same work as ours —
 * the map → filter → count pipeline and WCC by `iterate` — so that both can be timed and their answers
 * compared side by side.
 */
import { count, D2, filter, innerJoin, iterate, map, MultiSet, output, reduce, concat, type IStreamBuilder, type Message, MessageType } from '@electric-sql/d2ts';

/** map(x => 3x+1) → filter(even) → count over the integers 0..n-1, sent at version 0 in batches of 4096. */
export function d2tsPipeline(n: number): number {
  const graph = new D2({ initialFrontier: 0 });
  const input = graph.newInput<number>();
  let total = 0;
  input.pipe(
    map((x: number) => 3 * x + 1),
    filter((x: number) => x % 2 === 0),
    map((x: number) => ['all', x] as [string, number]),
    count(),
    output((m: Message<[string, number]>) => {
      if (m.type !== MessageType.DATA) return;
      for (const [[, c], multiplicity] of m.data.collection.getInner()) total += c * multiplicity;
    }),
  );
  graph.finalize();
  const batch = 4096;
  for (let start = 0; start < n; start += batch) {
    const records: [number, number][] = [];
    for (let x = start; x < Math.min(n, start + batch); x++) records.push([x, 1]);
    input.sendData(0, new MultiSet(records));
  }
  input.sendFrontier(1);
  graph.run();
  return total;
}

type Row = [kind: 'e' | 's' | 'l', a: number, b: number];

/**
 * Weakly connected components by label propagation inside `iterate`. d2ts's loop collection at round
 * i+1 is the input plus the body's output at round i, so the input holds the edges (both directions,
 * kind 'e') and every node's own id as a seed label ('s'), and the body outputs only the smallest label
 * per node ('l'): the smallest of its seed, its current label and its neighbours' labels. Returns the
 * final label of every node that has an edge (NaN where d2ts ends with other than one label, once).
 */
export function d2tsWcc(src: Int32Array, dst: Int32Array): Map<number, number> {
  const graph = new D2({ initialFrontier: 0 });
  const input = graph.newInput<Row>();
  const labels = new Map<number, number>();
  const counts = new Map<string, number>();
  input.pipe(
    iterate((loop: IStreamBuilder<Row>) => {
      const edges = loop.pipe(
        filter((r: Row) => r[0] === 'e'),
        map((r: Row) => [r[1], r[2]] as [number, number]),
      );
      const current = loop.pipe(
        filter((r: Row) => r[0] !== 'e'),
        map((r: Row) => [r[1], r[2]] as [number, number]),
      );
      const offers = current.pipe(
        innerJoin(edges),
        map(([, [label, to]]: [number, [number, number]]) => [to, label] as [number, number]),
      );
      return current.pipe(
        concat(offers),
        reduce((values: [number, number][]) => {
          let min = Infinity;
          for (const [v, m] of values) if (m > 0 && v < min) min = v;
          return [[min, 1]];
        }),
        map(([node, label]: [number, number]) => ['l', node, label] as Row),
      );
    }),
    output((m: Message<Row>) => {
      if (m.type !== MessageType.DATA) return;
      for (const [r, multiplicity] of m.data.collection.getInner()) {
        const key = `${r[1]} ${r[2]}`;
        counts.set(key, (counts.get(key) ?? 0) + multiplicity);
      }
    }),
  );
  graph.finalize();
  const rows: [Row, number][] = [];
  const nodes = new Set<number>();
  for (let i = 0; i < src.length; i++) {
    rows.push([['e', src[i]!, dst[i]!], 1], [['e', dst[i]!, src[i]!], 1]);
    nodes.add(src[i]!).add(dst[i]!);
  }
  for (const n of nodes) rows.push([['s', n, n], 1]);
  input.sendData(0, new MultiSet(rows));
  input.sendFrontier(1);
  graph.run();
  // A node left with other than exactly one label, once, gets NaN: a wrong answer to report, not to hide.
  for (const [key, c] of counts) {
    if (c === 0) continue;
    const [node, label] = key.split(' ').map(Number) as [number, number];
    labels.set(node, c !== 1 || labels.has(node) ? NaN : label);
  }
  return labels;
}
