import fc from 'fast-check';
import { describe, it } from 'vitest';
import { Antichain } from '../../src/timestamps/antichain.js';
import { MutableAntichain } from '../../src/timestamps/mutable-antichain.js';
import { orderByName, type TimestampOrder } from '../../src/timestamps/order.js';
import { Timestamp } from '../../src/timestamps/timestamp.js';
import { orders, timestampOfDepth } from '../arbitraries.js';

function naiveMinimal(times: readonly Timestamp[], order: TimestampOrder): Timestamp[] {
  const unique = times.filter((t, i) => times.findIndex((u) => u.equals(t)) === i);
  return unique.filter((t) => !unique.some((u) => !u.equals(t) && order.lessEqual(u, t)));
}

function sameSet(a: readonly Timestamp[], b: readonly Timestamp[]): boolean {
  return a.length === b.length && a.every((t) => b.some((u) => u.equals(t)));
}

const updates = fc.integer({ min: 0, max: 2 }).chain((d) => fc.array(fc.tuple(timestampOfDepth(d), fc.integer({ min: -2, max: 2 })), { maxLength: 60 }));

describe.each(orders)('frontiers under the %s order', (name) => {
  const order = orderByName(name);

  it('MutableAntichain: after any update sequence, frontier() = minimal times with positive count', () => {
    fc.assert(
      fc.property(updates, fc.integer({ min: 1, max: 60 }), (seq, every) => {
        const m = new MutableAntichain(order);
        const counts = new Map<string, { t: Timestamp; c: number }>();
        let step = 0;
        for (const [t, d] of seq) {
          m.update(t, d);
          const e = counts.get(t.key) ?? { t, c: 0 };
          e.c += d;
          counts.set(t.key, e);
          // Read the frontier now and then, so both the lazy rebuild and the in-place updates are exercised.
          if (++step % every === 0) m.frontier();
        }
        const positive = [...counts.values()].filter((e) => e.c > 0).map((e) => e.t);
        return sameSet(m.frontier(), naiveMinimal(positive, order));
      }),
    );
  });

  it('MutableAntichain with many distinct times (past its small-list size, times arriving after its index exists): counts and frontier() stay right', () => {
    const time = fc.tuple(fc.integer({ min: 0, max: 30 }), fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 1, maxLength: 1 }));
    const many = fc.array(fc.tuple(time, fc.integer({ min: -1, max: 2 })), { minLength: 20, maxLength: 300 });
    fc.assert(
      fc.property(many, fc.boolean(), (seq, nested) => {
        const m = new MutableAntichain(order);
        const counts = new Map<string, { t: Timestamp; c: number }>();
        for (const [[e, c], d] of seq) {
          const t = nested ? Timestamp.of(e, ...c) : Timestamp.of(e);
          m.update(t, d);
          const entry = counts.get(t.key) ?? { t, c: 0 };
          entry.c += d;
          counts.set(t.key, entry);
        }
        const positive = [...counts.values()].filter((e) => e.c > 0).map((e) => e.t);
        return sameSet(m.frontier(), naiveMinimal(positive, order)) && [...counts.values()].every((e) => m.countOf(e.t) === e.c);
      }),
      { numRuns: 200 },
    );
  });

  it('Antichain.insert keeps exactly the minimal elements of what was inserted', () => {
    fc.assert(
      fc.property(updates, (seq) => {
        const times = seq.map(([t]) => t);
        const a = new Antichain<Timestamp>(order.lessEqual, times);
        return sameSet(a.elements(), naiveMinimal(times, order));
      }),
    );
  });

  it('MutableAntichain.lessEqual(t) holds iff some positive-count time is ≤ t', () => {
    fc.assert(
      fc.property(updates, (seq) => {
        const m = new MutableAntichain(order);
        for (const [t, d] of seq) m.update(t, d);
        const counts = new Map<string, { t: Timestamp; c: number }>();
        for (const [t, d] of seq) counts.set(t.key, { t, c: (counts.get(t.key)?.c ?? 0) + d });
        const positive = [...counts.values()].filter((e) => e.c > 0).map((e) => e.t);
        return seq.every(([t]) => m.lessEqual(t) === positive.some((p) => order.lessEqual(p, t)));
      }),
    );
  });
});
