/** Consolidation: updates of one record summed, the ones that cancel dropped. */
import { hashPair, pairTable } from './dense.js';
import { recordKey, type RecordKey } from './record-key.js';

/**
 * One change of a collection: a record and its multiplicity (a non-zero integer; negative removes).
 *
 * @example const change: Update<[number, number]> = [[1, 2], -1]; // one copy of the edge 1→2 removed
 */
export type Update<T> = [record: T, diff: number];

/**
 * The updates of `updates` with one entry per record (diffs summed, records equal by `recordKey`),
 * those summing to zero dropped, in the order each record first appears.
 *
 * @example consolidateUpdates([['a', 1], ['b', 2], ['a', -1]]); // [['b', 2]]
 */
export function consolidateUpdates<T>(updates: readonly Update<T>[]): Update<T>[] {
  // One slot per distinct record: its first update and the sum of its diffs. An update whose record
  // is alone keeps its own array in the output (no copy).
  const firsts: Update<T>[] = [];
  const sums: number[] = [];
  // Pairs of numbers but NaN (edges, [node, label]), the commonest records, are found through an
  // open-addressing table of their slots (0 and -0 are one number there, as records); any other
  // record through a map of its canonical key.
  const { table, size } = pairTable(updates.length);
  const mask = size - 1;
  // The pairs of the slots, beside them, so that a probe compares numbers instead of reading records.
  if (firstA.length < updates.length) {
    firstA = new Float64Array(Math.max(updates.length, 2 * firstA.length));
    firstB = new Float64Array(firstA.length);
  }
  const fa = firstA;
  const fb = firstB;
  let others: Map<RecordKey, number> | undefined;
  try {
    for (let i = 0; i < updates.length; i++) {
      const u = updates[i]!;
      const r = u[0] as unknown;
      if (Array.isArray(r) && r.length === 2 && typeof r[0] === 'number' && typeof r[1] === 'number' && r[0] === r[0] && r[1] === r[1]) {
        const a = r[0] as number;
        const b = r[1] as number;
        let h = hashPair(a, b) & mask;
        for (;;) {
          const at = table[h]!;
          if (at === 0) {
            table[h] = firsts.length + 1;
            fa[firsts.length] = a;
            fb[firsts.length] = b;
            firsts.push(u);
            sums.push(u[1]);
            break;
          }
          if (fa[at - 1] === a && fb[at - 1] === b) {
            sums[at - 1]! += u[1];
            break;
          }
          h = (h + 1) & mask;
        }
        continue;
      }
      others ??= new Map();
      const k = recordKey(r);
      const j = others.get(k);
      if (j !== undefined) sums[j]! += u[1];
      else {
        others.set(k, firsts.length);
        fa[firsts.length] = NaN;
        firsts.push(u);
        sums.push(u[1]);
      }
    }
  } finally {
    table.fill(0, 0, size);
  }
  const out: Update<T>[] = [];
  for (let j = 0; j < firsts.length; j++) {
    const sum = sums[j]!;
    if (sum === 0) continue;
    const u = firsts[j]!;
    out.push(sum === u[1] ? u : [u[0], sum]);
  }
  return out;
}

/** Scratch: the pair of numbers of each slot of the consolidation being made (NaN for a slot of another record). */
let firstA = new Float64Array(1024);
let firstB = new Float64Array(1024);

/** How many updates may wait at a time before they are first consolidated. */
const CONSOLIDATE_AT = 1 << 16;

/**
 * Whether updates waiting for their time, `held` of them, are due to be consolidated again: once they
 * have doubled since the last consolidation left `consolidated` (and are past a first size), so that
 * updates that cancel stop taking memory, at O(1) amortized work per update.
 *
 * @example if (dueToConsolidate(waiting.length, afterLast)) waiting = consolidateUpdates(waiting);
 */
export function dueToConsolidate(held: number, consolidated: number): boolean {
  return held >= Math.max(CONSOLIDATE_AT, 2 * consolidated);
}

/**
 * Updates summed per record as they are added, and taken out consolidated (non-zero sums, in the order
 * each record first came). Pairs of numbers but NaN are found through an open-addressing table of their
 * places, any other record through a map of its canonical key. What a producer of many updates that
 * repeat records (a join's output) adds to instead of making an update per pair; reused after `take`.
 *
 * @example
 * const sink = new Consolidator<[number, number]>();
 * sink.add([1, 2], 1); sink.add([1, 2], 1); sink.add([3, 4], -1);
 * sink.take(); // [[[1, 2], 2], [[3, 4], -1]]
 */
export class Consolidator<T> {
  /** 1 + the place of each pair, by hash (0: empty); a power of two at least twice the places. */
  private table = new Int32Array(64);
  /** The pair of numbers at each place (NaN in `a` for a record found through `others`). */
  private a = new Float64Array(32);
  private b = new Float64Array(32);
  /** Each place's record (its first) and sum. */
  private readonly records: T[] = [];
  private readonly sums: number[] = [];
  private n = 0;
  private others: Map<RecordKey, number> | undefined;

  /** How many distinct records have been added since the last `take`. */
  get size(): number {
    return this.n;
  }

  /** Adds `diff` to the sum of `record`. */
  add(record: T, diff: number): void {
    const r = record as unknown;
    if (Array.isArray(r) && r.length === 2 && typeof r[0] === 'number' && typeof r[1] === 'number' && r[0] === r[0] && r[1] === r[1]) {
      const x = r[0] as number;
      const y = r[1] as number;
      const table = this.table;
      const mask = table.length - 1;
      let h = hashPair(x, y) & mask;
      for (;;) {
        const at = table[h]!;
        if (at === 0) break;
        if (this.a[at - 1] === x && this.b[at - 1] === y) {
          this.sums[at - 1]! += diff;
          return;
        }
        h = (h + 1) & mask;
      }
      const place = this.place(record, diff);
      this.a[place] = x;
      this.b[place] = y;
      if (2 * this.n > this.table.length) this.rehash();
      else table[h] = place + 1;
      return;
    }
    this.others ??= new Map();
    const k = recordKey(r);
    const at = this.others.get(k);
    if (at !== undefined) this.sums[at]! += diff;
    else {
      const place = this.place(record, diff);
      this.a[place] = NaN;
      this.others.set(k, place);
    }
  }

  /** The updates added since the last call, consolidated; empties this. */
  take(): Update<T>[] {
    const out: Update<T>[] = [];
    const { records, sums, table } = this;
    const mask = table.length - 1;
    for (let i = 0; i < this.n; i++) {
      const sum = sums[i]!;
      if (sum !== 0) out.push([records[i]!, sum]);
      records[i] = undefined as T;
      // Each pair's slot emptied (found again by its probe), rather than the whole table.
      const x = this.a[i]!;
      if (x !== x) continue;
      const y = this.b[i]!;
      let h = hashPair(x, y) & mask;
      while (table[h] !== i + 1) h = (h + 1) & mask;
      table[h] = 0;
    }
    this.n = 0;
    this.others = undefined;
    return out;
  }

  /** A new place for `record` with sum `diff`; grows the pair columns if they are full. */
  private place(record: T, diff: number): number {
    const i = this.n++;
    if (i === this.a.length) {
      const a = new Float64Array(2 * i);
      const b = new Float64Array(2 * i);
      a.set(this.a);
      b.set(this.b);
      this.a = a;
      this.b = b;
    }
    this.records[i] = record;
    this.sums[i] = diff;
    return i;
  }

  /** A table twice as large, every pair placed in it again. */
  private rehash(): void {
    const table = new Int32Array(2 * this.table.length);
    const mask = table.length - 1;
    for (let i = 0; i < this.n; i++) {
      const x = this.a[i]!;
      if (x !== x) continue;
      let h = hashPair(x, this.b[i]!) & mask;
      while (table[h] !== 0) h = (h + 1) & mask;
      table[h] = i + 1;
    }
    this.table = table;
  }
}
