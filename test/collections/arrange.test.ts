import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Arrangement } from '../../src/collections/arrange.js';
import { newCollection } from '../../src/collections/input.js';
import { recordKey } from '../../src/collections/record-key.js';
import type { ArrangedBatch } from '../../src/collections/trace.js';
import { pipeline } from '../../src/graph/vertex.js';
import { Worker } from '../../src/workers/worker.js';

type Pair = [unknown, unknown];

/** Runs `epochs` (each a list of [pair, diff] updates, fed in messages of `batchSize`) through an arrangement; returns the batches it appended, by epoch. */
function arrangeAll(epochs: [Pair, number][][], batchSize: number): { epoch: number; batch: ArrangedBatch<unknown, unknown> }[] {
  const worker = new Worker();
  const seen: { epoch: number; batch: ArrangedBatch<unknown, unknown> }[] = [];
  let arranged!: Arrangement<unknown, unknown>;
  const { input } = worker.dataflow((scope) => {
    const input = newCollection<Pair>(scope, 'pairs', { batchSize });
    arranged = input.collection.arrange();
    scope.sink<ArrangedBatch<unknown, unknown>>(arranged.stream, 'seen', pipeline, () => ({
      onRecv(batches, time) {
        for (const batch of batches) seen.push({ epoch: time.epoch, batch });
      },
    }));
    return { input };
  });
  epochs.forEach((updates, e) => {
    if (e > 0) input.advanceTo(e);
    for (const [pair, diff] of updates) input.update(pair, diff);
  });
  input.close();
  worker.run();
  return seen;
}

/** The (key, value) sums of `updates`, by canonical keys, zero sums dropped. */
function sums(updates: [Pair, number][]): Map<string, number> {
  const m = new Map<string, number>();
  for (const [[k, v], d] of updates) {
    const id = `${String(recordKey(k))}|${String(recordKey(v))}`;
    m.set(id, (m.get(id) ?? 0) + d);
  }
  for (const [id, d] of m) if (d === 0) m.delete(id);
  return m;
}

describe('arrange', () => {
  // Keys and values of every kind the batcher stores differently: small integers, numbers it keeps
  // in typed columns (fractions, negatives, large), -0 and NaN (canonical keys of their own), strings
  // and arrays (which move a time's changes to plain columns).
  const part = fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max: 5 }) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(-0, NaN, 0.5, -3, 2 ** 40, 'a', '7', [1, 2]) },
  );
  const update = fc.tuple(fc.tuple(part, part), fc.constantFrom(1, -1, 2));

  it('appends one batch per complete time: one entry per (key, value), the sum of its diffs, none zero', () => {
    fc.assert(
      fc.property(fc.array(fc.array(update, { maxLength: 60 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 8 }), (epochs, batchSize) => {
        const seen = arrangeAll(epochs as [Pair, number][][], batchSize);
        const expected = epochs.map((u) => sums(u as [Pair, number][])).map((m, epoch) => ({ epoch, m })).filter(({ m }) => m.size > 0);
        expect(seen.map((s) => s.epoch)).toEqual(expected.map((x) => x.epoch));
        seen.forEach(({ batch }, i) => {
          const got = new Map<string, number>();
          for (let j = 0; j < batch.kks.length; j++) {
            const id = `${String(batch.kks[j])}|${String(batch.vks[j])}`;
            expect(got.has(id), `${id} appears once`).toBe(false);
            expect(batch.kks[j]).toBe(recordKey(batch.keys[j]));
            expect(batch.vks[j]).toBe(recordKey(batch.values[j]));
            got.set(id, batch.diffs[j]!);
          }
          expect(got).toEqual(expected[i]!.m);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('keys and values whose characters could run into each other stay apart', () => {
    const updates: [Pair, number][] = [
      [['a\u0000sb', 'c'], 1],
      [['a', 'b\u0000sc'], 1],
      [['1|', 'x'], 1],
      [[1, '|x'], 1],
      [['s1:a', 'b'], 1],
      [['s', '1:ab'], 1],
    ];
    const [{ batch }] = arrangeAll([updates], 64);
    expect(batch!.kks.length).toBe(updates.length);
    expect(Array.from(batch!.diffs)).toEqual(updates.map(() => 1));
  });

  it('a time of many changes is consolidated while it waits, and still sums them all', () => {
    // 300,000 changes at one time over 50,000 (key, value) pairs (1,000 keys), most cancelling: past the
    // size at which waiting changes are first consolidated, several times over.
    const updates: [Pair, number][] = [];
    for (let i = 0; i < 150_000; i++) {
      const k = i % 1000;
      const v = i % 50_000;
      updates.push([[k, v], 1]);
      updates.push([[k, v], i % 3 === 0 ? 1 : -1]);
    }
    const seen = arrangeAll([updates, [...updates.slice(0, 1000), [['x', 0.5], 3]]], 4096);
    expect(seen.length).toBe(2);
    for (const [i, want] of [sums(updates), sums([...updates.slice(0, 1000), [['x', 0.5], 3]])].entries()) {
      const { batch } = seen[i]!;
      const got = new Map<string, number>();
      for (let j = 0; j < batch.kks.length; j++) got.set(`${String(batch.kks[j])}|${String(batch.vks[j])}`, batch.diffs[j]!);
      expect(got).toEqual(want);
    }
  });

  it.each([
    ['numbers', (i: number): Pair => [i % 70_000, i]],
    ['strings', (i: number): Pair => [`k${i % 70_000}`, i]],
  ])('a time of many changes that do not cancel (%s) is appended in consolidated parts as they come, which sum to the time', (_kind, pair) => {
    // 200,000 distinct pairs, then the first 1,000 of them again (two parts later) and the next 1,000
    // taken back: what one part holds, a later one adds to or cancels.
    const updates: [Pair, number][] = [];
    for (let i = 0; i < 200_000; i++) updates.push([pair(i), 1]);
    for (let i = 0; i < 2_000; i++) updates.push([pair(i), i < 1_000 ? 1 : -1]);
    const later: [Pair, number][] = [[pair(5), -2]];
    const seen = arrangeAll([updates, later], 4096);
    const first = seen.filter((s) => s.epoch === 0);
    expect(first.length).toBeGreaterThan(1);
    expect(seen.slice(first.length).map((s) => s.epoch)).toEqual([1]);
    const total = new Map<string, number>();
    for (const { batch } of first) {
      const ids = new Set<string>();
      for (let j = 0; j < batch.kks.length; j++) {
        const id = `${String(batch.kks[j])}|${String(batch.vks[j])}`;
        expect(ids.has(id), `${id} once in its batch`).toBe(false);
        expect(batch.diffs[j]).not.toBe(0);
        ids.add(id);
        total.set(id, (total.get(id) ?? 0) + batch.diffs[j]!);
      }
    }
    for (const [id, d] of total) if (d === 0) total.delete(id);
    expect(total).toEqual(sums(updates));
  });
});
