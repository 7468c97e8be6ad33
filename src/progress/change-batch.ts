/** ChangeBatch: signed updates to pointstamp counts, consolidated as they arrive, with a compact wire form. */
import { Timestamp } from '../timestamps/timestamp.js';
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
 */
export class ChangeBatch {
  private readonly map = new Map<string, PointstampUpdate>();

  update(location: number, time: Timestamp, delta: number): void {
    if (delta === 0) return;
    const key = location + '@' + time.key;
    const entry = this.map.get(key);
    if (entry === undefined) {
      this.map.set(key, { location, time, delta });
    } else {
      entry.delta += delta;
      if (entry.delta === 0) this.map.delete(key);
    }
  }

  /** Adds every update of `updates` to this batch. */
  extend(updates: Iterable<PointstampUpdate>): void {
    for (const u of updates) this.update(u.location, u.time, u.delta);
  }

  isEmpty(): boolean {
    return this.map.size === 0;
  }

  get size(): number {
    return this.map.size;
  }

  updates(): IterableIterator<PointstampUpdate> {
    return this.map.values();
  }

  /** Takes every update out, leaving the batch empty. */
  drain(): PointstampUpdate[] {
    const out = Array.from(this.map.values());
    this.map.clear();
    return out;
  }
}

/** Encodes updates as flat numbers: `location, delta, depth, epoch, counters…` per update. */
export function encodeUpdates(updates: readonly PointstampUpdate[]): number[] {
  const out: number[] = [];
  for (const u of updates) {
    out.push(u.location, u.delta, u.time.counters.length, u.time.epoch);
    for (const c of u.time.counters) out.push(c);
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
    const coords = Array.prototype.slice.call(flat, i + 3, i + 4 + depth) as number[];
    out.push({ location, delta, time: Timestamp.fromArray(coords) });
    i += 4 + depth;
  }
  return out;
}
