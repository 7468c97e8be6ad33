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

const product = orderByName('product');
const under = (frontier: Timestamp) => new Bounds(() => [[frontier], Infinity]);

/** Fresh histories, and reads of key 0 through cursors (as sorted counts) and by summing its whole history. */
function keyZero(): { histories: Histories<number>; read: (t: Timestamp) => Count[]; whole: (t: Timestamp) => Count[] } {
  const histories = new Histories<number>();
  const cursors = new HistoryCursors<unknown>(product);
  const later = new LaterTimes();
  const read = (t: Timestamp) => {
    later.n = 0;
    return counts(cursors.accumulate(histories, recordKey(0), t, new Accumulated<unknown>(), later));
  };
  const whole = (t: Timestamp) => {
    const h = histories.get(recordKey(0))!;
    const acc = new Accumulated<unknown>();
    accumulate(h.entries, h.at, h.length, t, product, acc);
    return counts(acc);
  };
  return { histories, read, whole };
}

/** Key 0 with 40 values at 40 rounds, read twice in a row (the second read makes a cursor that has seen 40 entries). */
function readTwice(histories: Histories<number>, read: (t: Timestamp) => Count[]): void {
  for (let r = 0; r < 40; r++) histories.add(0, 0, r, r, Timestamp.of(0, r), 1, 0, product, under(Timestamp.of(0, 0)));
  read(Timestamp.of(0, 40));
  expect(read(Timestamp.of(0, 41))).toHaveLength(40);
}

describe('history cursors, after compaction', () => {
  it('a key whose history a compaction shrank, then grew past where its cursor was, is read whole', () => {
    const { histories, read, whole } = keyZero();
    readTwice(histories, read);
    // Twenty values taken back under a frontier that merges every round: the doubling rule's
    // compaction cancels them, and the history shrinks below 40 entries.
    for (let r = 0; r < 20; r++) histories.add(0, 0, r, r, Timestamp.of(0, 42), -1, 0, product, under(Timestamp.of(0, 42)));
    expect(histories.get(recordKey(0))!.length).toBeLessThan(40);
    // Then grown past 40 again.
    for (let r = 0; r < 30; r++) histories.add(0, 0, 200 + r, 200 + r, Timestamp.of(0, 43), 1, 0, product, under(Timestamp.of(0, 43)));
    expect(histories.get(recordKey(0))!.length).toBeGreaterThanOrEqual(40);
    expect(read(Timestamp.of(0, 50))).toEqual(whole(Timestamp.of(0, 50)));
  });

  it('a key whose history is emptied by compaction and made again in the same slot is read whole, not from its old cursor', () => {
    const { histories, read, whole } = keyZero();
    readTwice(histories, read);
    const slot = histories.slot(recordKey(0));
    // Every value taken back, and a sweep (due after 1,024 entries appended) empties the history.
    for (let r = 0; r < 40; r++) histories.add(0, 0, r, r, Timestamp.of(0, r), -1, 0, product, under(Timestamp.of(0, 41)));
    for (let i = 0; i < 1100; i++) histories.add(1, 1, i, i, Timestamp.of(0, 41), 1, 0, product, under(Timestamp.of(0, 41)));
    histories.settle(product, under(Timestamp.of(0, 41)));
    expect(histories.get(recordKey(0))).toBeUndefined();
    // The key again, in the slot it had, as long as before: 40 other values.
    for (let r = 0; r < 40; r++) histories.add(0, 0, 100 + r, 100 + r, Timestamp.of(0, 42 + r), 1, 0, product, under(Timestamp.of(0, 42)));
    expect(histories.slot(recordKey(0))).toBe(slot);
    expect(read(Timestamp.of(0, 90))).toEqual(whole(Timestamp.of(0, 90)));
  });
});
