/** TimestampOrder: the partial orders on timestamps (product, the default, and Naiad's lexicographic). */
import { TimestampError } from './errors.js';
import type { Timestamp } from './timestamp.js';

export const OrderName = { product: 'product', lexicographic: 'lexicographic' } as const;
export type OrderName = (typeof OrderName)[keyof typeof OrderName];

export interface TimestampOrder {
  readonly name: OrderName;
  /** `a ≤ b`. Both times must have the same depth. */
  lessEqual(a: Timestamp, b: Timestamp): boolean;
  /** `a < b` (strict). */
  lessThan(a: Timestamp, b: Timestamp): boolean;
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
};

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
