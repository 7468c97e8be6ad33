/**
 * The output's doubles: `writeShortest` writes exactly what `String(x)` writes, for every double. Its
 * fast path settles most values alone, so the law is checked where that path decides (values from 1e-40
 * to 1e15, the places where its decisions are close: powers of two, powers of ten, few digits), and
 * the path is checked to decide nearly every PageRank-like value (else the law would hold through
 * `String` alone).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { settlesFast, writeShortest } from '../../examples/iterative/shortest.js';

const out = new Uint8Array(64);
const text = (x: number) => new TextDecoder().decode(out.subarray(0, writeShortest(out, 0, x)));

/** A double from its sign, biased exponent and the two halves of its mantissa. */
function fromBits(negative: boolean, exponent: number, high: number, low: number): number {
  const words = new Uint32Array(2);
  const little = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
  words[little ? 1 : 0] = (negative ? 0x80000000 : 0) | (exponent << 20) | high;
  words[little ? 0 : 1] = low;
  return new Float64Array(words.buffer)[0]!;
}

/** Every double, weighted toward the fast path's range and its hard cases. */
const doubles = fc.oneof(
  fc.double(),
  // Anywhere in the fast path's range (biased exponents of 1e-40 … 1e15, and a little past both), any mantissa.
  fc.tuple(fc.boolean(), fc.integer({ min: 880, max: 1076 }), fc.integer({ min: 0, max: 0xfffff }), fc.nat({ max: 0xffffffff })).map(([s, e, h, l]) => fromBits(s, e, h, l)),
  // Powers of two and their neighbours (the gap below is half the gap above).
  fc.tuple(fc.integer({ min: 880, max: 1076 }), fc.constantFrom(0, 1, 0xffffffff), fc.constantFrom(0, 0xfffff)).map(([e, l, h]) => fromBits(false, e, h, l)),
  // Decimals of few digits (the interval holds a multiple of a large power of ten) and their neighbours.
  fc.tuple(fc.integer({ min: 1, max: 999_999 }), fc.integer({ min: -12, max: 9 }), fc.integer({ min: -2, max: 2 })).map(([d, e, step]) => {
    const x = d * 10 ** e;
    return step === 0 ? x : x + step * Number.EPSILON * x;
  }),
  // PageRank-like ranks.
  fc.tuple(fc.double({ min: 0.15, max: 40, noNaN: true }), fc.integer({ min: 10, max: 5_000_000 })).map(([a, n]) => a / n),
);

describe('writeShortest', () => {
  it('writes what String(x) writes, for every double', () => {
    fc.assert(
      fc.property(doubles, (x) => {
        expect(text(x)).toBe(String(x));
      }),
      { numRuns: 20_000 },
    );
  });

  it('settles nearly every PageRank-like value on its fast path (else the law above would hold through String alone)', () => {
    let settled = 0;
    const n = 10_000;
    for (let i = 0; i < n; i++) if (settlesFast((0.15 + ((i * 7919) % 1000) / 100) / (325_729 + i))) settled++;
    expect(settled).toBeGreaterThan(0.99 * n);
  });
});
