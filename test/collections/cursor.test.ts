import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HistoryCursors } from '../../src/collections/cursor.js';
import { recordKey, type RecordKey } from '../../src/collections/record-key.js';
import { Accumulated, accumulate, Bounds, Histories, LaterTimes } from '../../src/collections/trace.js';
import { Antichain } from '../../src/timestamps/antichain.js';
import { compareTotal, orderByName, type OrderName } from '../../src/timestamps/order.js';
import { Timestamp } from '../../src/timestamps/timestamp.js';
import { orders } from '../arbitraries.js';

// Many distinct times (so that histories grow long enough to get cursors), values of every kind
// compaction and accumulation index differently, and a few keys so that each gets many entries.
const value = fc.oneof(fc.integer({ min: 0, max: 9 }), fc.constantFrom<string | number>(-3, 2 ** 22, 'a', 'b'));
// Entries at any of many times; reads at fewer epochs and outer rounds, so that a key is often read
// at times that differ only in the innermost round (where a cursor goes on from where it was).
const timeOfDepth = (d: number, epochs = 3, outer = 12) =>
  fc
    .tuple(fc.integer({ min: 0, max: epochs }), fc.array(fc.integer({ min: 0, max: outer }), { minLength: Math.max(d - 1, 0), maxLength: Math.max(d - 1, 0) }), fc.integer({ min: 0, max: 40 }))
    .map(([e, c, r]) => (d === 0 ? Timestamp.of(e) : Timestamp.of(e, ...c, r)));
const STAGES = 30;
const scenario = fc.constantFrom(0, 1, 2).chain((d) =>
  fc.record({
    reads: fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.oneof(timeOfDepth(d, 1, 1), timeOfDepth(d))), { minLength: 5, maxLength: STAGES }),
    appends: fc.array(fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), value, timeOfDepth(d), fc.constantFrom(1, -1, 2)), { maxLength: 24 }), {
      minLength: STAGES,
      maxLength: STAGES,
    }),
    sweeps: fc.array(fc.boolean(), { minLength: STAGES, maxLength: STAGES }),
  }),
);

type Scenario = { reads: [number, Timestamp][]; appends: [number, string | number, Timestamp, number][][]; sweeps: boolean[] };
type Count = [RecordKey, number];
const counts = (acc: Accumulated<unknown>): Count[] =>
  acc.keys
    .slice(0, acc.n)
    .map((k, i) => [k, acc.counts[i]!] as Count)
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));

/**
 * Reads keys at times in the order a reduce settles them (`compareTotal`), with entries appended in
 * between and the histories compacted under the lower bound of the reads still to come; `check` is
 * called at each read with what the cursors gave, the history and the times reported later.
 */
function replay(order: OrderName, s: Scenario, check: (key: number, t: Timestamp, got: Accumulated<unknown>, later: readonly Timestamp[], histories: Histories<number>) => void): void {
  const ord = orderByName(order);
  const reads = [...s.reads].sort((a, b) => compareTotal(a[1], b[1]));
  const histories = new Histories<number>();
  const cursors = new HistoryCursors<unknown>(ord);
  const scratch = new Accumulated<unknown>();
  const later = new LaterTimes();
  reads.forEach(([key, t], i) => {
    const rest = new Antichain<Timestamp>(ord.lessEqual);
    for (let j = i; j < reads.length; j++) rest.insert(reads[j]![1]);
    const bounds = new Bounds(() => [rest.elements(), Infinity]);
    for (const [k, v, at, d] of s.appends[i]!) histories.add(recordKey(k), k, recordKey(v), v, at, d, 0, ord, bounds);
    if (s.sweeps[i]) histories.settle(ord, bounds);
    later.n = 0;
    const got = cursors.accumulate(histories, recordKey(key), t, scratch, later);
    check(key, t, got, later.times.slice(0, later.n), histories);
  });
}

describe.each(orders)('history cursors under the %s order', (order) => {
  const ord = orderByName(order);

  it('accumulate each key at each time to what summing its whole history gives', () => {
    const whole = new Accumulated<unknown>();
    fc.assert(
      fc.property(scenario, (s) => {
        replay(order, s, (key, t, got, _later, histories) => {
          const h = histories.get(recordKey(key));
          if (h === undefined) whole.n = 0;
          else accumulate(h.entries, h.at, h.length, t, ord, whole);
          expect({ key, t: t.toString(), counts: counts(got) }).toEqual({ key, t: t.toString(), counts: counts(whole) });
        });
      }),
      { numRuns: 300 },
    );
  });

  it('report, by the time a key is read at t, every entry not at or before t whose join with t is still to come', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const owed = new Map<number, Set<string>>();
        replay(order, s, (key, t, _got, later, histories) => {
          const mine = owed.get(key) ?? new Set<string>();
          owed.set(key, mine);
          for (const l of later) mine.add(ord.join(l, t).key);
          const h = histories.get(recordKey(key));
          if (h === undefined) return;
          for (let i = h.at; i < h.at + h.length; i++) {
            const e = h.entries.time(i);
            if (!ord.lessEqual(e, t)) expect({ key, t: t.toString(), entry: e.toString(), owed: mine.has(ord.join(e, t).key) }).toEqual({ key, t: t.toString(), entry: e.toString(), owed: true });
          }
        });
      }),
      { numRuns: 300 },
    );
  });
});
