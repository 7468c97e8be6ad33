import { describe, expect, it } from 'vitest';
import type { Collection } from '../../src/collections/collection.js';
import { MESSAGE_UPDATES } from '../../src/collections/consolidate.js';
import { newCollection } from '../../src/collections/input.js';
import { Worker } from '../../src/workers/worker.js';

type Pair = [number, number];

/** Records at one epoch, sent by the input as one message: 3 × MESSAGE_UPDATES pairs over as many keys. */
const N = 3 * MESSAGE_UPDATES;
const pairs: Pair[] = Array.from({ length: N }, (_, i) => [i, i % 7]);

/** Operators whose output at one time is larger than one message. */
const large: { name: string; build: (c: Collection<Pair>) => Collection<unknown>; updates: number }[] = [
  { name: 'flatMap', build: (c) => c.flatMap(([k, v]) => [[k, v], [k + N, v]]), updates: 2 * N },
  { name: 'join', build: (c) => c.join(c.map(([k, v]) => [k, v + 1] as Pair)), updates: N },
  {
    name: 'join of three keys of 200 values each (one key makes more than a message)',
    build: (c) => {
      const heavy = c.filter(([k]) => k < 600).map(([k]) => [k % 3, k] as Pair);
      return heavy.join(heavy);
    },
    updates: 3 * 200 * 200,
  },
  { name: 'count', build: (c) => c.count(), updates: N },
  { name: 'min', build: (c) => c.min(), updates: N },
  { name: 'reduce', build: (c) => c.reduce((_k, input, out: number[][]) => out.push([input.length, 1])), updates: N },
  { name: 'consolidate', build: (c) => c.concat(c).consolidate(), updates: N },
  { name: 'iterate (a min in a loop)', build: (c) => c.iterate((v, it) => v.concat(it.enter(c)).min()), updates: N },
];

describe('what the operators send downstream', () => {
  it.each(large)('$name: a time with many updates goes in messages of at most MESSAGE_UPDATES, none lost', ({ build, updates }) => {
    const worker = new Worker();
    const sizes: number[] = [];
    const input = worker.dataflow((scope) => {
      const input = newCollection<Pair>(scope, 'in', { batchSize: 2 * N });
      build(input.collection).stream.subscribe({ data: (batch) => sizes.push(batch.length) }, 'sizes');
      return input;
    });
    for (const p of pairs) input.insert(p);
    input.close();
    worker.run();
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(updates);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MESSAGE_UPDATES);
    expect(sizes.length).toBeGreaterThan(1);
  });

  it.each([
    ['reduce', (c: Collection<Pair>, logic: (n: number) => void) => c.reduce((k, input, out: number[][]) => (logic(k), out.push([input.length, 1])))],
    ['reduce in a loop', (c: Collection<Pair>, logic: (n: number) => void) => c.iterate((v, it) => v.concat(it.enter(c)).reduce((k, input, out: number[][]) => (logic(k), out.push([input.length, 1]))).map(([k]) => [k, 0] as Pair))],
  ] as const)('%s: each message of a large time is taken downstream before the next keys are settled, and the answer is whole', (_name, build) => {
    const worker = new Worker();
    let settled = 0;
    let settledAtFirst = -1;
    const got = new Map<string, number>();
    const input = worker.dataflow((scope) => {
      const input = newCollection<Pair>(scope, 'in', { batchSize: 2 * N });
      const out = build(input.collection, () => settled++);
      out.stream.subscribe({ data: () => void (settledAtFirst < 0 && (settledAtFirst = settled)) }, 'first');
      out.subscribe((changes) => {
        for (const [r, d] of changes) got.set(JSON.stringify(r), (got.get(JSON.stringify(r)) ?? 0) + d);
      });
      return input;
    });
    for (const p of pairs) input.insert(p);
    input.close();
    worker.run();
    // The first message went downstream after its own keys, not after all N.
    expect(settledAtFirst).toBeGreaterThan(0);
    expect(settledAtFirst).toBeLessThan(N);
    expect([...got.values()].every((d) => d === 1)).toBe(true);
    expect(got.size).toBe(N);
  });

  it('subscribePairs gets each epoch whole, as columns: the consolidated changes subscribe gets', () => {
    const worker = new Worker();
    const asUpdates: [number, [Pair, number][]][] = [];
    const asColumns: [number, [Pair, number][]][] = [];
    const input = worker.dataflow((scope) => {
      const input = newCollection<Pair>(scope, 'in', { batchSize: 1000 });
      // Pairs that repeat and cancel within an epoch, and -0 beside 0 (one record).
      const moved = input.collection.map(([k, v]) => [k % 7 === 0 ? -0 : k % 500, v % 3] as Pair);
      moved.subscribe((changes, epoch) => asUpdates.push([epoch, changes]));
      moved.subscribePairs((epoch, firsts, seconds, diffs) => asColumns.push([epoch, Array.from(firsts, (f, i) => [[f, seconds[i]!], diffs[i]!] as [Pair, number])]));
      return input;
    });
    for (const p of pairs) input.insert(p);
    input.advanceTo(1);
    for (const p of pairs.slice(0, N / 2)) input.remove(p);
    input.advanceTo(2);
    input.close();
    worker.run();
    const sorted = (cs: [Pair, number][]) => cs.map(([[a, b], d]) => [a === 0 ? 0 : a, b, d]).sort((x, y) => x[0]! - y[0]! || x[1]! - y[1]!);
    expect(asColumns.map(([e]) => e)).toEqual([0, 1]);
    expect(asColumns.map(([e, cs]) => [e, sorted(cs)])).toEqual(asUpdates.map(([e, cs]) => [e, sorted(cs)]));
  });

  it('subscribePairs stops the job with NOT_KEYED at a record that is not a pair of numbers', () => {
    const worker = new Worker();
    const input = worker.dataflow((scope) => {
      const input = newCollection<Pair>(scope, 'in');
      (input.collection.map(([k]) => [k, 'x']) as unknown as Collection<Pair>).subscribePairs(() => {});
      return input;
    });
    input.insert([1, 2]);
    input.close();
    expect(() => worker.run()).toThrow(expect.objectContaining({ code: 'VERTEX_FAILED', cause: expect.objectContaining({ code: 'NOT_KEYED', message: expect.stringContaining('[1,"x"]') }) }));
  });

  it('subscribe still gets each epoch whole, in one call', () => {
    const worker = new Worker();
    const calls: [number, number][] = [];
    const input = worker.dataflow((scope) => {
      const input = newCollection<Pair>(scope, 'in', { batchSize: 2 * N });
      input.collection.count().subscribe((changes, epoch) => calls.push([epoch, changes.length]));
      return input;
    });
    for (const p of pairs) input.insert(p);
    input.advanceTo(1);
    for (const p of pairs) input.insert([p[0] + N, p[1]]);
    input.close();
    worker.run();
    expect(calls).toEqual([
      [0, N],
      [1, N],
    ]);
  });
});
