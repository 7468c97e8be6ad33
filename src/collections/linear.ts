/** The operators that work update by update (map, filter, flatMap, negate, inspect) and consolidation per time. */
import type { Stream } from '../graph/stream.js';
import { exchangeBy, pipeline } from '../graph/vertex.js';
import type { Timestamp } from '../timestamps/timestamp.js';
import { Consolidator, dueToConsolidate, MESSAGE_UPDATES, type Update } from './consolidate.js';
import { CollectionError } from './errors.js';
import { checkDiff, isPair, notAPair, overflowed, ownerKey, pastSafe, previewRecord } from './record-key.js';

/**
 * Streams whose updates are consolidated at each time on each worker (at most one update per record, none
 * zero): a reduce's output, a consolidation's, and what filter, negate and inspect make of them.
 */
const consolidated = new WeakSet<Stream<unknown>>();

/** Marks `s` as consolidated at each time on each worker, and returns it. */
export function markConsolidated<T>(s: Stream<T>): Stream<T> {
  consolidated.add(s as Stream<unknown>);
  return s;
}

/** Whether `s`'s updates are known to be consolidated at each time on each worker. */
export function isConsolidated<T>(s: Stream<T>): boolean {
  return consolidated.has(s as Stream<unknown>);
}

/** `out`, marked consolidated when `s` is (for operators that keep a consolidated stream so). */
function likewise<T, U>(s: Stream<T>, out: Stream<U>): Stream<U> {
  return isConsolidated(s) ? markConsolidated(out) : out;
}

/** `f` applied to each record, its diff kept. */
export function mapUpdates<T, U>(s: Stream<Update<T>>, f: (record: T) => U, name: string): Stream<Update<U>> {
  return s.scope.unary<Update<T>, Update<U>>(s, name, pipeline, (ctx) => ({
    onRecv(batch, time) {
      const out = new Array<Update<U>>(batch.length);
      for (let i = 0; i < batch.length; i++) out[i] = [f(batch[i]![0]), batch[i]![1]];
      ctx.send(out, time);
    },
  }));
}

/** The updates whose record passes `keep`. */
export function filterUpdates<T>(s: Stream<Update<T>>, keep: (record: T) => boolean, name: string): Stream<Update<T>> {
  return likewise(s, s.scope.unary<Update<T>, Update<T>>(s, name, pipeline, (ctx) => ({
    onRecv(batch, time) {
      const out: Update<T>[] = [];
      for (let i = 0; i < batch.length; i++) if (keep(batch[i]![0])) out.push(batch[i]!);
      ctx.send(out, time);
    },
  })));
}

/** Every record of `f(record)`, each with the diff of the record it came from. */
export function flatMapUpdates<T, U>(s: Stream<Update<T>>, f: (record: T) => Iterable<U>, name: string): Stream<Update<U>> {
  return s.scope.unary<Update<T>, Update<U>>(s, name, pipeline, (ctx) => ({
    onRecv(batch, time) {
      let out: Update<U>[] = [];
      for (let i = 0; i < batch.length; i++) {
        const d = batch[i]![1];
        const rs = f(batch[i]![0]);
        // An array (the usual result) is read by index, without an iterator.
        if (Array.isArray(rs)) for (let j = 0; j < rs.length; j++) out.push([rs[j] as U, d]);
        else for (const r of iterable(rs, name, batch[i]![0], 'records')) out.push([r, d]);
        if (out.length >= MESSAGE_UPDATES) {
          ctx.send(out, time);
          out = [];
        }
      }
      if (out.length > 0) ctx.send(out, time);
    },
  }));
}

/**
 * Every `[record, weight]` of `f(record)`, its diff the weight times the diff of the record it came
 * from (a weight of 0 adds nothing). A weight that is not a safe integer, or a product past the safe
 * integers, is BAD_DIFF.
 */
export function explodeUpdates<T, U>(s: Stream<Update<T>>, f: (record: T) => Iterable<readonly [U, number]>, name: string): Stream<Update<U>> {
  return s.scope.unary<Update<T>, Update<U>>(s, name, pipeline, (ctx) => ({
    onRecv(batch, time) {
      let out: Update<U>[] = [];
      for (let i = 0; i < batch.length; i++) {
        const d = batch[i]![1];
        for (const pair of iterable(f(batch[i]![0]), name, batch[i]![0], '[record, weight] pairs')) {
          if (!isPair(pair)) throw notAPair(pair, `${name}: among what f returned for the record ${previewRecord(batch[i]![0])}`, '[record, weight]');
          const [r, w] = pair;
          if (w === 0) continue;
          const product = checkDiff(w, `${name}: the weight of ${previewRecord(r)}`) * d;
          if (pastSafe(product)) throw overflowed(`${name}: weight ${w} times multiplicity ${d}`, r, product);
          out.push([r, product]);
          if (out.length >= MESSAGE_UPDATES) {
            ctx.send(out, time);
            out = [];
          }
        }
      }
      if (out.length > 0) ctx.send(out, time);
    },
  }));
}

/** Every diff negated. */
export function negateUpdates<T>(s: Stream<Update<T>>, name: string): Stream<Update<T>> {
  return likewise(s, s.scope.unary<Update<T>, Update<T>>(s, name, pipeline, (ctx) => ({
    onRecv(batch, time) {
      const out = new Array<Update<T>>(batch.length);
      for (let i = 0; i < batch.length; i++) out[i] = [batch[i]![0], -batch[i]![1]];
      ctx.send(out, time);
    },
  })));
}

/** Calls `f(record, time, diff)` for each update and passes them on. */
export function inspectUpdates<T>(s: Stream<Update<T>>, f: (record: T, time: Timestamp, diff: number) => void, name: string): Stream<Update<T>> {
  return likewise(s, s.scope.unary<Update<T>, Update<T>>(s, name, pipeline, (ctx) => ({
    onRecv(batch, time) {
      for (let i = 0; i < batch.length; i++) f(batch[i]![0], time, batch[i]![1]);
      ctx.send(batch as Update<T>[], time);
    },
  })));
}

/** A time's updates waiting for it to complete, summed per record as they come, and how many records the last compaction left. */
interface Waiting<T> {
  readonly sink: Consolidator<T>;
  consolidated: number;
}

/**
 * A stage's logic that sums each time's updates per record as they come (pairs of numbers as columns)
 * and, once the time is complete, hands `complete` the time's `Consolidator` to take them from. The
 * records whose sums cancelled are dropped once the held records have doubled what the last compaction
 * left: updates that cancel (a loop's rounds, an epoch's churn) stop taking memory long before the
 * time is complete.
 */
export function byCompleteTime<T>(ctx: { notifyAt(time: Timestamp): void }, complete: (sink: Consolidator<T>, time: Timestamp) => void): { onRecv(batch: readonly Update<T>[], time: Timestamp): void; onNotify(time: Timestamp): void } {
  const waiting = new Map<string, Waiting<T>>();
  return {
    onRecv(batch, time) {
      let w = waiting.get(time.key);
      if (w === undefined) {
        // Pairs of numbers wait as columns (a record per update would be carried by the collector
        // until the time completes: all of an epoch's changes, when a large input is loaded).
        waiting.set(time.key, (w = { sink: new Consolidator<T>({ pairsAsColumns: true }), consolidated: 0 }));
        ctx.notifyAt(time);
      }
      const sink = w.sink;
      for (let i = 0; i < batch.length; i++) sink.add(batch[i]![0], batch[i]![1]);
      if (dueToConsolidate(sink.size, w.consolidated)) {
        sink.compact();
        w.consolidated = sink.size;
      }
    },
    onNotify(time) {
      const w = waiting.get(time.key);
      if (w === undefined) return;
      waiting.delete(time.key);
      complete(w.sink, time);
    },
  };
}

/**
 * Each time's updates summed per record once the time is complete, the ones that cancel dropped. With
 * `byRecord`, updates are first moved to the worker that owns their record, so that each record is
 * consolidated on one worker; without, each worker consolidates its own. The updates at a time for which
 * `already(time)` holds are known to be consolidated: they go on at once, unchanged. A time's
 * consolidated updates go on in messages of at most MESSAGE_UPDATES, or, with `whole`, as one.
 */
export function consolidateStream<T>(s: Stream<Update<T>>, name: string, byRecord: boolean, already?: (time: Timestamp) => boolean, whole = false): Stream<Update<T>> {
  const pact = byRecord ? exchangeBy((u: Update<T>) => ownerKey(u[0])) : pipeline;
  const out = s.scope.unary<Update<T>, Update<T>>(s, name, pact, (ctx) => {
    const logic = byCompleteTime<T>(ctx, (sink, time) => {
      if (whole) {
        const out = sink.take();
        if (out.length > 0) ctx.send(out, time);
      } else sink.drain((out) => ctx.send(out, time));
    });
    return {
      onRecv(batch, time) {
        if (already?.(time) === true) return void ctx.send(batch as Update<T>[], time);
        logic.onRecv(batch, time);
      },
      onNotify: logic.onNotify,
    };
  });
  return markConsolidated(out);
}

/** `rs` if it can be iterated, else NOT_ITERABLE naming what `f` returned for `record` (a TypeError from deep inside said only "is not iterable"). */
function iterable<U>(rs: Iterable<U>, name: string, record: unknown, of: string): Iterable<U> {
  if (rs === null || typeof (rs as { [Symbol.iterator]?: unknown } | undefined)?.[Symbol.iterator] !== 'function') {
    throw new CollectionError('NOT_ITERABLE', `${name}: f returned ${previewRecord(rs)} for the record ${previewRecord(record)}: it must return an array (or another iterable) of ${of}`, {
      record: previewRecord(record),
    });
  }
  return rs;
}
