import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addExact, ExactSum, roundExact } from '../../examples/iterative/exact-sum.js';

const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e300, max: 1e300 });
/** Terms of very different sizes, so that a plain sum loses bits. */
const terms = fc.array(fc.oneof(finite, fc.double({ noNaN: true, min: -1, max: 1 }), fc.integer().map((i) => i * 2 ** -1060)), { maxLength: 60 });

function shewchuk(xs: readonly number[]): number {
  const partials: number[] = [];
  for (const x of xs) addExact(partials, x);
  return roundExact(partials);
}

function exact(xs: readonly number[]): number {
  const acc = new ExactSum();
  for (const x of xs) acc.add(x);
  return acc.sum();
}

describe('ExactSum', () => {
  it('gives the correctly rounded sum (the same as Shewchuk partials)', () => {
    fc.assert(fc.property(terms, (xs) => Object.is(exact(xs), shewchuk(xs)) || (exact(xs) === 0 && shewchuk(xs) === 0)));
  });

  it('does not depend on the order of the terms', () => {
    fc.assert(fc.property(terms, fc.integer(), (xs, seed) => {
      const shuffled = [...xs];
      let s = seed >>> 0;
      for (let i = shuffled.length - 1; i > 0; i--) {
        s = (Math.imul(s, 1103515245) + 12345) >>> 0;
        const j = s % (i + 1);
        [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
      }
      return exact(shuffled) === exact(xs);
    }));
  });

  it('hands its running total on exactly through parts()', () => {
    fc.assert(fc.property(terms, terms, (a, b) => {
      const first = new ExactSum();
      for (const x of a) first.add(x);
      const second = new ExactSum();
      for (const p of first.parts()) second.add(p);
      for (const x of b) second.add(x);
      return second.sum() === exact([...a, ...b]);
    }));
  });

  it('keeps what a plain sum loses, and passes NaN and infinities on', () => {
    expect(exact([1e16, 1, -1e16])).toBe(1);
    expect(exact(Array.from({ length: 10 }, () => 0.1))).toBe(1);
    expect(exact([2 ** 53, 1, 1])).toBe(2 ** 53 + 2);
    expect(exact([1, Number.NaN])).toBeNaN();
    expect(exact([1, Number.POSITIVE_INFINITY])).toBe(Number.POSITIVE_INFINITY);
    expect(exact([])).toBe(0);
  });

  it('stays exact past the number of terms after which its buckets are folded', () => {
    // The largest double below 1 has every significand bit set: 2^26 of them would carry a bucket past 2^53.
    const x = 1 - 2 ** -53;
    const n = (1 << 26) + 5;
    const acc = new ExactSum();
    for (let i = 0; i < n; i++) acc.add(x);
    expect(acc.sum()).toBe(exactTimes(x, n));
  });
});

/** n copies of x, summed exactly by doubling (Shewchuk partials of x, 2x, 4x, ...). */
function exactTimes(x: number, n: number): number {
  const partials: number[] = [];
  let power = x;
  for (let k = n; k > 0; k >>= 1, power *= 2) if (k & 1) addExact(partials, power);
  return roundExact(partials);
}
