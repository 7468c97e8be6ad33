import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Collection } from '../../src/collections/collection.js';
import { newCollection } from '../../src/collections/input.js';
import { Worker } from '../../src/workers/worker.js';
import { epochsOf, expectEachEpoch, pairUpdate, runEpochs, type Pair } from './harness.js';
import { countRef, joinRef, mapRef, multiset, reduceRef, thresholdRef, type Multiset } from './reference.js';

type Case = {
  name: string;
  inputs: 1 | 2;
  build: (c: Collection<any>[]) => Collection<unknown>;
  reference: (m: Multiset<any>[]) => Multiset<unknown>;
};

const keysOf = (m: Multiset<Pair>) => mapRef(m, ([k]) => k);
const distinctRef = <T>(m: Multiset<T>) => thresholdRef(m, (n) => (n > 0 ? 1 : 0));

const cases: Case[] = [
  { name: 'map', inputs: 1, build: ([a]) => a!.map(([k, v]: Pair) => [v, k * 10]), reference: ([a]) => mapRef(a!, ([k, v]: Pair) => [v, k * 10]) },
  { name: 'filter', inputs: 1, build: ([a]) => a!.filter(([k]: Pair) => k % 2 === 0), reference: ([a]) => multiset([...a!.values()].filter(([[k]]) => k % 2 === 0)) },
  { name: 'flatMap', inputs: 1, build: ([a]) => a!.flatMap(([k, v]: Pair) => [k, v, v]), reference: ([a]) => multiset([...(a as Multiset<Pair>).values()].flatMap(([[k, v], n]) => [[k, n], [v, n], [v, n]] as [number, number][])) },
  {
    name: 'flatMap (a generator)',
    inputs: 1,
    build: ([a]) =>
      a!.flatMap(function* ([k, v]: Pair) {
        yield k;
        yield v;
      }),
    reference: ([a]) => multiset([...(a as Multiset<Pair>).values()].flatMap(([[k, v], n]) => [[k, n], [v, n]] as [number, number][])),
  },
  {
    name: 'explode',
    inputs: 1,
    // Weights of every sign, zero among them: k weighted by v - 1, and [v, k] twice.
    build: ([a]) =>
      a!.explode<unknown>(([k, v]: Pair) => [
        [k, v - 1],
        [[v, k], 2],
      ]),
    reference: ([a]) => multiset([...(a as Multiset<Pair>).values()].flatMap(([[k, v], n]) => [[k, n * (v - 1)], [[v, k], 2 * n]] as [unknown, number][])),
  },
  { name: 'concat', inputs: 2, build: ([a, b]) => a!.concat(b!), reference: ([a, b]) => multiset([...a!.values(), ...b!.values()]) },
  { name: 'negate', inputs: 2, build: ([a, b]) => a!.concat(b!.negate()), reference: ([a, b]) => multiset([...a!.values(), ...[...b!.values()].map(([r, n]) => [r, -n] as [Pair, number])]) },
  { name: 'consolidate', inputs: 1, build: ([a]) => a!.consolidate(), reference: ([a]) => a! },
  { name: 'inspect', inputs: 1, build: ([a]) => a!.inspect(() => {}), reference: ([a]) => a! },
  { name: 'join', inputs: 2, build: ([a, b]) => a!.join(b!), reference: ([a, b]) => joinRef(a!, b!) },
  { name: 'joinMap', inputs: 2, build: ([a, b]) => a!.joinMap(b!, (k: number, v: number, w: number) => [k + v, w]), reference: ([a, b]) => mapRef(joinRef(a as Multiset<Pair>, b as Multiset<Pair>), ([k, [v, w]]) => [k + v, w]) },
  {
    name: 'join of a collection with itself',
    inputs: 1,
    build: ([a]) => {
      const shared = (a as Collection<Pair>).arrange();
      return (a as Collection<Pair>).join(shared).concat((a as Collection<Pair>).map(([k, v]) => [k, v + 1] as Pair).join(shared) as never);
    },
    reference: ([a]) => multiset([...joinRef(a!, a!).values(), ...joinRef(mapRef(a!, ([k, v]: Pair) => [k, v + 1]), a!).values()]),
  },
  {
    name: 'one arrangement read by a join and a reduce',
    inputs: 2,
    build: ([a, b]) => {
      const shared = (a as Collection<Pair>).arrange();
      const counts = shared.reduce((_k, input, out: [number, number][]) => out.push([input.length, 1]));
      return counts.concat(shared.joinMap((b as Collection<Pair>).arrange(), (k, v, w) => [k, v + w] as Pair) as never);
    },
    reference: ([a, b]) =>
      multiset<unknown>([
        ...reduceRef(a!, (_k, input) => [[input.length, 1]] as [number, number][]).values(),
        ...mapRef(joinRef(a as Multiset<Pair>, b as Multiset<Pair>), ([k, [v, w]]) => [k, v + w]).values(),
      ]),
  },
  { name: 'semijoin', inputs: 2, build: ([a, b]) => a!.semijoin(b!.map(([k]: Pair) => k).distinct()), reference: ([a, b]) => mapRef(joinRef(a!, mapRef(distinctRef(keysOf(b!)), (k) => [k, 0])), ([k, [v]]) => [k, v]) },
  {
    name: 'antijoin',
    inputs: 2,
    build: ([a, b]) => a!.antijoin(b!.map(([k]: Pair) => k).distinct()),
    reference: ([a, b]) => {
      const keys = new Set([...distinctRef(keysOf(b!)).values()].map(([k]) => k));
      return multiset([...a!.values()].filter(([[k]]) => !keys.has(k)));
    },
  },
  {
    // By b itself, arranged: each of its pairs counts for its key; by distinct keys, arranged once and
    // read by both: in or out.
    name: 'semijoin and antijoin by arrangements',
    inputs: 2,
    build: ([a, b]) => {
      const keys = (b as Collection<Pair>).map(([k]) => k).distinct().map((k) => [k, 'key'] as [number, string]).arrange();
      return (a as Collection<Pair>)
        .semijoin(keys)
        .map(([k, v]) => [k, v, 'in'] as unknown)
        .concat((a as Collection<Pair>).antijoin(keys).map(([k, v]) => [k, v, 'out'] as unknown), (a as Collection<Pair>).semijoin((b as Collection<Pair>).arrange()).map(([k, v]) => [k, v, 'by b'] as unknown));
    },
    reference: ([a, b]) => {
      const keys = new Set([...distinctRef(keysOf(b!)).values()].map(([k]) => k));
      return multiset<unknown>([
        ...[...(a as Multiset<Pair>).values()].map(([[k, v], n]) => [[k, v, keys.has(k) ? 'in' : 'out'], n] as [unknown, number]),
        ...[...joinRef(a as Multiset<Pair>, b as Multiset<Pair>).values()].map(([[k, [v]], n]) => [[k, v, 'by b'], n] as [unknown, number]),
      ]);
    },
  },
  {
    name: 'an arrangement\'s own join, semijoin, antijoin and the collection it indexes',
    inputs: 2,
    build: ([a, b]) => {
      const arranged = (a as Collection<Pair>).arrange();
      const keys = (b as Collection<Pair>).map(([k]) => k).distinct();
      return arranged
        .join(b as Collection<Pair>)
        .map(([k, [v, w]]) => ['join', k, v, w] as unknown)
        .concat(arranged.semijoin(keys).map(([k, v]) => ['semi', k, v] as unknown), arranged.antijoin(keys).map(([k, v]) => ['anti', k, v] as unknown), arranged.asCollection().map(([k, v]) => ['as', k, v] as unknown));
    },
    reference: ([a, b]) => {
      const keys = new Set([...distinctRef(keysOf(b!)).values()].map(([k]) => k));
      const pairs = [...(a as Multiset<Pair>).values()];
      return multiset<unknown>([
        ...[...joinRef(a as Multiset<Pair>, b as Multiset<Pair>).values()].map(([[k, [v, w]], n]) => [['join', k, v, w], n] as [unknown, number]),
        ...pairs.filter(([[k]]) => keys.has(k)).map(([[k, v], n]) => [['semi', k, v], n] as [unknown, number]),
        ...pairs.filter(([[k]]) => !keys.has(k)).map(([[k, v], n]) => [['anti', k, v], n] as [unknown, number]),
        ...pairs.map(([[k, v], n]) => [['as', k, v], n] as [unknown, number]),
      ]);
    },
  },
  {
    name: 'reduce',
    inputs: 1,
    // Per key: the two smallest values with their counts as a record, and the number of distinct values twice.
    build: ([a]) => a!.reduce((_k: number, input: readonly [number, number][], out: [unknown, number][]) => {
      out.push([input.slice(0, 2), 1]);
      out.push([input.length, 2]);
    }),
    reference: ([a]) => reduceRef(a!, (_k, input) => [[input.slice(0, 2), 1], [input.length, 2]] as [unknown, number][]),
  },
  { name: 'count', inputs: 1, build: ([a]) => a!.count(), reference: ([a]) => countRef(a!) },
  { name: 'sum', inputs: 1, build: ([a]) => a!.sum(), reference: ([a]) => reduceRef(a!, (_k, input: [number, number][]) => [[input.reduce((s, [v, n]) => s + v * n, 0), 1]]) },
  { name: 'distinct', inputs: 1, build: ([a]) => a!.distinct(), reference: ([a]) => distinctRef(a!) },
  { name: 'threshold', inputs: 1, build: ([a]) => a!.threshold((n) => (n >= 2 ? n - 1 : 0)), reference: ([a]) => thresholdRef(a!, (n) => (n >= 2 ? n - 1 : 0)) },
  {
    name: 'min',
    inputs: 1,
    build: ([a]) => a!.min(),
    reference: ([a]) => reduceRef(a!, (_k, input: [number, number][]) => input.filter(([, n]) => n > 0).slice(0, 1).map(([v]) => [v, 1])),
  },
  {
    name: 'max',
    inputs: 1,
    build: ([a]) => a!.max(),
    reference: ([a]) => reduceRef(a!, (_k, input: [number, number][]) => input.filter(([, n]) => n > 0).slice(-1).map(([v]) => [v, 1])),
  },
];

// Values of every kind a reduce meets: small integers (found through a dense index), negative and
// large ones, fractions, -0, -Infinity, strings and arrays (found through a map), mixed in one key.
const anyValue = fc.constantFrom<unknown>(-3, -1, 0, -0, 1, 2, 3, 2 ** 22 - 1, 2 ** 22, 2 ** 31, 0.5, -0.5, 1e21, -Infinity, 'a', 'b', '[', [1], [0, 'x']);
const mixedUpdate = fc.tuple(fc.tuple(fc.integer({ min: 0, max: 2 }), anyValue), fc.constantFrom(1, 1, 2, -1, -2));

// Many numbers per key (the in-place sort's quicksort runs from 16 on), repeated and cancelling.
const manyNumbers = fc.tuple(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.oneof(fc.integer({ min: -40, max: 40 }), fc.double({ noNaN: true, min: -1e6, max: 1e6 }))), fc.constantFrom(1, 1, -1, 3));

describe('reduce over keys of every kind', () => {
  // Numbers (found through a dense index), strings and arrays (through a map), mixed within one time.
  const anyRecord = fc.tuple(anyValue, fc.constantFrom(1, 1, 2, -1));

  it('count: the accumulated output at every epoch equals the count of the accumulated input', () => {
    fc.assert(
      fc.property(fc.array(fc.array(anyRecord, { maxLength: 30 }), { minLength: 1, maxLength: 3 }), (epochs) => expectEachEpoch(runEpochs([epochs], ([a]) => a!.count()), [epochs], ([a]) => countRef(a!))),
      { numRuns: 100 },
    );
  });

  it('a key comes out as it came in: -0 as -0, 0 as 0', () => {
    for (const key of [-0, 0]) {
      const worker = new Worker();
      let out: unknown[] = [];
      const input = worker.dataflow((scope) => {
        const input = newCollection<number>(scope, 'xs');
        input.collection.count().subscribe((changes) => (out = changes.map(([[k]]) => k)));
        return input;
      });
      input.insert(key);
      input.insert(key);
      input.close();
      worker.run();
      expect(out).toHaveLength(1);
      expect(Object.is(out[0], key)).toBe(true);
    }
  });
});

describe('reduce over values of every kind', () => {
  it('logic sees many numbers per key once each, in increasing order', () => {
    const build = ([a]: Collection<any>[]) => a!.reduce((_k: number, input: readonly [unknown, number][], out: [unknown, number][]) => input.forEach(([v, n], i) => out.push([[i, v], n])));
    const reference = ([a]: Multiset<any>[]) => reduceRef(a!, (_k, input: [unknown, number][]) => input.map(([v, n], i) => [[i, v], n] as [unknown, number]));
    fc.assert(
      fc.property(fc.array(fc.array(manyNumbers, { minLength: 40, maxLength: 120 }), { minLength: 1, maxLength: 3 }), (epochs) => expectEachEpoch(runEpochs([epochs], build), [epochs], reference)),
      { numRuns: 60 },
    );
  });

  it('logic sees each key\'s accumulated values once each, in compareRecords order', () => {
    const build = ([a]: Collection<any>[]) => a!.reduce((_k: number, input: readonly [unknown, number][], out: [unknown, number][]) => input.forEach(([v, n], i) => out.push([[i, v], n])));
    const reference = ([a]: Multiset<any>[]) => reduceRef(a!, (_k, input: [unknown, number][]) => input.map(([v, n], i) => [[i, v], n] as [unknown, number]));
    fc.assert(
      fc.property(epochsOf(mixedUpdate), (epochs) => expectEachEpoch(runEpochs([epochs], build), [epochs], reference)),
      { numRuns: 100 },
    );
  });
});

describe.each([
  ['min', (a: Collection<any>) => a.min(), (input: [unknown, number][]) => input.filter(([, n]) => n > 0).slice(0, 1)],
  ['max', (a: Collection<any>) => a.max(), (input: [unknown, number][]) => input.filter(([, n]) => n > 0).slice(-1)],
] as const)('%s over values of every kind', (_name, op, pick) => {
  it('keeps, per key, the extreme value with a positive count in compareRecords order', () => {
    const reference = ([a]: Multiset<any>[]) => reduceRef(a!, (_k, input: [unknown, number][]) => pick(input).map(([v]) => [v, 1] as [unknown, number]));
    fc.assert(
      fc.property(epochsOf(mixedUpdate), (epochs) => expectEachEpoch(runEpochs([epochs], ([a]) => op(a!)), [epochs], reference)),
      { numRuns: 150 },
    );
  });
});

describe('min and max with NaN', () => {
  // NaN is one record, last among the numbers (the multiset references key records by JSON, which
  // cannot tell NaN from null, so this is checked directly).
  it('NaN comes after every other number and before strings', () => {
    const worker = new Worker();
    const got: Record<string, unknown[]> = { min: [], max: [] };
    const input = worker.dataflow((scope) => {
      const input = newCollection<[number, unknown]>(scope, 'in');
      input.collection.min().subscribe((cs) => got.min!.push(...cs));
      input.collection.filter(([k]) => k === 0).max().subscribe((cs) => got.max!.push(...cs));
      return input;
    });
    for (const r of [[0, NaN], [0, 5], [0, -1], [1, NaN], [1, 'a'], [2, NaN]] as [number, unknown][]) input.insert(r);
    input.close();
    worker.run();
    expect(got.min).toEqual([[[0, -1], 1], [[1, NaN], 1], [[2, NaN], 1]]);
    expect(got.max).toEqual([[[0, NaN], 1]]);
  });
});

describe.each(cases)('$name on one worker', ({ inputs, build, reference }) => {
  it('the accumulated output at every epoch equals the operator applied to the accumulated input', () => {
    fc.assert(
      fc.property(fc.array(epochsOf(pairUpdate), { minLength: inputs, maxLength: inputs }), (sides) => expectEachEpoch(runEpochs(sides, build), sides, reference)),
      { numRuns: 60 },
    );
  });
});

/** A function that builds `build` over a collection holding the number 3 on one worker, and runs it. */
const runOnThree = (build: (c: Collection<number>) => Collection<unknown>) => () => {
  const worker = new Worker();
  const input = worker.dataflow((scope) => {
    const input = newCollection<number>(scope, 'numbers');
    build(input.collection).probe();
    return input;
  });
  input.insert(3);
  input.close();
  worker.run();
};

describe('flatMap and explode given a function that returns something they cannot iterate', () => {
  it.each([
    ['flatMap', (c: Collection<number>) => c.flatMap((x) => x as unknown as number[], 'spread'), "spread: f returned 3 for the record 3: it must return an array (or another iterable) of records"],
    ['flatMap', (c: Collection<number>) => c.flatMap(() => null as unknown as number[], 'spread'), 'spread: f returned null for the record 3'],
    ['explode', (c: Collection<number>) => c.explode(() => undefined as unknown as [number, number][], 'weigh'), 'weigh: f returned undefined for the record 3: it must return an array (or another iterable) of [record, weight] pairs'],
  ])('%s: VERTEX_FAILED caused by NOT_ITERABLE, naming the record', (_op, build, message) => {
    expect(runOnThree(build)).toThrow(expect.objectContaining({ code: 'VERTEX_FAILED', cause: expect.objectContaining({ code: 'NOT_ITERABLE', message: expect.stringContaining(message) }) }));
  });

  it('any iterable will do: a generator, a Set', () => {
    const worker = new Worker();
    const seen: [number, number][] = [];
    const input = worker.dataflow((scope) => {
      const input = newCollection<number>(scope, 'numbers');
      input.collection
        .flatMap(function* (x) {
          yield x;
          yield x + 1;
        })
        .flatMap((x) => new Set([x * 10]))
        .subscribe((changes) => seen.push(...changes));
      return input;
    });
    input.insert(3);
    input.close();
    worker.run();
    expect(seen).toEqual([[30, 1], [40, 1]]);
  });
});

describe('explode refuses a weight that is not a safe integer, and a product past them', () => {
  const run = (weight: number, diff: number) => () => {
    const worker = new Worker();
    const input = worker.dataflow((scope) => {
      const input = newCollection<Pair>(scope, 'pairs');
      input.collection.explode(([k, v]) => [[k, k === 7 ? weight : 1], [v, 1]]).probe();
      return input;
    });
    input.insert([1, 2]);
    input.update([7, 8], diff);
    input.close();
    worker.run();
  };

  it.each([0.5, Number.NaN, Infinity, 2 ** 53])('weight %s: VERTEX_FAILED caused by BAD_DIFF, naming the record', (weight) => {
    expect(run(weight, 1)).toThrow(expect.objectContaining({ code: 'VERTEX_FAILED', cause: expect.objectContaining({ code: 'BAD_DIFF', message: expect.stringContaining('the weight of 7: a multiplicity must be a non-zero safe integer') }) }));
  });

  it('a weight of 2^52 times a multiplicity of 4: BAD_DIFF, past the safe integers', () => {
    expect(run(2 ** 52, 4)).toThrow(expect.objectContaining({ code: 'VERTEX_FAILED', cause: expect.objectContaining({ code: 'BAD_DIFF', message: expect.stringContaining('past the safe integers') }) }));
  });

  it('weights of 0 add nothing, and -1 removes what +1 adds', () => {
    const worker = new Worker();
    const seen: [number, number][] = [];
    const input = worker.dataflow((scope) => {
      const input = newCollection<number>(scope, 'numbers');
      input.collection.explode((x) => [[x, 0], [x + 100, -1], [x + 100, 1], [x * 2, 3]]).subscribe((changes) => seen.push(...changes));
      return input;
    });
    input.insert(5);
    input.close();
    worker.run();
    expect(seen).toEqual([[10, 3]]);
  });
});

describe('a reduce whose logic throws', () => {
  it('stops the dataflow with VERTEX_FAILED naming the stage and the time it was settling (loop counter too), the error kept as cause', () => {
    const worker = new Worker();
    const boom = new Error('no sevens');
    const input = worker.dataflow((scope) => {
      const input = newCollection<Pair>(scope, 'pairs');
      input.collection
        .iterate((c) =>
          c.reduce<number, number, number>((key, values, out) => {
            if (key === 7) throw boom;
            out.push([values.length, 1]);
          }, 'tally'),
        )
        .probe();
      return input;
    });
    input.insert([3, 3]);
    input.advanceTo(1);
    input.insert([7, 7]);
    input.close();
    expect(() => worker.run()).toThrow(
      expect.objectContaining({
        code: 'VERTEX_FAILED',
        details: { stage: 'tally', worker: 0, time: '(1, [0])' },
        cause: boom,
        message: expect.stringContaining("stage 'tally' threw on worker 0 at (1, [0]): no sevens"),
      }),
    );
  });
});

describe('an entry that is not a pair, in a reduce\'s output or among what explode\'s function returns', () => {
  it.each([
    ['reduce', 5, "reduce 'tally' output for key 3: 5 is not a [value, diff] pair: give two-element arrays"],
    ['reduce', 'ab', 'output for key 3: "ab" is not a [value, diff] pair'],
    ['reduce', [1, 1, 1], 'output for key 3: [1,1,1] is not a [value, diff] pair'],
  ])('%s given %j: VERTEX_FAILED caused by NOT_A_PAIR, naming the key and the entry', (_op, entry, message) => {
    const build = (c: Collection<number>) => c.map((x) => [x, x] as Pair).reduce<number, number, number>((_k, _in, out) => void out.push(entry as unknown as [number, number]), 'tally');
    expect(runOnThree(build)).toThrow(expect.objectContaining({ code: 'VERTEX_FAILED', cause: expect.objectContaining({ code: 'NOT_A_PAIR', message: expect.stringContaining(message) }) }));
  });

  it('explode: VERTEX_FAILED caused by NOT_A_PAIR, naming the record and the entry', () => {
    const build = (c: Collection<number>) => c.explode((x) => [[x, 1], 7 as unknown as [number, number]], 'weigh');
    expect(runOnThree(build)).toThrow(expect.objectContaining({ code: 'VERTEX_FAILED', cause: expect.objectContaining({ code: 'NOT_A_PAIR', message: expect.stringContaining('weigh: among what f returned for the record 3: 7 is not a [record, weight] pair') }) }));
  });
});
