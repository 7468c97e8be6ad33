/** Trace: a multi-version index of keyed updates, one history per key, compacted as its readers' frontiers advance. */
import { Antichain } from '../timestamps/antichain.js';
import type { TimestampOrder } from '../timestamps/order.js';
import type { Timestamp } from '../timestamps/timestamp.js';
import { covering, DENSE_LIMIT, grownColumn, grownInPlace, hashPair, isIndex, pairTable, reservedColumn } from './dense.js';
import { Entries } from './entries.js';
import type { RecordKey } from './record-key.js';

/**
 * A batch an arrangement appended to its trace at one time, as columns (change i is `keys[i]` with
 * canonical key `kks[i]`, `values[i]` with `vks[i]`, and `diffs[i]`); readers receive it as one message.
 * The columns are arrays, or `Float64Array`s (a key column then serving as its canonical keys too)
 * when every key and value is a number other than -0 and NaN.
 *
 * @example
 * // A stage reading an arrangement's batches as they are appended:
 * scope.sink(arranged.stream, 'log', pipeline, () => ({ onRecv: (batches, t) => batches.forEach((b) => console.log(t.epoch, b.seq, b.kks.length)) }));
 */
export interface ArrangedBatch<K, V> {
  /** Its place in the trace's sequence (1, 2, …): what a reader has seen is a prefix of it. */
  readonly seq: number;
  readonly kks: ArrayLike<RecordKey>;
  readonly keys: ArrayLike<K>;
  readonly vks: ArrayLike<RecordKey>;
  readonly values: ArrayLike<V>;
  readonly diffs: ArrayLike<number>;
}

/**
 * Appends spread over many keys (churn: see `Histories.sweepDue`) bring a sweep once they are this
 * fraction of what was held when the last began; others, at half. A sweep costs at most what is held,
 * so at most this many entry visits per append, and churn leaves the index within about
 * 1 + 1/SWEEP_SHARE times what compaction would leave (plus what the doubling rule leaves on the keys
 * touched since). A large index under churn (a graph's edges, a few changed per round) so reaches a
 * sweep after a sixteenth of its size in changes rather than half of it, and its memory levels off
 * that much sooner.
 */
const SWEEP_SHARE = 16;
/**
 * Entry visits of the sweep under way paid by each entry appended: as many as SWEEP_SHARE, so that a
 * sweep (at most what is held, visited once) is done before the next is due.
 */
const SWEEP_PACE = SWEEP_SHARE;
/**
 * Times in use are advanced all at once (`Entries.retime`) when they have doubled and grown by at
 * least the larger of RETIME_FROM and a RETIME_SHARE-th of the entries (the pass visits every entry:
 * at most RETIME_SHARE visits per time made, and the times take little memory beside the entries).
 */
const RETIME_FROM = 1024;
const RETIME_SHARE = 1024;

/** `Histories.marked`'s bits. */
const LISTED = 1;
const SWEEPING = 2;
const LISTED_OR_SWEEPING = LISTED | SWEEPING;
const BARREN = 4;
/** The length from which a history whose last compaction merged nothing is passed by in sweeps. */
const BARREN_FROM = 64;

/** The size from which a batch is appended key by key (`Histories.addBatch`) rather than entry by entry. */
const BATCH_BY_KEY = 1024;

/** The size class of a slot that holds no history. */
const NO_HISTORY = 255;
/** A new history's size class: room for 2^FIRST_CLASS entries. */
const FIRST_CLASS = 0;

/** An empty array whose elements may be of any kind (V8 never converts it as values of other kinds come). */
function anyKind<T>(): T[] {
  const a: unknown[] = [null];
  a.pop();
  return a as T[];
}

/** The size class of a segment holding `n` entries: the least c with 2^c ≥ n. */
function classOf(n: number): number {
  return n <= 1 ? 0 : 32 - Math.clz32(n - 1);
}

/**
 * What an index holds for one key, as `Trace.get` gives it: the key, and its entries, the segment
 * `at .. at + length` of `entries`'s columns. Compaction rewrites them in place and a history that grows
 * moves, so use it within one callback.
 *
 * @example
 * const h = arranged.trace().get(recordKey(7));
 * let total = 0;
 * for (let i = h!.at; i < h!.at + h!.length; i++) total += h!.entries.diffs[i]!;
 */
export interface History<K> {
  /** The key's canonical key (see `recordKey`), and the key. */
  readonly kk: RecordKey;
  readonly key: K;
  /** The columns holding its entries, the first of them, and how many. */
  readonly entries: Entries;
  readonly at: number;
  readonly length: number;
}

/**
 * Histories by key, each in a slot of a few columns (its segment's first entry, length and size class,
 * its length after the last compaction, its key) rather than an object per key. Compacted two ways: a
 * key whose history doubles is compacted at once (after the batch, for one appended by `addBatch`),
 * and once as many entries have been appended as half what the index held when the last sweep
 * began (a sixteenth, when they are spread over many keys), every key appended to since is compacted
 * (a sweep, spread over the batches that follow). The first keeps busy keys short; the second
 * catches the many keys touched a few times each, which would otherwise keep their updates until they
 * doubled. Both cost O(1) per append, amortized, and together keep the index within about 1.5 times
 * what compaction would leave, 1 + 1/16 under churn, plus what the doubling rule has not yet merged on
 * the keys touched since the last sweep. A history of one entry has nothing to merge with: a sweep
 * leaves it until it grows, and its time is advanced with every other's when the times in use have
 * doubled (see `settle`).
 *
 * @example
 * const s = histories.slot(recordKey(7));            // -1: no history
 * if (s >= 0) for (let i = histories.at[s]!; i < histories.at[s]! + histories.lengths[s]!; i++) use(histories.entries.value(i));
 */
export class Histories<K> {
  /** Every history's entries. */
  readonly entries = new Entries();
  /**
   * Per slot: the first entry of its segment, its length (0: a free slot), and its segment's size class
   * (room for 2^c entries). The slot columns grow in place (see `grownInPlace`).
   */
  at = reservedColumn(Int32Array, 64, SLOTS_RESERVED);
  lengths = reservedColumn(Int32Array, 64, SLOTS_RESERVED);
  private sizeClass = reservedColumn(Uint8Array, 64, SLOTS_RESERVED);
  /** Per slot: its length after its last compaction (the next runs when it has doubled), and whether it is in `dirty`. */
  private compacted = reservedColumn(Int32Array, 64, SLOTS_RESERVED);
  /**
   * Per slot: whether it is listed in `dirty` (LISTED) or in the sweep under way (SWEEPING), and
   * whether its last compaction merged nothing among entries at many times (BARREN: sweeps pass it by).
   */
  private marked = reservedColumn(Uint8Array, 64, SLOTS_RESERVED);
  /**
   * Stamps of the slots a reader watches (`watch`), changed whenever their entries may have moved
   * within the history (a compaction that merged some) and dropped when the slot is freed: while a
   * stamp holds, the history is what it was with entries appended (see `HistoryCursors`). A map of
   * the few slots watched, never more than the slots in use, rather than a column of every slot's.
   * Stamps come from one counter, so a slot watched again after being freed never has an old one.
   */
  private watched: Map<number, number> | undefined;
  private stamp = 0;
  /**
   * Per slot: its key when that is a number (its canonical key is then the number itself, 0 for -0),
   * NaN otherwise: then `otherKks` and `otherKeys` hold both (made when the first such key comes). A
   * column of numbers, not an array the collector scans at every full collection, and no copy of the
   * key beside its canonical key.
   */
  private keyNums = reservedColumn(Float64Array, 64, SLOTS_RESERVED);
  private otherKks: RecordKey[] | undefined;
  private otherKeys: K[] | undefined;
  /** Slots never used are those from `used` on; freed ones are reused first. */
  private used = 0;
  private readonly freeSlots: number[] = [];
  /**
   * Keys that are small non-negative integers (node ids, the commonest) are found through a direct
   * index, 1 + their slot (0: none), grown while it stays within a few times the number of keys; any
   * other key through a map.
   */
  private byInt = reservedColumn(Int32Array, 0, SLOTS_RESERVED);
  private readonly others = new Map<RecordKey, number>();
  private keyCount = 0;
  /** Slots appended to since the last sweep began: `dirty[0..dirtyN)` (a column reused from sweep to sweep). */
  private dirty = new Int32Array(64);
  private dirtyN = 0;
  /** The slots of the sweep under way, still to visit from `sweepAt` on (see `settle`). */
  private sweeping = new Int32Array(64);
  private sweepN = 0;
  private sweepAt = 0;
  /** Entries appended since the last sweep began, and since the last `settle`. */
  private appended = 0;
  private unsettled = 0;
  private count = 0;
  private held = 0;
  /** How many times were in use after the last `Entries.retime` (see `settle`). */
  private timesKept = 0;

  /** The slot of `kk`'s history, or -1 if it has none. */
  slot(kk: RecordKey): number {
    if (isIndex(kk) && kk < this.byInt.length) {
      const s = this.byInt[kk]!;
      if (s !== 0) return s - 1;
    }
    return this.others.size === 0 ? -1 : (this.others.get(kk) ?? -1);
  }

  /** The history of `kk`, if it has one. */
  get(kk: RecordKey): History<K> | undefined {
    const s = this.slot(kk);
    if (s < 0) return undefined;
    const v = this.keyNums[s]!;
    const key = v === v ? (v as K) : this.otherKeys![s]!;
    return { kk, key, entries: this.entries, at: this.at[s]!, length: this.lengths[s]! };
  }

  /** Slot `s`'s stamp, watched from now on: unchanged while its history only grows at its end (see `watched`). */
  watch(s: number): number {
    const watched = (this.watched ??= new Map());
    let stamp = watched.get(s);
    if (stamp === undefined) watched.set(s, (stamp = ++this.stamp));
    return stamp;
  }

  /** Slot `s`'s stamp if it is watched, else -1. */
  stampOf(s: number): number {
    return this.watched?.get(s) ?? -1;
  }

  /** Changes slot `s`'s stamp, if it is watched. */
  private restamp(s: number): void {
    if (this.watched?.has(s)) this.watched.set(s, ++this.stamp);
  }

  /** The number of keys with a history. */
  get keys(): number {
    return this.keyCount;
  }

  /** Appends one entry to the history of `kk` (made for `key` if new); `bounds` gives the compaction frontier and acknowledged batch, read at most once per call. */
  add(kk: RecordKey, key: K, vk: RecordKey, value: unknown, time: Timestamp, diff: number, seq: number, order: TimestampOrder, bounds: Bounds): void {
    const entries = this.entries;
    let s = this.slot(kk);
    if (s < 0) s = this.put(kk, key);
    else if (this.lengths[s] === 1 << this.sizeClass[s]!) this.resize(s, this.sizeClass[s]! + 1);
    const n = this.lengths[s]!;
    entries.set(this.at[s]! + n, vk, value, entries.timeId(time), diff, seq);
    this.lengths[s] = n + 1;
    this.count++;
    this.appended++;
    this.unsettled++;
    if ((this.marked[s]! & LISTED_OR_SWEEPING) === 0) {
      this.marked[s]! |= LISTED;
      if (this.dirtyN === this.dirty.length) {
        const grown = new Int32Array(2 * this.dirtyN);
        grown.set(this.dirty);
        this.dirty = grown;
      }
      this.dirty[this.dirtyN++] = s;
    }
    if (n + 1 >= 2 * this.compacted[s]! + 8) this.compactSlot(s, order, bounds);
  }

  /**
   * Appends a batch's entries, each key's at once: its history is made room for once (not doubled
   * entry by entry) and checked for compaction once, after the batch. What a large batch (a load) is
   * appended with; the entries of a key keep the batch's order. A key new in the batch counts as
   * compacted: the batch is consolidated, so its entries (one time, distinct values) have nothing to merge.
   * A `partial` batch (a part of a time still open) is not checked for compaction: what compaction could
   * merge at an open time is only repeats, and the time's last batch, or the sweep after it, checks.
   */
  addBatch(kks: ArrayLike<RecordKey>, keys: ArrayLike<K>, vks: ArrayLike<RecordKey>, values: ArrayLike<unknown>, time: Timestamp, diffs: ArrayLike<number>, seq: number, order: TimestampOrder, bounds: Bounds, partial = false): void {
    const n = kks.length;
    const entries = this.entries;
    slotOf = grownColumn(slotOf, n);
    // Each entry's slot, and how many entries each key gets (`need`, by slot; the keys in `touched`).
    let touchedN = 0;
    for (let i = 0; i < n; i++) {
      const kk = kks[i]!;
      let s = this.slot(kk);
      if (s < 0) s = this.put(kk, keys[i]!, false);
      slotOf[i] = s;
      if (s >= need.length) need = grownColumn(need, this.at.length);
      if (need[s]++ === 0) {
        touched = grownColumn(touched, touchedN + 1);
        touched[touchedN++] = s;
      }
    }
    // Room for each key's entries, once (`need` left zero whatever happens).
    try {
      for (let j = 0; j < touchedN; j++) {
        const s = touched[j]!;
        const total = this.lengths[s]! + need[s]!;
        const c = this.sizeClass[s]!;
        if (c === NO_HISTORY) {
          // A key new in this batch: its segment, at the size it needs. Marked, so that it is not
          // compacted below: a history made of one consolidated batch has nothing to merge.
          this.at[s] = this.take(classOf(total));
          this.sizeClass[s] = classOf(total);
          this.compacted[s] = -1;
        } else if (total > 1 << c) this.resize(s, classOf(total));
      }
    } finally {
      for (let j = 0; j < touchedN; j++) need[touched[j]!] = 0;
    }
    const time_ = entries.timeId(time);
    const at = this.at;
    const lengths = this.lengths;
    for (let i = 0; i < n; i++) {
      const s = slotOf[i]!;
      const k = lengths[s]!;
      entries.set(at[s]! + k, vks[i]!, values[i], time_, diffs[i]!, seq);
      lengths[s] = k + 1;
    }
    this.count += n;
    this.appended += n;
    this.unsettled += n;
    for (let j = 0; j < touchedN; j++) {
      const s = touched[j]!;
      if ((this.marked[s]! & LISTED_OR_SWEEPING) === 0) {
        this.marked[s]! |= LISTED;
        this.dirty = grownColumn(this.dirty, this.dirtyN + 1);
        this.dirty[this.dirtyN++] = s;
      }
      if (this.compacted[s] === -1) this.compacted[s] = this.lengths[s]!;
      else if (!partial && this.lengths[s]! >= 2 * this.compacted[s]! + 8) this.compactSlot(s, order, bounds);
    }
    // Scratch grown for a large batch (a load) is not kept for the small ones that follow.
    if (slotOf.length > SCRATCH_KEPT) slotOf = new Int32Array(0);
    if (need.length > NEED_KEPT) need = new Int32Array(0);
    if (touched.length > SCRATCH_KEPT) touched = new Int32Array(0);
  }

  /**
   * Goes on with the sweep under way, as far as the entries appended since the last call pay for
   * (SWEEP_PACE entry visits each); begins the next when it is due (`sweepDue`), finishing the last
   * first if it is not done; and advances
   * every entry's time (`Entries.retime`) once the times in use have more than doubled since that was
   * last done. Call after a batch of `add`s. A sweep spread so costs each batch in proportion to its
   * size, where one done at once would stall the batch that happens to bring it.
   */
  settle(order: TimestampOrder, bounds: Bounds): void {
    const entries = this.entries;
    if (entries.timeCount >= 2 * this.timesKept + Math.max(RETIME_FROM, entries.extent / RETIME_SHARE)) {
      entries.retime((t) => bounds.advance(t, order));
      this.timesKept = entries.timeCount;
    }
    const paid = SWEEP_PACE * this.unsettled;
    this.unsettled = 0;
    if (this.sweepDue()) {
      this.sweep(Infinity, order, bounds);
      // The slots appended to become the sweep's; a slot appended to again before the sweep reaches
      // it stays in it (SWEEPING), one it has passed is listed again.
      const listed = this.dirty;
      for (let i = 0; i < this.dirtyN; i++) this.marked[listed[i]!] = (this.marked[listed[i]!]! & BARREN) | SWEEPING;
      this.dirty = this.sweeping;
      this.sweeping = listed;
      this.sweepN = this.dirtyN;
      this.sweepAt = 0;
      this.dirtyN = 0;
      this.appended = 0;
      this.held = this.count;
    }
    this.sweep(paid, order, bounds);
  }

  /**
   * Whether the next sweep is due: once as many entries were appended as half what was held when the
   * last began, or a sixteenth when they are spread over many keys (at least one key for every two
   * entries: churn, each key touched a few times, which the doubling rule leaves alone). Appends that
   * come many to a key (a load, a loop's rounds) leave sweeping to that rule: sweeping sooner would
   * only compact the same histories more often.
   */
  private sweepDue(): boolean {
    const appended = this.appended;
    if (appended < 1024) return false;
    // Products, not quotients: an odd count halved is a fraction, and V8's code for this, compiled on
    // whole numbers, was thrown away the first time one came (twice in WCC's first rounds after a load).
    const held = this.held;
    return 2 * appended >= held || (SWEEP_SHARE * appended >= held && 2 * this.dirtyN >= appended);
  }

  /** Visits slots of the sweep under way until it is done or `budget` entries (and slots) were visited: each history that has grown since its last compaction is compacted. */
  private sweep(budget: number, order: TimestampOrder, bounds: Bounds): void {
    const list = this.sweeping;
    let i = this.sweepAt;
    for (; i < this.sweepN && budget > 0; i++) {
      const s = list[i]!;
      budget--;
      const mark = this.marked[s]!;
      if ((mark & SWEEPING) === 0) continue;
      this.marked[s] = mark & BARREN;
      const n = this.lengths[s]!;
      // A single entry has nothing to merge with: it waits until its history has grown. So does a
      // long history whose last compaction merged nothing (a loop's, whose rounds stay apart): it
      // is left to the doubling rule, since compacting it again soon would most likely merge nothing
      // again, at the cost of its whole length.
      if (n > this.compacted[s]! && n > 1 && ((mark & BARREN) === 0 || n < BARREN_FROM)) {
        this.compactSlot(s, order, bounds);
        budget -= n;
      }
    }
    this.sweepAt = i;
    if (i === this.sweepN) this.sweepN = this.sweepAt = 0;
  }

  /** The number of entries held. */
  get size(): number {
    return this.count;
  }

  /** Compacts slot `s`'s history; one left empty goes, one left a quarter full moves to a smaller segment. */
  private compactSlot(s: number, order: TimestampOrder, bounds: Bounds): void {
    const before = this.lengths[s]!;
    const after = compact(this.entries, this.at[s]!, before, order, bounds);
    this.lengths[s] = after;
    this.compacted[s] = after;
    this.count -= before - after;
    if (after !== before) this.restamp(s);
    // Barren: nothing merged among entries at many times (a loop's rounds). A history of few times
    // that merged nothing (a hub's edges, all of one epoch) stays swept: the next change to it may
    // well cancel one of them.
    this.marked[s] = (this.marked[s]! & LISTED_OR_SWEEPING) | (after === before && 8 * lastTimes >= after ? BARREN : 0);
    const c = this.sizeClass[s]!;
    if (after === 0) this.remove(s);
    else if (c >= 2 && 4 * after <= 1 << c) this.resize(s, classOf(c >= 4 ? 2 * after : after));
  }

  /** Moves slot `s`'s history to a segment of size class `c`. */
  private resize(s: number, c: number): void {
    const entries = this.entries;
    const at = this.take(c);
    entries.move(this.at[s]!, at, this.lengths[s]!);
    entries.give(this.at[s]!, this.sizeClass[s]!);
    this.at[s] = at;
    this.sizeClass[s] = c;
  }

  /** A new, empty history for `kk`: its slot. */
  private put(kk: RecordKey, key: K, room = true): number {
    // Without room the slot holds no segment yet (size class NO_HISTORY): the caller gives it one.
    const at = room ? this.take(FIRST_CLASS) : 0;
    let s: number;
    if (this.freeSlots.length > 0) s = this.freeSlots.pop()!;
    else {
      s = this.used++;
      if (s === this.at.length) this.growSlots();
    }
    this.keyCount++;
    if (typeof key === 'number' && key === key) this.keyNums[s] = key;
    else {
      this.keyNums[s] = NaN;
      (this.otherKks ??= anyKind<RecordKey>())[s] = kk;
      (this.otherKeys ??= anyKind<K>())[s] = key;
    }
    this.at[s] = at;
    this.lengths[s] = 0;
    this.sizeClass[s] = room ? FIRST_CLASS : NO_HISTORY;
    this.compacted[s] = 0;
    this.marked[s]! &= LISTED_OR_SWEEPING;
    if (isIndex(kk) && kk < Math.max(1 << 16, 4 * this.keyCount)) {
      this.byInt = grownInPlace(this.byInt, kk + 1);
      this.byInt[kk] = s + 1;
    } else this.others.set(kk, s);
    return s;
  }

  /** Frees slot `s` (its history is empty). */
  private remove(s: number): void {
    this.entries.give(this.at[s]!, this.sizeClass[s]!);
    const v = this.keyNums[s]!;
    const kk = v === v ? (v === 0 ? 0 : v) : this.otherKks![s]!;
    if (isIndex(kk) && kk < this.byInt.length && this.byInt[kk] === s + 1) this.byInt[kk] = 0;
    else this.others.delete(kk);
    if (v !== v) {
      this.otherKks![s] = 0;
      this.otherKeys![s] = undefined as K;
    }
    this.keyNums[s] = 0;
    this.lengths[s] = 0;
    this.sizeClass[s] = NO_HISTORY;
    // No longer watched: a cursor over it finds no stamp (-1), never its own.
    this.watched?.delete(s);
    this.freeSlots.push(s);
    this.keyCount--;
  }

  /**
   * A free segment of 2^`c` entries. When taking it would move the end of what is handed out while
   * an eighth of that is free in pieces too small (the segments histories grew out of: a key that
   * grew to 2^k entries left 1 + 2 + … + 2^(k-1) behind), the histories are first packed to the
   * front, in place and in order, so that the columns stop growing; each packing moves at most what
   * is handed out, and comes only after an eighth of it has been freed again.
   */
  private take(c: number): number {
    if (this.entries.fragmented(c)) this.pack();
    return this.entries.take(c);
  }

  /** Moves every history to the front of the columns, in the order of their places, keeping each segment's size. */
  private pack(): void {
    const { at, lengths, sizeClass, entries } = this;
    // The slots below `used` that hold a segment: every key's, but those of keys new in a batch being
    // appended, which get theirs once it is counted (see `addBatch`).
    let n = 0;
    const slots = new Int32Array(this.keyCount);
    for (let s = 0; s < this.used; s++) if (sizeClass[s] !== NO_HISTORY) slots[n++] = s;
    sortByPlace(slots.subarray(0, n), at);
    let to = 0;
    for (let i = 0; i < n; i++) {
      const s = slots[i]!;
      if (at[s] !== to) entries.move(at[s]!, to, lengths[s]!);
      at[s] = to;
      to += 1 << sizeClass[s]!;
    }
    entries.packed(to);
  }

  private growSlots(): void {
    const n = 2 * this.at.length;
    this.at = grownInPlace(this.at, n);
    this.lengths = grownInPlace(this.lengths, n);
    this.sizeClass = grownInPlace(this.sizeClass, n);
    this.compacted = grownInPlace(this.compacted, n);
    this.marked = grownInPlace(this.marked, n);
    this.keyNums = grownInPlace(this.keyNums, n);
  }
}

/** The slots a history index's slot columns are first reserved for (address space, not memory). */
const SLOTS_RESERVED = 1 << 20;

/** `Histories.addBatch`'s scratch: each entry's slot, the entries each slot gets (zero between calls), and the slots that get some. */
let slotOf = new Int32Array(0);
let need = new Int32Array(0);
let touched = new Int32Array(0);
/**
 * The most elements `addBatch` keeps of each scratch column between calls: past this, scratch grown for
 * a large batch goes. `need` is indexed by slot, so it is kept up to the most slots an index is likely
 * to have (made again for every batch, it was written afresh each time: 2 MB for 500,000 keys).
 */
const SCRATCH_KEPT = 1 << 17;
const NEED_KEPT = 1 << 22;

/** Sorts `slots` by `at[slot]` (places below 2^30): two passes of a stable radix sort, 15 bits each. */
function sortByPlace(slots: Int32Array, at: Int32Array): void {
  const n = slots.length;
  const other = new Int32Array(n);
  const count = new Int32Array(1 << 15);
  for (let pass = 0, from: Int32Array = slots, to: Int32Array = other; pass < 2; pass++, [from, to] = [to, from]) {
    const shift = 15 * pass;
    count.fill(0);
    for (let i = 0; i < n; i++) count[(at[from[i]!]! >>> shift) & 0x7fff]!++;
    for (let b = 0, sum = 0; b < count.length; b++) {
      const c = count[b]!;
      count[b] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const s = from[i]!;
      to[count[(at[s]! >>> shift) & 0x7fff]!++] = s;
    }
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
 * A trace keeps a batch number per entry only once a reader registers with a finite `acked` (the
 * entries held before then count as the last batch appended, unseen by it).
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
 * last sweep, once as many entries were appended as half what was held after it, a sixteenth under churn): each time is replaced by its
 * representative under the readers' frontier F — the meet over f in F of join(t, f) — which no time
 * still to be read can tell from the original, and entries of one value with one representative are
 * summed, in place in the key's segment; zero sums vanish, and so does a history left empty.
 *
 * @example
 * const byNode = edges.arrange();          // after the dataflow is built, on this worker:
 * byNode.trace().size();                    // { keys: 1234, entries: 5678 }
 */
export class Trace<K, V> {
  readonly order: TimestampOrder;
  /** Its histories, by key (see `Histories.slot`). */
  readonly histories = new Histories<K>();
  private readonly readers: TraceReader[] = [];
  private seq = 0;

  constructor(order: TimestampOrder) {
    this.order = order;
  }

  /** Adds a reader; it is consulted before every compaction. */
  register(reader: TraceReader): TraceReader {
    this.readers.push(reader);
    if (reader.acked !== Infinity) this.histories.entries.keepBatches(this.seq);
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

  /**
   * Appends the changes `(keys[i], values[i], diffs[i])` at `time` as the next batch; returns the batch
   * (what readers are sent). A `partial` batch, one part of a time whose changes are still coming,
   * leaves compaction to the time's last batch (or to `settle`).
   */
  append(batch: Omit<ArrangedBatch<K, V>, 'seq'>, time: Timestamp, partial = false): ArrangedBatch<K, V> {
    const seq = ++this.seq;
    const { kks, keys, vks, values, diffs } = batch;
    const histories = this.histories;
    const order = this.order;
    const bounds = new Bounds(() => this.bounds());
    addAll(histories, batch, time, seq, order, bounds, partial);
    if (!partial) histories.settle(order, bounds);
    return { seq, kks, keys, vks, values, diffs };
  }

  /** Sweeps if enough was appended since the last sweep (see `Histories.settle`): what a time whose last part was empty calls. */
  settle(): void {
    this.histories.settle(this.order, new Bounds(() => this.bounds()));
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

/**
 * Adds a batch's changes to the histories. A function of its own, so that the code V8 compiles while
 * this loop runs (on-stack replacement) has nothing after the loop: the same compiled loop inside
 * `append` left off at a call never seen before it was compiled, on every later batch (a deoptimization
 * per batch on V8 11).
 */
function addAll<K, V>(histories: Histories<K>, batch: Omit<ArrangedBatch<K, V>, 'seq'>, time: Timestamp, seq: number, order: TimestampOrder, bounds: Bounds, partial: boolean): void {
  const { kks, keys, vks, values, diffs } = batch;
  if (kks.length >= BATCH_BY_KEY) return histories.addBatch(kks, keys, vks, values, time, diffs, seq, order, bounds, partial);
  for (let i = 0; i < kks.length; i++) histories.add(kks[i]!, keys[i]!, vks[i]!, values[i], time, diffs[i]!, seq, order, bounds);
}

/** The representative of `t` under `frontier`: the meet over f of join(t, f) (t itself for an empty frontier). */
export function advance(t: Timestamp, frontier: readonly Timestamp[], order: TimestampOrder): Timestamp {
  if (frontier.length === 0) return t;
  let r = order.join(t, frontier[0]!);
  for (let i = 1; i < frontier.length; i++) r = order.meet(r, order.join(t, frontier[i]!));
  return r;
}

/**
 * Compacts the history of `n` entries at `base` under the bounds' frontier and returns how many are
 * left: every time advanced; entries of batches every reader has seen (seq ≤ acked) summed per value
 * and representative time; zero sums dropped. The survivors keep their order, written back into the
 * history's own segment (the value slots it no longer uses cleared); the work is done in scratch
 * columns.
 */
export function compact(entries: Entries, base: number, n: number, order: TimestampOrder, bounds: Bounds): number {
  return n <= SHORT ? compactShort(entries, base, n, order, bounds) : compactLong(entries, base, n, order, bounds);
}

/**
 * Histories of at most this many entries (most of what sweeps visit under churn: a key touched a
 * few times since) are compacted by comparing their entries pairwise, without the indexes and maps
 * a long one needs.
 */
const SHORT = 8;
/** `compactShort`'s scratch: each entry's representative, and its number (-1 until known). */
const shortReps: (Timestamp | undefined)[] = new Array<Timestamp | undefined>(SHORT).fill(undefined);
const shortRepIds = new Int32Array(SHORT);
/** 1 if the entry leads a merge others may join (its batch seen by every reader), else 0. */
const shortOpen = new Uint8Array(SHORT);

/**
 * `compact` for a history of at most SHORT entries: the same result (the survivors in order, with the
 * same times, sums and batch numbers), found by comparing each entry with the ones before it.
 * @internal exported for tests, which hold it to `compactLong`.
 */
export function compactShort(entries: Entries, base: number, n: number, order: TimestampOrder, bounds: Bounds): number {
  const { nums, times: ids, seqs: entrySeqs, timeOf, otherVks, batched } = entries;
  const diffs = entries.diffs;
  const acked = bounds.get()[1];
  let nt = 0;
  let lastId = -1;
  let rep = undefined as unknown as Timestamp;
  let repId = -1;
  for (let i = 0; i < n; i++) {
    const id = ids[base + i]!;
    if (id !== lastId) {
      lastId = id;
      const original = timeOf[id]!;
      rep = bounds.advance(original, order);
      repId = rep === original ? id : -1;
      let fresh = true;
      for (let j = 0; j < i; j++) {
        if (shortReps[j] === rep) {
          fresh = false;
          break;
        }
      }
      if (fresh) nt++;
    }
    shortReps[i] = rep;
    shortRepIds[i] = repId;
    const seq = batched ? entrySeqs[base + i]! : 0;
    const diff = diffs[base + i]!;
    let first = -1;
    if (seq <= acked) {
      const v = nums[base + i]!;
      for (let j = 0; j < i; j++) {
        if (shortOpen[j] === 0 || shortReps[j] !== rep) continue;
        const u = nums[base + j]!;
        if (v === v ? u === v : u !== u && otherVks![base + j] === otherVks![base + i]) {
          first = j;
          break;
        }
      }
    }
    if (first >= 0) {
      leader[i] = first;
      shortOpen[i] = 0;
      sums[first]! += diff;
      if (seq > seqs[first]!) seqs[first] = seq;
    } else {
      leader[i] = i;
      shortOpen[i] = seq <= acked ? 1 : 0;
      sums[i] = diff;
      seqs[i] = seq;
    }
  }
  // As in compactLong: the survivors' representatives numbered and taken before any old number is
  // released, then the survivors written back in place, in order.
  for (let i = 0; i < n; i++) {
    if (leader[i] === i && sums[i] !== 0 && shortRepIds[i]! < 0) shortRepIds[i] = entries.timeId(shortReps[i]!);
    shortReps[i] = undefined; // the scratch keeps no time alive
    timeIndex[i] = i;
  }
  lastTimes = nt;
  return keepSurvivors(entries, base, n, shortRepIds);
}

/**
 * `compact` for a history of any length: entries merge through a dense index per representative
 * (small-integer values), a table of (representative, number) pairs, or maps.
 * @internal exported for tests.
 */
export function compactLong(entries: Entries, base: number, n: number, order: TimestampOrder, bounds: Bounds): number {
  const { nums, times: ids, seqs: entrySeqs, timeOf, otherVks, batched } = entries;
  const diffs = entries.diffs;
  if (leader.length < n) {
    const size = Math.max(n, 2 * leader.length);
    leader = new Int32Array(size);
    timeIndex = new Int32Array(size);
    sums = new Float64Array(size);
    seqs = new Float64Array(size);
  }
  const acked = bounds.get()[1];
  // The distinct representatives, by identity (bounds.advance makes equal ones one object): few, so
  // found by scanning until there are many. `times` is scratch: its first `nt` places.
  const times = repTimes;
  let nt = 0;
  let timeAt: Map<Timestamp, number> | undefined;
  // Entries merge into the first of their (value, representative) in order: a dense index per
  // representative for small-integer values (the first few representatives), a map otherwise.
  let maps: Map<RecordKey, number>[] | undefined;
  // Number values at other representatives: an open-addressing table of 1 + entry, by (representative, value).
  let pairs: Int32Array | undefined;
  let mask = -1;
  // A run of entries of one time number has one representative, found once.
  let lastId = -1;
  let time = undefined as unknown as Timestamp;
  let ti = -1;
  try {
    for (let i = 0; i < n; i++) {
      const id = ids[base + i]!;
      if (id !== lastId) {
        lastId = id;
        const original = timeOf[id]!;
        time = bounds.advance(original, order);
        let fresh = false;
        if (time === original) {
          // A representative that is an entry's own time (most, in a loop whose rounds stay apart)
          // is found by that time's number, and has it.
          if (id >= repOfId.length) repOfId = grownColumn(repOfId, entries.timeOf.length);
          ti = repOfId[id]! - 1;
          if (ti < 0) {
            ti = timeAt === undefined ? -1 : (timeAt.get(time) ?? -1);
            if (ti < 0) {
              ti = nt++;
              fresh = true;
            }
            repOfId[id] = ti + 1;
            repNumbers = grownColumn(repNumbers, nt);
            repNumbers[ti] = id;
          }
        } else {
          // Others by identity (equal representatives are one object), through a map made once
          // the first is met.
          if (timeAt === undefined) {
            timeAt = new Map();
            for (let j = 0; j < nt; j++) timeAt.set(times[j]!, j);
          }
          ti = timeAt.get(time) ?? -1;
          if (ti < 0) {
            ti = nt++;
            fresh = true;
            repNumbers = grownColumn(repNumbers, nt);
            repNumbers[ti] = -1;
          }
        }
        if (fresh) {
          times[ti] = time;
          timeAt?.set(time, ti);
        }
      }
      timeIndex[i] = ti;
      const seq = batched ? entrySeqs[base + i]! : 0;
      const diff = diffs[base + i]!;
      let first = -1;
      if (seq <= acked) {
        const v = nums[base + i]!;
        const vk = v === v ? v : otherVks![base + i]!;
        if (ti < DENSE_TIMES && isDense(vk)) {
          const d = denseFor(ti, vk);
          first = d[vk]! - 1;
          if (first < 0) d[vk] = i + 1;
        } else if (v === v) {
          if (pairs === undefined) {
            const { table, size } = pairTable(n);
            pairs = table;
            mask = size - 1;
          }
          for (let h = hashPair(ti, v) & mask; ; h = (h + 1) & mask) {
            const e = pairs[h]!;
            if (e === 0) {
              pairs[h] = i + 1;
              break;
            }
            if (timeIndex[e - 1] === ti && nums[base + e - 1] === v) {
              first = e - 1;
              break;
            }
          }
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
    pairs?.fill(0, 0, mask + 1);
    for (let j = 0; j < nt; j++) if (repNumbers[j]! >= 0) repOfId[repNumbers[j]!] = 0;
    for (let i = 0; i < n; i++) {
      if (leader[i] !== i) continue;
      const v = nums[base + i]!;
      const ti = timeIndex[i]!;
      if (ti >= DENSE_TIMES || !isDense(v)) continue;
      const d = denseTimes[ti];
      if (d !== undefined && v < d.length) d[v] = 0;
    }
  }
  // The representatives' numbers, then every old entry's time released (after the survivors took
  // theirs, so that a number both use is not freed in between), then the survivors written back in
  // place, each to a place at or before its own, in order.
  // A survivor that keeps its number neither takes nor releases one.
  const repIds = repNumbers;
  for (let j = 0; j < nt; j++) {
    if (repIds[j]! < 0) repIds[j] = entries.timeId(times[j]!);
    times[j] = undefined as unknown as Timestamp; // the scratch keeps no time alive
  }
  lastTimes = nt;
  return keepSurvivors(entries, base, n, repIds);
}

/**
 * The end of a compaction of the `n` entries at `base`, merged as `leader`, `sums` and `seqs` say:
 * each survivor (a leader whose sum is not zero) takes its representative's number,
 * `repIds[timeIndex[i]]`, before any old number is released (so that a number both use is not freed
 * in between; a survivor that keeps its number neither takes nor releases one), and the survivors are
 * written back in place, each to a place at or before its own, in order. Returns how many are left.
 */
function keepSurvivors(entries: Entries, base: number, n: number, repIds: Int32Array): number {
  const { nums, times: ids, seqs: entrySeqs, otherVks, batched } = entries;
  let diffs = entries.diffs;
  for (let i = 0; i < n; i++) if (leader[i] === i && sums[i] !== 0 && repIds[timeIndex[i]!] !== ids[base + i]) entries.ref(repIds[timeIndex[i]!]!);
  for (let i = 0; i < n; i++) if (leader[i] !== i || sums[i] === 0 || repIds[timeIndex[i]!] !== ids[base + i]) entries.unref(ids[base + i]!);
  const otherValues = entries.otherValues;
  let w = 0;
  for (let i = 0; i < n; i++) {
    if (leader[i] !== i || sums[i] === 0) continue;
    const v = nums[base + i]!;
    nums[base + w] = v;
    if (v !== v) {
      otherVks![base + w] = otherVks![base + i]!;
      otherValues![base + w] = otherValues![base + i];
    }
    ids[base + w] = repIds[timeIndex[i]!]!;
    const sum = sums[i]!;
    if ((sum | 0) !== sum && !entries.wideDiffColumn) {
      entries.widen('diffs');
      diffs = entries.diffs;
    }
    diffs[base + w] = sum;
    if (batched) entrySeqs[base + w] = seqs[i]!;
    w++;
  }
  if (otherVks !== undefined) {
    for (let i = w; i < n; i++) {
      otherVks[base + i] = 0;
      otherValues![base + i] = 0;
    }
  }
  entries.forget();
  return w;
}

/** How many representatives the last `compact` found. */
let lastTimes = 0;

/** Compaction's scratch columns, per entry: the entry it merges into, its representative's index, and (for a first) the summed diff and largest batch. */
let leader = new Int32Array(256);
let timeIndex = new Int32Array(256);
let sums = new Float64Array(256);
let seqs = new Float64Array(256);
/** Compaction's scratch per representative: the time, and its number (-1 until known). */
const repTimes: Timestamp[] = [];
let repNumbers = new Int32Array(16);
/** Per time number: 1 + the representative it is (when that is its own time) in the compaction under way; zero between uses. */
let repOfId = new Int32Array(1024);
/** How many representatives per compaction get a dense index; entries at others go through a pair table (numbers) or maps. */
const DENSE_TIMES = 4;
/** Per representative index: for each small-integer value key, 1 + its first entry (0: none); cleared after each compaction. */
const denseTimes: Int32Array<ArrayBuffer>[] = [];

function denseFor(ti: number, vk: number): Int32Array {
  return (denseTimes[ti] = covering(denseTimes[ti] ?? new Int32Array(0), vk));
}

/** For each small-integer value key, 1 + its place in the accumulation being built (0: not there); cleared after each use. */
let dense = new Int32Array(1024);
/** The accumulation being built: value j is `gathered[j]` with canonical key `gatheredKeys[j]` and count `counts[j]` (scratch, reused). */
const gathered: unknown[] = [];
const gatheredKeys: RecordKey[] = [];
let counts = new Float64Array(256);
/** How many values `gather` has placed so far (what to clear from `dense`, even after a throw). */
let gatheredN = 0;

/**
 * Times met while accumulating that were not at or before the time accumulated at: `times[0..n)`
 * (each run of one time object once). Reused: set `n` to 0 to start again.
 */
export class LaterTimes {
  times: Timestamp[] = [];
  n = 0;
}

/**
 * A history's accumulated values at one time, in reused columns: value i (of `n`) is `values[i]` with
 * canonical key `keys[i]` and non-zero count `counts[i]`. Filled by `accumulate`; what a reduce reads
 * for every key it settles, so it allocates nothing once its columns are long enough.
 */
export class Accumulated<V> {
  n = 0;
  values: V[] = [];
  keys: RecordKey[] = [];
  counts: number[] = [];

  /** The place of the value with canonical key `vk`, or -1. */
  find(vk: RecordKey): number {
    const keys = this.keys;
    for (let i = 0; i < this.n; i++) if (keys[i] === vk) return i;
    return -1;
  }
}

/**
 * Fills `into` with the accumulated values of the history of `length` entries at `at` at `time`: each
 * value whose entries at times ≤ `time` sum to a non-zero count. The times of the entries not ≤
 * `time` are added to `later` if given. Values whose entries cancel cost nothing: the sums are made in
 * scratch columns. Returns how many values there are (`into.n`).
 */
export function accumulate<V>(entries: Entries, at: number, length: number, time: Timestamp, order: TimestampOrder, into: Accumulated<V>, later?: LaterTimes): number {
  gatheredN = 0;
  try {
    gather(entries, at, at + length, time, order, later);
  } finally {
    for (let i = 0; i < gatheredN; i++) {
      const vk = gatheredKeys[i]!;
      if (isDense(vk)) dense[vk] = 0;
    }
  }
  const n = gatheredN;
  const { values, keys, counts: out } = into;
  let w = 0;
  for (let i = 0; i < n; i++) {
    const c = counts[i]!;
    if (c !== 0) {
      values[w] = gathered[i] as V;
      keys[w] = gatheredKeys[i]!;
      out[w] = c;
      w++;
    }
    gathered[i] = undefined;
  }
  into.n = w;
  return w;
}

/** Whether a value key is a small non-negative integer, placed through `dense`. */
function isDense(vk: RecordKey): vk is number {
  return isIndex(vk) && vk < DENSE_LIMIT;
}

/** `accumulate`'s pass: the sums per value of the entries at times ≤ `time` into `gathered`, `gatheredKeys` and `counts` (zero sums kept); returns how many; `dense` left set for the caller to clear. */
function gather(entries: Entries, from: number, to: number, time: Timestamp, order: TimestampOrder, later: LaterTimes | undefined): number {
  const { nums, times, diffs, timeOf, otherVks, otherValues } = entries;
  // Other value keys are found through a map, made once 16 entries needed one (fewer are found by scanning).
  let index: Map<RecordKey, number> | undefined;
  let others = 0;
  let n = 0;
  // Neighbouring entries mostly share one time (a batch's, or compaction's representative): each
  // distinct run is compared once.
  let last = -1;
  let lastIn = false;
  for (let i = from; i < to; i++) {
    const ti = times[i]!;
    if (ti !== last) {
      last = ti;
      const t = timeOf[ti]!;
      lastIn = order.lessEqual(t, time);
      if (!lastIn && later !== undefined) later.times[later.n++] = t;
    }
    if (!lastIn) continue;
    const num = nums[i]!;
    const vk = num === num ? num : otherVks![i]!;
    let at = -1;
    if (isDense(vk)) {
      if (vk >= dense.length) dense = covering(dense, vk);
      at = dense[vk]! - 1;
      if (at < 0) dense[vk] = n + 1;
    } else {
      if (index !== undefined) at = index.get(vk) ?? -1;
      else {
        for (let j = 0; j < n; j++) if (gatheredKeys[j] === vk) (at = j), (j = n);
        if (++others >= 16) {
          index = new Map();
          for (let j = 0; j < n; j++) index.set(gatheredKeys[j]!, j);
        }
      }
      if (at < 0) index?.set(vk, n);
    }
    if (at >= 0) counts[at]! += diffs[i]!;
    else {
      if (n === counts.length) {
        const grown = new Float64Array(2 * n);
        grown.set(counts);
        counts = grown;
      }
      gatheredKeys[n] = vk;
      gathered[n] = num === num ? num : otherValues![i];
      counts[n++] = diffs[i]!;
      gatheredN = n;
    }
  }
  return n;
}
