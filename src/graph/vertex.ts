/** The vertex API: what a stage's vertex implements (onRecv, onNotify) and what it may call (sendBy, notifyAt). */
import type { Timestamp } from '../timestamps/timestamp.js';

/**
 * A stateful vertex, one per worker for each stage. Messages arrive in batches that all carry one time;
 * a batch belongs to its receiver only for the length of the call and must not be changed.
 */
export interface Vertex {
  /** A batch arrived on input `edge` (the input port) at `time`. */
  onRecv?(edge: number, batch: readonly unknown[], time: Timestamp): void;
  /** No message at any time ≤ `time` can arrive any more; requested earlier with `notifyAt(time)`. */
  onNotify?(time: Timestamp): void;
}

/** What a vertex can do. Calls are valid only inside its own callbacks, at times ≥ the callback's. */
export interface VertexContext {
  /** The stage's name. */
  readonly stage: string;
  /** This worker's index, in [0, peers). */
  readonly worker: number;
  /** How many workers run the dataflow. */
  readonly peers: number;
  /** Sends `batch` on output `edge` (the output port) at `time`. The batch must not be changed afterwards. */
  sendBy(edge: number, batch: unknown[], time: Timestamp): void;
  /** Asks for `onNotify(time)` once no message at or before `time` can reach this vertex. */
  notifyAt(time: Timestamp): void;
}

/** How records on an edge reach the receiving stage's vertices. */
export type Pact =
  | { readonly kind: 'pipeline' }
  | { readonly kind: 'exchange'; readonly key: (record: any) => number | string };

export const pipeline: Pact = { kind: 'pipeline' };

/** Routes each record to the worker `hash(key(record)) mod peers`. */
export function exchangeBy<T>(key: (record: T) => number | string): Pact {
  return { kind: 'exchange', key };
}

/** A non-negative 32-bit hash of a key, the same on every worker. */
export function hashKey(key: number | string): number {
  if (typeof key === 'number') {
    if (Number.isInteger(key) && key >= 0 && key <= 0xffffffff) return key >>> 0;
    key = String(key);
  }
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
