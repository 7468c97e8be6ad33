/** Trace: a multi-version index of keyed updates, one history per key, compacted as its readers' frontiers advance. */
import { Antichain } from '../timestamps/antichain.js';
import type { TimestampOrder } from '../timestamps/order.js';
import type { Timestamp } from '../timestamps/timestamp.js';
import { covering, isIndex } from './dense.js';
import type { RecordKey } from './record-key.js';

/**
 * A batch an arrangement appended to its trace at one time, as columns (change i is `keys[i]` with
 * canonical key `kks[i]`, `values[i]` with `vks[i]`, and `diffs[i]`); readers receive it as one message.
 *
 * @example
 * // A stage reading an arrangement's batches as they are appended:
 * scope.sink(arranged.stream, 'log', pipeline, () => ({ onRecv: (batches, t) => batches.forEach((b) => console.log(t.epoch, b.seq, b.kks.length)) }));
 */
export interface ArrangedBatch<K, V> {
  /** Its place in the trace's sequence (1, 2, …): what a reader has seen is a prefix of it. */
  readonly seq: number;
  readonly kks: readonly RecordKey[];
  readonly keys: readonly K[];
  readonly vks: readonly RecordKey[];
  readonly values: readonly V[];
  readonly diffs: readonly number[];
}

/** Where each field of an entry sits in a history's flat array (an entry takes STRIDE slots). */
export const VK = 0;
export const VALUE = 1;
export const TIME = 2;
export const DIFF = 3;
export const SEQ = 4;
export const STRIDE = 5;

/**
 * The layout of a `History`'s flat array: entry i's fields are at `i · STRIDE + VK` (the value's
 * canonical key), `+ VALUE`, `+ TIME`, `+ DIFF` and `+ SEQ` (the batch it came in).
 *
 * @example const { STRIDE, DIFF } = HistoryField; const diffOfThird = history.data[2 * STRIDE + DIFF];
 */
export const HistoryField = { VK, VALUE, TIME, DIFF, SEQ, STRIDE } as const;

/**
 * Everything a trace holds for one key: its entries, flat, STRIDE slots each — the value's canonical
 * key, the value, the time, the diff, and the batch it came in (the largest, once merged). One array per
 * key and no object per entry: what keeps millions of entries cheap to hold and to collect.
 *
 * @example
 * const h = arranged.trace().get(recordKey(7));               // node 7's history, if it has one
 * const { STRIDE, VALUE, TIME, DIFF } = HistoryField;
 * for (let i = 0; h && i < h.data.length; i += STRIDE) console.log(h.data[i + VALUE], String(h.data[i + TIME]), h.data[i + DIFF]);
 */
export interface History<K> {
  /** The key's canonical key (see `recordKey`), and the key. */
  readonly kk: RecordKey;
  readonly key: K;
  /** The entries; compaction rewrites them in place, so read them within one callback. */
  data: unknown[];
  /** The entries after the last compaction: the next one runs when there are twice as many. */
  compacted: number;
  /** It has had entries appended since its index's last sweep. */
  dirty: boolean;
}

/**
 * Histories by key, compacted two ways: a key whose history doubles is compacted at once, and once as
 * many entries have been appended as the index held after its last sweep, every key appended to since
 * is compacted (a sweep). The first keeps busy keys short; the second catches the many keys touched a
 * few times each, which would otherwise keep their updates until they doubled. Both cost O(1) per
 * append, amortized, and together keep the index within about twice what compaction would leave.
 */
export class Histories<K> {
  /**
   * Keys that are small non-negative integers (node ids, the commonest) are found through a direct
   * index, 1 + their place in `slots` (0: none), grown while it stays within a few times the number of
   * keys; any other key through a map. A key stays where it was first put.
   */
  private byInt = new Int32Array(0);
  private readonly slots: (History<K> | undefined)[] = [];
  private readonly freeSlots: number[] = [];
  private readonly others = new Map<RecordKey, History<K>>();
  private keyCount = 0;
  private dirty: History<K>[] = [];
  private appended = 0;
  private entries = 0;
  private held = 0;

  /** The history of `kk`, if it has one. */
  get(kk: RecordKey): History<K> | undefined {
    if (isIndex(kk) && kk < this.byInt.length) {
      const slot = this.byInt[kk]!;
      if (slot !== 0) return this.slots[slot - 1];
    }
    return this.others.get(kk);
  }

  /** The number of keys with a history. */
  get keys(): number {
    return this.keyCount;
  }

  /** Appends one entry to the history of `kk` (made for `key` if new); `bounds` gives the compaction frontier and acknowledged batch, read at most once per call. */
  add(kk: RecordKey, key: K, vk: RecordKey, value: unknown, time: Timestamp, diff: number, seq: number, order: TimestampOrder, bounds: Bounds): void {
    let h = this.get(kk);
    // A new history's array is made holding its entry: exactly five slots (most keys keep few entries).
    if (h === undefined) this.put((h = { kk, key, data: [vk, value, time, diff, seq], compacted: 0, dirty: false }));
    else h.data.push(vk, value, time, diff, seq);
    const data = h.data;
    this.entries++;
    this.appended++;
    if (!h.dirty) {
      h.dirty = true;
      this.dirty.push(h);
    }
    if (data.length >= STRIDE * (2 * h.compacted + 8)) this.compactOne(h, order, bounds);
  }

  /** Sweeps if as many entries were appended as were held after the last sweep (call after a batch of `add`s). */
  settle(order: TimestampOrder, bounds: Bounds): void {
    if (this.appended < Math.max(1024, this.held)) return;
    for (const h of this.dirty) {
      h.dirty = false;
      if (h.data.length > h.compacted * STRIDE) this.compactOne(h, order, bounds);
    }
    this.dirty = [];
    this.appended = 0;
    this.held = this.entries;
  }

  /** The number of entries held. */
  get size(): number {
    return this.entries;
  }

  private compactOne(h: History<K>, order: TimestampOrder, bounds: Bounds): void {
    const before = h.data.length;
    compact(h, order, bounds);
    this.entries -= (before - h.data.length) / STRIDE;
    if (h.data.length === 0) this.remove(h);
  }

  private put(h: History<K>): void {
    this.keyCount++;
    const kk = h.kk;
    if (isIndex(kk) && kk < Math.max(1 << 16, 4 * this.keyCount)) {
      this.byInt = covering(this.byInt, kk);
      const slot = this.freeSlots.length > 0 ? this.freeSlots.pop()! : this.slots.length;
      this.slots[slot] = h;
      this.byInt[kk] = slot + 1;
      return;
    }
    this.others.set(kk, h);
  }

  private remove(h: History<K>): void {
    const kk = h.kk;
    if (isIndex(kk) && kk < this.byInt.length && this.byInt[kk] !== 0) {
      const slot = this.byInt[kk]! - 1;
      this.slots[slot] = undefined;
      this.freeSlots.push(slot);
      this.byInt[kk] = 0;
    } else this.others.delete(kk);
    this.keyCount--;
  }
}

/**
 * The compaction frontier and the last batch every reader has seen, computed on first use, and the
 * representatives of the times compacted under it: each distinct time is advanced once, and equal
 * representatives are one object, so that entries are merged by comparing times with `===`.
 */
export class Bounds {
  private value: [readonly Timestamp[], number] | undefined;
  private advanced: Map<Timestamp, Timestamp> | undefined;
  private interned: Map<string, Timestamp> | undefined;
  constructor(private readonly compute: () => [readonly Timestamp[], number]) {}
  get(): [readonly Timestamp[], number] {
    return (this.value ??= this.compute());
  }
  /** The representative of `t` under the frontier (see `advance`), one object per distinct representative. */
  advance(t: Timestamp, order: TimestampOrder): Timestamp {
    const frontier = this.get()[0];
    if (frontier.length === 0) return t;
    const advanced = (this.advanced ??= new Map());
    let r = advanced.get(t);
    if (r === undefined) {
      r = advance(t, frontier, order);
      const interned = (this.interned ??= new Map());
      const same = interned.get(r.key);
      if (same === undefined) interned.set(r.key, r);
      else r = same;
      advanced.set(t, r);
    }
    return r;
  }
}

/**
 * An operator that reads a trace: the lower bound of the times it may still read at (`frontier`), and
 * the last batch it has seen (`acked`; Infinity for a reader that reads by time only). Compaction never
 * merges a batch some reader has not seen, and only advances times to what the readers' frontiers allow.
 *
 * @example
 * // In a vertex factory that reads `arranged` by time only:
 * arranged.trace().register({ frontier: () => ctx.frontier(), acked: Infinity });
 */
export interface TraceReader {
  frontier(): readonly Timestamp[];
  acked: number;
}

/**
 * The per-worker index of an arrangement: for each key, its updates (value, time, diff). Appends come
 * from the arrangement's stage; every operator that reads the arrangement reads this one copy.
 *
 * Compaction (when a key's history has doubled, and in sweeps over the keys appended to since the
 * last sweep, once as many entries were appended as were held after it): each time is replaced by its
 * representative under the readers' frontier F — the meet over f in F of join(t, f) — which no time
 * still to be read can tell from the original, and entries of one value with one representative are
 * summed, in place in the key's array; zero sums vanish, and so does a history left empty.
 *
 * @example
 * const byNode = edges.arrange();          // after the dataflow is built, on this worker:
 * byNode.trace().size();                    // { keys: 1234, entries: 5678 }
 */
export class Trace<K, V> {
  readonly order: TimestampOrder;
  private readonly histories = new Histories<K>();
  private readonly readers: TraceReader[] = [];
  private seq = 0;

  constructor(order: TimestampOrder) {
    this.order = order;
  }

  /** Adds a reader; it is consulted before every compaction. */
  register(reader: TraceReader): TraceReader {
    this.readers.push(reader);
    return reader;
  }

  /** The history of a key, if it has one. */
  get(kk: RecordKey): History<K> | undefined {
    return this.histories.get(kk);
  }

  /** The number of keys with a history, and of entries in all (for tests and statistics). */
  size(): { keys: number; entries: number } {
    return { keys: this.histories.keys, entries: this.histories.size };
  }

  /** Appends the changes `(keys[i], values[i], diffs[i])` at `time` as the next batch; returns the batch (what readers are sent). */
  append(batch: Omit<ArrangedBatch<K, V>, 'seq'>, time: Timestamp): ArrangedBatch<K, V> {
    const seq = ++this.seq;
    const { kks, keys, vks, values, diffs } = batch;
    const histories = this.histories;
    const order = this.order;
    const bounds = new Bounds(() => this.bounds());
    for (let i = 0; i < kks.length; i++) histories.add(kks[i]!, keys[i]!, vks[i]!, values[i], time, diffs[i]!, seq, order, bounds);
    histories.settle(order, bounds);
    return { seq, kks, keys, vks, values, diffs };
  }

  /** The meet of the readers' frontiers (minimal elements of their union) and the least batch all have seen. */
  private bounds(): [readonly Timestamp[], number] {
    const all = new Antichain<Timestamp>(this.order.lessEqual);
    let acked = Infinity;
    for (const r of this.readers) {
      for (const t of r.frontier()) all.insert(t);
      if (r.acked < acked) acked = r.acked;
    }
    return [all.elements(), acked];
  }
}

/** The representative of `t` under `frontier`: the meet over f of join(t, f) (t itself for an empty frontier). */
export function advance(t: Timestamp, frontier: readonly Timestamp[], order: TimestampOrder): Timestamp {
  if (frontier.length === 0) return t;
  let r = order.join(t, frontier[0]!);
  for (let i = 1; i < frontier.length; i++) r = order.meet(r, order.join(t, frontier[i]!));
  return r;
}

/**
 * Compacts one history under the bounds' frontier: every time advanced; entries of batches every reader
 * has seen (seq ≤ acked) summed per value and representative time; zero sums dropped. The survivors
 * keep their order, written back into the history's own array; the work is done in scratch columns.
 */
export function compact<K>(h: History<K>, order: TimestampOrder, bounds: Bounds): void {
  const data = h.data;
  const n = data.length / STRIDE;
  if (leader.length < n) {
    const size = Math.max(n, 2 * leader.length);
    leader = new Int32Array(size);
    timeIndex = new Int32Array(size);
    sums = new Float64Array(size);
    seqs = new Float64Array(size);
  }
  const acked = bounds.get()[1];
  // The distinct representatives, by identity (bounds.advance makes equal ones one object): few, so
  // found by scanning until there are many.
  const times: Timestamp[] = [];
  let timeAt: Map<Timestamp, number> | undefined;
  // Entries merge into the first of their (value, representative) in order: a dense index per
  // representative for small-integer values (the first few representatives), a map otherwise.
  let maps: Map<RecordKey, number>[] | undefined;
  try {
    for (let i = 0; i < n; i++) {
      const at = i * STRIDE;
      const time = bounds.advance(data[at + TIME] as Timestamp, order);
      let ti = timeAt === undefined ? times.indexOf(time) : (timeAt.get(time) ?? -1);
      if (ti < 0) {
        ti = times.length;
        times.push(time);
        if (timeAt !== undefined) timeAt.set(time, ti);
        else if (times.length > 8) timeAt = new Map(times.map((t, j) => [t, j]));
      }
      timeIndex[i] = ti;
      const seq = data[at + SEQ] as number;
      const diff = data[at + DIFF] as number;
      let first = -1;
      if (seq <= acked) {
        const vk = data[at + VK] as RecordKey;
        if (ti < DENSE_TIMES && isDense(vk)) {
          const d = denseFor(ti, vk);
          first = d[vk]! - 1;
          if (first < 0) d[vk] = i + 1;
        } else {
          maps ??= [];
          const m = (maps[ti] ??= new Map());
          first = m.get(vk) ?? -1;
          if (first < 0) m.set(vk, i);
        }
      }
      if (first >= 0) {
        leader[i] = first;
        sums[first]! += diff;
        if (seq > seqs[first]!) seqs[first] = seq;
      } else {
        leader[i] = i;
        sums[i] = diff;
        seqs[i] = seq;
      }
    }
  } finally {
    for (let i = 0; i < n; i++) {
      if (leader[i] !== i) continue;
      const vk = data[i * STRIDE + VK] as RecordKey;
      const ti = timeIndex[i]!;
      if (ti >= DENSE_TIMES || !isDense(vk)) continue;
      const d = denseTimes[ti];
      if (d !== undefined && vk < d.length) d[vk] = 0;
    }
  }
  // Written back in place (each survivor moves to a place at or before its own, in order): no new array.
  let w = 0;
  for (let i = 0; i < n; i++) {
    if (leader[i] !== i || sums[i] === 0) continue;
    const at = i * STRIDE;
    data[w + VK] = data[at + VK];
    data[w + VALUE] = data[at + VALUE];
    data[w + TIME] = times[timeIndex[i]!];
    data[w + DIFF] = small(sums[i]!);
    data[w + SEQ] = small(seqs[i]!);
    w += STRIDE;
  }
  data.length = w;
  h.compacted = w / STRIDE;
}

/** `x` as a small integer when it is one (kept unboxed in an array), else itself. */
function small(x: number): number {
  return (x | 0) === x ? x | 0 : x;
}

/** Compaction's scratch columns, per entry: the entry it merges into, its representative's index, and (for a first) the summed diff and largest batch. */
let leader = new Int32Array(256);
let timeIndex = new Int32Array(256);
let sums = new Float64Array(256);
let seqs = new Float64Array(256);
/** How many representatives per compaction get a dense index; entries at others go through maps. */
const DENSE_TIMES = 2;
/** Per representative index: for each small-integer value key, 1 + its first entry (0: none); cleared after each compaction. */
const denseTimes: Int32Array<ArrayBuffer>[] = [];

function denseFor(ti: number, vk: number): Int32Array {
  return (denseTimes[ti] = covering(denseTimes[ti] ?? new Int32Array(0), vk));
}

/** Value keys below this are small integers `accumulate` finds through a dense scratch index rather than a map (the index, 4 bytes per value, is at most 16 MB a thread). */
const DENSE_LIMIT = 1 << 22;
/** For each small-integer value key, 1 + its place in the accumulation being built (0: not there); cleared after each use. */
let dense = new Int32Array(1024);
/** The accumulation being built: value j is `gathered[j]` with canonical key `keys[j]` and count `counts[j]` (scratch, reused). */
const gathered: unknown[] = [];
let counts = new Float64Array(256);

/**
 * The accumulated values of a history at `time`: `[value, count]` for each value whose entries at times
 * ≤ `time` sum to a non-zero count, with the values' canonical keys in `keys` (same order). The times
 * of the entries not ≤ `time` are pushed onto `later` if given (each run of one time object once).
 * Values whose entries cancel cost no allocation: the sums are made in scratch columns, and a pair is
 * made only for a count that stays.
 */
export function accumulate<V>(h: History<unknown>, time: Timestamp, order: TimestampOrder, keys: RecordKey[], later?: Timestamp[]): [V, number][] {
  keys.length = 0;
  let n = 0;
  try {
    n = gather(h.data, time, order, keys, later);
  } finally {
    for (let i = 0; i < keys.length; i++) if (isDense(keys[i]!)) dense[keys[i] as number] = 0;
  }
  const out: [V, number][] = [];
  let w = 0;
  for (let i = 0; i < n; i++) {
    const c = counts[i]!;
    if (c !== 0) {
      out.push([gathered[i] as V, c]);
      keys[w++] = keys[i]!;
    }
    gathered[i] = undefined;
  }
  keys.length = w;
  return out;
}

/** Whether a value key is a small non-negative integer, placed through `dense`. */
function isDense(vk: RecordKey): vk is number {
  return isIndex(vk) && vk < DENSE_LIMIT;
}

/** `accumulate`'s pass: the sums per value of the entries at times ≤ `time` into `gathered` and `counts` (zero sums kept), keys into `keys`; returns how many; `dense` left set for the caller to clear. */
function gather(data: readonly unknown[], time: Timestamp, order: TimestampOrder, keys: RecordKey[], later: Timestamp[] | undefined): number {
  // Other value keys are found through a map, made once 16 entries needed one (fewer are found by scanning).
  let index: Map<RecordKey, number> | undefined;
  let others = 0;
  let n = 0;
  // Neighbouring entries mostly share one time object (a batch's, or compaction's representative):
  // each distinct run is compared once.
  let last: unknown;
  let lastIn = false;
  for (let i = 0; i < data.length; i += STRIDE) {
    const ti = data[i + TIME];
    if (ti !== last) {
      last = ti;
      lastIn = order.lessEqual(ti as Timestamp, time);
      if (!lastIn) later?.push(ti as Timestamp);
    }
    if (!lastIn) continue;
    const vk = data[i + VK] as RecordKey;
    let at = -1;
    if (isDense(vk)) {
      if (vk >= dense.length) dense = covering(dense, vk);
      at = dense[vk]! - 1;
      if (at < 0) dense[vk] = n + 1;
    } else {
      if (index !== undefined) at = index.get(vk) ?? -1;
      else {
        for (let j = 0; j < n; j++) if (keys[j] === vk) (at = j), (j = n);
        if (++others >= 16) {
          index = new Map();
          for (let j = 0; j < n; j++) index.set(keys[j]!, j);
        }
      }
      if (at < 0) index?.set(vk, n);
    }
    if (at >= 0) counts[at]! += data[i + DIFF] as number;
    else {
      if (n === counts.length) {
        const grown = new Float64Array(2 * n);
        grown.set(counts);
        counts = grown;
      }
      keys.push(vk);
      gathered[n] = data[i + VALUE];
      counts[n++] = data[i + DIFF] as number;
    }
  }
  return n;
}
