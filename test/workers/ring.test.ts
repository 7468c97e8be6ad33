import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecordRefusal } from '../../src/graph/records.js';
import { decode, encodeData, ProgressEncoder } from '../../src/workers/codec.js';
import { allocateRing, RingReader, RingWriter } from '../../src/workers/ring.js';
import { Timestamp } from '../../src/timestamps/timestamp.js';
import { timestampOfDepth } from '../arbitraries.js';

/**
 * A ring of `capacity` bytes: `write(writer, i)` writes the i-th of `count` messages, the reader reads
 * after message i when `readEarly` says so, then both go on until nothing is left. Every message read.
 */
function throughRing(capacity: number, count: number, readEarly: readonly boolean[], write: (writer: RingWriter, i: number) => void): number[][] {
  const memory = allocateRing(capacity);
  const writer = new RingWriter(memory);
  const reader = new RingReader(memory);
  const got: number[][] = [];
  for (let i = 0; i < count; i++) {
    write(writer, i);
    if (readEarly[i % readEarly.length]) reader.drain((x) => got.push(Array.from(x)));
  }
  for (let guard = 0; writer.hasPending || reader.hasData(); guard++) {
    if (guard > 100_000) throw new Error('ring made no progress');
    writer.flush();
    reader.drain((x) => got.push(Array.from(x)));
  }
  return got;
}

describe('Ring', () => {
  it('delivers every message whole and in order, whatever their sizes and the ring capacity', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 40 }),
        fc.constantFrom(64, 128, 1024),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 10 }),
        (messages, capacity, readEarly) => {
          const got = throughRing(capacity, messages.length, readEarly, (writer, i) => writer.write(messages[i]!));
          expect(got).toEqual(messages.map((m) => Array.from(m)));
        },
      ),
    );
  });

  it('law: routed writes arrive as their 8-byte route header and message, whole and in order among plain writes; the message may be reused at once', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.uint8Array({ maxLength: 300 }), fc.option(fc.integer({ min: 0, max: 0xffffffff }))), { maxLength: 40 }),
        fc.constantFrom(64, 128, 1024),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 10 }),
        (messages, capacity, readEarly) => {
          const expected = messages.map(([m, route]) => {
            if (route === null) return Array.from(m);
            const header = [route & 0xff, (route >>> 8) & 0xff, (route >>> 16) & 0xff, route >>> 24, 0, 0, 0, 0];
            return [...header, ...m];
          });
          const got = throughRing(capacity, messages.length, readEarly, (writer, i) => {
            const [m, route] = messages[i]!;
            if (route === null) return void writer.write(m);
            const scratch = m.slice();
            writer.writeRouted(route, scratch);
            scratch.fill(0xee);
          });
          expect(got).toEqual(expected);
        },
      ),
    );
  });

  it('regression (seed -832782990): an empty message queued behind a full ring is still delivered', () => {
    const memory = allocateRing(64);
    const writer = new RingWriter(memory);
    const reader = new RingReader(memory);
    const messages = [[0], [0], [0, 0, 0, 0, 0, 0, 0, 0, 0], []];
    for (const m of messages) writer.write(Uint8Array.from(m));
    expect(writer.pendingBytes).toBe(0);
    expect(writer.hasPending).toBe(true);
    const got: number[][] = [];
    for (let guard = 0; writer.hasPending || reader.hasData(); guard++) {
      if (guard > 100) throw new Error('ring made no progress');
      writer.flush();
      reader.drain((x) => got.push(Array.from(x)));
    }
    expect(got).toEqual(messages);
  });

  it('keeps a copy of a transient message it could not write, so the caller may reuse its bytes', () => {
    const memory = allocateRing(64);
    const writer = new RingWriter(memory);
    const reader = new RingReader(memory);
    const scratch = new Uint8Array(100).fill(5);
    writer.write(scratch, true);
    scratch.fill(9);
    const got: number[][] = [];
    for (let guard = 0; writer.hasPending || reader.hasData(); guard++) {
      if (guard > 1000) throw new Error('ring made no progress');
      writer.flush();
      reader.drain((x) => got.push(Array.from(x)));
    }
    expect(got).toEqual([Array.from(new Uint8Array(100).fill(5))]);
  });

  it('decoded batches alias neither the ring they were read from nor the buffer the decoder reuses', () => {
    const batches = (round: number) => [
      [[round, new Int32Array([5, -6, round]), new Uint8Array([1, 2, round])], ['x', new Float64Array([round / 2])]],
      [[round, new Int32Array([5, -6, round])], [round + 1, new Float64Array([round / 2, -round])]],
      [Buffer.from([7, 8, round]), Buffer.from(`bytes ${round}`)],
      [[round, 2], [3, 4]],
      [0.5, round + 1.5],
    ];
    const memory = allocateRing(1024);
    const writer = new RingWriter(memory);
    const reader = new RingReader(memory);
    const got: unknown[][] = [];
    for (let round = 0; round < 40; round++) {
      for (const b of batches(round)) writer.write(encodeData(0, 0, Timestamp.of(round), b));
      for (let guard = 0; writer.hasPending || reader.hasData(); guard++) {
        if (guard > 1000) throw new Error('ring made no progress');
        writer.flush();
        reader.drain((x) => {
          const m = decode(x);
          if (m.kind === 'data') got.push(m.records);
        });
      }
    }
    const bytes = (v: unknown): unknown => (v instanceof Uint8Array ? Array.from(v) : Array.isArray(v) ? v.map(bytes) : v);
    expect(got.map(bytes)).toEqual(Array.from({ length: 40 }, (_, round) => batches(round)).flat().map(bytes));
  });

  it('law: a message of several frames comes in memory of its own (`own`), which stays whole while the ring goes on; one of a single frame does not', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 30 }),
        fc.constantFrom(64, 128, 1024),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 10 }),
        (messages, capacity, readEarly) => {
          const memory = allocateRing(capacity);
          const writer = new RingWriter(memory);
          const reader = new RingReader(memory);
          // What is not the receiver's own is copied at once; what is, is kept as given.
          const got: { bytes: Uint8Array; own: boolean }[] = [];
          const take = (x: Uint8Array, own: boolean) => got.push({ bytes: own ? x : x.slice(), own });
          messages.forEach((m, i) => {
            writer.write(m.map((b, j) => (b + i + j) & 0xff));
            if (readEarly[i % readEarly.length]) reader.drain(take);
          });
          for (let guard = 0; writer.hasPending || reader.hasData(); guard++) {
            if (guard > 100_000) throw new Error('ring made no progress');
            writer.flush();
            reader.drain(take);
          }
          const maxFrame = capacity / 2 - 16;
          expect(got.map((g) => g.own)).toEqual(messages.map((m) => m.length > maxFrame));
          expect(got.map((g) => Array.from(g.bytes))).toEqual(messages.map((m, i) => Array.from(m, (b, j) => (b + i + j) & 0xff)));
        },
      ),
    );
  });

  it('decoding bytes of its own, a batch keeps its typed arrays as views of them; else it copies them', () => {
    const bytes = encodeData(0, 0, Timestamp.of(1), [[1, new Float64Array([0.5, 1.5, 2.5])]]);
    const kept = decode(bytes, true);
    const copied = decode(bytes);
    if (kept.kind !== 'data' || copied.kind !== 'data') throw new Error('not a data frame');
    const [, a] = kept.records[0] as [number, Float64Array];
    const [, b] = copied.records[0] as [number, Float64Array];
    expect([Array.from(a), Array.from(b)]).toEqual([[0.5, 1.5, 2.5], [0.5, 1.5, 2.5]]);
    expect(a.buffer).toBe(bytes.buffer);
    expect(b.buffer).not.toBe(bytes.buffer);
  });

  it('holds back what does not fit instead of overwriting', () => {
    const memory = allocateRing(64);
    const writer = new RingWriter(memory);
    writer.write(new Uint8Array(200).fill(7));
    expect(writer.pendingBytes).toBeGreaterThan(100);
    const reader = new RingReader(memory);
    expect(reader.drain(() => {})).toBe(0); // only part of the message is in
  });
});

describe('wire codec', () => {
  const records = fc.oneof(
    fc.array(fc.double({ noNaN: false })),
    fc.array(fc.tuple(fc.integer(), fc.double())),
    fc.array(fc.oneof(fc.string(), fc.record({ a: fc.integer(), b: fc.string() }, { noNullPrototype: true }), fc.tuple(fc.string(), fc.integer()))),
  );

  it('data batches round-trip, numeric and general', () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.nat(100_000), timestampOfDepth(2), records, (df, edge, time, rs) => {
        const m = decode(encodeData(df, edge, time, rs));
        expect(m.kind).toBe('data');
        if (m.kind !== 'data') return;
        expect([m.dataflow, m.edge, m.time.key]).toEqual([df, edge, time.key]);
        expect(m.records).toEqual(rs);
      }),
    );
  });

  const typedArray = fc.oneof(
    fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })).map((a) => Int32Array.from(a)),
    fc.array(fc.double()).map((a) => Float64Array.from(a)),
    fc.array(fc.integer({ min: 0, max: 255 })).map((a) => Uint8Array.from(a)),
    fc.array(fc.integer({ min: -32768, max: 32767 })).map((a) => Int16Array.from(a)),
    fc.array(fc.float()).map((a) => Float32Array.from(a)),
  );

  it('records of numbers and typed arrays round-trip, each array as its own class', () => {
    const rs = fc.array(fc.array(fc.oneof(fc.double(), typedArray), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(rs, timestampOfDepth(1), (records, time) => {
        const m = decode(encodeData(3, 4, time, records));
        if (m.kind !== 'data') throw new Error('not a data frame');
        expect(m.records).toEqual(records);
        (m.records as unknown[][]).forEach((r, i) => r.forEach((v, j) => expect((v as object).constructor).toBe((records[i]![j] as object).constructor)));
      }),
    );
  });

  it('records holding typed arrays travel without msgpackr, in 8-byte words, and decode from a shared ring without aliasing it', () => {
    const rs = [[1, new Int32Array([5, -6, 7]), new Float64Array([0.5, -1.25])], [2, new Int32Array(0), new Float64Array(1)]];
    const frame = encodeData(0, 0, Timestamp.of(0), rs);
    // head 16 + time 8; record 1: 8 + (8 + 8) + (8 + 16) + (8 + 16); record 2: 8 + (8 + 8) + 8 + (8 + 8).
    expect(frame.length).toBe(24 + 72 + 48);
    const shared = new Uint8Array(new SharedArrayBuffer(frame.length + 8));
    shared.set(frame, 8);
    const m = decode(shared.subarray(8));
    shared.fill(0);
    expect(m.kind === 'data' && m.records).toEqual(rs);
  });

  it('rejects an array batch with an unknown array type or cut short with MALFORMED_FRAME', () => {
    const frame = encodeData(0, 0, Timestamp.of(0), [[1, new Int32Array([5, 6])]]);
    const badType = frame.slice();
    // The second field's word: head 16 + time 8 + field count 8 + the number's 16.
    new DataView(badType.buffer).setUint32(48, 99, true);
    expect(() => decode(badType)).toThrowError(/MALFORMED_FRAME.*unknown array type 99|unknown array type 99/);
    expect(() => decode(frame.subarray(0, frame.length - 8).slice())).toThrowError(/cut short|left over/);
    // A record claiming 2^32 - 1 fields, and a batch claiming 2^32 - 1 records: errors, not huge arrays.
    const manyFields = frame.slice();
    new DataView(manyFields.buffer).setUint32(24, 0xffffffff, true);
    expect(() => decode(manyFields)).toThrowError(/MALFORMED_FRAME.*cut short|cut short/);
    const manyRecords = frame.slice();
    new DataView(manyRecords.buffer).setUint32(12, 0xffffffff, true);
    expect(() => decode(manyRecords)).toThrowError(/cut short/);
  });

  it('regression (seed from the typed-array law): records of a single number stay arrays', () => {
    for (const rs of [[[0]], [[2.5], [-1]]]) {
      const m = decode(encodeData(0, 0, Timestamp.of(0), rs));
      expect(m.kind === 'data' && m.records).toEqual(rs);
    }
  });

  it('integer records travel as int32, others as float64, and -0 stays -0', () => {
    const ints = encodeData(0, 0, Timestamp.of(0), [[1, 2], [3, -4]]);
    const floats = encodeData(0, 0, Timestamp.of(0), [[1, 2.5], [3, -4]]);
    expect(floats.length - ints.length).toBe(16);
    const m = decode(encodeData(0, 0, Timestamp.of(0), [0, -0, 2 ** 31]));
    expect(m.kind === 'data' && m.records.map((x) => Object.is(x, -0))).toEqual([false, true, false]);
  });

  it('regression: choosing a format never converts a record value (no valueOf, no toString, no join of a typed array)', () => {
    let conversions = 0;
    const counted = { valueOf: () => (conversions++, 1), toString: () => (conversions++, '1') };
    const array = new Float64Array(4);
    array.join = () => (conversions++, '');
    for (const rs of [[[1, array]], [[7, 8], [1, array]], [array]]) decode(encodeData(0, 0, Timestamp.of(0), rs));
    // An object with methods is refused (a function is not data), still without converting it.
    for (const rs of [[counted, 2], [[1, counted]]]) expect(() => encodeData(0, 0, Timestamp.of(0), rs)).toThrow(RecordRefusal);
    expect(conversions).toBe(0);
  });

  it('progress batches round-trip', () => {
    const u = [
      { location: 3, time: Timestamp.of(1, 2), delta: -1 },
      { location: 0, time: Timestamp.of(0), delta: 4 },
    ];
    const m = decode(new ProgressEncoder().encode(7, u));
    expect(m).toMatchObject({ kind: 'progress', dataflow: 7 });
    if (m.kind === 'progress') expect(m.updates.map((x) => [x.location, x.time.key, x.delta])).toEqual([[3, '1.2', -1], [0, '0', 4]]);
  });

  it('rejects malformed frames with MALFORMED_FRAME', () => {
    expect(() => decode(new Uint8Array(3))).toThrowError(/MALFORMED_FRAME/);
    expect(() => decode(new Uint8Array(16).fill(9))).toThrowError(/MALFORMED_FRAME/);
    const good = encodeData(0, 1, Timestamp.of(0), [1, 2, 3]);
    expect(() => decode(good.subarray(0, good.length - 8).slice())).toThrowError(/MALFORMED_FRAME/);
  });
});
