import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Scope } from '../../src/graph/scope.js';
import type { Stream } from '../../src/graph/stream.js';
import { Worker } from '../../src/workers/worker.js';

/** Runs `build` on one worker with `epochs[e]` sent at epoch e; returns the collected output by epoch. */
function runByEpoch<T, U>(epochs: readonly (readonly T[])[], build: (input: Stream<T>, scope: Scope) => Stream<U>): U[][] {
  const worker = new Worker();
  const { input, out } = worker.dataflow((scope) => {
    const input = scope.newInput<T>('in', { batchSize: 7 });
    return { input, out: build(input.stream, scope).collect() };
  });
  epochs.forEach((records, e) => {
    input.advanceTo(e);
    input.send(records);
    if (e % 2 === 1) worker.step();
  });
  input.close();
  worker.run();
  const result: U[][] = epochs.map(() => []);
  for (const g of out.byTime()) result[g.time.epoch]!.push(...g.records);
  return result;
}

const epochs = fc.array(fc.array(fc.integer({ min: -20, max: 20 }), { maxLength: 40 }), { minLength: 1, maxLength: 4 });
const sorted = <T>(xs: T[]) => [...xs].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0));

describe('operators match plain JavaScript, epoch by epoch', () => {
  it('map, filter, flatMap', () => {
    fc.assert(
      fc.property(epochs, (data) => {
        const got = runByEpoch(data, (s) => s.map((x) => x * 3).filter((x) => x % 2 === 0).flatMap((x) => [x, x + 1]));
        expect(got.map(sorted)).toEqual(data.map((xs) => sorted(xs.map((x) => x * 3).filter((x) => x % 2 === 0).flatMap((x) => [x, x + 1]))));
      }),
      { numRuns: 60 },
    );
  });

  it('count and sum give one total per non-empty epoch', () => {
    fc.assert(
      fc.property(epochs, (data) => {
        expect(runByEpoch(data, (s) => s.count())).toEqual(data.map((xs) => (xs.length > 0 ? [xs.length] : [])));
        expect(runByEpoch(data, (s) => s.sum((x) => x))).toEqual(data.map((xs) => (xs.length > 0 ? [xs.reduce((a, b) => a + b, 0)] : [])));
      }),
      { numRuns: 60 },
    );
  });

  it('countByKey, sumByKey and reduceByKey aggregate per key per epoch', () => {
    fc.assert(
      fc.property(epochs, (data) => {
        const key = (x: number) => ((x % 5) + 5) % 5;
        const expectGroups = (fold: (xs: number[]) => number) =>
          data.map((xs) => {
            const m = new Map<number, number[]>();
            for (const x of xs) m.set(key(x), [...(m.get(key(x)) ?? []), x]);
            return sorted([...m].map(([k, v]) => [k, fold(v)]));
          });
        expect(runByEpoch(data, (s) => s.countByKey(key)).map(sorted)).toEqual(expectGroups((v) => v.length));
        expect(runByEpoch(data, (s) => s.sumByKey(key, (x) => x)).map(sorted)).toEqual(expectGroups((v) => v.reduce((a, b) => a + b, 0)));
        expect(runByEpoch(data, (s) => s.reduceByKey(key, () => -Infinity, (m, x) => Math.max(m, x))).map(sorted)).toEqual(
          expectGroups((v) => Math.max(...v)),
        );
      }),
      { numRuns: 60 },
    );
  });

  it('distinct keeps one of each record per epoch', () => {
    fc.assert(
      fc.property(epochs, (data) => {
        expect(runByEpoch(data, (s) => s.distinct()).map(sorted)).toEqual(data.map((xs) => sorted([...new Set(xs)])));
      }),
      { numRuns: 60 },
    );
  });

  it('join pairs records with equal keys within an epoch only', () => {
    fc.assert(
      fc.property(epochs, (data) => {
        const got = runByEpoch(data, (s) => s.join(s.map((x) => x * 10), (x) => Math.abs(x) % 3, (y) => Math.abs(y / 10) % 3));
        const want = data.map((xs) => {
          const out: [number, number][] = [];
          for (const a of xs) for (const b of xs.map((x) => x * 10)) if (Math.abs(a) % 3 === Math.abs(b / 10) % 3) out.push([a, b]);
          return sorted(out);
        });
        expect(got.map(sorted)).toEqual(want);
      }),
      { numRuns: 40 },
    );
  });

  it('concat, partition, exchange and inspect move records without loss', () => {
    fc.assert(
      fc.property(epochs, (data) => {
        const seen: number[] = [];
        const got = runByEpoch(data, (s) => {
          const [even, odd] = s.partition(2, (x) => (x % 2 === 0 ? 0 : 1));
          return even!.map((x) => x + 100).concat(odd!).exchange((x) => x).inspect((x) => seen.push(x));
        });
        const want = data.map((xs) => sorted(xs.map((x) => (x % 2 === 0 ? x + 100 : x))));
        expect(got.map(sorted)).toEqual(want);
        expect(seen.length).toBe(data.flat().length);
      }),
      { numRuns: 60 },
    );
  });

  it('iterate runs a loop to its fixed point, or stops at maxIterations', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 20 }), fc.integer({ min: 1, max: 8 }), (xs, max) => {
        const halve = (s: Stream<number>) => s.filter((x) => x > 1).map((x) => Math.floor(x / 2));
        const all = runByEpoch([xs], (s) => s.iterate(halve))[0]!;
        const want: number[] = [];
        for (const x of xs) for (let y = x; y > 1; ) want.push((y = Math.floor(y / 2)));
        expect(sorted(all)).toEqual(sorted(want));
        const capped = runByEpoch([xs], (s) => s.iterate(halve, { maxIterations: max }))[0]!;
        const wantCapped: number[] = [];
        for (const x of xs) {
          let y = x;
          for (let i = 0; i < max && y > 1; i++) wantCapped.push((y = Math.floor(y / 2)));
        }
        expect(sorted(capped)).toEqual(sorted(wantCapped));
      }),
      { numRuns: 60 },
    );
  });

  it('subscribe sees every batch of a time before that time completes', () => {
    const worker = new Worker();
    const events: string[] = [];
    const input = worker.dataflow((scope) => {
      const input = scope.newInput<number>('in');
      input.stream.map((x) => x + 1).subscribe({
        data: (records, time) => events.push(`data ${time.epoch} ${records.join(',')}`),
        complete: (time) => events.push(`complete ${time.epoch}`),
      });
      return input;
    });
    input.send([1, 2]);
    input.advanceTo(1);
    input.send([5]);
    input.close();
    worker.run();
    expect(events).toEqual(['data 0 2,3', 'data 1 6', 'complete 0', 'complete 1']);
  });
});

describe('loops nested two deep', () => {
  it.each(['product', 'lexicographic'] as const)('compute the same answers under the %s order', (order) => {
    // Outer body: decrement, then an inner loop that subtracts 4 while above 4.
    const worker = new Worker({ order });
    const { input, out } = worker.dataflow((scope) => {
      const input = scope.newInput<number>('in');
      const out = input.stream
        .iterate((outer) => outer.filter((x) => x > 0).map((x) => x - 1).iterate((inner) => inner.filter((y) => y > 4).map((y) => y - 4)))
        .collect();
      return { input, out };
    });
    input.send([30, 13, 9]);
    input.close();
    worker.run();
    const iterateRef = (xs: number[], body: (xs: number[]) => number[]) => {
      const all: number[] = [];
      for (let cur = xs; cur.length > 0; ) all.push(...(cur = body(cur)));
      return all;
    };
    const inner = (ys: number[]) => ys.filter((y) => y > 4).map((y) => y - 4);
    const want = iterateRef([30, 13, 9], (xs) => iterateRef(xs.filter((x) => x > 0).map((x) => x - 1), inner));
    expect(want.length).toBeGreaterThan(10);
    expect(sorted(out.records())).toEqual(sorted(want));
  });
});
