/** Trace: a multi-version index of keyed updates, one history per key, compacted as its readers' frontiers advance. */
import type { TimestampOrder } from '../timestamps/order.js';
import type { Timestamp } from '../timestamps/timestamp.js';
import type { RecordKey } from './record-key.js';

/** One keyed update as an arrangement carries it: the key and value with their canonical keys, and the diff. */
export class KeyedChange<K, V> {
  constructor(
    readonly kk: RecordKey,
    readonly key: K,
    readonly vk: RecordKey,
    readonly value: V,
    readonly diff: number,
  ) {}
}

/** A batch an arrangement appended to its trace at one time; readers receive it as one message. */
export interface ArrangedBatch<K, V> {
  /** Its place in the trace's sequence (1, 2, …): what a reader has seen is a prefix of it. */
  readonly seq: number;
  readonly changes: readonly KeyedChange<K, V>[];
}

/** One update of a key's history. Times are advanced (and entries merged) by compaction. */
export interface Entry<V> {
  readonly vk: RecordKey;
  readonly value: V;
  time: Timestamp;
  diff: number;
  /** The batch it came in (the largest, once merged). */
  seq: number;
}

/** Everything a trace holds for one key. */
export interface History<K, V> {
  readonly key: K;
  entries: Entry<V>[];
  /** The number of entries after the last compaction: the next one runs when there are twice as many. */
  compacted: number;
}

/**
 * An operator that reads a trace: the lower bound of the times it may still read at (`frontier`), and
 * the last batch it has seen (`acked`; Infinity for a reader that reads by time only). Compaction never
 * merges a batch some reader has not seen, and only advances times to what the readers' frontiers allow.
 */
export interface TraceReader {
  frontier(): readonly Timestamp[];
  acked: number;
}

/**
 * The per-worker index of an arrangement: for each key, its updates (value, time, diff). Appends come
 * from the arrangement's stage; every operator that reads the arrangement reads this one copy.
 *
 * Compaction (when a key's history has doubled): each time is replaced by its representative under the
 * readers' frontier F — the meet over f in F of join(t, f) — which no time still to be read can tell
 * from the original, and entries of one value with one representative are summed; zero sums vanish.
 */
export class Trace<K, V> {
  readonly order: TimestampOrder;
  private readonly histories = new Map<RecordKey, History<K, V>>();
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
  get(kk: RecordKey): History<K, V> | undefined {
    return this.histories.get(kk);
  }

  /** The number of keys with a history, and of entries in all (for tests and statistics). */
  size(): { keys: number; entries: number } {
    let entries = 0;
    for (const h of this.histories.values()) entries += h.entries.length;
    return { keys: this.histories.size, entries };
  }

  /** Appends `changes` at `time` as the next batch; returns the batch (what readers are sent). */
  append(changes: readonly KeyedChange<K, V>[], time: Timestamp): ArrangedBatch<K, V> {
    const seq = ++this.seq;
    let frontier: readonly Timestamp[] | undefined;
    let acked = -1;
    for (let i = 0; i < changes.length; i++) {
      const c = changes[i]!;
      let h = this.histories.get(c.kk);
      if (h === undefined) this.histories.set(c.kk, (h = { key: c.key, entries: [], compacted: 0 }));
      h.entries.push({ vk: c.vk, value: c.value, time, diff: c.diff, seq });
      if (h.entries.length >= 2 * h.compacted + 8) {
        if (frontier === undefined) [frontier, acked] = this.bounds();
        compact(h, this.order, frontier, acked);
        if (h.entries.length === 0) this.histories.delete(c.kk);
      }
    }
    return { seq, changes };
  }

  /** The meet of the readers' frontiers (minimal elements of their union) and the least batch all have seen. */
  private bounds(): [readonly Timestamp[], number] {
    const order = this.order;
    const all: Timestamp[] = [];
    let acked = Infinity;
    for (const r of this.readers) {
      for (const t of r.frontier()) addMinimal(all, t, order);
      if (r.acked < acked) acked = r.acked;
    }
    return [all, acked];
  }
}

/** Adds `t` to the antichain `set` (minimal elements) in place. */
export function addMinimal(set: Timestamp[], t: Timestamp, order: TimestampOrder): void {
  for (let i = 0; i < set.length; i++) if (order.lessEqual(set[i]!, t)) return;
  let w = 0;
  for (let i = 0; i < set.length; i++) if (!order.lessEqual(t, set[i]!)) set[w++] = set[i]!;
  set.length = w;
  set.push(t);
}

/** The representative of `t` under `frontier`: the meet over f of join(t, f) (t itself for an empty frontier). */
export function advance(t: Timestamp, frontier: readonly Timestamp[], order: TimestampOrder): Timestamp {
  if (frontier.length === 0) return t;
  let r = order.join(t, frontier[0]!);
  for (let i = 1; i < frontier.length; i++) r = order.meet(r, order.join(t, frontier[i]!));
  return r;
}

/**
 * Compacts one history under `frontier`: every time advanced; entries of batches every reader has seen
 * (seq ≤ acked) summed per value and representative time; zero sums dropped.
 */
export function compact<K, V>(h: History<K, V>, order: TimestampOrder, frontier: readonly Timestamp[], acked: number): void {
  const merged = new Map<string, Entry<V>>();
  const kept: Entry<V>[] = [];
  for (const e of h.entries) {
    e.time = advance(e.time, frontier, order);
    if (e.seq > acked) {
      kept.push(e);
      continue;
    }
    const k = `${typeof e.vk === 'number' ? 'n' : 's'}${e.vk}@${e.time.key}`;
    const m = merged.get(k);
    if (m === undefined) merged.set(k, e);
    else {
      m.diff += e.diff;
      if (e.seq > m.seq) m.seq = e.seq;
    }
  }
  const out: Entry<V>[] = [];
  for (const e of merged.values()) if (e.diff !== 0) out.push(e);
  for (const e of kept) out.push(e);
  h.entries = out;
  h.compacted = out.length;
}

/**
 * The accumulated values of a history at `time`: each value whose entries at times ≤ `time` sum to a
 * non-zero count, with that count.
 */
export function accumulate<V>(entries: readonly Entry<V>[], time: Timestamp, order: TimestampOrder): Map<RecordKey, [V, number]> {
  const acc = new Map<RecordKey, [V, number]>();
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (!order.lessEqual(e.time, time)) continue;
    const a = acc.get(e.vk);
    if (a === undefined) acc.set(e.vk, [e.value, e.diff]);
    else a[1] += e.diff;
  }
  for (const [k, a] of acc) if (a[1] === 0) acc.delete(k);
  return acc;
}
