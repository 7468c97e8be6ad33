/** Reduce: per key, an output multiset computed from the input multiset, kept up to date at every time where either may change. */
import type { Stream } from '../graph/stream.js';
import { pipeline } from '../graph/vertex.js';
import { compareTotal } from '../timestamps/order.js';
import type { Timestamp } from '../timestamps/timestamp.js';
import type { Arrangement } from './arrange.js';
import type { Update } from './consolidate.js';
import { checkDiff, compareRecords, recordKey, type RecordKey } from './record-key.js';
import { accumulate, addMinimal, compact, type Entry, type History, type TraceReader } from './trace.js';

/**
 * What `reduce` calls for a key whose input changed: `input` is the key's values with their (non-zero)
 * counts, sorted by value (see `compareRecords`), never empty; push the output values with their
 * multiplicities onto `output`.
 *
 * @example const minimum: ReduceLogic<string, number, number> = (_key, input, output) => output.push([input[0]![0], 1]);
 */
export type ReduceLogic<K, V, R> = (key: K, input: readonly [V, number][], output: [R, number][]) => void;

interface Pending<K> {
  readonly time: Timestamp;
  readonly keys: Map<RecordKey, K>;
}

/**
 * The updates of `[key, r]` that keep, at every time t, the output equal to `logic` applied to the
 * input accumulated at t. Works when its input frontier moves: the times it still owes (those an input
 * arrived at, and the joins of those with the key's earlier times, where the accumulations can differ
 * from both) are held, and each is done once complete, in time order, for the keys that changed there.
 */
export function reduceArrangement<K, V, R>(input: Arrangement<K, V>, logic: ReduceLogic<K, V, R>, name: string): Stream<Update<[K, R]>> {
  return input.stream.scope.unary(input.stream, name, pipeline, (ctx) => {
    const order = ctx.order;
    const trace = input.trace();
    const outputs = new Map<RecordKey, History<K, R>>();
    const pending = new Map<string, Pending<K>>();
    /** The lower bound of the times this operator may still read at: what it holds and what may arrive. */
    const bound = (): Timestamp[] => {
      const all: Timestamp[] = [];
      for (const p of pending.values()) addMinimal(all, p.time, order);
      for (const f of ctx.frontier()) addMinimal(all, f, order);
      return all;
    };
    const reader: TraceReader = trace.register({ frontier: bound, acked: Infinity });
    void reader;
    const owe = (time: Timestamp, kk: RecordKey, key: K) => {
      let p = pending.get(time.key);
      if (p === undefined) {
        ctx.hold(time);
        pending.set(time.key, (p = { time, keys: new Map() }));
      }
      p.keys.set(kk, key);
    };
    const complete = (t: Timestamp, frontier: readonly Timestamp[]) => {
      for (let i = 0; i < frontier.length; i++) if (order.lessEqual(frontier[i]!, t)) return false;
      return true;
    };
    /** Brings one key's output at `t` in line with `logic` of its input at `t`; returns the changes. */
    const settle = (kk: RecordKey, key: K, t: Timestamp, out: Update<[K, R]>[]) => {
      const history = trace.get(kk);
      const inputNow = history === undefined ? undefined : accumulate(history.entries, t, order);
      const wanted = new Map<RecordKey, [R, number]>();
      if (inputNow !== undefined && inputNow.size > 0) {
        const values = [...inputNow.values()].sort((a, b) => compareRecords(a[0], b[0]));
        const produced: [R, number][] = [];
        logic(key, values, produced);
        for (const [r, d] of produced) {
          checkDiff(d, `reduce '${name}' output for key ${String(kk)}`);
          const rk = recordKey(r);
          const w = wanted.get(rk);
          if (w === undefined) wanted.set(rk, [r, d]);
          else w[1] += d;
        }
      }
      let oh = outputs.get(kk);
      const have = oh === undefined ? undefined : accumulate(oh.entries, t, order);
      const delta: Entry<R>[] = [];
      for (const [rk, [r, d]] of wanted) {
        const diff = d - (have?.get(rk)?.[1] ?? 0);
        if (diff !== 0) delta.push({ vk: rk, value: r, time: t, diff, seq: 0 });
      }
      if (have !== undefined) for (const [rk, [r, d]] of have) if (!wanted.has(rk)) delta.push({ vk: rk, value: r, time: t, diff: -d, seq: 0 });
      if (delta.length > 0) {
        if (oh === undefined) outputs.set(kk, (oh = { key, entries: [], compacted: 0 }));
        for (const e of delta) {
          oh.entries.push(e);
          out.push([[key, e.value], e.diff]);
        }
        if (oh.entries.length >= 2 * oh.compacted + 8) {
          compact(oh, order, bound(), Infinity);
          if (oh.entries.length === 0) outputs.delete(kk);
        }
      }
      // Later times where this key's accumulations may differ from both t and the times already seen.
      const later = (entries: readonly Entry<unknown>[]) => {
        for (let i = 0; i < entries.length; i++) {
          const s = entries[i]!.time;
          if (!order.lessEqual(s, t)) owe(order.join(s, t), kk, key);
        }
      };
      if (history !== undefined) later(history.entries);
      if (oh !== undefined) later(oh.entries);
    };
    return {
      onRecv(batches, time) {
        for (const batch of batches) for (const c of batch.changes) owe(time, c.kk, c.key);
      },
      onFrontier(frontier) {
        for (;;) {
          let next: Pending<K> | undefined;
          for (const p of pending.values()) if (complete(p.time, frontier) && (next === undefined || compareTotal(p.time, next.time) < 0)) next = p;
          if (next === undefined) return;
          const t = next.time;
          const out: Update<[K, R]>[] = [];
          for (const [kk, key] of next.keys) settle(kk, key, t, out);
          pending.delete(t.key);
          if (out.length > 0) ctx.send(out, t);
          ctx.release(t);
        }
      },
    };
  });
}
