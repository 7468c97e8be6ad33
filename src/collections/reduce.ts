/** Reduce: per key, an output multiset computed from the input multiset, kept up to date at every time where either may change. */
import type { Stream } from '../graph/stream.js';
import { pipeline } from '../graph/vertex.js';
import { ThrownAt } from '../graph/errors.js';
import { compareTotal } from '../timestamps/order.js';
import { Antichain } from '../timestamps/antichain.js';
import type { Timestamp } from '../timestamps/timestamp.js';
import type { Arrangement } from './arrange.js';
import { MESSAGE_UPDATES, type Update } from './consolidate.js';
import { checkDiff, compareRecords, isPair, notAPair, overflowed, pastSafe, recordKey, type RecordKey } from './record-key.js';
import { markConsolidated } from './linear.js';
import { covering, DENSE_LIMIT, isIndex } from './dense.js';
import { HistoryCursors } from './cursor.js';
import { Accumulated, Bounds, Histories, LaterTimes } from './trace.js';

/**
 * What `reduce` calls for a key whose input changed: `input` is the key's values with their (non-zero)
 * counts, sorted by value (see `compareRecords`), never empty; push the output values with their
 * multiplicities onto `output`.
 *
 * @example const minimum: ReduceLogic<string, number, number> = (_key, input, output) => output.push([input[0]![0], 1]);
 */
export type ReduceLogic<K, V, R> = (key: K, input: readonly [V, number][], output: [R, number][]) => void;

/**
 * The keys a reduce owes work at one time, in the order they came: columns rather than a map per time
 * (a round of a loop can owe a million keys). Small-integer keys are kept from repeating by a stamp
 * per key (the serial of the last time that took it), others by a map; a key that comes back to a time
 * after another time took it may repeat, and is settled once all the same.
 */
class Owed<K> {
  readonly kks: RecordKey[] = [];
  /** The keys, once one differs from its canonical key (until then each key is its canonical key, a number). */
  keys: K[] | undefined;
  others: Map<RecordKey, true> | undefined;
  constructor(
    readonly time: Timestamp,
    readonly serial: number,
  ) {}
}

/**
 * Sorts `xs[lo..hi]` by value in place, allocating nothing (Array.prototype.sort copies the array
 * first, and a reduce sorts the input of every key at every time it settles): quicksort on the median
 * of three, insertion sort below 16 elements, the smaller part recursed into.
 */
function sortByNumber(xs: [number, number][], lo: number, hi: number): void {
  while (hi - lo >= 16) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]![0] < xs[lo]![0]) swap(xs, mid, lo);
    if (xs[hi]![0] < xs[lo]![0]) swap(xs, hi, lo);
    if (xs[hi]![0] < xs[mid]![0]) swap(xs, hi, mid);
    const pivot = xs[mid]![0];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (xs[i]![0] < pivot) i++;
      while (xs[j]![0] > pivot) j--;
      if (i <= j) swap(xs, i++, j--);
    }
    if (j - lo < hi - i) {
      sortByNumber(xs, lo, j);
      lo = i;
    } else {
      sortByNumber(xs, i, hi);
      hi = j;
    }
  }
  for (let i = lo + 1; i <= hi; i++) {
    const x = xs[i]!;
    let j = i - 1;
    while (j >= lo && xs[j]![0] > x[0]) {
      xs[j + 1] = xs[j]!;
      j--;
    }
    xs[j + 1] = x;
  }
}

function swap<T>(xs: T[], i: number, j: number): void {
  const t = xs[i]!;
  xs[i] = xs[j]!;
  xs[j] = t;
}
const byRecord = (a: [unknown, number], b: [unknown, number]) => compareRecords(a[0], b[0]);

/** Whether the first `n` value keys are numbers (then the values are numbers, none NaN, and sort as numbers). */
function allNumbers(keys: readonly RecordKey[], n: number): boolean {
  for (let i = 0; i < n; i++) if (typeof keys[i] !== 'number') return false;
  return true;
}

/** Which value `min` and `max` keep per key: the least or the greatest with a positive count. */
export type Extreme = 'min' | 'max';

/**
 * The place of the least (`sign` -1) or greatest (`sign` 1) value in `compareRecords` order among those
 * with a positive count, or -1 if there is none.
 */
function extremeOf<V>(acc: Accumulated<V>, sign: number): number {
  const { values, counts } = acc;
  let best = -1;
  for (let i = 0; i < acc.n; i++) {
    if (counts[i]! <= 0) continue;
    if (best < 0) {
      best = i;
      continue;
    }
    const a = values[i] as unknown;
    const b = values[best] as unknown;
    const c = typeof a === 'number' && typeof b === 'number' && a === a && b === b ? a - b : compareRecords(a, b);
    if (c * sign > 0) best = i;
  }
  return best;
}

/**
 * The updates of `[key, r]` that keep, at every time t, the output equal to `logic` applied to the
 * input accumulated at t. Works when its input frontier moves: the times it still owes (those an input
 * arrived at, and the joins of those with the key's earlier times, where the accumulations can differ
 * from both) are held, and each is done once complete, in time order, for the keys that changed there.
 * With `extreme`, `logic` is that of `min` or `max` (the least or greatest value with a positive count,
 * once) and is done on the accumulated columns without sorting them or making pairs.
 */
export function reduceArrangement<K, V, R>(input: Arrangement<K, V>, logic: ReduceLogic<K, V, R>, name: string, extreme?: Extreme): Stream<Update<[K, R]>> {
  // A key settles once per time, on the worker that owns it, and its output records are distinct.
  return markConsolidated(input.stream.scope.unary(input.stream, name, pipeline, (ctx) => {
    const order = ctx.order;
    const trace = input.trace();
    const outputs = new Histories<K>();
    const outputBounds = () => new Bounds(() => [bound(), Infinity]);
    const pending = new Map<string, Owed<K>>();
    /** Per small-integer key: the serial of the last time that took it, and of the last time it was settled at. */
    let owedAt = new Int32Array(0);
    let settledAt = new Int32Array(0);
    let serials = 0;
    /** The lower bound of the times this operator may still read at: what it holds and what may arrive. */
    const bound = (): readonly Timestamp[] => {
      const all = new Antichain<Timestamp>(order.lessEqual);
      for (const p of pending.values()) all.insert(p.time);
      for (const f of ctx.frontier()) all.insert(f);
      return all.elements();
    };
    // It reads its input by time only (every batch at a complete time is in the trace), so it holds
    // back no merge of batches, only the advance of times it may still read at.
    trace.register({ frontier: bound, acked: Infinity });
    /** What this operator owes at `time` (held from now on). */
    const owing = (time: Timestamp): Owed<K> => {
      let p = pending.get(time.key);
      if (p === undefined) {
        ctx.hold(time);
        pending.set(time.key, (p = new Owed<K>(time, ++serials)));
      }
      return p;
    };
    const owe = (time: Timestamp, kk: RecordKey, key: K) => oweKey(owing(time), kk, key);
    /** Owes `key` (canonical key `kk`) at `p`'s time, once. */
    const oweKey = (p: Owed<K>, kk: RecordKey, key: K) => {
      if (isIndex(kk) && kk < DENSE_LIMIT) {
        if (kk >= owedAt.length) owedAt = covering(owedAt, kk);
        if (owedAt[kk] === p.serial) return;
        owedAt[kk] = p.serial;
      } else {
        const others = (p.others ??= new Map());
        if (others.has(kk)) return;
        others.set(kk, true);
      }
      // (Object.is: the key -0 has the canonical key 0, and comes out as -0.)
      if (p.keys === undefined && !Object.is(key, kk)) p.keys = p.kks.slice() as unknown as K[];
      p.kks.push(kk);
      p.keys?.push(key);
    };
    const complete = (t: Timestamp, frontier: readonly Timestamp[]) => {
      for (let i = 0; i < frontier.length; i++) if (order.lessEqual(frontier[i]!, t)) return false;
      return true;
    };
    // Scratch columns, reused for every key settled (nothing here is reset by assigning a length,
    // which costs a reallocation per use).
    const inputScratch = new Accumulated<V>();
    const haveScratch = new Accumulated<R>();
    // A key settled at many times (a loop's rounds) is read from where it was last read.
    const inputCursors = new HistoryCursors<V>(order);
    const outputCursors = new HistoryCursors<R>(order);
    /** The output `logic` wants for the key: value i (of `wantedN`) with canonical key and count. */
    const wantedValues: R[] = [];
    const wantedKeys: RecordKey[] = [];
    const wantedCounts: number[] = [];
    let wantedN = 0;
    /** The times of a key's input and output entries not ≤ the time being settled (filled by accumulate). */
    const later = new LaterTimes();
    /**
     * While settling time t: join(s, t) for each later time s met so far, by s. Keys share their times'
     * objects (a batch's time, compaction's representatives), so most joins are found here rather than
     * made again, each a new object whose map key would be built again.
     */
    let joins = new Map<Timestamp, Timestamp>();
    /** Brings one key's output at `t` in line with `logic` of its input at `t`; appends the changes to `out`. */
    const settle = (kk: RecordKey, key: K, t: Timestamp, out: Update<[K, R]>[], bounds: Bounds) => {
      later.n = 0;
      const inputNow = inputCursors.accumulate(trace.histories, kk, t, inputScratch, later);
      const n = inputNow.n;
      wantedN = 0;
      if (n > 0 && extreme !== undefined) {
        const best = extremeOf(inputNow, extreme === 'min' ? -1 : 1);
        if (best >= 0) {
          wantedValues[0] = inputNow.values[best] as unknown as R;
          wantedKeys[0] = inputNow.keys[best]!;
          wantedCounts[0] = 1;
          wantedN = 1;
        }
      } else if (n > 0) {
        // What logic is given is its own: fresh pairs, sorted by value.
        const input = new Array<[V, number]>(n);
        for (let i = 0; i < n; i++) {
          const count = inputNow.counts[i]!;
          if (pastSafe(count)) throw overflowed(`reduce '${name}' input for key ${String(kk)}`, inputNow.values[i], count, 'the value');
          input[i] = [inputNow.values[i]!, count];
        }
        if (n > 1) (allNumbers(inputNow.keys, n) ? sortByNumber(input as unknown as [number, number][], 0, n - 1) : input.sort(byRecord));
        const produced: [R, number][] = [];
        logic(key, input, produced);
        for (let i = 0; i < produced.length; i++) {
          const entry = produced[i]!;
          if (!isPair(entry)) throw notAPair(entry, `reduce '${name}' output for key ${String(kk)}`, '[value, diff]');
          const [r, d] = entry;
          if (d !== 1) checkDiff(d, `reduce '${name}' output for key ${String(kk)}`);
          const rk = recordKey(r);
          let at = -1;
          for (let j = 0; j < wantedN; j++) if (wantedKeys[j] === rk) (at = j), (j = wantedN);
          if (at >= 0) {
            wantedCounts[at]! += d;
            if (pastSafe(wantedCounts[at]!)) throw overflowed(`reduce '${name}' output for key ${String(kk)}`, r, wantedCounts[at]!);
          } else {
            wantedValues[wantedN] = r;
            wantedKeys[wantedN] = rk;
            wantedCounts[wantedN++] = d;
          }
        }
      }
      const have = outputCursors.accumulate(outputs, kk, t, haveScratch, later);
      const h = have.n;
      for (let i = 0; i < wantedN; i++) {
        const rk = wantedKeys[i]!;
        const at = h === 0 ? -1 : have.find(rk);
        const diff = wantedCounts[i]! - (at < 0 ? 0 : have.counts[at]!);
        if (diff !== 0) {
          outputs.add(kk, key, rk, wantedValues[i]!, t, diff, 0, order, bounds);
          out.push([[key, wantedValues[i]!], diff]);
        }
        wantedValues[i] = undefined as R; // not kept alive by the scratch column
      }
      for (let i = 0; i < h; i++) {
        const rk = have.keys[i]!;
        let wanted = false;
        for (let j = 0; j < wantedN; j++) if (wantedKeys[j] === rk) (wanted = true), (j = wantedN);
        if (!wanted) {
          outputs.add(kk, key, rk, have.values[i]!, t, -have.counts[i]!, 0, order, bounds);
          out.push([[key, have.values[i]!], -have.counts[i]!]);
        }
      }
      // Later times where this key's accumulations may differ from both t and the times already seen.
      for (let i = 0; i < later.n; i++) {
        const s = later.times[i]!;
        let at = joins.get(s);
        if (at === undefined) joins.set(s, (at = order.join(s, t)));
        owe(at, kk, key);
      }
    };
    return {
      onRecv(batches, time) {
        for (const batch of batches) {
          const { kks, keys } = batch;
          if (kks.length === 0) continue;
          const p = owing(time);
          for (let i = 0; i < kks.length; i++) oweKey(p, kks[i]!, keys[i]!);
        }
      },
      onFrontier(frontier) {
        for (;;) {
          let next: Owed<K> | undefined;
          for (const p of pending.values()) if (complete(p.time, frontier) && (next === undefined || compareTotal(p.time, next.time) < 0)) next = p;
          if (next === undefined) return;
          const t = next.time;
          joins = new Map();
          let out: Update<[K, R]>[] = [];
          const bounds = outputBounds();
          const { kks, keys, serial } = next;
          try {
            for (let i = 0; i < kks.length; i++) {
              const kk = kks[i]!;
              if (isIndex(kk) && kk < DENSE_LIMIT) {
                // A key that came back to this time after another took it is settled once.
                if (kk >= settledAt.length) settledAt = covering(settledAt, kk);
                if (settledAt[kk] === serial) continue;
                settledAt[kk] = serial;
              }
              settle(kk, keys === undefined ? (kk as unknown as K) : keys[i]!, t, out, bounds);
              if (out.length >= MESSAGE_UPDATES) {
                // Each piece is taken downstream before the next keys are settled, so that a time of
                // millions of keys does not hold all its output at once (count() of 3 M numbers at one
                // epoch: 11.6–11.9 → 8.6–9.6 s).
                ctx.send(out, t);
                out = [];
                ctx.flush();
              }
            }
          } catch (err) {
            // The reduce's own logic threw while settling t: the VERTEX_FAILED names t.
            throw err instanceof ThrownAt ? err : new ThrownAt(t, err);
          }
          outputs.settle(order, bounds);
          pending.delete(t.key);
          if (out.length > 0) ctx.send(out, t);
          ctx.release(t);
        }
      },
    };
  }));
}
