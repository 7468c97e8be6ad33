/**
 * Micro benchmarks of the hot structures, each next to plain JavaScript doing the same job without the
 * runtime's types. Every function returns a checksum that both sides must agree on.
 */
import { deserialize, serialize } from 'node:v8';
import { ChangeBatch } from '../src/progress/change-batch.js';
import { MutableAntichain } from '../src/timestamps/mutable-antichain.js';
import { productOrder } from '../src/timestamps/order.js';
import { PathSummary } from '../src/timestamps/summary.js';
import { Timestamp } from '../src/timestamps/timestamp.js';
import { decode, encodeData } from '../src/workers/codec.js';
import { formatLines } from '../examples/iterative/format.js';
import { writeShortest } from '../examples/iterative/shortest.js';

/** A small seeded generator (xorshift), so both sides see the same inputs. */
function random(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/** A random order of 0..n-1. */
function shuffled(n: number, seed: number): Int32Array {
  const a = Int32Array.from({ length: n }, (_, i) => i);
  const r = random(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

// Summaries of the shapes a loop produces, for depth-2 times: feedback, egress, ingress, and egress then feedback.
const SUMMARIES: readonly [pop: number, add: number, push: readonly number[]][] = [
  [0, 1, []],
  [1, 0, []],
  [0, 0, [0]],
  [1, 1, []],
];

/** `n` path summary applications over 1024 distinct depth-2 times; sums the coordinates of the results. */
export function applySummaries(n: number): number {
  const summaries = SUMMARIES.map(([pop, add, push]) => new PathSummary(pop, add, push));
  const times = Array.from({ length: 1024 }, (_, i) => Timestamp.of(i & 3, (i >> 2) & 15, i >> 6));
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const t = summaries[i & 3]!.apply(times[(i * 7) & 1023]!);
    sum += t.epoch;
    for (let k = 0; k < t.counters.length; k++) sum += t.counters[k]!;
  }
  return sum;
}

export function applySummariesPlain(n: number): number {
  const times = Array.from({ length: 1024 }, (_, i) => [i & 3, (i >> 2) & 15, i >> 6]);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const [pop, add, push] = SUMMARIES[i & 3]!;
    const t = times[(i * 7) & 1023]!;
    const out = t.slice(0, t.length - pop);
    out[out.length - 1]! += add;
    for (const p of push) out.push(p);
    for (let k = 0; k < out.length; k++) sum += out[k]!;
  }
  return sum;
}

/** `n` updates of ±1 to 512 pointstamps (8 locations × 64 times), consolidated; returns the surviving updates, sorted. */
export function consolidate(n: number): string {
  const times = Array.from({ length: 64 }, (_, c) => Timestamp.of(0, c));
  const r = random(11);
  const batch = new ChangeBatch();
  for (let i = 0; i < n; i++) {
    const k = Math.floor(r() * 512);
    batch.update(k & 7, times[k >> 3]!, r() < 0.5 ? -1 : 1);
  }
  return batch
    .drain()
    .map((u) => `${u.location}@${u.time.key}:${u.delta}`)
    .sort()
    .join(' ');
}

export function consolidatePlain(n: number): string {
  const r = random(11);
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const k = Math.floor(r() * 512);
    const key = `${k & 7}@0.${k >> 3}`;
    const d = (counts.get(key) ?? 0) + (r() < 0.5 ? -1 : 1);
    if (d === 0) counts.delete(key);
    else counts.set(key, d);
  }
  return [...counts]
    .map(([key, d]) => `${key}:${d}`)
    .sort()
    .join(' ');
}

/**
 * Frontier maintenance with `n` outstanding times: times (0, [c]) for c < n are added in a random order,
 * then removed in another, reading the frontier after every change; returns the sum of the frontier
 * minima read.
 */
export function maintainFrontier(n: number): number {
  const times = Array.from({ length: n }, (_, c) => Timestamp.of(0, c));
  const antichain = new MutableAntichain(productOrder);
  let sum = 0;
  for (const c of shuffled(n, 3)) {
    antichain.update(times[c]!, +1);
    sum += antichain.frontier()[0]!.counters[0]!;
  }
  for (const c of shuffled(n, 5)) {
    antichain.update(times[c]!, -1);
    const f = antichain.frontier();
    if (f.length > 0) sum += f[0]!.counters[0]!;
  }
  return sum;
}

/** The same with a count per counter and the minimum found by scanning forward (one loop, one counter). */
export function maintainFrontierPlain(n: number): number {
  const counts = new Int32Array(n);
  let min = n;
  let sum = 0;
  for (const c of shuffled(n, 3)) {
    counts[c]!++;
    if (c < min) min = c;
    sum += min;
  }
  for (const c of shuffled(n, 5)) {
    counts[c]!--;
    while (min < n && counts[min] === 0) min++;
    if (min < n) sum += min;
  }
  return sum;
}

function tuples(n: number): [number, number][][] {
  const batches: [number, number][][] = [];
  for (let start = 0; start < n; start += 1024) {
    const batch: [number, number][] = [];
    for (let i = start; i < Math.min(n, start + 1024); i++) batch.push([i, i * 3]);
    batches.push(batch);
  }
  return batches;
}

/** `n` [int, int] records in batches of 1024, encoded for a channel and decoded again; sums what came out. */
export function encodeDecode(n: number): number {
  const time = Timestamp.of(0, 1);
  let sum = 0;
  for (const batch of tuples(n)) {
    const m = decode(encodeData(0, 0, time, batch));
    if (m.kind !== 'data') throw new Error('a data batch decoded as progress');
    for (const r of m.records as [number, number][]) sum += r[1] - r[0];
  }
  return sum;
}

/** The same batches through structured clone (v8 serialize/deserialize), what postMessage would do. */
export function encodeDecodePlain(n: number): number {
  let sum = 0;
  for (const batch of tuples(n)) {
    const records = deserialize(serialize(batch)) as [number, number][];
    for (const r of records) sum += r[1] - r[0];
  }
  return sum;
}

/** `n` PageRank-like lines (node ids, ranks of some 1e-7 to 1e-5), the same every call. */
function rankLines(n: number): { nodes: Int32Array; values: Float64Array } {
  const r = random(5);
  return { nodes: Int32Array.from({ length: n }, (_, i) => 3 * i), values: Float64Array.from({ length: n }, () => 1e-7 + r() * 1e-5) };
}

/** The output's `node value` lines as bytes, written straight into a byte array (the examples' formatter). */
export function formatRanks(n: number): Uint8Array {
  return formatLines(rankLines(n));
}

/**
 * `n` PageRank-like doubles (ranks of some 1e-7 to 1e-5: both notations), made once, and each
 * variant's room for their text, written over every call: what is timed is the writing alone.
 */
let doubles: { values: Float64Array; outs: [Uint8Array, Uint8Array] } | undefined;
function rankValues(n: number, variant: 0 | 1): { values: Float64Array; out: Uint8Array } {
  if (doubles?.values.length !== n) {
    const r = random(11);
    const values = Float64Array.from({ length: n }, () => (0.15 + 3 * r()) / (20_000 + r() * 2_000_000));
    doubles = { values, outs: [new Uint8Array(26 * n).fill(1), new Uint8Array(26 * n).fill(1)] };
  }
  return { values: doubles.values, out: doubles.outs[variant] };
}

/** `n` doubles as text, one per line, written straight into bytes (the examples' `writeShortest`). */
export function doublesText(n: number): Uint8Array {
  const { values, out } = rankValues(n, 0);
  let at = 0;
  for (let i = 0; i < n; i++) {
    at = writeShortest(out, at, values[i]!);
    out[at++] = 10;
  }
  return out.subarray(0, at);
}

/** The same through `String(x)`, each string's characters copied into the bytes. */
export function doublesTextPlain(n: number): Uint8Array {
  const { values, out } = rankValues(n, 1);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const s = String(values[i]);
    for (let k = 0; k < s.length; k++) out[at++] = s.charCodeAt(k);
    out[at++] = 10;
  }
  return out.subarray(0, at);
}

/** The same lines as template strings, joined and encoded, as plain code would write them. */
export function formatRanksPlain(n: number): Uint8Array {
  const { nodes, values } = rankLines(n);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(`${nodes[i]} ${values[i]}\n`);
  return Buffer.from(parts.join(''));
}
