/**
 * Frames: what one process sends another once they are connected — batches of worker messages, small
 * control messages, and a process's results — and the decoder that turns any bytes into a frame or a
 * MALFORMED_FRAME error.
 */
import { deserialize, serialize } from 'node:v8';
import { BROADCAST } from '../workers/mesh.js';
import { NetError } from './errors.js';

export const FrameType = { data: 1, control: 2, results: 3 } as const;

/** A batch's first buffer: small enough for Node's buffer pool (a fresh 64 KiB buffer per frame cost more than the frame). */
const SMALL = 2048;
/** Bytes of a data entry's header: route u32, sender u32, length u32 (little-endian). */
const ENTRY = 12;

/** Control messages, tagged by `t`. */
export type Control =
  /** Nothing else to say for a while: the sender is alive. */
  | { readonly t: 'beat' }
  /** From process 0: report your state for quiescence wave `wave`. */
  | { readonly t: 'probe'; readonly wave: number }
  /** The answer to a probe (see `Gateway`): `activity` is -1 unless every local worker is idle. */
  | { readonly t: 'state'; readonly wave: number; readonly activity: number; readonly sent: number; readonly received: number }
  /** From process 0: no worker anywhere can act again. */
  | { readonly t: 'quiesce' }
  /** Every worker of the sender has finished; nothing more will come from it. */
  | { readonly t: 'done' }
  /** The sender's computation failed with `error` (an ErrorRecord): stop. */
  | { readonly t: 'abort'; readonly error: unknown }
  /** With direct links: the ports the sender's workers listen on, in worker order. */
  | { readonly t: 'ports'; readonly ports: readonly number[] };

/** A process's workers' results, sent to process 0 at the end. */
export interface ResultsFrame {
  readonly results: unknown[];
  readonly stats: unknown[];
}

/**
 * Collects worker messages for one peer into one data frame. The bytes are copied in: they may be a
 * view of a ring, reused as soon as the caller returns.
 */
export class DataBatch {
  private buffer = Buffer.allocUnsafe(SMALL);
  private used = 1;
  entries = 0;

  add(route: number, from: number, message: Uint8Array): void {
    const need = this.used + ENTRY + message.length;
    if (need > this.buffer.length) {
      const bigger = Buffer.allocUnsafe(Math.max(need, 2 * this.buffer.length));
      this.buffer.copy(bigger, 0, 0, this.used);
      this.buffer = bigger;
    }
    const b = this.buffer;
    b.writeUInt32LE(route, this.used);
    b.writeUInt32LE(from, this.used + 4);
    b.writeUInt32LE(message.length, this.used + 8);
    b.set(message, this.used + ENTRY);
    this.used = need;
    this.entries++;
  }

  get bytes(): number {
    return this.used - 1;
  }

  /** The frame so far (handed over: the batch starts a new buffer), or null when empty. */
  take(): Buffer | null {
    if (this.entries === 0) return null;
    const frame = this.buffer.subarray(0, this.used);
    frame[0] = FrameType.data;
    // The next batch starts as large as this one was (small ones come from Node's buffer pool).
    this.buffer = Buffer.allocUnsafe(this.used <= SMALL ? SMALL : Math.min(this.buffer.length, 4 << 20));
    this.used = 1;
    this.entries = 0;
    return frame;
  }
}

export function encodeControl(message: Control): Buffer {
  const json = Buffer.from(JSON.stringify(message), 'utf8');
  const out = Buffer.allocUnsafe(1 + json.length);
  out[0] = FrameType.control;
  json.copy(out, 1);
  return out;
}

export function encodeResults(frame: ResultsFrame): Buffer {
  const body = serialize(frame);
  const out = Buffer.allocUnsafe(1 + body.length);
  out[0] = FrameType.results;
  body.copy(out, 1);
  return out;
}

/** Who sent a frame and who receives it: which workers each has. */
export interface FrameContext {
  /** The sending process, and its first worker's global index. */
  readonly peer: number;
  readonly peerFirst: number;
  /** This process's first worker, and the workers per process. */
  readonly first: number;
  readonly workers: number;
  /** How to name the sender in a message, e.g. "process 1 (127.0.0.1:4101)". */
  readonly name: string;
}

export type Decoded = { readonly type: 'data'; readonly entries: number } | { readonly type: 'control'; readonly control: Control } | { readonly type: 'results'; readonly results: ResultsFrame };

/**
 * Decodes one frame from a peer. A data frame's entries go to `deliver` as they are read (route, a local
 * worker's global index or BROADCAST; sender, a worker of the peer); anything that is not a frame of this
 * protocol — a short or overlong entry, a route or sender out of place, a control message of an unknown
 * shape — throws MALFORMED_FRAME naming the peer, never another exception.
 */
export function decodeFrame(bytes: Uint8Array, context: FrameContext, deliver: (route: number, from: number, message: Uint8Array) => void): Decoded {
  if (bytes.length === 0) throw malformed(context, 'an empty frame');
  const type = bytes[0];
  if (type === FrameType.data) {
    // Every entry is checked before any is delivered: a frame is taken whole or not at all.
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let at = 1;
    let entries = 0;
    while (at < bytes.length) {
      if (at + ENTRY > bytes.length) throw malformed(context, `a data entry cut short at byte ${at} of ${bytes.length}`);
      const route = view.getUint32(at, true);
      const from = view.getUint32(at + 4, true);
      const length = view.getUint32(at + 8, true);
      if (route !== BROADCAST && (route < context.first || route >= context.first + context.workers)) {
        throw malformed(context, `a message for worker ${route}, which is not one of this process's (${context.first} to ${context.first + context.workers - 1})`);
      }
      if (from < context.peerFirst || from >= context.peerFirst + context.workers) {
        throw malformed(context, `a message from worker ${from}, which is not one of the sender's (${context.peerFirst} to ${context.peerFirst + context.workers - 1})`);
      }
      if (at + ENTRY + length > bytes.length) throw malformed(context, `a data entry of ${length} bytes where ${bytes.length - at - ENTRY} remain`);
      at += ENTRY + length;
      entries++;
    }
    if (entries === 0) throw malformed(context, 'a data frame without entries');
    at = 1;
    while (at < bytes.length) {
      const length = view.getUint32(at + 8, true);
      deliver(view.getUint32(at, true), view.getUint32(at + 4, true), bytes.subarray(at + ENTRY, at + ENTRY + length));
      at += ENTRY + length;
    }
    return { type: 'data', entries };
  }
  if (type === FrameType.control) {
    let value: unknown;
    try {
      value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 1, bytes.byteLength - 1).toString('utf8'));
    } catch {
      throw malformed(context, 'a control message that is not JSON');
    }
    return { type: 'control', control: checkControl(value, context) };
  }
  if (type === FrameType.results) {
    let value: unknown;
    try {
      value = deserialize(Buffer.from(bytes.buffer, bytes.byteOffset + 1, bytes.byteLength - 1));
    } catch (err) {
      throw malformed(context, `a results frame that cannot be read (${(err as Error).message})`);
    }
    const r = value as ResultsFrame;
    if (value === null || typeof value !== 'object' || !Array.isArray(r.results) || !Array.isArray(r.stats) || r.results.length !== context.workers || r.stats.length !== context.workers) {
      throw malformed(context, `a results frame without one result and one stats entry per worker (${context.workers})`);
    }
    return { type: 'results', results: r };
  }
  throw malformed(context, `a frame of unknown type ${type}`);
}

function checkControl(value: unknown, context: FrameContext): Control {
  const v = value as Record<string, unknown>;
  const count = (x: unknown) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    switch (v['t']) {
      case 'beat':
      case 'quiesce':
      case 'done':
        return { t: v['t'] };
      case 'probe':
        if (count(v['wave'])) return { t: 'probe', wave: v['wave'] as number };
        break;
      case 'state':
        if (count(v['wave']) && (count(v['activity']) || v['activity'] === -1) && count(v['sent']) && count(v['received'])) {
          return { t: 'state', wave: v['wave'] as number, activity: v['activity'] as number, sent: v['sent'] as number, received: v['received'] as number };
        }
        break;
      case 'abort':
        if (v['error'] !== null && typeof v['error'] === 'object') return { t: 'abort', error: v['error'] };
        break;
      case 'ports': {
        const ports = v['ports'];
        if (Array.isArray(ports) && ports.length === context.workers && ports.every((p) => Number.isInteger(p) && p >= 1 && p <= 65535)) return { t: 'ports', ports: ports as number[] };
        break;
      }
    }
  }
  throw malformed(context, `a control message of unknown shape: ${JSON.stringify(value)?.slice(0, 120)}`);
}

function malformed(context: FrameContext, what: string): NetError {
  return new NetError('MALFORMED_FRAME', `${context.name} sent ${what}: it does not speak this protocol, or the link corrupted the bytes; the computation stops`, { process: context.peer });
}
