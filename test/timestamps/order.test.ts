import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareTotal, lexicographicOrder, productOrder, type TimestampOrder } from '../../src/timestamps/order.js';
import { Timestamp } from '../../src/timestamps/timestamp.js';
import { TimestampError } from '../../src/timestamps/errors.js';
import { depthAndTimes } from '../arbitraries.js';

const cases: [string, TimestampOrder][] = [
  ['product', productOrder],
  ['lexicographic', lexicographicOrder],
];

describe.each(cases)('%s order', (_name, order) => {
  it('is reflexive', () => {
    fc.assert(fc.property(depthAndTimes(1), ([, [a]]) => order.lessEqual(a!, a!)));
  });

  it('is antisymmetric', () => {
    fc.assert(fc.property(depthAndTimes(2), ([, [a, b]]) => !(order.lessEqual(a!, b!) && order.lessEqual(b!, a!)) || a!.equals(b!)));
  });

  it('is transitive', () => {
    fc.assert(
      fc.property(depthAndTimes(3), ([, [a, b, c]]) => !(order.lessEqual(a!, b!) && order.lessEqual(b!, c!)) || order.lessEqual(a!, c!)),
    );
  });

  it('has lessThan = lessEqual and not equal', () => {
    fc.assert(fc.property(depthAndTimes(2), ([, [a, b]]) => order.lessThan(a!, b!) === (order.lessEqual(a!, b!) && !a!.equals(b!))));
  });

  it('join is the least upper bound: ≥ both, and ≤ every time ≥ both', () => {
    fc.assert(
      fc.property(depthAndTimes(3), ([, [a, b, c]]) => {
        const j = order.join(a!, b!);
        return order.lessEqual(a!, j) && order.lessEqual(b!, j) && (!(order.lessEqual(a!, c!) && order.lessEqual(b!, c!)) || order.lessEqual(j, c!));
      }),
    );
  });

  it('meet is the greatest lower bound: ≤ both, and ≥ every time ≤ both', () => {
    fc.assert(
      fc.property(depthAndTimes(3), ([, [a, b, c]]) => {
        const m = order.meet(a!, b!);
        return order.lessEqual(m, a!) && order.lessEqual(m, b!) && (!(order.lessEqual(c!, a!) && order.lessEqual(c!, b!)) || order.lessEqual(c!, m));
      }),
    );
  });

  it('is extended by compareTotal (sorting never puts a time after one it is ≤ to)', () => {
    fc.assert(fc.property(depthAndTimes(2), ([, [a, b]]) => !order.lessEqual(a!, b!) || compareTotal(a!, b!) <= 0));
  });
});

describe('orders differ where they should', () => {
  it('product order leaves (0,[0,5]) and (0,[1,0]) incomparable; lexicographic puts the first first', () => {
    const a = Timestamp.of(0, 0, 5);
    const b = Timestamp.of(0, 1, 0);
    expect(productOrder.lessEqual(a, b) || productOrder.lessEqual(b, a)).toBe(false);
    expect(lexicographicOrder.lessEqual(a, b)).toBe(true);
    expect(lexicographicOrder.lessEqual(b, a)).toBe(false);
  });

  it('both compare the epoch as a product with the counters', () => {
    const a = Timestamp.of(1, 0);
    const b = Timestamp.of(0, 3);
    for (const [, o] of cases) expect(o.lessEqual(a, b) || o.lessEqual(b, a)).toBe(false);
  });
});

describe('Timestamp', () => {
  it('keys equal exactly when times are equal', () => {
    fc.assert(fc.property(depthAndTimes(2), ([, [a, b]]) => (a!.key === b!.key) === a!.equals(b!)));
  });

  it('rejects negative, fractional and unsafe coordinates with INVALID_TIMESTAMP', () => {
    for (const bad of [[-1], [0.5], [0, -2], [Number.MAX_SAFE_INTEGER + 1], [Number.NaN]]) {
      const err = (() => {
        try {
          Timestamp.of(bad[0]!, ...bad.slice(1));
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(TimestampError);
      expect((err as TimestampError).code).toBe('INVALID_TIMESTAMP');
    }
    expect(() => Timestamp.fromArray([])).toThrowError(/INVALID_TIMESTAMP/);
  });

  it('refuses to compare times of different depth with DEPTH_MISMATCH', () => {
    expect(() => productOrder.lessEqual(Timestamp.of(0), Timestamp.of(0, 1))).toThrowError(/DEPTH_MISMATCH/);
    expect(() => Timestamp.of(3).popped()).toThrowError(/DEPTH_MISMATCH/);
    expect(() => Timestamp.of(3).incremented()).toThrowError(/DEPTH_MISMATCH/);
  });

  it('round-trips through its array form', () => {
    fc.assert(fc.property(depthAndTimes(1), ([, [a]]) => Timestamp.fromArray(a!.toArray()).equals(a!)));
  });

  it('a root time is one shared instance however it is made (of, fromArray, epochOnly), so hot code sees one kind of counters array', () => {
    for (const epoch of [0, 7, 1023]) {
      const shared = Timestamp.epochOnly(epoch);
      expect(Timestamp.of(epoch)).toBe(shared);
      expect(Timestamp.fromArray([epoch])).toBe(shared);
    }
  });
});
