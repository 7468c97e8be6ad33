import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { recordKey, type RecordKey } from '../../src/collections/record-key.js';
import { Entries } from '../../src/collections/entries.js';
import { Accumulated, accumulate, advance, Bounds, compact, compactLong, compactShort, Histories, Trace, type History } from '../../src/collections/trace.js';
import { Antichain } from '../../src/timestamps/antichain.js';
import { lexicographicOrder, productOrder, type TimestampOrder } from '../../src/timestamps/order.js';
import { Timestamp } from '../../src/timestamps/timestamp.js';

// Values of the kinds compaction indexes differently: small integers (a dense index), large and
// negative numbers, strings (maps); times in one loop, (epoch, round), many distinct ones.
const value = fc.oneof(fc.integer({ min: 0, max: 6 }), fc.constantFrom<string | number>(-1, 2 ** 22, 'a', 'b'));
const time = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 5 })).map(([e, r]) => Timestamp.of(e, r));
// Diffs of 2^30 sum past what a column of 32-bit integers holds, so that compaction widens it.
const entry = fc.tuple(value, time, fc.constantFrom(1, -1, 2, 2 ** 30, -(2 ** 30)), fc.integer({ min: 1, max: 4 }));
const frontier = fc.array(time, { minLength: 1, maxLength: 3 });

/** A history of `entries` in columns of its own: not their first segment, and followed by another, so that a read or write outside its place would show. */
function history(entries: [string | number, Timestamp, number, number][]): History<number> {
  const pool = new Entries();
  pool.keepBatches(0);
  pool.take(2);
  const c = entries.length <= 1 ? 0 : 32 - Math.clz32(entries.length - 1);
  const at = pool.take(c);
  pool.take(1);
  entries.forEach(([v, t, d, seq], i) => pool.set(at + i, recordKey(v), v, pool.timeId(t), d, seq));
  return { kk: 0, key: 0, entries: pool, at, length: entries.length };
}

/** `h` compacted: its entries rewritten in place, and the history left. */
function compacted(h: History<number>, order: TimestampOrder, bounds: Bounds): History<number> {
  return { ...h, length: compact(h.entries, h.at, h.length, order, bounds) };
}

/** One accumulation's columns, reused by every call below (as a reduce reuses its own). */
const shared = new Accumulated<unknown>();

/** The accumulation at `t` as sorted [value key, count] pairs. */
function at(h: History<number>, t: Timestamp, order = productOrder): [RecordKey, number][] {
  const acc = shared;
  expect(accumulate(h.entries, h.at, h.length, t, order, acc)).toBe(acc.n);
  return acc.keys.slice(0, acc.n).map((k, i) => [k, acc.counts[i]!] as [RecordKey, number]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
}

/** Fresh histories compacted under the frontier {0}, with that time and its bounds. */
function atZero(): { t: Timestamp; histories: Histories<RecordKey>; bounds: Bounds } {
  const t = Timestamp.of(0);
  return { t, histories: new Histories<RecordKey>(), bounds: new Bounds(() => [[t], Infinity]) };
}

type Count = [value: number | string, count: number];
const byValue = (a: Count, b: Count) => String(a[0]).localeCompare(String(b[0]));

/** A history's accumulation at `t` as [value, count] pairs sorted by value (none for no history). */
function countsAt(h: History<RecordKey> | undefined, t: Timestamp): Count[] {
  if (h === undefined) return [];
  const acc = shared as Accumulated<number | string>;
  expect(accumulate(h.entries, h.at, h.length, t, productOrder, acc)).toBe(acc.n);
  return acc.values.slice(0, acc.n).map((v, i) => [v, acc.counts[i]!] as Count).sort(byValue);
}

/** Adds `d` to what is expected of value `v` under key `k`. */
function addExpected(expected: Map<RecordKey, Map<number | string, number>>, k: RecordKey, v: number | string, d: number): void {
  const m = expected.get(k) ?? new Map<number | string, number>();
  m.set(v, (m.get(v) ?? 0) + d);
  expected.set(k, m);
}

/** The non-zero counts expected of one key, sorted by value. */
const wanted = (m: Map<number | string, number>): Count[] => [...m].filter(([, n]) => n !== 0).sort(byValue);

describe.each([
  ['product', productOrder],
  ['lexicographic', lexicographicOrder],
] as const)('compaction (%s order)', (_name, order) => {
  it('keeps the accumulation at every time at or after the frontier', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 60 }), frontier, fc.integer({ min: 0, max: 4 }), fc.array(time, { minLength: 1, maxLength: 6 }), (entries, f, acked, probes) => {
        const minimal = new Antichain<Timestamp>(order.lessEqual);
        for (const t of f) minimal.insert(t);
        const h = compacted(history(entries), order, new Bounds(() => [minimal.elements(), acked]));
        const before = history(entries);
        for (const p of probes) {
          const later = minimal.elements().map((m) => order.join(m, p));
          for (const t of later) expect(at(h, t, order)).toEqual(at(before, t, order));
        }
      }),
      { numRuns: 400 },
    );
  });

  it('advancing every time at once (retime) keeps the accumulation at every time at or after the frontier, and numbers only the times left', () => {
    // Several histories in one set of columns, so that the pass over the time column meets every
    // segment, and times one history leaves are kept by another.
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), entry), { maxLength: 80 }), frontier, fc.array(time, { minLength: 1, maxLength: 6 }), (keyed, f, probes) => {
        const minimal = new Antichain<Timestamp>(order.lessEqual);
        for (const t of f) minimal.insert(t);
        const histories = new Histories<RecordKey>();
        // Appended without compaction: frontier none, so that retime is the only thing that moves a time.
        const none = new Bounds(() => [[], Infinity]);
        for (const [k, [v, t, d]] of keyed) histories.add(k, k, recordKey(v), v, t, d, 1, order, none);
        const later = probes.flatMap((p) => minimal.elements().map((m) => order.join(m, p)));
        const before = [0, 1, 2, 3, 4].map((k) => later.map((t) => (histories.get(k) === undefined ? [] : at(histories.get(k) as History<number>, t, order))));
        const bounds = new Bounds(() => [minimal.elements(), Infinity]);
        histories.entries.retime((t) => bounds.advance(t, order));
        const used = new Set<string>();
        for (let k = 0; k <= 4; k++) {
          const h = histories.get(k) as History<number> | undefined;
          expect(later.map((t) => (h === undefined ? [] : at(h, t, order)))).toEqual(before[k]);
          for (let i = h?.at ?? 0; h !== undefined && i < h.at + h.length; i++) {
            const t = h.entries.time(i);
            expect(advance(t, minimal.elements(), order).key).toBe(t.key);
            used.add(t.key);
          }
        }
        expect(histories.entries.timeCount).toBe(used.size);
      }),
      { numRuns: 300 },
    );
  });

  it('a history of up to 8 entries compacts pairwise to exactly what the general compaction leaves', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 8 }), frontier, fc.integer({ min: 0, max: 4 }), (entries, f, acked) => {
        const minimal = new Antichain<Timestamp>(order.lessEqual);
        for (const t of f) minimal.insert(t);
        const left = (how: typeof compact) => {
          const h = history(entries);
          const n = how(h.entries, h.at, h.length, order, new Bounds(() => [minimal.elements(), acked]));
          const e = h.entries;
          const kept = Array.from({ length: n }, (_, j) => [e.vk(h.at + j), e.time(h.at + j).key, e.diffs[h.at + j], e.seqs[h.at + j]]);
          return { kept, times: e.timeCount };
        };
        expect(left(compactShort)).toEqual(left(compactLong));
      }),
      { numRuns: 300 },
    );
  });

  it('leaves one entry per value and time among the batches every reader has seen', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 60 }), frontier, fc.integer({ min: 0, max: 4 }), (entries, f, acked) => {
        const minimal = new Antichain<Timestamp>(order.lessEqual);
        for (const t of f) minimal.insert(t);
        const h = compacted(history(entries), order, new Bounds(() => [minimal.elements(), acked]));
        const seen = new Set<string>();
        const e = h.entries;
        for (let i = h.at; i < h.at + h.length; i++) {
          if (e.seqs[i]! > acked) continue;
          const k = `${typeof e.vk(i)}:${String(e.vk(i))}@${e.time(i).key}`;
          expect(seen.has(k)).toBe(false);
          seen.add(k);
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe('histories by key', () => {
  // Keys of every kind the index files differently: small integers (a direct index), far, negative
  // and fractional numbers and strings (a map); updates that cancel, so that histories empty and go.
  const key = fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constantFrom<RecordKey>(-1, 2 ** 20, 1.5, 'k', '7'));
  // Most changes are taken back at once, so that a history compacted when it doubles is often empty;
  // values are numbers (held in a typed column) and strings (held apart).
  const change = fc.tuple(key, fc.constantFrom<number | string>(0, 1, 2, 'x', 'y'), fc.constantFrom(1, -1), fc.integer({ min: 0, max: 3 }));

  it('each key\'s history accumulates to what was added for it, through compactions and removals', () => {
    fc.assert(
      fc.property(fc.array(change, { maxLength: 300 }), (changes) => {
        const { t, histories, bounds } = atZero();
        const expected = new Map<RecordKey, Map<number | string, number>>();
        const apply = (k: RecordKey, v: number | string, d: number) => {
          histories.add(k, k, recordKey(v), v, t, d, 1, productOrder, bounds);
          addExpected(expected, k, v, d);
          histories.settle(productOrder, bounds);
        };
        for (const [k, v, d, undo] of changes) {
          apply(k, v, d);
          if (undo > 0) apply(k, v, -d);
        }
        let live = 0;
        for (const [k, m] of expected) {
          const h = histories.get(k);
          expect(countsAt(h, t)).toEqual(wanted(m));
          if (h !== undefined) live++;
        }
        expect(histories.keys).toBe(live);
      }),
      { numRuns: 300 },
    );
  });

  it('a batch appended key by key (addBatch) accumulates, key by key and time by time, to what appending it entry by entry does', () => {
    // Batches at times 0, 1, 2, … with the frontier at the batch's time: histories grow past several
    // segment sizes within one batch, are compacted after it, and some empty and go.
    const batch = fc.array(change, { minLength: 1, maxLength: 400 });
    fc.assert(
      fc.property(fc.array(batch, { minLength: 1, maxLength: 4 }), (batches) => {
        const whole = new Histories<RecordKey>();
        const single = new Histories<RecordKey>();
        const expected = new Map<RecordKey, Map<number | string, number>>();
        batches.forEach((changes, b) => {
          const t = Timestamp.of(b);
          const bounds = new Bounds(() => [[t], Infinity]);
          const values = changes.flatMap(([, v, d, undo]) => (undo > 0 ? [v, v] : [v]));
          const keys = changes.flatMap(([k, , , undo]) => (undo > 0 ? [k, k] : [k]));
          const diffs = changes.flatMap(([, , d, undo]) => (undo > 0 ? [d, -d] : [d]));
          whole.addBatch(keys, keys, values.map((v) => recordKey(v)), values, t, diffs, b + 1, productOrder, bounds);
          whole.settle(productOrder, bounds);
          keys.forEach((k, i) => single.add(k, k, recordKey(values[i]!), values[i], t, diffs[i]!, b + 1, productOrder, bounds));
          single.settle(productOrder, bounds);
          keys.forEach((k, i) => addExpected(expected, k, values[i]!, diffs[i]!));
        });
        const last = Timestamp.of(batches.length - 1);
        let live = 0;
        for (const [k, m] of expected) {
          const want = wanted(m);
          expect(countsAt(whole.get(k), last)).toEqual(want);
          expect(countsAt(single.get(k), last)).toEqual(want);
          if (want.length > 0) live++;
        }
        // A history whose entries cancel may be held until it is next compacted, at different moments on the two paths.
        expect(whole.keys).toBeGreaterThanOrEqual(live);
      }),
      { numRuns: 200 },
    );
  });

  it('each history gives back the key it was made for, as it was, through slots freed and reused', () => {
    // Keys of every kind a slot holds apart or in its numeric column: -0 (whose canonical key is 0),
    // NaN, fractions, large numbers, strings and arrays. Each step makes a history for a key not held,
    // or empties one (its eight entries cancel, so it is compacted away and its slot freed).
    const anyKey = fc.oneof(
      fc.constantFrom<unknown>(-0, NaN, 0.5, -3, 2 ** 40, 'k', '[1]', [1, 2], ['a', [3]]),
      fc.integer({ min: 0, max: 40 }),
      fc.string({ maxLength: 3 }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(anyKey, fc.boolean()), { maxLength: 120 }), (steps) => {
        const t = Timestamp.of(0);
        const histories = new Histories<unknown>();
        const bounds = new Bounds(() => [[t], Infinity]);
        const held = new Map<RecordKey, unknown>();
        for (const [key, empty] of steps) {
          const kk = recordKey(key);
          const had = held.get(kk);
          if (had === undefined) {
            histories.add(kk, key, 0, 0, t, 1, 1, productOrder, bounds);
            held.set(kk, key);
          } else if (empty) {
            histories.add(kk, had, 0, 0, t, -1, 1, productOrder, bounds);
            for (let i = 0; i < 3; i++) {
              histories.add(kk, had, 0, 0, t, 1, 1, productOrder, bounds);
              histories.add(kk, had, 0, 0, t, -1, 1, productOrder, bounds);
            }
            expect(histories.get(kk)).toBeUndefined();
            held.delete(kk);
          }
        }
        expect(histories.keys).toBe(held.size);
        for (const [kk, key] of held) {
          const h = histories.get(kk)!;
          expect(h.kk).toBe(kk);
          expect(Object.is(h.key, key)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the times numbered are exactly the times of the entries held', () => {
    const times = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((r) => Timestamp.of(0, r));
    // Rounds in order, with compaction's frontier one past the latest: each compaction moves every
    // round to a time no entry had, and the numbers of the rounds it leaves must go (and that of the
    // new time, if every entry cancels). One key, so that no other history keeps them; two values, so
    // that entries cancel.
    const change = fc.tuple(fc.integer({ min: 0, max: 7 }), fc.constantFrom(1, -1), fc.integer({ min: 0, max: 1 }));
    fc.assert(
      fc.property(fc.array(change, { maxLength: 200 }), (changes) => {
        changes.sort((a, b) => a[0] - b[0]);
        const histories = new Histories<RecordKey>();
        let now = 0;
        const bounds = new Bounds(() => [[times[now + 1]!], Infinity]);
        for (const [r, d, v] of changes) {
          now = r;
          histories.add(0, 0, v, v, times[r]!, d, 1, productOrder, bounds);
          histories.settle(productOrder, bounds);
        }
        const used = new Set<string>();
        const h = histories.get(0);
        for (let i = h?.at ?? 0; h !== undefined && i < h.at + h.length; i++) used.add(h.entries.time(i).key);
        expect(histories.entries.timeCount).toBe(used.size);
      }),
      { numRuns: 300 },
    );
  });
});

describe('sweeps', () => {
  it('a sweep compacts the keys appended to a few times each, which never double', () => {
    const { t, histories, bounds } = atZero();
    const keys = 20_000;
    const add = (k: number, d: number) => histories.add(k, k, 0, 0, t, d, 1, productOrder, bounds);
    for (let k = 0; k < keys; k++) {
      add(k, 1);
      if (k % 1000 === 999) histories.settle(productOrder, bounds);
    }
    // Half the keys taken back: two entries each that cancel, too few to double; a sweep is due
    // once as many entries were appended as half the index held.
    for (let k = 0; k < keys; k += 2) {
      add(k, -1);
      if (k % 1000 === 998) histories.settle(productOrder, bounds);
    }
    // Then appends to one more key (kept short by its doubling) until the next sweep has surely come.
    for (let i = 0; i < keys; i++) {
      add(keys, i % 2 === 0 ? 1 : -1);
      if (i % 100 === 99) histories.settle(productOrder, bounds);
    }
    let left = 0;
    for (let k = 0; k < keys; k += 2) if (histories.get(k) !== undefined) left++;
    expect(left).toBe(0);
    // The other half stay, one entry each; the last key holds what its doubling has not yet merged.
    expect(histories.size - keys / 2).toBeGreaterThanOrEqual(0);
    expect(histories.size - keys / 2).toBeLessThan(8);
  });
});

describe('churn', () => {
  it('a live set kept constant while a few entries a round come and go keeps the index, and the times numbered, near what is live', () => {
    // 20,000 edges (source → target) keyed by source; then 3,000 rounds (epochs), each taking back 10
    // live edges and adding 10 new ones at its own time, compacted under the frontier of the round
    // (earlier rounds merge). A key is touched about once in 1,000 rounds: too seldom to double.
    const keys = 20_000;
    const histories = new Histories<RecordKey>();
    // xorshift32 (the low bits of a linear congruential step would visit only a few hundred keys).
    let seed = 7;
    const next = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % keys;
    };
    const live: [number, number][] = [];
    const add = (src: number, dst: number, t: Timestamp, d: number, bounds: Bounds) => histories.add(src, src, dst, dst, t, d, 1, productOrder, bounds);
    const zero = new Bounds(() => [[Timestamp.of(0)], Infinity]);
    for (let i = 0; i < keys; i++) {
      live.push([next(), next()]);
      add(live[i]![0], live[i]![1], Timestamp.of(0), 1, zero);
    }
    histories.settle(productOrder, zero);
    let largest = 0;
    let mostTimes = 0;
    let now = 1;
    for (; now <= 3000; now++) {
      const t = Timestamp.of(now);
      const bounds = new Bounds(() => [[t], Infinity]);
      for (let i = 0; i < 10; i++) {
        const at = next();
        const [src, dst] = live[at]!;
        add(src, dst, t, -1, bounds);
        live[at] = [next(), next()];
        add(live[at]![0], live[at]![1], t, 1, bounds);
      }
      histories.settle(productOrder, bounds);
      if (now > 500) {
        largest = Math.max(largest, histories.size);
        mostTimes = Math.max(mostTimes, histories.entries.timeCount);
      }
    }
    const expected = new Map<RecordKey, Map<number | string, number>>();
    for (const [src, dst] of live) addExpected(expected, src, dst, 1);
    for (let k = 0; k < keys; k++) expect(countsAt(histories.get(k), Timestamp.of(now))).toEqual(wanted(expected.get(k) ?? new Map()));
    // Within about a sixteenth of the live entries (a sweep's worth of appends) and what the keys
    // touched since hold, not the half that sweeping only at half the index would let it reach.
    expect(largest).toBeLessThan(keys * 1.15);
    // The times of histories no compaction visits (a key's one edge) are advanced once they have
    // doubled: not one kept for every round.
    expect(mostTimes).toBeLessThan(1200);
  });
});

describe('entry columns', () => {
  it('hand out segments that never overlap while taken, whatever was given back', () => {
    // Each step takes a segment of size class 0–6, or gives back one of those taken.
    const step = fc.oneof(fc.record({ take: fc.integer({ min: 0, max: 6 }) }), fc.record({ give: fc.nat() }));
    fc.assert(
      fc.property(fc.array(step, { maxLength: 200 }), (steps) => {
        const pool = new Entries();
        const taken: [at: number, c: number][] = [];
        for (const s of steps) {
          if ('take' in s) taken.push([pool.take(s.take), s.take]);
          else if (taken.length > 0) {
            const [at, c] = taken.splice(s.give % taken.length, 1)[0]!;
            pool.give(at, c);
          }
          const spans = taken.map(([at, c]) => [at, at + (1 << c)] as const).sort((a, b) => a[0] - b[0]);
          for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
          for (const [, end] of spans) expect(end).toBeLessThanOrEqual(pool.nums.length);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('give back every entry as it was set, through growth, moves and the columns widened to doubles at any point', () => {
    // Value keys, diffs and batch numbers that fit 32 bits most often, and now and then one that does
    // not (a fraction, a large number, a string; a diff or batch number past 2^31 - 1).
    const vk = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) }, { weight: 1, arbitrary: fc.constantFrom<RecordKey>(0.5, 2 ** 40, -(2 ** 31) - 1, 'a', '[1]') });
    const big = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) }, { weight: 1, arbitrary: fc.constantFrom(2 ** 31, -(2 ** 31) - 1, 2 ** 45) });
    const set = fc.tuple(vk, big, big.map(Math.abs));
    fc.assert(
      fc.property(fc.array(fc.array(set, { minLength: 1, maxLength: 100 }), { minLength: 1, maxLength: 30 }), fc.boolean(), (histories, batched) => {
        const pool = new Entries();
        if (batched) pool.keepBatches(0);
        const t = pool.timeId(Timestamp.of(0));
        // Each history in a segment of its own, and then moved to a larger one (as a growing history is).
        const placed = histories.map((h) => {
          const c = 32 - Math.clz32(h.length);
          const at = pool.take(c);
          h.forEach(([k, d, seq], i) => pool.set(at + i, k, typeof k === 'number' ? k : { of: k }, t, d, seq));
          const to = pool.take(c + 1);
          pool.move(at, to, h.length);
          pool.give(at, c);
          return to;
        });
        histories.forEach((h, j) =>
          h.forEach(([k, d, seq], i) => {
            const e = placed[j]! + i;
            expect(pool.vk(e)).toBe(k);
            expect(pool.value(e)).toEqual(typeof k === 'number' ? k : { of: k });
            expect(pool.diffs[e]).toBe(d);
            if (batched) expect(pool.seqs[e]).toBe(seq);
          }),
        );
      }),
      { numRuns: 300 },
    );
  });
});

describe('room', () => {
  it('histories take room for about what they hold: one entry one place, and a history compacted back down gives its room back', () => {
    const { t, histories, bounds } = atZero();
    const keys = 10_000;
    for (let k = 0; k < keys; k++) histories.add(k, k, 0, 0, t, 1, 1, productOrder, bounds);
    expect(histories.entries.inUse).toBe(keys);
    // Each key's value changes three times (the old one taken back, a new one added): its history
    // grows to seven entries, then compaction leaves one.
    for (let k = 0; k < keys; k++) {
      for (let v = 0; v < 3; v++) {
        histories.add(k, k, v, v, t, -1, 1, productOrder, bounds);
        histories.add(k, k, v + 1, v + 1, t, 1, 1, productOrder, bounds);
      }
    }
    histories.settle(productOrder, bounds);
    expect(histories.size).toBe(keys);
    expect(histories.entries.inUse).toBeLessThanOrEqual(2 * keys);
  });
});

describe('packing', () => {
  it('histories that grow side by side are packed, and keep every entry', () => grownSideBySide());

  it('a large batch whose room packs the columns, while keys new in it have no room yet, keeps every entry', () => {
    const { t, histories, bounds } = atZero();
    const old = 100_000;
    // Every old key holds four entries; the batch gives each a fifth (it moves to eight places,
    // leaving its four free) and, after each, a new key five: the free places pass an eighth of the
    // columns while the new keys after it still wait for their room.
    for (let k = 0; k < old; k++) for (let v = 0; v < 4; v++) histories.add(k, k, v, v, t, 1, 1, productOrder, bounds);
    const keys: number[] = [];
    const values: number[] = [];
    for (let k = 0; k < old; k++) {
      keys.push(k);
      values.push(4);
      for (let v = 0; v < 5; v++) (keys.push(old + k), values.push(v));
    }
    const packs = vi.spyOn(Histories.prototype as unknown as { pack: () => void }, 'pack');
    try {
      histories.addBatch(keys, keys, values, values, t, values.map(() => 1), 2, productOrder, bounds);
      expect(packs).toHaveBeenCalled();
    } finally {
      packs.mockRestore();
    }
    expect(histories.keys).toBe(2 * old);
    expect(histories.size).toBe(5 * 2 * old);
    // Each key's five entries in a segment of eight, nothing else held.
    expect(histories.entries.inUse).toBe(8 * 2 * old);
    const acc = shared as Accumulated<number>;
    const wrong: number[] = [];
    for (let k = 0; k < 2 * old; k++) {
      const h = histories.get(k)!;
      accumulate(h.entries, h.at, h.length, t, productOrder, acc);
      if (acc.n !== 5 || acc.values.slice(0, 5).sort().join() !== '0,1,2,3,4') wrong.push(k);
    }
    expect(wrong).toEqual([]);
  });
});

/** 20,000 keys appended to in turn, 64 distinct values each (nothing to merge): each history grows 1 → 2 → … → 64 and leaves 63 places behind, interleaved with everyone else's. */
function grownSideBySide(): void {
  const { t, histories, bounds } = atZero();
  const keys = 20_000;
  const values = 64;
  // Some values are strings, which the columns hold apart and move with their entries.
  const value = (k: number, v: number) => (k % 5 === 0 && v % 8 === 3 ? `s${v}` : v);
  for (let v = 0; v < values; v++) {
    for (let k = 0; k < keys; k++) histories.add(k, k, recordKey(value(k, v)), value(k, v), t, k % 7 === 0 ? -1 : 1, 1, productOrder, bounds);
  }
  const { entries } = histories;
  expect(entries.inUse).toBe(keys * values);
  // Unpacked, the columns would have handed out 127 places a key.
  expect(entries.extent).toBeLessThanOrEqual(1.2 * entries.inUse + 2 ** 17);
  const acc = shared as Accumulated<number | string>;
  for (let k = 0; k < keys; k++) {
    const h = histories.get(k)!;
    expect(accumulate(h.entries, h.at, h.length, t, productOrder, acc)).toBe(values);
    const got = acc.values.slice(0, acc.n).map(String).sort();
    expect(got).toEqual(Array.from({ length: values }, (_, v) => String(value(k, v))).sort());
    for (let i = 0; i < acc.n; i++) expect(acc.counts[i]).toBe(k % 7 === 0 ? -1 : 1);
  }
}

describe('batch numbers', () => {
  const t = Timestamp.of(0);
  const batch = (k: number, v: number, d: number) => ({ kks: [k], keys: [k], vks: [v], values: [v], diffs: [d] });

  it('a trace read by time only keeps none; one read by batch keeps one per entry', () => {
    const byTime = new Trace<number, number>(productOrder);
    byTime.register({ frontier: () => [t], acked: Infinity });
    const byBatch = new Trace<number, number>(productOrder);
    byBatch.register({ frontier: () => [t], acked: 0 });
    for (let k = 0; k < 100; k++) {
      byTime.append(batch(k, 1, 1), t);
      byBatch.append(batch(k, 1, 1), t);
    }
    expect(byTime.histories.entries.batched).toBe(false);
    expect(byTime.histories.entries.seqs.length).toBe(0);
    expect(byBatch.histories.entries.batched).toBe(true);
    const h = byBatch.get(42)!;
    expect(h.entries.seqs[h.at]).toBe(43);
  });

  it('a reader by batch registered late finds what was held unseen: compaction leaves it apart until the reader has seen the last batch', () => {
    const trace = new Trace<number, number>(productOrder);
    trace.register({ frontier: () => [t], acked: Infinity });
    trace.append(batch(1, 5, 1), t);
    trace.append(batch(1, 5, -1), t);
    const late = trace.register({ frontier: () => [t], acked: 0 });
    const h = trace.get(1)!;
    expect(compact(h.entries, h.at, h.length, productOrder, new Bounds(() => [[t], late.acked]))).toBe(2);
    expect(compact(h.entries, h.at, h.length, productOrder, new Bounds(() => [[t], 2]))).toBe(0);
  });
});
