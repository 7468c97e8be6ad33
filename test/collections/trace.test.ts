import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recordKey, type RecordKey } from '../../src/collections/record-key.js';
import { accumulate, Bounds, compact, HistoryField, type History } from '../../src/collections/trace.js';
import { Antichain } from '../../src/timestamps/antichain.js';
import { lexicographicOrder, productOrder } from '../../src/timestamps/order.js';
import { Timestamp } from '../../src/timestamps/timestamp.js';

const { STRIDE, VK, TIME, SEQ } = HistoryField;

// Values of the kinds compaction indexes differently: small integers (a dense index), large and
// negative numbers, strings (maps); times in one loop, (epoch, round), many distinct ones.
const value = fc.oneof(fc.integer({ min: 0, max: 6 }), fc.constantFrom<string | number>(-1, 2 ** 24, 'a', 'b'));
const time = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 5 })).map(([e, r]) => Timestamp.of(e, r));
const entry = fc.tuple(value, time, fc.constantFrom(1, -1, 2), fc.integer({ min: 1, max: 4 }));
const frontier = fc.array(time, { minLength: 1, maxLength: 3 });

function history(entries: [string | number, Timestamp, number, number][]): History<number> {
  const data: unknown[] = [];
  for (const [v, t, d, seq] of entries) data.push(recordKey(v), v, t, d, seq);
  return { kk: 0, key: 0, data, compacted: 0, dirty: false };
}

/** The accumulation at `t` as sorted [value key, count] pairs. */
function at(h: History<number>, t: Timestamp, order = productOrder): [RecordKey, number][] {
  const keys: RecordKey[] = [];
  const acc = accumulate<unknown>(h, t, order, keys);
  return keys.map((k, i) => [k, acc[i]![1]] as [RecordKey, number]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
}

describe.each([
  ['product', productOrder],
  ['lexicographic', lexicographicOrder],
] as const)('compaction (%s order)', (_name, order) => {
  it('keeps the accumulation at every time at or after the frontier', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 60 }), frontier, fc.integer({ min: 0, max: 4 }), fc.array(time, { minLength: 1, maxLength: 6 }), (entries, f, acked, probes) => {
        const minimal = new Antichain<Timestamp>(order.lessEqual);
        for (const t of f) minimal.insert(t);
        const h = history(entries);
        const before = history(entries);
        compact(h, order, new Bounds(() => [minimal.elements(), acked]));
        for (const p of probes) {
          const later = minimal.elements().map((m) => order.join(m, p));
          for (const t of later) expect(at(h, t, order)).toEqual(at(before, t, order));
        }
      }),
      { numRuns: 400 },
    );
  });

  it('leaves one entry per value and time among the batches every reader has seen', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 60 }), frontier, fc.integer({ min: 0, max: 4 }), (entries, f, acked) => {
        const minimal = new Antichain<Timestamp>(order.lessEqual);
        for (const t of f) minimal.insert(t);
        const h = history(entries);
        compact(h, order, new Bounds(() => [minimal.elements(), acked]));
        const seen = new Set<string>();
        for (let i = 0; i < h.data.length; i += STRIDE) {
          if ((h.data[i + SEQ] as number) > acked) continue;
          const k = `${typeof h.data[i + VK]}:${String(h.data[i + VK])}@${(h.data[i + TIME] as Timestamp).key}`;
          expect(seen.has(k)).toBe(false);
          seen.add(k);
        }
        expect(h.compacted).toBe(h.data.length / STRIDE);
      }),
      { numRuns: 400 },
    );
  });
});
