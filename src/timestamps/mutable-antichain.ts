/** MutableAntichain: counts per timestamp and the frontier of those with a positive count, kept up to date. */
import { compareTotal, type TimestampOrder } from './order.js';
import type { Timestamp } from './timestamp.js';

const SMALL = 16;

interface Entry {
  readonly time: Timestamp;
  count: number;
  /** Where the entry sits in the list. */
  at: number;
}

/**
 * A multiset of times with signed counts. The frontier is the set of minimal times whose count is
 * positive. Adding a time updates the frontier in place; removing a frontier time marks it for a rebuild,
 * done lazily on the next read.
 *
 * @example
 * const m = new MutableAntichain(productOrder);
 * m.update(Timestamp.of(2), +1);
 * m.update(Timestamp.of(1), +1);
 * m.frontier(); // [(1)]
 * m.update(Timestamp.of(1), -1);
 * m.frontier(); // [(2)]
 */
export class MutableAntichain {
  private readonly order: TimestampOrder;
  // Few times (the common case) are searched linearly; past SMALL an index by key takes over.
  private readonly entryList: Entry[] = [];
  private index: Map<string, Entry> | undefined;
  private front: Timestamp[] = [];
  private stale = false;
  private negatives = 0;

  constructor(order: TimestampOrder) {
    this.order = order;
  }

  /** Adds `delta` to the count of `time`. */
  update(time: Timestamp, delta: number): void {
    if (delta === 0) return;
    let entry = this.find(time);
    if (entry === undefined) {
      entry = { time, count: 0, at: this.entryList.length };
      this.entryList.push(entry);
      if (this.index !== undefined) this.index.set(time.key, entry);
      else if (this.entryList.length > SMALL) this.buildIndex();
    }
    const before = entry.count;
    const after = before + delta;
    entry.count = after;
    if (before < 0) this.negatives--;
    if (after < 0) this.negatives++;
    if (after === 0) this.remove(entry);
    if (before <= 0 && after > 0) this.raise(entry.time);
    else if (before > 0 && after <= 0) this.lower(time);
  }

  /** The minimal times with a positive count. The array returned is not changed by later updates. */
  frontier(): readonly Timestamp[] {
    if (this.stale) this.rebuild();
    return this.front;
  }

  /** Some frontier time is ≤ `time`: a positive-count time at or before `time` exists. */
  lessEqual(time: Timestamp): boolean {
    const f = this.stale ? this.frontier() : this.front;
    for (let i = 0; i < f.length; i++) if (this.order.lessEqual(f[i]!, time)) return true;
    return false;
  }

  /** Some frontier time is strictly before `time`. */
  lessThan(time: Timestamp): boolean {
    const f = this.frontier();
    for (let i = 0; i < f.length; i++) if (this.order.lessThan(f[i]!, time)) return true;
    return false;
  }

  /** No positive count remains. */
  isEmpty(): boolean {
    return this.frontier().length === 0;
  }

  /** No count at all (positive or negative) remains. */
  isZero(): boolean {
    return this.entryList.length === 0;
  }

  countOf(time: Timestamp): number {
    return this.find(time)?.count ?? 0;
  }

  hasNegative(): boolean {
    return this.negatives > 0;
  }

  /** Every time with a non-zero count. */
  entries(): readonly { readonly time: Timestamp; readonly count: number }[] {
    return this.entryList;
  }

  private find(time: Timestamp): Entry | undefined {
    if (this.index !== undefined) return this.index.get(time.key);
    const list = this.entryList;
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!;
      if (e.time === time || e.time.equals(time)) return e;
    }
    return undefined;
  }

  private remove(entry: Entry): void {
    const list = this.entryList;
    const last = list.pop()!;
    if (last !== entry) {
      list[entry.at] = last;
      last.at = entry.at;
    }
    if (this.index !== undefined) {
      this.index.delete(entry.time.key);
      if (list.length <= SMALL / 2) this.index = undefined;
    }
  }

  private buildIndex(): void {
    const index = new Map<string, Entry>();
    for (const e of this.entryList) index.set(e.time.key, e);
    this.index = index;
  }

  // The frontier array is never changed in place: a caller may keep the array `frontier()` returned as a
  // snapshot and compare it with a later one.
  private raise(time: Timestamp): void {
    if (this.stale) return;
    const f = this.front;
    const le = this.order.lessEqual;
    for (let i = 0; i < f.length; i++) if (le(f[i]!, time)) return;
    const next: Timestamp[] = [];
    for (let i = 0; i < f.length; i++) {
      const x = f[i]!;
      if (!le(time, x)) next.push(x);
    }
    next.push(time);
    this.front = next;
  }

  private lower(time: Timestamp): void {
    if (this.stale) return;
    const f = this.front;
    for (let i = 0; i < f.length; i++) {
      if (f[i]!.equals(time)) {
        this.stale = true;
        return;
      }
    }
  }

  private rebuild(): void {
    this.stale = false;
    const list = this.entryList;
    if (list.length === 1) {
      this.front = list[0]!.count > 0 ? [list[0]!.time] : [];
      return;
    }
    const positive: Timestamp[] = [];
    for (const e of list) if (e.count > 0) positive.push(e.time);
    positive.sort(compareTotal);
    const le = this.order.lessEqual;
    const f: Timestamp[] = [];
    outer: for (const t of positive) {
      for (let i = 0; i < f.length; i++) if (le(f[i]!, t)) continue outer;
      f.push(t);
    }
    this.front = f;
  }
}
