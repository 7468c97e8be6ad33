/**
 * History cursors: one reader's accumulation of a key's history, kept from one time it read at to the
 * next, so that a key read at many times of a loop costs about its new entries each time rather than
 * its whole history.
 */
import type { TimestampOrder } from '../timestamps/order.js';
import type { Timestamp } from '../timestamps/timestamp.js';
import { grownColumn } from './dense.js';
import type { RecordKey } from './record-key.js';
import { accumulate, Accumulated, type Histories, type LaterTimes } from './trace.js';

/** A history shorter than this is summed whole at every time it is read at: cheap, and most keys are. */
const CURSOR_FROM = 32;
/** A cursor's entries still ahead are kept as `rank · RANK_SCALE + place`: places and ranks below it. */
const RANK_SCALE = 2 ** 26;
/** The values and entries ahead that a reader's cursors hold, beyond as many as the index they read holds, before all are dropped. */
const CURSORS_HELD = 1 << 20;
/** Values an accumulation holds before it finds them through a map rather than by scanning. */
const INDEX_FROM = 16;

/**
 * The coordinate by which entries still ahead of a cursor are ordered: the innermost loop counter
 * (the epoch outside loops). An entry at or before a time is never of a greater rank, in the product
 * order and, for times of at most one counter, the lexicographic one (which is then the same order).
 */
function rankOf(t: Timestamp): number {
  const c = t.counters;
  return c.length === 0 ? t.epoch : c[c.length - 1]!;
}

/** The rank of an entry ahead (`rank · RANK_SCALE + place`), and its place in its history. */
function rankPart(x: number): number {
  return Math.floor(x / RANK_SCALE);
}
function placePart(x: number): number {
  return x - rankPart(x) * RANK_SCALE;
}

/** Whether `a` and `b` differ at most in their rank's coordinate. */
function sameOuter(a: Timestamp, b: Timestamp): boolean {
  if (a.epoch !== b.epoch && a.counters.length > 0) return false;
  const x = a.counters;
  const y = b.counters;
  for (let i = 0; i + 1 < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** One key's cursor: its history's accumulation at `time`, and the entries not at or before it. */
class Cursor<V> {
  /** The accumulation at `time`: the values with non-zero counts (see `Accumulated`), found through `index` once there are many. */
  readonly acc = new Accumulated<V>();
  index: Map<RecordKey, number> | undefined;
  /** The history's first `seen` entries are in `acc` or `ahead`; later ones were appended since. */
  seen = 0;
  /** The entries among them not at or before `time`, `ahead[head..end)`, by rank then place. */
  ahead = new Float64Array(0);
  head = 0;
  end = 0;
  constructor(
    readonly slot: number,
    public stamp: number,
    public time: Timestamp,
  ) {}

  get weight(): number {
    return this.acc.n + this.end - this.head;
  }

  /** Adds `diff` to the count of value `value` (key `vk`); a count that reaches zero leaves. */
  add(vk: RecordKey, value: V, diff: number): void {
    const acc = this.acc;
    const { keys, values, counts } = acc;
    const n = acc.n;
    let i = -1;
    if (this.index !== undefined) i = this.index.get(vk) ?? -1;
    else for (let j = 0; j < n; j++) if (keys[j] === vk) (i = j), (j = n);
    if (i < 0) {
      keys[n] = vk;
      values[n] = value;
      counts[n] = diff;
      acc.n = n + 1;
      if (this.index !== undefined) this.index.set(vk, n);
      else if (n + 1 > INDEX_FROM) this.indexValues();
      return;
    }
    const c = counts[i]! + diff;
    if (c !== 0) {
      counts[i] = c;
      return;
    }
    // The last value takes its place.
    const last = n - 1;
    this.index?.delete(vk);
    if (i !== last) {
      keys[i] = keys[last]!;
      values[i] = values[last]!;
      counts[i] = counts[last]!;
      this.index?.set(keys[i]!, i);
    }
    values[last] = undefined as V;
    acc.n = last;
  }

  indexValues(): void {
    const { keys, n } = this.acc;
    const index = (this.index = new Map());
    for (let j = 0; j < n; j++) index.set(keys[j]!, j);
  }

  /** Places `x` (rank · RANK_SCALE + place) among the entries ahead, in order. */
  insert(x: number): void {
    if (this.end === this.ahead.length) {
      // Full: the entries ahead go to the front, into a longer column if they fill half of this one.
      const live = this.end - this.head;
      if (2 * live + 8 <= this.ahead.length) this.ahead.copyWithin(0, this.head, this.end);
      else {
        const grown = new Float64Array(2 * live + 8);
        grown.set(this.ahead.subarray(this.head, this.end));
        this.ahead = grown;
      }
      this.head = 0;
      this.end = live;
    }
    const ahead = this.ahead;
    let lo = this.head;
    let hi = this.end;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ahead[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    ahead.copyWithin(lo + 1, lo, this.end);
    ahead[lo] = x;
    this.end++;
  }
}

/** Scratch for the entries a step passes over but keeps ahead. */
let keptAhead = new Float64Array(64);

/**
 * A reader's cursors over the histories of one index, by key: what a reduce accumulates its input and
 * its output with. Reading a key at time t, a cursor at an earlier time s (s ≤ t) adds to what it
 * holds the entries appended since and those it kept ahead that are now at or before t; the key is
 * read whole again when a compaction merged entries of its history or t is not after s. A key gets a
 * cursor on its second read in a row at times the first could go on to. The entries ahead are
 * ordered by the innermost loop counter, so that each step visits those it passes and no others.
 * A loop's rounds read a key at (e, 0), (e, 1), (e, 2), …: each entry is then read about once per
 * epoch, where summing the whole history at every round read it once per round. Keys of short
 * histories get no cursor. Past a million values and entries held beyond the index's own size, the
 * cursors are all dropped (and made again as keys are read).
 *
 * @example
 * const cursors = new HistoryCursors<number>(order);
 * const later = new LaterTimes();
 * const acc = cursors.accumulate(trace.histories, recordKey(7), time, new Accumulated<number>(), later);
 * for (let i = 0; i < acc.n; i++) console.log(acc.values[i], acc.counts[i]);
 */
export class HistoryCursors<V> {
  private readonly cursors = new Map<RecordKey, Cursor<V>>();
  private held = 0;
  /** Keys of long histories read once without a cursor, with the time they were read at. */
  private readonly lastRead = new Map<RecordKey, Timestamp>();

  constructor(private readonly order: TimestampOrder) {}

  /**
   * The accumulation of `kk`'s history in `histories` at `time` (in `scratch`, or in a cursor's own
   * columns: read it before the next call). The times of entries not at or before `time` whose join
   * with it may not have been owed yet are appended to `later`, as `accumulate` does.
   */
  accumulate<K>(histories: Histories<K>, kk: RecordKey, time: Timestamp, scratch: Accumulated<V>, later: LaterTimes): Accumulated<V> {
    const s = histories.slot(kk);
    if (s < 0) {
      scratch.n = 0;
      return scratch;
    }
    const entries = histories.entries;
    const at = histories.at[s]!;
    const length = histories.lengths[s]!;
    const order = this.order;
    let c = this.cursors.get(kk);
    if (length < CURSOR_FROM || (order.name !== 'product' && time.counters.length > 1) || rankOf(time) >= RANK_SCALE || length >= RANK_SCALE) {
      if (c !== undefined) this.drop(kk, c);
      accumulate(entries, at, length, time, order, scratch, later);
      return scratch;
    }
    if (c !== undefined && c.slot === s && c.stamp === histories.stampOf(s) && c.seen <= length && order.lessEqual(c.time, time)) {
      const before = c.weight;
      if (this.step(c, histories, at, length, time, later)) {
        this.held += c.weight - before;
        this.trim(histories.size);
        return c.acc;
      }
      this.cursors.delete(kk);
      this.held -= before;
    } else if (c !== undefined) this.drop(kk, c);
    // A cursor is made on a key's second read in a row at times a cursor could go on from (a loop's
    // rounds): most keys are read once an epoch, and a cursor made for them would cost a second pass
    // over the history and its columns, for nothing.
    const last = this.lastRead.get(kk);
    if (last === undefined || !order.lessEqual(last, time) || !sameOuter(last, time)) {
      if (this.lastRead.size >= CURSORS_HELD) this.lastRead.clear();
      this.lastRead.set(kk, time);
      accumulate(entries, at, length, time, order, scratch, later);
      return scratch;
    }
    this.lastRead.delete(kk);
    c = new Cursor<V>(s, histories.watch(s), time);
    const from = later.n;
    accumulate(entries, at, length, time, order, c.acc, later);
    if (c.acc.n > INDEX_FROM) c.indexValues();
    if (later.n > from && !this.gatherAhead(c, histories, at, length, time)) {
      accumulate(entries, at, length, time, order, scratch, undefined);
      return scratch;
    }
    c.seen = length;
    this.cursors.set(kk, c);
    this.held += c.weight;
    this.trim(histories.size);
    return c.acc;
  }

  /** Drops every cursor, and the keys read once (what the budget does when it is passed). */
  private clear(): void {
    this.cursors.clear();
    this.lastRead.clear();
    this.held = 0;
  }

  private drop(kk: RecordKey, c: Cursor<V>): void {
    this.cursors.delete(kk);
    this.held -= c.weight;
  }

  /** Past the budget (a million values and entries, and as many as the index holds), every cursor goes. */
  private trim(size: number): void {
    if (this.held > CURSORS_HELD + size) this.clear();
  }

  /** Lists the entries of a fresh cursor's history that are not at or before its time; false if one's rank is too large to list. */
  private gatherAhead<K>(c: Cursor<V>, histories: Histories<K>, at: number, length: number, time: Timestamp): boolean {
    const { times, timeOf } = histories.entries;
    const order = this.order;
    let ahead = new Float64Array(16);
    let n = 0;
    let last = -1;
    let out = false;
    let rank = 0;
    let sorted = true;
    for (let i = 0; i < length; i++) {
      const ti = times[at + i]!;
      if (ti !== last) {
        last = ti;
        const t = timeOf[ti]!;
        out = !order.lessEqual(t, time);
        if (out) {
          rank = rankOf(t);
          if (rank >= RANK_SCALE) return false;
        }
      }
      if (!out) continue;
      ahead = grownColumn(ahead, n + 1);
      const x = rank * RANK_SCALE + i;
      if (n > 0 && x < ahead[n - 1]!) sorted = false;
      ahead[n++] = x;
    }
    if (!sorted) ahead.subarray(0, n).sort();
    c.ahead = ahead;
    c.head = 0;
    c.end = n;
    return true;
  }

  /** Moves cursor `c` from its time to `time` (a later one); false if an entry's rank is too large to list (`c` is then spoiled). */
  private step<K>(c: Cursor<V>, histories: Histories<K>, at: number, length: number, time: Timestamp, later: LaterTimes): boolean {
    const entries = histories.entries;
    const { times, timeOf, diffs } = entries;
    const order = this.order;
    const rank = rankOf(time);
    // The entries ahead of rank ≤ time's: each now at or before it is added, others stay ahead.
    const ahead = c.ahead;
    let i = c.head;
    let kept = 0;
    for (; i < c.end; i++) {
      const x = ahead[i]!;
      const r = rankPart(x);
      if (r > rank) break;
      const p = at + x - r * RANK_SCALE;
      const t = timeOf[times[p]!]!;
      if (order.lessEqual(t, time)) c.add(entries.vk(p), entries.value(p) as V, diffs[p]!);
      else {
        keptAhead = grownColumn(keptAhead, kept + 1);
        keptAhead[kept++] = x;
        later.times[later.n++] = t;
      }
    }
    for (let k = 0; k < kept; k++) ahead[i - kept + k] = keptAhead[k]!;
    c.head = i - kept;
    // The entries appended since.
    for (let off = c.seen; off < length; off++) {
      const p = at + off;
      const t = timeOf[times[p]!]!;
      if (order.lessEqual(t, time)) c.add(entries.vk(p), entries.value(p) as V, diffs[p]!);
      else {
        const r = rankOf(t);
        if (r >= RANK_SCALE) return false;
        c.insert(r * RANK_SCALE + off);
        later.times[later.n++] = t;
      }
    }
    // An entry ahead of rank above time's was owed its join with the cursor's last time, which is its
    // join with `time` too when the two differ only in the rank's coordinate. Otherwise each is owed again.
    if (!sameOuter(c.time, time)) {
      let last = -1;
      for (let j = c.head; j < c.end; j++) {
        const ti = times[at + placePart(c.ahead[j]!)]!;
        if (ti === last) continue;
        last = ti;
        later.times[later.n++] = timeOf[ti]!;
      }
    }
    c.time = time;
    c.seen = length;
    return true;
  }
}
