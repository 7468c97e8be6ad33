/** TimestampOrder: the partial orders on timestamps (product, the default, and Naiad's lexicographic). */
import { TimestampError } from './errors.js';
import { Timestamp } from './timestamp.js';

export const OrderName = { product: 'product', lexicographic: 'lexicographic' } as const;
export type OrderName = (typeof OrderName)[keyof typeof OrderName];

export interface TimestampOrder {
  readonly name: OrderName;
  /** `a ≤ b`. Both times must have the same depth. */
  lessEqual(a: Timestamp, b: Timestamp): boolean;
  /** `a < b` (strict). */
  lessThan(a: Timestamp, b: Timestamp): boolean;
  /** The least time ≥ both (the lattice join; the time at which updates at `a` and `b` first meet). */
  join(a: Timestamp, b: Timestamp): Timestamp;
  /** The greatest time ≤ both (the lattice meet). */
  meet(a: Timestamp, b: Timestamp): Timestamp;
}

function sameDepth(a: Timestamp, b: Timestamp): void {
  if (a.counters.length !== b.counters.length) {
    throw new TimestampError('DEPTH_MISMATCH', { a, b }, 'only times of the same loop depth can be compared');
  }
}

/**
 * The product order: `t1 ≤ t2` iff the epochs and every loop counter are ≤ (Naiad's typed time, Rust timely).
 *
 * @example productOrder.lessEqual(Timestamp.of(1, 2), Timestamp.of(1, 3)); // true
 */
export const productOrder: TimestampOrder = {
  name: 'product',
  lessEqual(a, b) {
    if (a === b) return true;
    if (a.epoch > b.epoch) return false;
    const x = a.counters;
    const y = b.counters;
    if (x.length !== y.length) sameDepth(a, b);
    for (let i = 0; i < x.length; i++) if (x[i]! > y[i]!) return false;
    return true;
  },
  lessThan(a, b) {
    return productOrder.lessEqual(a, b) && !a.equals(b);
  },
  join(a, b) {
    return pointwise(a, b, Math.max);
  },
  meet(a, b) {
    return pointwise(a, b, Math.min);
  },
};

/** Epochs and each counter combined by `pick` (max for the product order's join, min for its meet). */
function pointwise(a: Timestamp, b: Timestamp, pick: (x: number, y: number) => number): Timestamp {
  if (a === b) return a;
  const x = a.counters;
  const y = b.counters;
  if (x.length !== y.length) sameDepth(a, b);
  const epoch = pick(a.epoch, b.epoch);
  if (x.length === 0) return epoch === a.epoch ? a : b;
  let sameA = epoch === a.epoch;
  let sameB = epoch === b.epoch;
  // Pushed: the one kind of array every time's counters are (see counterCopy).
  const out: number[] = [];
  for (let i = 0; i < x.length; i++) {
    const c = pick(x[i]!, y[i]!);
    out.push(c);
    if (c !== x[i]) sameA = false;
    if (c !== y[i]) sameB = false;
  }
  return sameA ? a : sameB ? b : Timestamp.trusted(epoch, out);
}

/** -1, 0 or 1: the loop counters of `a` against those of `b`, left to right. */
function compareCounters(a: Timestamp, b: Timestamp): number {
  const x = a.counters;
  const y = b.counters;
  if (x.length !== y.length) sameDepth(a, b);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  return 0;
}

/**
 * The Naiad paper's order: the epochs compared as numbers (≤), the loop counters lexicographically.
 *
 * @example lexicographicOrder.lessEqual(Timestamp.of(0, 1, 9), Timestamp.of(0, 2, 0)); // true (the product order says false)
 */
export const lexicographicOrder: TimestampOrder = {
  name: 'lexicographic',
  lessEqual(a, b) {
    if (a === b) return true;
    if (a.epoch > b.epoch) return false;
    const x = a.counters;
    const y = b.counters;
    if (x.length !== y.length) sameDepth(a, b);
    for (let i = 0; i < x.length; i++) {
      if (x[i]! < y[i]!) return true;
      if (x[i]! > y[i]!) return false;
    }
    return true;
  },
  lessThan(a, b) {
    return lexicographicOrder.lessEqual(a, b) && !a.equals(b);
  },
  join(a, b) {
    const c = compareCounters(a, b);
    const counters = c >= 0 ? a : b;
    return a.epoch >= b.epoch ? (c >= 0 ? a : Timestamp.trusted(a.epoch, b.counters)) : counters === b ? b : Timestamp.trusted(b.epoch, a.counters);
  },
  meet(a, b) {
    const c = compareCounters(a, b);
    return a.epoch <= b.epoch ? (c <= 0 ? a : Timestamp.trusted(a.epoch, b.counters)) : c >= 0 ? b : Timestamp.trusted(b.epoch, a.counters);
  },
};

export function orderByName(name: OrderName): TimestampOrder {
  if (name === 'product') return productOrder;
  if (name === 'lexicographic') return lexicographicOrder;
  throw new TimestampError('INVALID_TIMESTAMP', { order: name }, "the order must be 'product' or 'lexicographic'");
}

/**
 * A total order consistent with both partial orders (epoch, then counters left to right): for sorting.
 *
 * @example times.sort(compareTotal)
 */
export function compareTotal(a: Timestamp, b: Timestamp): number {
  if (a.epoch !== b.epoch) return a.epoch - b.epoch;
  const x = a.counters;
  const y = b.counters;
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}
