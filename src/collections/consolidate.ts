/** Consolidation: updates of one record summed, the ones that cancel dropped. */
import { hashPair } from './dense.js';
import { overflowed, pastSafe, recordKey, type RecordKey } from './record-key.js';

/**
 * One change of a collection: a record and its multiplicity (a non-zero integer; negative removes).
 *
 * @example const change: Update<[number, number]> = [[1, 2], -1]; // one copy of the edge 1→2 removed
 */
export type Update<T> = [record: T, diff: number];

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
  /** Each place's record (its first) and sum, and the first update if one was given whole. */
  private readonly records: T[] = [];
  private readonly sums: number[] = [];
  private readonly firsts: (Update<T> | undefined)[] = [];
  private n = 0;
  private others: Map<RecordKey, number> | undefined;
  /**
   * Whether a pair of numbers keeps the record it came in. Without (`pairsAsColumns`), it is only its
   * two numbers and `take` makes it again: what waits long (a time's updates until the time is
   * complete) is then columns, not an object per record for the collector to carry.
   */
  private readonly keep: boolean;

  constructor(options: { pairsAsColumns?: boolean } = {}) {
    this.keep = options.pairsAsColumns !== true;
  }

  /** How many distinct records have been added since the last `take` (with sums that cancelled, until `compact`). */
  get size(): number {
    return this.n;
  }

  /** Adds `diff` to the sum of `record`. */
  add(record: T, diff: number): void {
    this.addTo(record, diff, undefined);
  }

  /** Adds an update; if its record comes only in it, `take` gives back this very array (no copy). */
  addUpdate(update: Update<T>): void {
    this.addTo(update[0], update[1], update);
  }

  private addTo(record: T, diff: number, update: Update<T> | undefined): void {
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
      const place = this.keep ? this.place(record, diff, update) : this.placeSum(diff);
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
      const place = this.place(record, diff, update);
      this.a[place] = NaN;
      this.others.set(k, place);
    }
  }

  /** The updates added since the last call, consolidated; empties this. */
  take(): Update<T>[] {
    let all: Update<T>[] = [];
    this.drain((piece) => (all = piece), Infinity);
    return all;
  }

  /**
   * The updates added since the last call, consolidated, handed to `send` in pieces of at most `limit`
   * (MESSAGE_UPDATES unless told; none empty); empties this. What an operator sends downstream.
   */
  drain(send: (piece: Update<T>[]) => void, limit = MESSAGE_UPDATES): void {
    const pieces: Update<T>[][] = [];
    let out: Update<T>[] = [];
    const { records, sums, firsts, table } = this;
    const mask = table.length - 1;
    // Many places: the table is emptied whole at the end (one pass over it beats a probe per pair,
    // each a cache miss in a table of millions); few in a large table: each pair's slot is emptied.
    const whole = 8 * this.n >= table.length;
    for (let i = 0; i < this.n; i++) {
      const sum = sums[i]!;
      const first = firsts[i];
      if (sum !== 0) {
        if (pastSafe(sum)) throw overflowed('consolidating', records[i] ?? [this.a[i]!, this.b[i]!], sum);
        if (first !== undefined && first[1] === sum) out.push(first);
        else out.push([records[i] ?? ([this.a[i]!, this.b[i]!] as T), sum]);
      }
      // (Past their lengths they hold nothing: a pair kept as columns has neither.)
      if (i < records.length) records[i] = undefined as T;
      if (i < firsts.length) firsts[i] = undefined;
      // Each pair's slot emptied (found again by its probe), rather than the whole table.
      const x = this.a[i]!;
      if (!whole && x === x) {
        const y = this.b[i]!;
        let h = hashPair(x, y) & mask;
        while (table[h] !== i + 1) h = (h + 1) & mask;
        table[h] = 0;
      }
      if (out.length === limit) {
        pieces.push(out);
        out = [];
      }
    }
    if (out.length > 0) pieces.push(out);
    if (whole) table.fill(0);
    this.n = 0;
    this.others = undefined;
    for (const piece of pieces) send(piece);
  }

  /**
   * The updates added since the last call, consolidated, with the records that are pairs of numbers
   * (but NaN) as three columns — first numbers, second numbers, sums — and any other as an update;
   * empties this. What a reader of millions of pairs takes instead of an array per pair.
   *
   * @example
   * const sink = new Consolidator<[number, number]>({ pairsAsColumns: true });
   * sink.add([1, 2], 1); sink.add([1, 2], 1);
   * sink.takePairs(); // { firsts: [1], seconds: [2], diffs: [2], others: [] } (as Float64Arrays)
   */
  takePairs(): { firsts: Float64Array; seconds: Float64Array; diffs: Float64Array; others: Update<T>[] } {
    const { records, sums, table } = this;
    const n = this.n;
    // Counted in a function of its own: when V8 compiled the loop here on the stack during a large
    // time, the code after it had never run, and every later call threw that code away again.
    const pairs = countPairs(sums, this.a, n);
    const firsts = new Float64Array(pairs);
    const seconds = new Float64Array(pairs);
    const diffs = new Float64Array(pairs);
    const others: Update<T>[] = [];
    const mask = table.length - 1;
    const whole = 8 * n >= table.length;
    for (let i = 0, w = 0; i < n; i++) {
      const x = this.a[i]!;
      const sum = sums[i]!;
      if (pastSafe(sum)) throw overflowed('consolidating', x === x ? [x, this.b[i]!] : records[i], sum);
      if (x === x) {
        if (sum !== 0) {
          firsts[w] = x;
          seconds[w] = this.b[i]!;
          diffs[w++] = sum;
        }
        if (!whole) {
          let h = hashPair(x, this.b[i]!) & mask;
          while (table[h] !== i + 1) h = (h + 1) & mask;
          table[h] = 0;
        }
      } else if (sum !== 0) others.push([records[i]!, sum]);
      if (i < records.length) records[i] = undefined as T;
      if (i < this.firsts.length) this.firsts[i] = undefined;
    }
    if (whole) table.fill(0);
    this.n = 0;
    this.others = undefined;
    return { firsts, seconds, diffs, others };
  }

  /** Drops the records whose sums cancelled, keeping the others in order (what is held shrinks to what is live). */
  compact(): void {
    const { records, sums, firsts } = this;
    const n = this.n;
    let w = 0;
    for (let i = 0; i < n; i++) {
      if (sums[i] === 0) continue;
      if (w < records.length) records[w] = records[i]!;
      sums[w] = sums[i]!;
      if (w < firsts.length) firsts[w] = firsts[i];
      this.a[w] = this.a[i]!;
      this.b[w] = this.b[i]!;
      w++;
    }
    for (let i = w; i < Math.min(n, records.length); i++) records[i] = undefined as T;
    for (let i = w; i < Math.min(n, firsts.length); i++) firsts[i] = undefined;
    this.n = w;
    // The places moved: the table and the map are made again.
    this.table.fill(0);
    const mask = this.table.length - 1;
    const others = this.others;
    if (others !== undefined) others.clear();
    for (let i = 0; i < w; i++) {
      const x = this.a[i]!;
      if (x !== x) {
        others!.set(recordKey(records[i]), i);
        continue;
      }
      let h = hashPair(x, this.b[i]!) & mask;
      while (this.table[h] !== 0) h = (h + 1) & mask;
      this.table[h] = i + 1;
    }
  }

  /** A new place for `record` with sum `diff`; grows the pair columns if they are full. */
  private place(record: T, diff: number, update: Update<T> | undefined): number {
    const i = this.placeSum(diff);
    this.records[i] = record;
    this.firsts[i] = update;
    return i;
  }

  /**
   * A new place for a pair kept as columns (`pairsAsColumns`): its sum only. Its record and first
   * update are made by `drain` from the columns, so the two arrays are not grown for it (a time of
   * millions of pairs made them millions long, each growth a copy).
   */
  private placeSum(diff: number): number {
    const i = this.n++;
    if (i === this.a.length) {
      const a = new Float64Array(2 * i);
      const b = new Float64Array(2 * i);
      a.set(this.a);
      b.set(this.b);
      this.a = a;
      this.b = b;
    }
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

/** How many of the first `n` places hold a pair (a number in `a`) whose sum is not zero. */
function countPairs(sums: readonly number[], a: Float64Array, n: number): number {
  let pairs = 0;
  for (let i = 0; i < n; i++) if (sums[i] !== 0 && a[i] === a[i]) pairs++;
  return pairs;
}

/**
 * The updates of `updates` with one entry per record (diffs summed, records equal by `recordKey`),
 * those summing to zero dropped, in the order each record first appears.
 *
 * @example consolidateUpdates([['a', 1], ['b', 2], ['a', -1]]); // [['b', 2]]
 */
export function consolidateUpdates<T>(updates: readonly Update<T>[]): Update<T>[] {
  const sink = scratch as Consolidator<T>;
  try {
    for (let i = 0; i < updates.length; i++) sink.addUpdate(updates[i]!);
  } catch (err) {
    sink.take(); // left empty for the next call
    throw err;
  }
  return sink.take();
}

/** consolidateUpdates's consolidator (it runs to the end before anything else can use it). */
const scratch = new Consolidator<unknown>();

/**
 * The most updates an operator of this layer puts in one message. An array of them (8 bytes a place)
 * then stays under V8's large-object size (128 KiB): it is made and dropped in the young generation,
 * where memory is reused at once, instead of being mapped, touched page by page and unmapped whole
 * once a full collection finds it dead.
 */
export const MESSAGE_UPDATES = 8192;

/** How many updates may wait at a time before they are first consolidated. */
const CONSOLIDATE_AT = 1 << 16;

/**
 * Whether updates waiting for their time, `held` of them, are due to be consolidated again: once they
 * have grown `factor` times (doubled, unless told) since the last consolidation left `consolidated`
 * (and are past a first size), so that updates that cancel stop taking memory, at O(1) amortized work
 * per update.
 *
 * @example if (dueToConsolidate(waiting.length, afterLast)) waiting = consolidateUpdates(waiting);
 */
export function dueToConsolidate(held: number, consolidated: number, factor = 2): boolean {
  return held >= Math.max(CONSOLIDATE_AT, factor * consolidated);
}
