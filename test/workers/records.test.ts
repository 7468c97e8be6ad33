import fc from 'fast-check';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
// Threads run built JavaScript: the thread tests use the build.
import { execute, DataflowError } from '../../dist/src/index.js';
import { Carry, checkBatch, checkRecord, RecordRefusal } from '../../src/graph/records.js';
import { Timestamp } from '../../src/timestamps/timestamp.js';
import { decode, encodeData } from '../../src/workers/codec.js';
import { Worker } from '../../src/workers/worker.js';
import { rejection } from '../helpers.js';
import { sample } from './fixtures/records.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const fixture = (name: string) => join(here, 'fixtures', name);

function roundTrip(records: unknown[]): unknown[] {
  const m = decode(encodeData(1, 2, Timestamp.of(3, 4), records));
  if (m.kind !== 'data') throw new Error('not a data frame');
  return m.records;
}

/** Whether `v` holds an invalid Date anywhere (which equals nothing, itself included, so deep equality cannot check it). */
function holdsInvalidDate(v: unknown): boolean {
  if (v instanceof Date) return Number.isNaN(v.getTime());
  if (v instanceof Map) return [...v].some(([k, x]) => holdsInvalidDate(k) || holdsInvalidDate(x));
  if (v instanceof Set || Array.isArray(v)) return [...v].some(holdsInvalidDate);
  if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v)) return Object.values(v).some(holdsInvalidDate);
  return false;
}

/** Data of every kind the record rules accept, nested (invalid Dates are checked on their own, below). */
const data = fc.anything({
  withMap: true,
  withSet: true,
  withDate: true,
  withTypedArray: true,
  withBigInt: true,
  withSparseArray: true,
  withNullPrototype: false,
  withBoxedValues: false,
  withObjectString: true,
  maxDepth: 3,
});

describe('records cross a worker boundary unchanged (the codec)', () => {
  it('law: any batch of data decodes deeply and strictly equal to what was encoded (types, -0, holes, undefined kept)', () => {
    fc.assert(
      fc.property(fc.array(data, { maxLength: 8 }).filter((rs) => !holdsInvalidDate(rs)), (records) => {
        expect(isDeepStrictEqual(roundTrip(records), records)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('law: -0 stays -0 among small integers, bare or in tuples (the int32 formats must not take it)', () => {
    const small = fc.oneof(fc.integer({ min: -100, max: 100 }), fc.constant(-0));
    fc.assert(
      fc.property(fc.array(small, { minLength: 1 }), (xs) => {
        const bare = roundTrip(xs);
        xs.forEach((x, i) => expect(Object.is(bare[i], x)).toBe(true));
        const pairs = roundTrip(xs.map((x) => [x, 1]));
        xs.forEach((x, i) => expect(Object.is((pairs[i] as number[])[0], x)).toBe(true));
      }),
    );
  });

  it.each([1, 2, 254, 255, 256, 257, 300])('tuples of %i numbers round-trip (the flat formats hold widths up to 255)', (width) => {
    const records = [0, 1, 2].map((r) => Array.from({ length: width }, (_, i) => r * 1000 + i));
    expect(roundTrip(records)).toStrictEqual(records);
    const floats = records.map((r) => r.map((x) => x + 0.5));
    expect(roundTrip(floats)).toStrictEqual(floats);
  });

  it('a batch is checked as its records are one by one, whatever its fast paths take', () => {
    // Numbers, arrays of them (with -0 and holes), one level deeper, and things that need the full check.
    const leaf = fc.oneof(fc.constantFrom<unknown>(0, -0, 1, -1.5, Number.NaN, 'a', undefined, null, () => 1), fc.integer());
    const holey = fc.constant(0).map(() => [1, , 2] as unknown[]); // a hole: the full check tells it apart
    const inner = fc.oneof(fc.array(fc.oneof(fc.integer(), fc.constant(-0)), { maxLength: 3 }), fc.array(leaf, { maxLength: 3 }), holey);
    const record = fc.oneof(leaf, inner, fc.array(fc.oneof(leaf, inner), { maxLength: 3 }));
    const verdict = (f: () => Carry) => {
      try {
        return f();
      } catch (err) {
        if (err instanceof RecordRefusal) return `refused at ${err.index ?? 0}: ${err.what} ${err.path}`;
        throw err;
      }
    };
    fc.assert(
      fc.property(fc.array(record, { maxLength: 6 }), (batch) => {
        const one = (): Carry => {
          let carry: Carry = Carry.fast;
          batch.forEach((r, i) => {
            try {
              if (checkRecord(r) === Carry.exact) carry = Carry.exact;
            } catch (err) {
              throw err instanceof RecordRefusal ? new RecordRefusal(err.what, err.path, err.hint, i) : err;
            }
          });
          return carry;
        };
        expect(verdict(() => checkBatch(batch))).toEqual(verdict(one));
      }),
      { numRuns: 2000 },
    );
  });

  it('the sample records round-trip, each by the encoding it needs', () => {
    const { fast, exact } = sample();
    expect(fast.map((r) => checkRecord(r))).toEqual(fast.map(() => Carry.fast));
    expect(exact.map((r) => checkRecord(r))).toEqual(exact.map(() => Carry.exact));
    expect(isDeepStrictEqual(roundTrip(fast), fast)).toBe(true);
    expect(isDeepStrictEqual(roundTrip(exact), exact)).toBe(true);
    // A Buffer stays a Buffer (msgpackr would give back a Uint8Array).
    expect(roundTrip([Buffer.from('bytes')])[0]).toStrictEqual(Buffer.from('bytes'));
    // An invalid Date equals nothing, itself included: it arrives as an invalid Date.
    const [invalid] = roundTrip([new Date(NaN)]);
    expect(invalid).toBeInstanceOf(Date);
    expect((invalid as Date).getTime()).toBeNaN();
  });
});

describe('records that cannot cross are refused, naming what and where', () => {
  class Point {
    constructor(readonly x: number) {}
  }
  class Pair extends Array<number> {}
  const cyclic: { self?: unknown } = {};
  cyclic.self = cyclic;
  it.each([
    [() => 1, /^a function$/, ''],
    [{ f: function named() {} }, /^a function$/, '.f'],
    [[1, new Point(2)], /^an instance of class Point/, '[1]'],
    [Pair.from([1, 2]), /^an instance of class Pair/, ''],
    [Symbol('s'), /^a symbol/, ''],
    [{ [Symbol('k')]: 1 }, /^an object with a symbol key/, ''],
    [cyclic, /^a cycle/, '.self'],
    [new Map([['k', Object.create(null)]]), /^an object with a null prototype/, '<value 0>'],
    [{ 'odd key': new SharedArrayBuffer(8) }, /^a SharedArrayBuffer/, '["odd key"]'],
    [new Set([/re/]), /^an instance of class RegExp/, '<member 0>'],
  ])('%o', (record, what, path) => {
    let refusal: unknown;
    try {
      checkRecord(record);
    } catch (err) {
      refusal = err;
    }
    expect(refusal).toBeInstanceOf(RecordRefusal);
    expect((refusal as RecordRefusal).what).toMatch(what);
    expect((refusal as RecordRefusal).path).toBe(path);
  });
});

describe('the same records and the same refusals on every worker count', () => {
  it('records of every kind that travels arrive equal on 1, 2 and 3 workers', async () => {
    const { fast, exact } = sample();
    const sent = [...fast, ...exact];
    for (const workers of [1, 2, 3]) {
      const { results } = await execute<unknown[]>(fixture('records.mjs'), { workers, args: { to: workers - 1 } });
      const received = results.flat();
      expect(isDeepStrictEqual(received, sent)).toBe(true);
    }
  });

  it.each(['function', 'class', 'cycle', 'symbol', 'nullPrototype'])('a record holding a %s is BAD_RECORD on 1, 2 and 3 workers, naming the edge and the type', async (bad) => {
    const messages = new Set<string>();
    for (const workers of [1, 2, 3]) {
      const err = await rejection(execute(fixture('records.mjs'), { workers, args: { to: workers - 1, bad } }));
      expect(err).toBeInstanceOf(DataflowError);
      expect(err.code).toBe('BAD_RECORD');
      expect(err.message).toMatch(/a record on edge \d+ \(from 'records' to 'by-key'\) cannot cross to another worker/);
      messages.add(err.message);
    }
    expect([...messages]).toHaveLength(1);
  });

  it.each(['null', 'undefined'])('an exchange key of %s is BAD_KEY on 1 and 2 workers', async (badKey) => {
    for (const workers of [1, 2]) {
      const err = await rejection(execute(fixture('records.mjs'), { workers, args: { to: 0, badKey } }));
      expect(err.code).toBe('BAD_KEY');
      expect(err.message).toContain(`returned ${badKey}: a key must be a number or a string`);
    }
  });

  it('records on a pipeline edge never cross, and travel by reference (any value)', () => {
    class Point {
      constructor(readonly x: number) {}
    }
    const worker = new Worker();
    const { input, out } = worker.dataflow((scope) => {
      const input = scope.newInput<Point>('points');
      return { input, out: input.stream.map((p) => p).collect() };
    });
    const p = new Point(1);
    input.send([p]);
    input.close();
    worker.run();
    expect(out.records()[0]).toBe(p);
  });
});
