import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Arrangement } from '../../src/collections/arrange.js';
import { CollectionError } from '../../src/collections/errors.js';
import { newCollection } from '../../src/collections/input.js';
import { compareRecords, ownerKey, recordKey } from '../../src/collections/record-key.js';
import { DataflowError } from '../../src/graph/errors.js';
import { Worker } from '../../src/workers/worker.js';

/** Records as collections take them: numbers (with -0, NaN, ±Infinity), strings (with brackets and quotes), nested arrays. */
const data: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  record: fc.oneof(
    { depthSize: 'small' },
    fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(0, -0, Number.NaN, Infinity, -Infinity, 0.5, 1e21)),
    fc.oneof(fc.constantFrom('', '[', '[1]', '"', '"a"', '1', 'NaN', '#NaN', '0', '[]'), fc.string({ maxLength: 3 })),
    fc.array(tie('record'), { maxLength: 3 }),
  ),
})).record;

/** Equality by value as documented: numbers as SameValueZero, strings by characters, arrays elementwise. */
function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || (Number.isNaN(a) && Number.isNaN(b));
  if (typeof a === 'string' && typeof b === 'string') return a === b;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  return false;
}

describe('records compared by value', () => {
  it('two records have the same key exactly when they are equal by value', () => {
    fc.assert(fc.property(data, data, (a, b) => (recordKey(a) === recordKey(b)) === same(a, b)), { numRuns: 3000 });
  });

  it('a record and its structured clone have the same key (what crosses to another worker stays the same record)', () => {
    fc.assert(fc.property(data, (a) => recordKey(structuredClone(a)) === recordKey(a)));
  });

  it('equal records have one owner key (what sends a record to its worker), pairs of numbers among them', () => {
    const pairs = fc.tuple(fc.constantFrom(0, -0, 1, 0.5, Number.NaN, 2 ** 40), fc.constantFrom(0, -0, 2, -1.5, Number.NaN));
    const records = fc.oneof(data, pairs);
    fc.assert(fc.property(records, records, (a, b) => !same(a, b) || ownerKey(a) === ownerKey(b)), { numRuns: 3000 });
  });

  it('a record and its structured clone have one owner key', () => {
    fc.assert(fc.property(fc.oneof(data, fc.tuple(fc.double(), fc.double())), (a) => ownerKey(structuredClone(a)) === ownerKey(a)));
  });

  it('compareRecords is 0 exactly for equal records, and antisymmetric', () => {
    fc.assert(fc.property(data, data, (a, b) => (compareRecords(a, b) === 0) === same(a, b) && Math.sign(compareRecords(a, b)) === -Math.sign(compareRecords(b, a))), { numRuns: 3000 });
  });

  it('compareRecords is transitive', () => {
    fc.assert(fc.property(data, data, data, (a, b, c) => !(compareRecords(a, b) <= 0 && compareRecords(b, c) <= 0) || compareRecords(a, c) <= 0), { numRuns: 3000 });
  });

  it('anything else is UNKEYABLE_RECORD, naming where inside the record', () => {
    for (const [bad, path] of [[{ id: 1 }, undefined], [true, undefined], [null, undefined], [undefined, undefined], [10n, undefined], [[1, [2, { x: 1 }]], '[1][1]'], [new Map(), undefined]] as const) {
      let err: unknown;
      try {
        recordKey(bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CollectionError);
      expect((err as CollectionError).code).toBe('UNKEYABLE_RECORD');
      expect((err as CollectionError).details['path']).toBe(path);
    }
    expect(() => recordKey({ id: 1 })).toThrow('is an Object: records');
    expect(() => recordKey([1, null])).toThrow('holds at [1] null: records');
  });
});

describe('bad input to a collection', () => {
  const session = () => {
    const worker = new Worker();
    return { worker, input: worker.dataflow((scope) => newCollection<any>(scope, 'in')) };
  };

  it('an unkeyable record is refused where it is given, and a multiplicity that is not a non-zero integer is BAD_DIFF', () => {
    const { input } = session();
    expect(() => input.insert({ id: 1 })).toThrow(expect.objectContaining({ code: 'UNKEYABLE_RECORD' }));
    for (const d of [0, 0.5, Number.NaN, 2 ** 60, '1']) expect(() => input.update(1, d as number)).toThrow(expect.objectContaining({ code: 'BAD_DIFF' }));
    input.advanceTo(1);
    expect(() => input.advanceTo(0)).toThrow(expect.objectContaining({ code: 'EPOCH_REGRESSION' }));
  });

  it('a keyed operator given records that are not pairs: NOT_KEYED where the input is fed, or as the cause of VERTEX_FAILED after a stage', () => {
    const direct = session();
    const fed = direct.worker.dataflow((scope) => {
      const input = newCollection<any>(scope, 'in');
      (input.collection as any).min().subscribe(() => {});
      return input;
    });
    fed.insert(5);
    expect(() => fed.flush()).toThrow(expect.objectContaining({ code: 'NOT_KEYED' }));

    const worker = new Worker();
    const input = worker.dataflow((scope) => {
      const input = newCollection<any>(scope, 'in');
      (input.collection.map((x: number) => x + 1) as any).min().subscribe(() => {});
      return input;
    });
    input.insert(5);
    input.close();
    let err: unknown;
    try {
      worker.run();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataflowError);
    expect((err as DataflowError).code).toBe('VERTEX_FAILED');
    expect(((err as DataflowError).cause as CollectionError).code).toBe('NOT_KEYED');
    expect((err as Error).message).toMatch(/needs \[key, value\] pairs/);
  });

  it('a change to a closed collection input is INPUT_CLOSED, and what came before the close is kept', () => {
    const worker = new Worker();
    const seen: [number, number][] = [];
    const input = worker.dataflow((scope) => {
      const input = newCollection<number>(scope, 'in');
      input.collection.subscribe((changes) => seen.push(...changes));
      return input;
    });
    input.insert(7);
    input.close();
    for (const change of [() => input.insert(1), () => input.remove(7), () => input.update(2, 3)]) {
      expect(change).toThrow(expect.objectContaining({ name: 'DataflowError', code: 'INPUT_CLOSED', message: expect.stringContaining("input 'in' is closed") }));
    }
    worker.run();
    expect(seen).toEqual([[7, 1]]);
  });

  it.each([['a string', 'a'], ['an array', [1]]])('sum given %s as a value stops with NOT_A_NUMBER as the cause, naming the key', (_what, value) => {
    const worker = new Worker();
    const input = worker.dataflow((scope) => {
      const input = newCollection<[number, unknown]>(scope, 'in');
      (input.collection as any).sum('total').subscribe(() => {});
      return input;
    });
    input.insert([4, 1]);
    input.insert([4, value]);
    input.close();
    expect(() => worker.run()).toThrow(
      expect.objectContaining({ code: 'VERTEX_FAILED', cause: expect.objectContaining({ code: 'NOT_A_NUMBER', message: expect.stringContaining("sum 'total': key 4 has the value") }) }),
    );
  });

  describe('multiplicities that sums or products take past the safe integers: BAD_DIFF as the cause, never an inexact count', () => {
    const run = (build: (c: any) => any, feed: (input: any) => void) => () => {
      const worker = new Worker();
      const input = worker.dataflow((scope) => {
        const input = newCollection<any>(scope, 'in');
        build(input.collection).subscribe(() => {});
        return input;
      });
      feed(input);
      input.close();
      worker.run();
    };
    const twice = (record: unknown, d: number) => (input: any) => {
      input.update(record, d);
      input.update(record, d);
    };
    it.each([
      ['summed by consolidation', (c: any) => c, twice(1, 2 ** 52), 'consolidating: the record 1 came to a multiplicity of 9007199254740992'],
      ['summed by consolidation, a pair of numbers', (c: any) => c, twice([1, 2], 2 ** 52), 'the record [1,2] came to a multiplicity of 9007199254740992'],
      ['summed in an arrangement', (c: any) => c.count(), twice(1, 2 ** 52), 'an arrangement: an entry of value 0 came to a multiplicity of 9007199254740992'],
      ['multiplied by a join', (c: any) => c.join(c), twice([1, 2], 2 ** 30), "join 'join': the record [1,[2,2]] came to a multiplicity of"],
    ])('%s', (_what, build, feed, message) => {
      expect(run(build, feed)).toThrow(expect.objectContaining({ code: 'VERTEX_FAILED', cause: expect.objectContaining({ code: 'BAD_DIFF', message: expect.stringContaining(message) }) }));
    });

    it('summed across epochs, as a reduce reads its input', () => {
      const across = (input: any) => {
        input.update(1, 2 ** 52);
        input.advanceTo(1);
        input.update(1, 2 ** 52);
      };
      const reduce = (c: any) => c.map((x: number) => [x, x]).reduce((_k: number, values: [number, number][], out: [number, number][]) => out.push([values[0]![1], 1]));
      expect(run(reduce, across)).toThrow(expect.objectContaining({ cause: expect.objectContaining({ code: 'BAD_DIFF', message: expect.stringContaining("reduce 'reduce' input for key 1: the value 1 came to a multiplicity of 9007199254740992") }) }));
    });

    it('sums that stay within them are exact', () => {
      const counts: [number, number][] = [];
      const worker = new Worker();
      const input = worker.dataflow((scope) => {
        const input = newCollection<number>(scope, 'in');
        input.collection.count().subscribe((changes) => counts.push(...changes.map(([[, n], d]) => [n, d] as [number, number])));
        return input;
      });
      input.update(1, 2 ** 52);
      input.update(1, 2 ** 52 - 1);
      input.update(1, -(2 ** 52));
      input.close();
      worker.run();
      expect(counts).toEqual([[2 ** 52 - 1, 1]]);
    });
  });

  it('a reduce that outputs a multiplicity that is not an integer stops with BAD_DIFF as the cause', () => {
    const worker = new Worker();
    const input = worker.dataflow((scope) => {
      const input = newCollection<[number, number]>(scope, 'in');
      input.collection.reduce((_k, _in, out: [number, number][]) => out.push([1, 0.5])).subscribe(() => {});
      return input;
    });
    input.insert([1, 1]);
    input.close();
    expect(() => worker.run()).toThrow(expect.objectContaining({ code: 'VERTEX_FAILED', cause: expect.objectContaining({ code: 'BAD_DIFF' }) }));
  });
});

describe('compaction', () => {
  /** Runs `rounds` epochs that each move one pair to a new value (the live set keeps its size), and returns the arrangement's entries. */
  function churn(rounds: number, inLoop: boolean): number {
    const worker = new Worker();
    let arranged!: Arrangement<number, number>;
    const { input, probe } = worker.dataflow((scope) => {
      const input = newCollection<[number, number]>(scope, 'pairs');
      let out;
      if (inLoop) {
        // Labels propagated along a path, in a loop: the loop's arrangements keep one history per round.
        out = input.collection.map(([a]) => [a, a] as [number, number]).iterate((labels, it) => {
          const edges = it.enter(input.collection);
          arranged = edges.arrange();
          return labels.joinMap(arranged, (_n, l, m) => [m, l] as [number, number]).concat(it.enter(input.collection.map(([a]) => [a, a] as [number, number]))).min();
        });
      } else {
        arranged = input.collection.arrange();
        out = input.collection.join(arranged);
      }
      return { input, probe: out.probe() };
    });
    const value = Array.from({ length: 10 }, (_, i) => i + 1);
    for (let i = 0; i < 10; i++) input.insert([i, value[i]!]);
    for (let r = 1; r <= rounds; r++) {
      input.advanceTo(r);
      const k = r % 10;
      input.remove([k, value[k]!]);
      value[k] = (value[k]! + 7) % 10;
      input.insert([k, value[k]!]);
      input.flush();
      worker.stepUntil(() => probe.passed(r - 1));
    }
    input.close();
    worker.run();
    return arranged.trace().size().entries;
  }

  it('an arrangement updated for thousands of epochs holds what is live, not its history', () => {
    const short = churn(100, false);
    const long = churn(2000, false);
    expect(long).toBeLessThanOrEqual(Math.max(2 * short, 40));
  });

  it('keys touched only now and then are compacted too: the arrangement stays within a small multiple of what is live', () => {
    const worker = new Worker();
    let arranged!: Arrangement<number, number>;
    const { input, probe } = worker.dataflow((scope) => {
      const input = newCollection<[number, number]>(scope, 'pairs');
      arranged = input.collection.arrange();
      return { input, probe: input.collection.join(arranged).probe() };
    });
    const keys = 20_000;
    const value = Array.from({ length: keys }, () => 0);
    for (let k = 0; k < keys; k++) input.insert([k, 0]);
    // Each epoch moves three keys to a new value: a key is touched once in ~7000 epochs, most once or never.
    let step = 0;
    const next = () => (step++ * 7919) % keys; // 7919 is prime to 20,000: every key in turn, spread out
    for (let r = 1; r <= 3000; r++) {
      input.advanceTo(r);
      for (let j = 0; j < 3; j++) {
        const k = next();
        input.remove([k, value[k]!]);
        value[k] = r;
        input.insert([k, r]);
      }
      input.flush();
      worker.stepUntil(() => probe.passed(r - 1));
    }
    input.close();
    worker.run();
    // 20,000 pairs are live; 18,000 updates went in after the first 20,000 (left alone, about 38,000 entries).
    expect(arranged.trace().size().entries).toBeLessThanOrEqual(1.5 * keys);
  });

  it('inside a loop too', () => {
    const short = churn(100, true);
    const long = churn(1000, true);
    expect(long).toBeLessThanOrEqual(Math.max(2 * short, 80));
  });
});
