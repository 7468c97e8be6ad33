/** The thread wire format: data batches and progress batches as bytes, with a compact path for numeric records. */
import { Packr } from 'msgpackr';
import { decodeUpdates, encodeUpdates, type PointstampUpdate } from '../progress/change-batch.js';
import { Timestamp } from '../timestamps/timestamp.js';
import { WorkerError } from './errors.js';

export const FrameKind = { data: 1, progress: 2 } as const;
/** How a data batch's records are laid out. */
const Format = { packed: 0, numbers: 1, tuples: 2 } as const;

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

export type WireMessage = DataMessage | ProgressMessage;

const packr = new Packr({ useRecords: false, moreTypes: false });
const HEAD = 16; // kind u8, format u8, width u8, depth u8, dataflow u32, edge u32, count u32

/**
 * Records that are all numbers travel as a Float64Array; records that are all arrays of the same small
 * number of numbers as a flat Float64Array; anything else through msgpackr.
 */
export function encodeData(dataflow: number, edge: number, time: Timestamp, records: readonly unknown[]): Uint8Array {
  const depth = time.counters.length;
  const timeBytes = 8 * (1 + depth);
  const count = records.length;
  const [format, width] = layout(records);
  const payloadBytes = format === Format.packed ? 0 : 8 * count * width;
  let packed: Uint8Array | undefined;
  if (format === Format.packed) packed = packr.pack(records);
  const out = new Uint8Array(HEAD + timeBytes + (packed?.length ?? payloadBytes));
  const view = new DataView(out.buffer);
  view.setUint8(0, FrameKind.data);
  view.setUint8(1, format);
  view.setUint8(2, width);
  view.setUint8(3, depth);
  view.setUint32(4, dataflow, true);
  view.setUint32(8, edge, true);
  view.setUint32(12, count, true);
  const f = new Float64Array(out.buffer, HEAD, 1 + depth + (packed === undefined ? count * width : 0));
  f[0] = time.epoch;
  for (let i = 0; i < depth; i++) f[1 + i] = time.counters[i]!;
  const at = 1 + depth;
  if (format === Format.numbers) {
    for (let i = 0; i < count; i++) f[at + i] = records[i] as number;
  } else if (format === Format.tuples) {
    let k = at;
    for (let i = 0; i < count; i++) {
      const r = records[i] as number[];
      for (let j = 0; j < width; j++) f[k++] = r[j]!;
    }
  } else out.set(packed!, HEAD + timeBytes);
  return out;
}

function layout(records: readonly unknown[]): [number, number] {
  const n = records.length;
  if (n === 0) return [Format.numbers, 1];
  const first = records[0];
  if (typeof first === 'number') {
    for (let i = 1; i < n; i++) if (typeof records[i] !== 'number') return [Format.packed, 0];
    return [Format.numbers, 1];
  }
  if (Array.isArray(first) && first.length > 0 && first.length < 256) {
    const w = first.length;
    for (let i = 0; i < n; i++) {
      const r = records[i];
      if (!Array.isArray(r) || r.length !== w) return [Format.packed, 0];
      for (let j = 0; j < w; j++) if (typeof r[j] !== 'number') return [Format.packed, 0];
    }
    return [Format.tuples, w];
  }
  return [Format.packed, 0];
}

export function encodeProgress(dataflow: number, updates: readonly PointstampUpdate[]): Uint8Array {
  const flat = encodeUpdates(updates);
  const out = new Uint8Array(8 + 8 * flat.length);
  const view = new DataView(out.buffer);
  view.setUint8(0, FrameKind.progress);
  view.setUint32(4, dataflow, true);
  new Float64Array(out.buffer, 8, flat.length).set(flat);
  return out;
}

/** Decodes one message; anything malformed is a MALFORMED_FRAME error naming what is wrong. */
export function decode(message: Uint8Array): WireMessage {
  if (message.byteOffset % 8 !== 0) message = message.slice();
  if (message.length < 8) throw malformed('a frame shorter than its header', message.length);
  const view = new DataView(message.buffer, message.byteOffset, message.length);
  const kind = view.getUint8(0);
  const dataflow = view.getUint32(4, true);
  if (kind === FrameKind.progress) {
    if ((message.length - 8) % 8 !== 0) throw malformed('a progress frame of odd length', message.length);
    const flat = new Float64Array(message.buffer, message.byteOffset + 8, (message.length - 8) / 8);
    return { kind: 'progress', dataflow, updates: decodeUpdates(flat) };
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
  const time = Timestamp.fromArray(Array.from(coords));
  const at = HEAD + timeBytes;
  let records: unknown[];
  if (format === Format.packed) {
    records = packr.unpack(message.subarray(at)) as unknown[];
    if (!Array.isArray(records) || records.length !== count) throw malformed('a packed batch that is not an array of the stated length', message.length);
  } else if (format === Format.numbers || format === Format.tuples) {
    const w = format === Format.numbers ? 1 : width;
    if (message.length !== at + 8 * count * w || w === 0) throw malformed('a numeric batch of the wrong length', message.length);
    const f = new Float64Array(message.buffer, message.byteOffset + at, count * w);
    records = new Array(count);
    if (format === Format.numbers) for (let i = 0; i < count; i++) records[i] = f[i];
    else for (let i = 0, k = 0; i < count; i++) {
      const r = new Array<number>(w);
      for (let j = 0; j < w; j++) r[j] = f[k++]!;
      records[i] = r;
    }
  } else throw malformed(`unknown record format ${format}`, message.length);
  return { kind: 'data', dataflow, edge, time, records };
}

function malformed(what: string, length: number): WorkerError {
  return new WorkerError('MALFORMED_FRAME', `${what}: the peer sent bytes this runtime cannot read`, { length });
}
