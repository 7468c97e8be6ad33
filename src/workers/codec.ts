/** The thread wire format: data batches and progress batches as bytes, with a compact path for numeric records. */
import { createRequire } from 'node:module';
import type { Packr } from 'msgpackr';
import { deserialize, serialize } from 'node:v8';
import type { GraphShape } from '../graph/logical.js';
import { Carry, checkBatch } from '../graph/records.js';
import { decodeUpdates, encodedLength, encodeUpdates, type PointstampUpdate } from '../progress/change-batch.js';
import { Timestamp } from '../timestamps/timestamp.js';
import { WorkerError } from './errors.js';

export const FrameKind = { data: 1, progress: 2, shape: 3 } as const;
/**
 * How a data batch's records are laid out: msgpackr; flat numbers as float64 or (all int32) as int32;
 * or `arrays`, records that are arrays of numbers and typed arrays (see `encodeArrays`).
 */
const Format = { packed: 0, numbers: 1, tuples: 2, ints: 3, intTuples: 4, arrays: 5, exact: 6 } as const;

/** The typed arrays the `arrays` format carries, by their code on the wire (code 0 is a number). */
const ARRAY_TYPES = [Int8Array, Uint8Array, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array] as const;
type WireArray = InstanceType<(typeof ARRAY_TYPES)[number]>;

export interface DataMessage {
  readonly kind: 'data';
  readonly dataflow: number;
  readonly edge: number;
  readonly time: Timestamp;
  readonly records: unknown[];
}

export interface ProgressMessage {
  readonly kind: 'progress';
  readonly dataflow: number;
  readonly updates: PointstampUpdate[];
}

/** The shape of a dataflow as its sender built it: every worker must build the same. */
export interface ShapeMessage {
  readonly kind: 'shape';
  readonly dataflow: number;
  readonly shape: GraphShape;
}

export type WireMessage = DataMessage | ProgressMessage | ShapeMessage;

/** A shape frame: kind u8, 3 bytes of padding, dataflow u32, hash u32, stages u32, edges u32, the name in UTF-8. */
export function encodeShape(dataflow: number, shape: GraphShape): Uint8Array {
  const name = Buffer.from(shape.name, 'utf8');
  const out = new Uint8Array(20 + name.length);
  const view = new DataView(out.buffer);
  view.setUint8(0, FrameKind.shape);
  view.setUint32(4, dataflow, true);
  view.setUint32(8, shape.hash, true);
  view.setUint32(12, shape.stages, true);
  view.setUint32(16, shape.edges, true);
  out.set(name, 20);
  return out;
}

let packr: Packr | undefined;

/**
 * msgpackr, loaded on first use: a worker whose batches are all numeric never loads it (loading it took
 * about 11 ms of each thread's start, some 4 ms of that spent looking for its optional native addon).
 * Records (msgpackr's default): a plain object travels as a record of its keys, defined within each
 * message, so a `Map` stays a `Map` (without records both are msgpack maps and a `Map` came back as an
 * object); objects of one shape encode about twice as fast (7.2 against 3.0 M records/s, 14 against 30
 * bytes a record, for `{ id, name, score }`).
 * moreTypes: typed arrays and Set round-trip (without it msgpackr writes typed arrays as bytes of the wrong length).
 * copyBuffers: decoded binary data never aliases the frame, which may be a view of a ring.
 */
function packer(): Packr {
  if (packr === undefined) {
    const { Packr } = createRequire(import.meta.url)('msgpackr') as typeof import('msgpackr');
    packr = new Packr({ moreTypes: true, copyBuffers: true });
  }
  return packr;
}
const HEAD = 16; // kind u8, format u8, width u8, depth u8, dataflow u32, edge u32, count u32

/**
 * Records that are all numbers, or all arrays of the same small number of numbers, travel flat: as
 * 32-bit integers when every value is one, else as float64; arrays of numbers and typed arrays in the
 * `arrays` format; anything else goes through msgpackr, once `checkBatch` has found every record to be
 * data (else it throws a RecordRefusal), or through V8's serializer when a record holds what msgpackr
 * would change (`-0`, an array hole, a lone surrogate, an own `__proto__` key, an invalid Date).
 */
export function encodeData(dataflow: number, edge: number, time: Timestamp, records: readonly unknown[]): Uint8Array {
  const count = records.length;
  const first = records[0];
  // Bare numbers have width 0 here; a batch of arrays takes the first record's length.
  const width = count === 0 || typeof first === 'number' ? 0 : Array.isArray(first) && first.length > 0 && first.length < 256 ? first.length : -1;
  if (width >= 0) {
    const flat = encodeFlat(dataflow, edge, time, records, width);
    if (flat !== undefined) return flat;
  }
  if (allArrays(records)) return encodeArrays(dataflow, edge, time, records as readonly (readonly unknown[])[]);
  const exact = checkBatch(records) === Carry.exact;
  const packed = exact ? serialize(records) : packer().pack(records);
  const out = new Uint8Array(HEAD + 8 * (1 + time.counters.length) + packed.length);
  out.set(packed, writeHead(out, exact ? Format.exact : Format.packed, 0, dataflow, edge, time, count));
  return out;
}

/**
 * The flat formats, each tried in one pass that checks the records as it writes them: 32-bit integers
 * (unless the first record already rules them out), then float64. Undefined when some record is not a
 * number (width 0) or not `width` numbers.
 */
function encodeFlat(dataflow: number, edge: number, time: Timestamp, records: readonly unknown[], width: number): Uint8Array | undefined {
  const count = records.length;
  const values = count * Math.max(width, 1);
  const at = HEAD + 8 * (1 + time.counters.length);
  if (count === 0 || (width === 0 ? isInt32(records[0]) : (records[0] as unknown[]).every(isInt32))) {
    const ints = new Uint8Array(at + 4 * values);
    const i32 = new Int32Array(ints.buffer, at, values);
    if (width === 0 ? intsInto(i32, records) : intTuplesInto(i32, records, width)) {
      writeHead(ints, width === 0 ? Format.ints : Format.intTuples, Math.max(width, 1), dataflow, edge, time, count);
      return ints;
    }
  }
  const floats = new Uint8Array(at + 8 * values);
  const f64 = new Float64Array(floats.buffer, at, values);
  if (width === 0 ? numbersInto(f64, records) : tuplesInto(f64, records, width)) {
    writeHead(floats, width === 0 ? Format.numbers : Format.tuples, Math.max(width, 1), dataflow, edge, time, count);
    return floats;
  }
  return undefined;
}

/**
 * Whether `v` is a 32-bit integer that reads back the same (so not -0). The type comes first: `| 0` on
 * anything else would convert it, a typed array to the string of all its elements.
 */
function isInt32(v: unknown): boolean {
  return typeof v === 'number' && (v | 0) === v && (v !== 0 || 1 / v > 0);
}

/** Writes bare numbers as int32 while they are; false at the first that is not. */
function intsInto(out: Int32Array, records: readonly unknown[]): boolean {
  for (let i = 0; i < records.length; i++) {
    const v = records[i];
    if (!isInt32(v)) return false;
    out[i] = v as number;
  }
  return true;
}

function numbersInto(out: Float64Array, records: readonly unknown[]): boolean {
  for (let i = 0; i < records.length; i++) {
    const v = records[i];
    if (typeof v !== 'number') return false;
    out[i] = v;
  }
  return true;
}

/** Writes records of `width` numbers as int32 while they are; false at the first record that is not. */
function intTuplesInto(out: Int32Array, records: readonly unknown[], width: number): boolean {
  if (width === 2) {
    // The common case, a pair, without the inner loop.
    for (let i = 0, k = 0; i < records.length; i++, k += 2) {
      const r = records[i];
      if (!isPlainArray(r) || r.length !== 2) return false;
      const a: unknown = r[0];
      const b: unknown = r[1];
      if (!isInt32(a) || !isInt32(b)) return false;
      out[k] = a as number;
      out[k + 1] = b as number;
    }
    return true;
  }
  for (let i = 0, k = 0; i < records.length; i++) {
    const r = records[i];
    if (!isPlainArray(r) || r.length !== width) return false;
    for (let j = 0; j < width; j++) {
      const v: unknown = r[j];
      if (!isInt32(v)) return false;
      out[k++] = v as number;
    }
  }
  return true;
}

function tuplesInto(out: Float64Array, records: readonly unknown[], width: number): boolean {
  for (let i = 0, k = 0; i < records.length; i++) {
    const r = records[i];
    if (!isPlainArray(r) || r.length !== width) return false;
    for (let j = 0; j < width; j++) {
      const v: unknown = r[j];
      if (typeof v !== 'number') return false;
      out[k++] = v;
    }
  }
  return true;
}

/**
 * An array made by `[]` or `Array`, not an instance of a subclass (which the flat formats would turn
 * into a plain array). Told by `constructor`: Object.getPrototypeOf is four times slower in these loops.
 */
function isPlainArray(r: unknown): r is unknown[] {
  return Array.isArray(r) && r.constructor === Array;
}

/** The frame's header and time; returns where the records start. */
function writeHead(out: Uint8Array, format: number, width: number, dataflow: number, edge: number, time: Timestamp, count: number): number {
  const depth = time.counters.length;
  const view = new DataView(out.buffer, out.byteOffset, out.length);
  view.setUint8(0, FrameKind.data);
  view.setUint8(1, format);
  view.setUint8(2, width);
  view.setUint8(3, depth);
  view.setUint32(4, dataflow, true);
  view.setUint32(8, edge, true);
  view.setUint32(12, count, true);
  const t = new Float64Array(out.buffer, out.byteOffset + HEAD, 1 + depth);
  t[0] = time.epoch;
  for (let i = 0; i < depth; i++) t[1 + i] = time.counters[i]!;
  return HEAD + 8 * (1 + depth);
}

/** The wire code of a typed array the `arrays` format carries (exactly that class, not a subclass such as Buffer), or -1. */
function arrayCode(v: unknown): number {
  if (typeof v !== 'object' || v === null) return -1;
  const c = (v as object).constructor;
  for (let i = 0; i < ARRAY_TYPES.length; i++) if (ARRAY_TYPES[i] === c) return i + 1;
  return -1;
}

/** Bytes rounded up to a multiple of 8. */
function padded(bytes: number): number {
  return (bytes + 7) & ~7;
}

/**
 * Records that are arrays of numbers and typed arrays, each field in 8-byte words: a record's field
 * count, then per field a word with its code (0 a number, else the typed array's) and element count,
 * followed by the number as float64 or the array's bytes (padded to 8). No msgpackr, one copy each way.
 */
function encodeArrays(dataflow: number, edge: number, time: Timestamp, records: readonly (readonly unknown[])[]): Uint8Array {
  let bytes = 0;
  for (const r of records) {
    bytes += 8;
    for (const v of r) bytes += 8 + (typeof v === 'number' ? 8 : padded((v as WireArray).byteLength));
  }
  const out = new Uint8Array(HEAD + 8 * (1 + time.counters.length) + bytes);
  let at = writeHead(out, Format.arrays, 0, dataflow, edge, time, records.length);
  const view = new DataView(out.buffer);
  for (const r of records) {
    view.setUint32(at, r.length, true);
    at += 8;
    for (const v of r) {
      if (typeof v === 'number') {
        view.setUint32(at, 0, true);
        view.setFloat64(at + 8, v, true);
        at += 16;
        continue;
      }
      const a = v as WireArray;
      view.setUint32(at, arrayCode(a), true);
      view.setUint32(at + 4, a.length, true);
      out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at + 8);
      at += 8 + padded(a.byteLength);
    }
  }
  return out;
}

/**
 * Reads `count` records of the `arrays` format from `message` at `at` (8-aligned). Each typed array is
 * copied out, or, when `message` is this decoder's own copy (`owned`), a view of it.
 */
function decodeArrays(message: Uint8Array, at: number, count: number, owned: boolean): unknown[] {
  const view = new DataView(message.buffer, message.byteOffset, message.length);
  const end = message.length;
  // Every record takes at least a word, and every field at least a word more.
  if (count * 8 > end - at) throw malformed('an array batch cut short', end);
  const records = new Array<unknown>(count);
  for (let i = 0; i < count; i++) {
    if (at + 8 > end) throw malformed('an array batch cut short', end);
    const fields = view.getUint32(at, true);
    at += 8;
    if (fields * 8 > end - at) throw malformed('an array batch cut short', end);
    const r = new Array<unknown>(fields);
    for (let j = 0; j < fields; j++) {
      if (at + 8 > end) throw malformed('an array batch cut short', end);
      const code = view.getUint32(at, true);
      const length = view.getUint32(at + 4, true);
      at += 8;
      if (code === 0) {
        if (at + 8 > end) throw malformed('an array batch cut short', end);
        r[j] = view.getFloat64(at, true);
        at += 8;
        continue;
      }
      const Type = ARRAY_TYPES[code - 1];
      if (Type === undefined) throw malformed(`an unknown array type ${code}`, end);
      const byteLength = length * Type.BYTES_PER_ELEMENT;
      if (at + byteLength > end) throw malformed('an array batch cut short', end);
      const array = new Type(message.buffer as ArrayBuffer, message.byteOffset + at, length);
      r[j] = owned ? array : array.slice();
      at += padded(byteLength);
    }
    records[i] = r;
  }
  if (at !== end) throw malformed('an array batch with bytes left over', end);
  return records;
}

/** Whether every record is an array (of fewer than 2^16 fields) of numbers and typed arrays that `arrayCode` knows, with at least one typed array in all. */
function allArrays(records: readonly unknown[]): boolean {
  let typed = false;
  for (const r of records) {
    if (!isPlainArray(r) || r.length >= 1 << 16) return false;
    for (const v of r) {
      if (typeof v === 'number') continue;
      if (arrayCode(v) < 0) return false;
      typed = true;
    }
  }
  return typed;
}

/** Encodes progress frames into one buffer it reuses: each frame is valid until the next `encode`. */
export class ProgressEncoder {
  private words = new Float64Array(32);

  encode(dataflow: number, updates: readonly PointstampUpdate[]): Uint8Array {
    const n = encodedLength(updates);
    if (this.words.length < n + 1) this.words = new Float64Array(Math.max(n + 1, 2 * this.words.length));
    const bytes = new Uint8Array(this.words.buffer, 0, 8 + 8 * n);
    bytes.fill(0, 0, 8);
    bytes[0] = FrameKind.progress;
    new DataView(this.words.buffer).setUint32(4, dataflow, true);
    encodeUpdates(updates, this.words.subarray(1, 1 + n));
    return bytes;
  }
}

/**
 * Decodes one message; anything malformed is a MALFORMED_FRAME error naming what is wrong. The result
 * never aliases `message`, which may be a view of a ring that is reused once this returns, unless
 * `own` says the bytes are the caller's to give away (a message gathered from several frames): typed
 * arrays in its records may then be views of them, sparing a copy of each.
 */
export function decode(message: Uint8Array, own = false): WireMessage {
  // Read from a private copy when the bytes lie in shared memory (a ring): V8 reads shared typed
  // arrays element by element, so decoding in place took 0.40 ms for a 640 KB batch holding one
  // Float64Array, against 0.16 ms for a byte copy then decoding; and when they are not 8-aligned.
  // A small frame is copied into a scratch buffer that the next decode reuses (what is decoded from
  // it is copied out, typed arrays included), sparing an ArrayBuffer per progress batch.
  const copy = message.byteOffset % 8 !== 0 || message.buffer instanceof SharedArrayBuffer;
  let owned = own && !copy;
  if (copy && message.length <= SCRATCH_LIMIT) message = intoScratch(message);
  else if (copy) {
    message = message.slice();
    owned = true;
  }
  if (message.length < 8) throw malformed('a frame shorter than its header', message.length);
  const view = new DataView(message.buffer, message.byteOffset, message.length);
  const kind = view.getUint8(0);
  const dataflow = view.getUint32(4, true);
  if (kind === FrameKind.progress) {
    if ((message.length - 8) % 8 !== 0) throw malformed('a progress frame of odd length', message.length);
    const flat = new Float64Array(message.buffer, message.byteOffset + 8, (message.length - 8) / 8);
    return { kind: 'progress', dataflow, updates: decodeUpdates(flat) };
  }
  if (kind === FrameKind.shape) {
    if (message.length < 20) throw malformed('a shape frame shorter than its header', message.length);
    const name = Buffer.from(message.buffer, message.byteOffset + 20, message.length - 20).toString('utf8');
    return { kind: 'shape', dataflow, shape: { name, hash: view.getUint32(8, true), stages: view.getUint32(12, true), edges: view.getUint32(16, true) } };
  }
  if (kind !== FrameKind.data) throw malformed(`unknown frame kind ${kind}`, message.length);
  if (message.length < HEAD) throw malformed('a data frame shorter than its header', message.length);
  const format = view.getUint8(1);
  const width = view.getUint8(2);
  const depth = view.getUint8(3);
  const edge = view.getUint32(8, true);
  const count = view.getUint32(12, true);
  const timeBytes = 8 * (1 + depth);
  if (message.length < HEAD + timeBytes) throw malformed('a data frame cut short in its time', message.length);
  const coords = new Float64Array(message.buffer, message.byteOffset + HEAD, 1 + depth);
  const counters: number[] = [];
  for (let i = 1; i <= depth; i++) counters.push(coords[i]!);
  const time = Timestamp.of(coords[0]!, ...counters);
  const at = HEAD + timeBytes;
  let records: unknown[];
  if (format === Format.packed || format === Format.exact) {
    try {
      // The exact format's typed arrays are views of the bytes it reads: give it a copy of its own.
      records = (format === Format.packed ? packer().unpack(message.subarray(at)) : deserialize(Buffer.from(message.subarray(at)))) as unknown[];
    } catch (err) {
      throw malformed(`a ${format === Format.packed ? 'packed' : 'serialized'} batch that cannot be read (${(err as Error).message})`, message.length);
    }
    if (!Array.isArray(records) || records.length !== count) throw malformed('a packed batch that is not an array of the stated length', message.length);
  } else if (format === Format.arrays) {
    records = decodeArrays(message, at, count, owned);
  } else if (format >= Format.numbers && format <= Format.intTuples) {
    const w = format === Format.numbers || format === Format.ints ? 1 : width;
    const bytesPer = format === Format.ints || format === Format.intTuples ? 4 : 8;
    if (message.length !== at + bytesPer * count * w || w === 0) throw malformed('a numeric batch of the wrong length', message.length);
    const f = bytesPer === 4 ? new Int32Array(message.buffer, message.byteOffset + at, count * w) : new Float64Array(message.buffer, message.byteOffset + at, count * w);
    records = format === Format.numbers || format === Format.ints ? Array.from(f) : tuples(f, count, w);
  } else throw malformed(`unknown record format ${format}`, message.length);
  return { kind: 'data', dataflow, edge, time, records };
}

/** Frames up to this many bytes are decoded from the scratch buffer. */
const SCRATCH_LIMIT = 64 << 10;
let scratch = new Uint8Array(1 << 10);

/** `message`'s bytes in the scratch buffer (valid until the next call). */
function intoScratch(message: Uint8Array): Uint8Array {
  if (scratch.length < message.length) scratch = new Uint8Array(Math.min(SCRATCH_LIMIT, Math.max(message.length, 2 * scratch.length)));
  scratch.set(message);
  return scratch.subarray(0, message.length);
}

/** Records of `w` numbers each, built as packed array literals (as the sender's own code would make them). */
function tuples(f: Int32Array | Float64Array, count: number, w: number): unknown[] {
  const out = new Array<unknown>(count);
  if (w === 1) for (let i = 0; i < count; i++) out[i] = [f[i]];
  else if (w === 2) for (let i = 0, k = 0; i < count; i++, k += 2) out[i] = [f[k], f[k + 1]];
  else if (w === 3) for (let i = 0, k = 0; i < count; i++, k += 3) out[i] = [f[k], f[k + 1], f[k + 2]];
  else if (w === 4) for (let i = 0, k = 0; i < count; i++, k += 4) out[i] = [f[k], f[k + 1], f[k + 2], f[k + 3]];
  else {
    for (let i = 0, k = 0; i < count; i++) {
      const r: number[] = [];
      for (let j = 0; j < w; j++) r.push(f[k++]!);
      out[i] = r;
    }
  }
  return out;
}

function malformed(what: string, length: number): WorkerError {
  return new WorkerError('MALFORMED_FRAME', `${what}: the peer sent bytes this runtime cannot read`, { length });
}
