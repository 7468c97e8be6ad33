/** MutableAntichain: counts per timestamp and the frontier of those with a positive count, kept up to date. */
import { compareTotal, type TimestampOrder } from './order.js';
import type { Timestamp } from './timestamp.js';

interface Entry {
  readonly time: Timestamp;
  count: number;
}

/**
 * A multiset of times with signed counts. The frontier is the set of minimal times whose count is
 * positive. Adding a time updates the frontier in place; removing a frontier time marks it for a rebuild,
 * done lazily on the next read.
 */
export class MutableAntichain {
  private readonly order: TimestampOrder;
  private readonly counts = new Map<string, Entry>();
  private front: Timestamp[] = [];
  private stale = false;
  private negatives = 0;

  constructor(order: TimestampOrder) {
    this.order = order;
  }

  /** Adds `delta` to the count of `time`. */
  update(time: Timestamp, delta: number): void {
    if (delta === 0) return;
    const key = time.key;
    let entry = this.counts.get(key);
    if (entry === undefined) {
      entry = { time, count: 0 };
      this.counts.set(key, entry);
    }
    const before = entry.count;
    const after = before + delta;
    entry.count = after;
    if (before < 0) this.negatives--;
    if (after < 0) this.negatives++;
    if (after === 0) this.counts.delete(key);
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
    return this.counts.size === 0;
  }

  countOf(time: Timestamp): number {
    return this.counts.get(time.key)?.count ?? 0;
  }

  hasNegative(): boolean {
    return this.negatives > 0;
  }

  /** Every time with a non-zero count. */
  entries(): IterableIterator<Readonly<Entry>> {
    return this.counts.values();
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
    const positive: Timestamp[] = [];
    for (const e of this.counts.values()) if (e.count > 0) positive.push(e.time);
    positive.sort(compareTotal);
    const le = this.order.lessEqual;
    const f: Timestamp[] = [];
    outer: for (const t of positive) {
      for (let i = 0; i < f.length; i++) if (le(f[i]!, t)) continue outer;
      f.push(t);
    }
    this.front = f;
    this.stale = false;
  }
}
