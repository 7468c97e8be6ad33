import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Consolidator, consolidateUpdates, type Update } from '../../src/collections/consolidate.js';
import { recordKey } from '../../src/collections/record-key.js';

describe('consolidateUpdates', () => {
  // Records of each kind it finds differently: pairs of numbers (an open-addressing table; small
  // integers, large ones, fractions, negatives, -0 equal to 0), pairs with NaN and other records (a map
  // of their keys).
  const small = fc.integer({ min: 0, max: 4 });
  const record = fc.oneof(
    fc.tuple(small, small),
    fc.tuple(small, fc.integer({ min: 0, max: 3000 })),
    fc.tuple(fc.constantFrom(2 ** 22, 2 ** 22 + 1, 2 ** 30, 2 ** 40, 0.5, -3), small),
    fc.tuple(fc.constant(-0), small),
    fc.tuple(small, fc.constantFrom(-0, 0.25)),
    fc.tuple(fc.constant(NaN), small),
    fc.constantFrom<unknown>('a', 3, [1, 'b'], [1, 2, 3]),
  );
  const update = fc.tuple(record, fc.constantFrom(1, -1, 2));

  it('sums the diffs of equal records, drops those that cancel, and keeps the order of first appearance', () => {
    fc.assert(
      fc.property(fc.oneof(fc.array(update, { maxLength: 80 }), fc.array(update, { minLength: 600, maxLength: 3000 })), (updates) => {
        const order: string[] = [];
        const sums = new Map<string, [unknown, number]>();
        for (const [r, d] of updates) {
          const k = String(recordKey(r));
          const s = sums.get(k);
          if (s === undefined) (order.push(k), sums.set(k, [r, d]));
          else s[1] += d;
        }
        const want = order.map((k) => sums.get(k)!).filter(([, d]) => d !== 0);
        const got = consolidateUpdates(updates as Update<unknown>[]);
        expect(got.map(([r, d]) => [String(recordKey(r)), d])).toEqual(want.map(([r, d]) => [String(recordKey(r)), d]));
        // A second call starts afresh (nothing of the first is left in its indexes).
        expect(consolidateUpdates(updates as Update<unknown>[]).length).toBe(want.length);
      }),
      { numRuns: 300 },
    );
  });

  // One consolidator for every case: what a take leaves behind must not reach the next.
  const sink = new Consolidator<unknown>();

  // And one that keeps pairs of numbers as columns only, compacted now and then.
  const columns = new Consolidator<unknown>({ pairsAsColumns: true });

  it('a Consolidator, added to update by update (and compacted anywhere), takes out what consolidateUpdates makes of them, and starts afresh', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.array(update, { maxLength: 80 }), fc.array(update, { minLength: 600, maxLength: 3000 })), { minLength: 1, maxLength: 3 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (parts, compactions) => {
          for (const updates of parts) {
            const at = new Set(compactions.map((c) => c % (updates.length + 1)));
            // The sums so far, by record: a compaction keeps exactly the records whose sum is not zero.
            const sums = new Map<string, number>();
            updates.forEach(([r, d], i) => {
              if (at.has(i)) {
                columns.compact();
                expect(columns.size).toBe([...sums.values()].filter((s) => s !== 0).length);
              }
              sink.add(r, d);
              columns.add(r, d);
              const k = String(recordKey(r));
              sums.set(k, (sums.get(k) ?? 0) + d);
            });
            const want = consolidateUpdates(updates as Update<unknown>[]).map(([r, d]) => [String(recordKey(r)), d]);
            expect(sink.take().map(([r, d]) => [String(recordKey(r)), d])).toEqual(want);
            // A record dropped by a compaction and added again comes after the others: same updates, another order.
            const byKey = (x: (string | number)[], y: (string | number)[]) => String(x[0]).localeCompare(String(y[0]));
            expect(columns.take().map(([r, d]) => [String(recordKey(r)), d]).sort(byKey)).toEqual(want.slice().sort(byKey));
            expect(sink.size).toBe(0);
            expect(columns.size).toBe(0);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
