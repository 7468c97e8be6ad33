/** Entries: the typed columns in which an index keeps every history's entries, handed out in segments by size. */
import type { Timestamp } from '../timestamps/timestamp.js';
import { reservedColumn } from './dense.js';
import { CollectionError } from './errors.js';
import { overflowed, pastSafe, type RecordKey } from './record-key.js';

/** The entries the columns of an index are first reserved for (address space, not memory: 16 to 28 bytes an entry, committed as they grow). */
const RESERVE = 1 << 25;
/** The least free room (in entries) for which the columns are packed again (see `fragmented`). */
const FRAGMENTED_ROOM = 1 << 16;
/** The most entries the columns hold: a resizable buffer holds at most 4 GiB, and a value key takes up to 8 bytes. */
const MAX_ENTRIES = 1 << 29;

/**
 * The entries of every history of one index, as typed columns: entry i has the value key `nums[i]`
 * (NaN when the value is not a number: then `otherVks[i]` and `otherValues[i]` hold its key and value),
 * the time `timeOf[times[i]]`, the diff `diffs[i]` and the batch `seqs[i]` (the largest, once merged;
 * kept only while some reader reads the trace by batch — see `TraceReader.acked` — and else empty).
 * A number's value key is the number itself, so it is stored once. `nums`, `diffs` and `seqs` are
 * 32-bit integers while everything they hold is (16 bytes an entry with `times`, rather than 28), each
 * widened to doubles for good by the first entry that is not: a value key that is a fraction, large or
 * not a number, a diff or a batch number past 2^31 - 1. Each history is a segment of these
 * columns (`History.at`, `History.length`), taken from and returned to free lists by size: a history
 * that grows moves within the columns instead of being an array of its own, so millions of entries are
 * a few large allocations that the collector neither scans nor copies, and no key pays for an array.
 * Times are numbered, each number counted by the entries using it and reused once none does.
 *
 * @example
 * const h = arranged.trace().get(recordKey(7));              // node 7's history, if it has one
 * const e = h!.entries;
 * for (let i = h!.at; i < h!.at + h!.length; i++) console.log(e.value(i), String(e.time(i)), e.diffs[i]);
 */
export class Entries {
  nums: Column = column(false, 0, RESERVE);
  times = reservedColumn(Int32Array, 0, RESERVE);
  diffs: Column = column(false, 0, RESERVE);
  seqs: Column = column(false, 0, RESERVE);
  /** Whether `nums`, `diffs` and `seqs` hold doubles (see above). */
  private wideNums = false;
  private wideDiffs = false;
  private wideSeqs = false;
  /** Whether `seqs` is kept: only a reader that reads by batch needs it (4 of an entry's 16 bytes, 8 once widened). */
  get batched(): boolean {
    return this.keptBatches;
  }
  private keptBatches = false;
  /** Value keys and values of entries whose value is not a number (made when the first such comes). */
  otherVks: RecordKey[] | undefined;
  otherValues: unknown[] | undefined;
  /** The time of each time number in use (undefined for a free number). */
  readonly timeOf: (Timestamp | undefined)[] = [];
  /** How many entries use each time number. */
  private timeRefs = new Int32Array(0);
  private readonly timeIds = new Map<string, number>();
  private readonly freeTimeIds: number[] = [];
  private lastTime: Timestamp | undefined;
  private lastTimeId = -1;
  /** Time numbers made since the last `forget`: those no entry took are freed then. */
  private readonly unused: number[] = [];
  /** The columns' length; entries at and after `top` have never been handed out. */
  private capacity = 0;
  /** How many entries the columns' buffers can grow to in place. */
  private reserved = RESERVE;
  private top = 0;
  /** Free segments by size class c (2^c entries each): their first entries. */
  private free: number[][] = [];
  /** How many entries the free segments have room for. */
  private freeRoom = 0;

  /** Entry i's value. */
  value(i: number): unknown {
    const v = this.nums[i]!;
    return v === v ? v : this.otherValues![i];
  }

  /** Entry i's value key. */
  vk(i: number): RecordKey {
    const v = this.nums[i]!;
    return v === v ? v : this.otherVks![i]!;
  }

  /** Entry i's time. */
  time(i: number): Timestamp {
    return this.timeOf[this.times[i]!]!;
  }

  /** @internal Writes entry i (a free slot); a numeric `vk` is the value itself. */
  set(i: number, vk: RecordKey, value: unknown, time: number, diff: number, seq: number): void {
    if (typeof vk === 'number') {
      if ((vk | 0) !== vk && !this.wideNums) this.widen('nums');
      this.nums[i] = vk;
    } else {
      if (!this.wideNums) this.widen('nums');
      this.nums[i] = NaN;
      this.others()[0][i] = vk;
      this.otherValues![i] = value;
    }
    this.times[i] = time;
    this.timeRefs[time]!++;
    if ((diff | 0) !== diff) {
      if (pastSafe(diff)) throw overflowed('an arrangement', value, diff, 'an entry of value');
      if (!this.wideDiffs) this.widen('diffs');
    }
    this.diffs[i] = diff;
    if (this.batched) {
      if ((seq | 0) !== seq && !this.wideSeqs) this.widen('seqs');
      this.seqs[i] = seq;
    }
  }

  /** @internal Whether `diffs` holds doubles. */
  get wideDiffColumn(): boolean {
    return this.wideDiffs;
  }

  /** @internal Makes a column of 32-bit integers one of doubles, its entries kept. */
  widen(which: 'nums' | 'diffs' | 'seqs'): void {
    const wide = column(true, this.capacity, this.reserved);
    wide.set(this[which]);
    this[which] = wide;
    if (which === 'nums') this.wideNums = true;
    else if (which === 'diffs') this.wideDiffs = true;
    else this.wideSeqs = true;
  }

  /** @internal Moves `n` entries from `from` to the free slots at `to` (the slots left behind are free, their uses moved with them). */
  move(from: number, to: number, n: number): void {
    const { nums, times, diffs, seqs } = this;
    if (n < 64) {
      // Most histories that move are short, where a loop beats four calls of copyWithin.
      for (let i = 0; i < n; i++) {
        nums[to + i] = nums[from + i]!;
        times[to + i] = times[from + i]!;
        diffs[to + i] = diffs[from + i]!;
      }
      if (this.batched) for (let i = 0; i < n; i++) seqs[to + i] = seqs[from + i]!;
    } else {
      nums.copyWithin(to, from, from + n);
      times.copyWithin(to, from, from + n);
      diffs.copyWithin(to, from, from + n);
      if (this.batched) seqs.copyWithin(to, from, from + n);
    }
    const vks = this.otherVks;
    if (vks === undefined) return;
    const values = this.otherValues!;
    for (let i = 0; i < n; i++) {
      vks[to + i] = vks[from + i]!;
      values[to + i] = values[from + i];
      vks[from + i] = 0;
      values[from + i] = 0;
    }
  }

  /** @internal The number of `t` (made if new); it counts as used once an entry is set with it. */
  timeId(t: Timestamp): number {
    if (t === this.lastTime && this.timeOf[this.lastTimeId] === t) return this.lastTimeId;
    let id = this.timeIds.get(t.key);
    if (id === undefined) {
      id = this.freeTimeIds.length > 0 ? this.freeTimeIds.pop()! : this.timeOf.length;
      this.timeOf[id] = t;
      this.timeIds.set(t.key, id);
      if (id >= this.timeRefs.length) {
        const refs = new Int32Array(Math.max(64, 2 * this.timeRefs.length));
        refs.set(this.timeRefs);
        this.timeRefs = refs;
      }
      this.timeRefs[id] = 0;
      this.unused.push(id);
    }
    this.lastTime = this.timeOf[id];
    this.lastTimeId = id;
    return id;
  }

  /**
   * @internal Keeps a batch number per entry from now on (a reader that reads by batch registered):
   * the entries held so far take `latest`, the last batch appended, as if none had been seen.
   */
  keepBatches(latest: number): void {
    if (this.keptBatches) return;
    this.keptBatches = true;
    this.wideSeqs = (latest | 0) !== latest;
    this.seqs = column(this.wideSeqs, this.capacity, this.reserved);
    this.seqs.fill(latest, 0, this.top);
  }

  /** How many time numbers are in use (for tests and statistics). */
  get timeCount(): number {
    return this.timeIds.size;
  }

  /** How many entries the segments handed out and not given back have room for (for tests and statistics). */
  get inUse(): number {
    return this.top - this.freeRoom;
  }

  /** How many entries the columns have handed out, free segments among them: the room they have touched (for tests and statistics). */
  get extent(): number {
    return this.top;
  }

  /** @internal Whether the columns have room for `2^c` more entries below `top` only in pieces too small, while at least `1/8` of what was handed out is free (see `Histories`). */
  fragmented(c: number): boolean {
    if (this.freeRoom < Math.max(FRAGMENTED_ROOM, this.top / 8)) return false;
    for (let k = c; k < this.free.length; k++) if (this.free[k]!.length > 0) return false;
    return true;
  }

  /** @internal Makes `top` the first entry after the segments handed out, which the caller has moved to the front: no segment is free. */
  packed(top: number): void {
    this.top = top;
    this.free = [];
    this.freeRoom = 0;
  }

  /** @internal Frees the time numbers made since the last call that no entry took. */
  forget(): void {
    const unused = this.unused;
    if (unused.length === 0) return;
    for (let i = 0; i < unused.length; i++) {
      const id = unused[i]!;
      if (this.timeRefs[id] === 0 && this.timeOf[id] !== undefined) this.freeTime(id);
    }
    unused.length = 0;
  }

  /**
   * @internal Gives every entry the time `advance` makes of its own (a representative that many times
   * share, as compaction's), and frees the numbers no entry uses after that. Compaction advances the
   * times of the histories it visits; a history it leaves alone (a key touched once, long ago) would
   * otherwise keep its time, and its number, for as long as the key is. Entries left with equal times
   * are not merged (the next compaction of their history does that). One pass over the time column.
   */
  retime(advance: (t: Timestamp) => Timestamp): void {
    const n = this.timeOf.length;
    let remap: Int32Array | undefined;
    const gone: number[] = [];
    for (let id = 0; id < n; id++) {
      const t = this.timeOf[id];
      if (t === undefined || this.timeRefs[id] === 0) continue;
      const r = advance(t);
      if (r === t) continue;
      // A representative advances to itself: its number never moves, and never goes below.
      const to = this.timeId(r);
      if (to === id) continue;
      if (remap === undefined) {
        remap = new Int32Array(n);
        for (let j = 0; j < n; j++) remap[j] = j;
      }
      remap[id] = to;
      this.timeRefs[to]! += this.timeRefs[id]!;
      this.timeRefs[id] = 0;
      gone.push(id);
    }
    if (remap !== undefined) {
      // Every number an entry holds, in a segment handed out or not, was made before this call: below n.
      const times = this.times;
      for (let i = 0; i < this.top; i++) times[i] = remap[times[i]!]!;
      for (const id of gone) this.freeTime(id);
    }
    // The representatives made here took the uses of the times they replace; any other number made
    // and not taken goes, as after a compaction.
    this.forget();
  }

  /** @internal Counts one more use of time number `id`. */
  ref(id: number): void {
    this.timeRefs[id]!++;
  }

  /** @internal Counts one use less of time number `id`, freeing it at none. */
  unref(id: number): void {
    if (--this.timeRefs[id]! === 0) this.freeTime(id);
  }

  private freeTime(id: number): void {
    this.timeIds.delete(this.timeOf[id]!.key);
    this.timeOf[id] = undefined;
    this.freeTimeIds.push(id);
  }

  private others(): [RecordKey[], unknown[]] {
    if (this.otherVks === undefined) {
      this.otherVks = new Array<RecordKey>(this.capacity).fill(0);
      this.otherValues = new Array<unknown>(this.capacity).fill(0);
    }
    return [this.otherVks, this.otherValues!];
  }

  /** @internal The first entry of a free segment of 2^`c` entries. */
  take(c: number): number {
    const list = this.free[c];
    if (list !== undefined && list.length > 0) {
      this.freeRoom -= 1 << c;
      return list.pop()!;
    }
    // A larger free segment is split before the columns grow: its first 2^c entries are taken, and
    // the rest is freed again as segments of 2^c, 2^(c+1), … entries.
    for (let larger = c + 1; larger < this.free.length; larger++) {
      const from = this.free[larger];
      if (from === undefined || from.length === 0) continue;
      const at = from.pop()!;
      for (let k = c; k < larger; k++) this.listOf(k).push(at + (1 << k));
      this.freeRoom -= 1 << c;
      return at;
    }
    const size = 1 << c;
    if (this.top + size > this.capacity) this.grow(this.top + size);
    const at = this.top;
    this.top += size;
    return at;
  }

  /** @internal Returns the segment of 2^`c` entries at `at` (its entries moved or compacted away). */
  give(at: number, c: number): void {
    this.listOf(c).push(at);
    this.freeRoom += 1 << c;
  }

  /** The free list of class `c`, made (with those of every smaller class) if new. */
  private listOf(c: number): number[] {
    while (this.free.length <= c) this.free.push([]);
    return this.free[c]!;
  }

  /**
   * Makes room for `need` entries: the capacity at least doubles. The four typed columns live in
   * resizable buffers reserved for many times their size, so that growing them commits memory where
   * they are instead of copying them (copying tens of megabytes is most of what growing costs); past
   * the reservation they are copied into a larger one.
   */
  private grow(need: number): void {
    if (need > MAX_ENTRIES) {
      throw new CollectionError(
        'TRACE_FULL',
        `an arrangement holds more than ${MAX_ENTRIES.toLocaleString('en-US')} updates on one worker (the most its columns can hold): run the dataflow on more workers, so that each holds fewer keys`,
        { entries: need },
      );
    }
    const capacity = Math.min(Math.max(need, 2 * this.capacity, 1024), MAX_ENTRIES);
    if (capacity > this.reserved) {
      this.reserved = Math.min(16 * capacity, MAX_ENTRIES);
      // Each column into a new buffer reserved for more; `times` always holds 32-bit integers.
      const moved = <A extends Column>(a: A, wide: boolean): A => {
        const b = column(wide, this.capacity, this.reserved);
        b.set(a);
        return b as A;
      };
      this.nums = moved(this.nums, this.wideNums);
      this.times = moved(this.times, false);
      this.diffs = moved(this.diffs, this.wideDiffs);
      if (this.batched) this.seqs = moved(this.seqs, this.wideSeqs);
    }
    // Views of a fixed length over the grown buffers (views that track a buffer's length are slower to index).
    const resized = <A extends Column>(a: A, wide: boolean): A => {
      const buffer = a.buffer;
      buffer.resize((wide ? 8 : 4) * capacity);
      return (wide ? new Float64Array(buffer, 0, capacity) : new Int32Array(buffer, 0, capacity)) as A;
    };
    this.nums = resized(this.nums, this.wideNums);
    this.times = resized(this.times, false);
    this.diffs = resized(this.diffs, this.wideDiffs);
    if (this.batched) this.seqs = resized(this.seqs, this.wideSeqs);
    if (this.otherVks !== undefined) {
      this.otherVks.length = this.otherValues!.length = capacity;
      this.otherVks.fill(0, this.capacity);
      this.otherValues!.fill(0, this.capacity);
    }
    this.capacity = capacity;
  }
}

/** A column of entries: 32-bit integers, or doubles once widened. */
type Column = Int32Array<ArrayBuffer> | Float64Array<ArrayBuffer>;

/** A column of `length` entries (doubles if `wide`) in a resizable buffer that can grow in place to `reserved`. */
function column(wide: boolean, length: number, reserved: number): Column {
  return wide ? reservedColumn(Float64Array, length, reserved) : reservedColumn(Int32Array, length, reserved);
}
