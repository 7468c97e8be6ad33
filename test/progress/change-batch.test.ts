import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChangeBatch, decodeUpdates, encodeUpdates } from '../../src/progress/change-batch.js';
import { timestampOfDepth } from '../arbitraries.js';

const updates = fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), timestampOfDepth(1), fc.integer({ min: -3, max: 3 })), { maxLength: 80 });

describe('ChangeBatch', () => {
  it('consolidates: each pointstamp holds the sum of its deltas, and zero sums are dropped', () => {
    fc.assert(
      fc.property(updates, (seq) => {
        const batch = new ChangeBatch();
        const naive = new Map<string, number>();
        for (const [loc, t, d] of seq) {
          batch.update(loc, t, d);
          naive.set(`${loc}@${t.key}`, (naive.get(`${loc}@${t.key}`) ?? 0) + d);
        }
        const expected = [...naive].filter(([, d]) => d !== 0);
        const got = [...batch.updates()].map((u) => [`${u.location}@${u.time.key}`, u.delta] as const);
        return got.length === expected.length && got.every(([k, d]) => naive.get(k) === d) && batch.isEmpty() === (expected.length === 0);
      }),
    );
  });

  it('round-trips through the wire encoding', () => {
    fc.assert(
      fc.property(updates, (seq) => {
        const batch = new ChangeBatch();
        for (const [loc, t, d] of seq) batch.update(loc, t, d);
        const original = batch.drain();
        const decoded = decodeUpdates(encodeUpdates(original));
        return decoded.length === original.length && decoded.every((u, i) => u.location === original[i]!.location && u.delta === original[i]!.delta && u.time.equals(original[i]!.time));
      }),
    );
  });

  it('rejects malformed wire batches with MALFORMED_BATCH', () => {
    expect(() => decodeUpdates([0, 1, 2, 0])).toThrowError(/MALFORMED_BATCH/);
    expect(() => decodeUpdates([0, 0, 0, 1])).toThrowError(/MALFORMED_BATCH/);
    expect(() => decodeUpdates([-1, 1, 0, 0])).toThrowError(/MALFORMED_BATCH/);
    expect(() => decodeUpdates([0, 1])).toThrowError(/MALFORMED_BATCH/);
  });
});
