import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Collection } from '../../src/collections/collection.js';
import { newCollection } from '../../src/collections/input.js';
import { isConsolidated } from '../../src/collections/linear.js';
import { recordKey } from '../../src/collections/record-key.js';
import { Worker } from '../../src/workers/worker.js';
import { edgeEpochs, type Pair } from './harness.js';

type Change = [Pair, number];

/** Streams that operators mark as consolidated at each time (what iterate's feedback relies on). */
const marked: { name: string; build: (c: Collection<Pair>) => Collection<unknown> }[] = [
  { name: 'count', build: (c) => c.count() },
  { name: 'distinct', build: (c) => c.map(([k]) => k).distinct().map((k) => [k, 0] as Pair).min() },
  { name: 'min', build: (c) => c.min() },
  { name: 'reduce', build: (c) => c.reduce((_k, input, out: [number, number][]) => input.forEach(([v, n]) => out.push([v % 2, n]))) },
  { name: 'consolidate', build: (c) => c.consolidate() },
  { name: 'filter of a min', build: (c) => c.min().filter(([, v]) => v % 2 === 0) },
  { name: 'negate of a sum', build: (c) => c.sum().negate() },
  { name: 'inspect of a max', build: (c) => c.max().inspect(() => {}) },
  {
    name: 'min inside a loop (its rounds are times)',
    build: (c) => {
      let inner: Collection<Pair> | undefined;
      c.iterate((v, it) => (inner = v.joinMap(it.enter(c), (_k, a, b) => [b, Math.min(a, b)] as Pair).concat(it.enter(c)).min()));
      return inner!;
    },
  },
];

/** Runs `build` on one worker over the epochs; returns every update its stream carried, with the time's key, and whether the stream was marked. */
function carried(epochs: Change[][], build: (c: Collection<Pair>) => Collection<unknown>): { flagged: boolean; seen: [string, unknown, number][] } {
  const worker = new Worker();
  const seen: [string, unknown, number][] = [];
  let flagged = false;
  const input = worker.dataflow((scope) => {
    const input = newCollection<Pair>(scope, 'in', { batchSize: 3 });
    const out = build(input.collection);
    flagged = isConsolidated(out.stream);
    out.stream.inspect(([r, d], time) => seen.push([time.key, r, d]));
    return input;
  });
  epochs.forEach((changes, e) => {
    input.advanceTo(e);
    for (const [r, d] of changes) input.update(r, d);
    input.flush();
    worker.step();
  });
  input.close();
  worker.run();
  return { flagged, seen };
}

describe('streams marked consolidated', () => {
  it.each(marked)('$name: at each time, at most one update per record and none zero', ({ build }) => {
    fc.assert(
      // Counts stay ≥ 0 (a loop over negative counts need not reach a fixpoint).
      fc.property(edgeEpochs(4), (epochs) => {
        const { flagged, seen } = carried(epochs, build);
        expect(flagged).toBe(true);
        const at = new Set<string>();
        for (const [time, r, d] of seen) {
          expect(d).not.toBe(0);
          const k = `${time} ${recordKey(r)}`;
          expect(at.has(k), `${JSON.stringify(r)} twice at ${time}`).toBe(false);
          at.add(k);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('map, flatMap, concat, join, an input and a filter of it are not marked (they can repeat a record at a time)', () => {
    const worker = new Worker();
    worker.dataflow((scope) => {
      const c = newCollection<Pair>(scope, 'in').collection;
      const min = c.min();
      expect(isConsolidated(c.stream)).toBe(false);
      expect(isConsolidated(c.filter(([k]) => k > 0).stream)).toBe(false);
      expect(isConsolidated(min.map(([k]) => [0, k] as Pair).stream)).toBe(false);
      expect(isConsolidated(min.flatMap(([k, v]) => [k, v]).stream)).toBe(false);
      expect(isConsolidated(min.concat(min).stream)).toBe(false);
      expect(isConsolidated(min.join(min).stream)).toBe(false);
    });
  });
});

describe('join output', () => {
  it('pairs that make one record leave the join as one update', () => {
    const worker = new Worker();
    const seen: [unknown, number][] = [];
    const [left, right] = worker.dataflow((scope) => {
      const left = newCollection<[number, number]>(scope, 'left');
      const right = newCollection<[number, string]>(scope, 'right');
      left.collection.joinMap(right.collection, () => 'same').stream.inspect(([r, d]) => seen.push([r, d]));
      return [left, right] as const;
    });
    for (let k = 0; k < 100; k++) {
      left.insert([k, 0]);
      right.insert([k, 'x']);
    }
    left.close();
    right.close();
    worker.run();
    expect(seen).toEqual([['same', 100]]);
  });
});
