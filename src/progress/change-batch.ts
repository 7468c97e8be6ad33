/** ChangeBatch: signed updates to pointstamp counts, consolidated as they arrive, with a compact wire form. */
import { Timestamp } from '../timestamps/timestamp.js';
import { clear } from './arrays.js';
import { ProgressError } from './errors.js';

/** One change to the occurrence count of the pointstamp (time, location). */
export interface PointstampUpdate {
  readonly location: number;
  readonly time: Timestamp;
  delta: number;
}

/**
 * Updates to the same pointstamp are summed on arrival and dropped when they cancel, so a batch holds
 * at most one non-zero entry per pointstamp. A batch is the unit the progress protocol sends and
 * applies whole.
 *
 * @example
 * const batch = new ChangeBatch();
 * batch.update(3, Timestamp.of(0), +1);
 * batch.update(3, Timestamp.of(0), -1); // cancels: nothing left
 * batch.isEmpty(); // true
 */
export class ChangeBatch {
  // Small batches (the common case: a step's few updates) are searched linearly; past SMALL entries an
  // index by pointstamp key takes over.
  private entries: PointstampUpdate[] = [];
  private index: Map<string, PointstampUpdate> | undefined;

  update(location: number, time: Timestamp, delta: number): void {
    if (delta === 0) return;
    const entries = this.entries;
    let entry: PointstampUpdate | undefined;
    if (this.index === undefined) {
      for (let i = 0; i < entries.length; i++) {
        const e = entries[i]!;
        if (e.location === location && (e.time === time || e.time.equals(time))) {
          entry = e;
          break;
        }
      }
    } else entry = this.index.get(location + '@' + time.key);
    if (entry === undefined) {
      const fresh = { location, time, delta };
      entries.push(fresh);
      if (this.index !== undefined) this.index.set(location + '@' + time.key, fresh);
      else if (entries.length > SMALL) this.buildIndex();
      return;
    }
    entry.delta += delta;
    if (entry.delta === 0) this.remove(entry);
  }

  /** Adds every update of `updates` to this batch. */
  extend(updates: Iterable<PointstampUpdate>): void {
    for (const u of updates) this.update(u.location, u.time, u.delta);
  }

  isEmpty(): boolean {
    return this.entries.length === 0;
  }

  get size(): number {
    return this.entries.length;
  }

  updates(): readonly PointstampUpdate[] {
    return this.entries;
  }

  /** Moves every update into `target` (merging), leaving this batch empty; reuses storage where it can. */
  moveInto(target: ChangeBatch): void {
    if (this.entries.length === 0) return;
    if (target.entries.length === 0) {
      const spare = target.entries;
      target.entries = this.entries;
      target.index = this.index;
      this.entries = spare;
      this.index = undefined;
      return;
    }
    const entries = this.entries;
    for (let i = 0; i < entries.length; i++) target.update(entries[i]!.location, entries[i]!.time, entries[i]!.delta);
    clear(entries);
    this.index = undefined;
  }

  /** Takes every update out, leaving the batch empty. */
  drain(): PointstampUpdate[] {
    const out = this.entries.slice(); // sized exactly; this batch keeps its storage for the next step
    clear(this.entries);
    this.index = undefined;
    return out;
  }

  private remove(entry: PointstampUpdate): void {
    const entries = this.entries;
    const i = entries.indexOf(entry);
    const last = entries.pop()!;
    if (last !== entry) entries[i] = last;
    this.index?.delete(entry.location + '@' + entry.time.key);
  }

  private buildIndex(): void {
    const index = new Map<string, PointstampUpdate>();
    for (const e of this.entries) index.set(e.location + '@' + e.time.key, e);
    this.index = index;
  }
}

const SMALL = 16;

/** The number of values `encodeUpdates` writes for `updates`. */
export function encodedLength(updates: readonly PointstampUpdate[]): number {
  let n = 0;
  for (let i = 0; i < updates.length; i++) n += 4 + updates[i]!.time.counters.length;
  return n;
}

/** Encodes updates as flat numbers: `location, delta, depth, epoch, counters…` per update (into `out` if given). */
export function encodeUpdates(updates: readonly PointstampUpdate[], out: { [i: number]: number; length: number } = new Array<number>(encodedLength(updates))): typeof out {
  let k = 0;
  for (let i = 0; i < updates.length; i++) {
    const u = updates[i]!;
    const c = u.time.counters;
    out[k++] = u.location;
    out[k++] = u.delta;
    out[k++] = c.length;
    out[k++] = u.time.epoch;
    for (let j = 0; j < c.length; j++) out[k++] = c[j]!;
  }
  return out;
}

/** Decodes `encodeUpdates` output, rejecting anything malformed with a MALFORMED_BATCH error. */
export function decodeUpdates(flat: ArrayLike<number>): PointstampUpdate[] {
  const out: PointstampUpdate[] = [];
  let i = 0;
  while (i < flat.length) {
    if (i + 4 > flat.length) throw new ProgressError('MALFORMED_BATCH', { offset: i }, 'a progress update is cut short');
    const location = flat[i]!;
    const delta = flat[i + 1]!;
    const depth = flat[i + 2]!;
    if (!Number.isSafeInteger(location) || location < 0 || !Number.isSafeInteger(delta) || delta === 0 || !Number.isSafeInteger(depth) || depth < 0) {
      throw new ProgressError('MALFORMED_BATCH', { offset: i, location, delta, depth });
    }
    if (i + 4 + depth > flat.length) throw new ProgressError('MALFORMED_BATCH', { offset: i }, 'a progress update is cut short');
    const epoch = flat[i + 3]!;
    // Pushed, not `new Array(depth)`: the kind every time's counters are (see counterCopy in timestamps/timestamp.ts).
    const counters: number[] = [];
    let valid = Number.isSafeInteger(epoch) && epoch >= 0;
    for (let k = 0; k < depth; k++) {
      const c = flat[i + 4 + k]!;
      if (!(Number.isSafeInteger(c) && c >= 0)) valid = false;
      counters.push(c);
    }
    if (!valid) throw new ProgressError('MALFORMED_BATCH', { offset: i }, 'a progress update carries a time that is not non-negative integers');
    out.push({ location, delta, time: Timestamp.trusted(epoch, counters) });
    i += 4 + depth;
  }
  return out;
}
