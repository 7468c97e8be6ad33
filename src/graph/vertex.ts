/** The vertex API: what a stage's vertex implements (onRecv, onNotify) and what it may call (sendBy, notifyAt). */
import type { TimestampOrder } from '../timestamps/order.js';
import type { Timestamp } from '../timestamps/timestamp.js';

/**
 * A stateful vertex, one per worker for each stage, receiving records of type `In`. Messages arrive in
 * batches that all carry one time; a batch belongs to its receiver only for the length of the call and
 * must not be changed.
 *
 * @example
 * // A vertex that sums each time's numbers and sends the total once the time is complete.
 * scope.stage<number, number>({
 *   name: 'total',
 *   inputs: [numbers],
 *   vertex: (ctx) => {
 *     const totals = new Map<string, { time: Timestamp; sum: number }>();
 *     return {
 *       onRecv(_port, batch, time) {
 *         const t = totals.get(time.key) ?? { time, sum: 0 };
 *         if (!totals.has(time.key)) (totals.set(time.key, t), ctx.notifyAt(time));
 *         for (const x of batch) t.sum += x;
 *       },
 *       onNotify(time) {
 *         ctx.sendBy(0, [totals.get(time.key)!.sum], time);
 *         totals.delete(time.key);
 *       },
 *     };
 *   },
 * });
 */
export interface Vertex<In = unknown> {
  /** A batch arrived on input `edge` (the input port) at `time`. */
  onRecv?(edge: number, batch: readonly In[], time: Timestamp): void;
  /** No message at any time ≤ `time` can arrive any more; requested earlier with `notifyAt(time)`. */
  onNotify?(time: Timestamp): void;
  /**
   * The input frontier changed (see `VertexContext.frontier`): called at the start of a step, after the
   * progress that moved it was applied. Here the vertex may act only at times ≥ one it holds (see
   * `VertexContext.hold`); anything else is NOT_IN_CALLBACK, since no callback time is held for it.
   */
  onFrontier?(frontier: readonly Timestamp[]): void;
}

/** What a vertex sending records of type `Out` can do. Calls are valid only inside its own callbacks, at times ≥ the callback's. */
export interface VertexContext<Out = unknown> {
  /** The stage's name. */
  readonly stage: string;
  /** This worker's index, in [0, peers). */
  readonly worker: number;
  /** How many workers run the dataflow. */
  readonly peers: number;
  /** Sends `batch` on output `edge` (the output port) at `time`. The batch must not be changed afterwards. */
  sendBy(edge: number, batch: Out[], time: Timestamp): void;
  /** Asks for `onNotify(time)` once no message at or before `time` can reach this vertex. */
  notifyAt(time: Timestamp): void;
  /**
   * The input frontier: the minimal times at which messages may still reach this vertex (empty once
   * nothing can). Every time not at or after one of them is complete. Read it anywhere, act only in callbacks.
   */
  frontier(): readonly Timestamp[];
  /** The dataflow's timestamp order, with its lattice join and meet. */
  readonly order: TimestampOrder;
  /**
   * Holds `time` (≥ the callback's time or ≥ a time already held): until it is released, no vertex
   * downstream sees its frontier pass `time`, and this vertex may send or hold at any time ≥ it, from
   * any callback, `onFrontier` included. This is timely's capability: what an operator that works when
   * its input frontier moves (rather than per notified time) keeps for the outputs it still owes.
   * Holding one time twice needs two releases.
   *
   * @example
   * onRecv(_port, batch, time) { if (!pending.has(time.key)) ctx.hold(time); pending.set(time.key, batch); },
   * onFrontier(frontier) { for (const t of completeTimes(frontier)) { ctx.sendBy(0, out(t), t); ctx.release(t); } },
   */
  hold(time: Timestamp): void;
  /** Gives back one hold of `time` (NOT_HELD if it is not held). */
  release(time: Timestamp): void;
  /**
   * Delivers the messages waiting for the other vertices of this worker (those not in a callback)
   * before the callback in progress goes on: a vertex making a large output sends it in pieces and lets
   * each be taken downstream, so that it is not all held at once. Every vertex must bear this (a worker
   * held back by a full channel does the same): it may receive messages while another vertex is inside
   * a callback, but never inside one of its own.
   *
   * @example
   * onRecv(_port, batch, time) { for (const piece of pieces(batch)) { ctx.sendBy(0, work(piece), time); ctx.flush(); } }
   */
  flush(): void;
}

/** How records on an edge reach the receiving stage's vertices. */
export type Pact =
  | { readonly kind: 'pipeline' }
  | { readonly kind: 'exchange'; readonly key: (record: any) => number | string };

/**
 * Records stay on the worker that sent them.
 *
 * @example scope.unary(stream, 'local', pipeline, (ctx) => ({ onRecv: (b, t) => ctx.send([...b], t) }))
 */
export const pipeline: Pact = { kind: 'pipeline' };

/**
 * Routes each record to the worker `hash(key(record)) mod peers`; the key is a number or a string.
 *
 * @example scope.unary(edges, 'by-source', exchangeBy(([src]: [number, number]) => src), logic)
 */
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
