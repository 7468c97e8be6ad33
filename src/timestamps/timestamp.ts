/** Timestamp: an input epoch plus one counter per enclosing loop; immutable, with one canonical string key. */
import { TimestampError } from './errors.js';

/**
 * `(epoch, [c1 … ck])`: an input epoch and one counter per enclosing loop, immutable, with a canonical
 * `key` for maps. Compare with an order (`productOrder`, `lexicographicOrder`).
 *
 * @example
 * const t = Timestamp.of(3);          // epoch 3, outside loops
 * const inLoop = t.pushed();          // (3, [0]): entering a loop
 * const next = inLoop.incremented();  // (3, [1]): one round later
 * next.popped().equals(t);            // true: leaving the loop
 */
export class Timestamp {
  readonly epoch: number;
  readonly counters: readonly number[];
  private cachedKey: string | undefined;

  private constructor(epoch: number, counters: readonly number[]) {
    this.epoch = epoch;
    this.counters = counters;
  }

  /** A validated timestamp: `Timestamp.of(3, 0, 2)` is epoch 3 inside two loops, with counters 0 and 2. */
  static of(epoch: number, ...counters: number[]): Timestamp {
    checkCoordinate(epoch, 'epoch');
    for (let i = 0; i < counters.length; i++) checkCoordinate(counters[i]!, `counter ${i}`);
    // Through `trusted`: a root time is the shared instance, whose counters are the one empty array,
    // so that hot code comparing times sees one kind of counters array, not two; others get a copy
    // of the kind `counterCopy` makes (a rest parameter is an array of another kind).
    return Timestamp.trusted(epoch, counterCopy(counters, counters.length));
  }

  /** Builds a timestamp from coordinates the caller has already validated (hot paths only). */
  static trusted(epoch: number, counters: readonly number[]): Timestamp {
    return counters.length === 0 ? Timestamp.epochOnly(epoch) : new Timestamp(epoch, counters);
  }

  /** The root-scope timestamp of an epoch; small epochs are shared instances. */
  static epochOnly(epoch: number): Timestamp {
    if (epoch < ROOT_CACHE_SIZE) {
      let t = rootCache[epoch];
      if (t === undefined) rootCache[epoch] = t = new Timestamp(epoch, EMPTY);
      return t;
    }
    return new Timestamp(epoch, EMPTY);
  }

  /** Decodes the `[epoch, ...counters]` form produced by `toArray`, validating every coordinate. */
  static fromArray(coordinates: readonly number[]): Timestamp {
    if (!Array.isArray(coordinates) || coordinates.length === 0) {
      throw new TimestampError('INVALID_TIMESTAMP', { value: coordinates }, 'expected [epoch, ...counters]');
    }
    return Timestamp.of(coordinates[0]!, ...coordinates.slice(1));
  }

  /** Number of loop counters: the loop depth of the place this time belongs to. */
  get depth(): number {
    return this.counters.length;
  }

  /** The innermost loop counter (the iteration number of the innermost loop). */
  get iteration(): number {
    const n = this.counters.length;
    if (n === 0) throw new TimestampError('DEPTH_MISMATCH', { time: this }, 'a root-scope time has no loop counter');
    return this.counters[n - 1]!;
  }

  /** Canonical key: equal timestamps, and only those, have equal keys. */
  get key(): string {
    let k = this.cachedKey;
    if (k === undefined) {
      k = String(this.epoch);
      for (let i = 0; i < this.counters.length; i++) k += '.' + this.counters[i];
      this.cachedKey = k;
    }
    return k;
  }

  equals(other: Timestamp): boolean {
    if (this === other) return true;
    if (this.epoch !== other.epoch) return false;
    const a = this.counters;
    const b = other.counters;
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  /** Ingress: the same time, one loop deeper, with the new counter at `value` (0 on entry). */
  pushed(value = 0): Timestamp {
    const next = counterCopy(this.counters, this.counters.length);
    next.push(value);
    return new Timestamp(this.epoch, next);
  }

  /** Egress: the same time with its innermost counter dropped. */
  popped(): Timestamp {
    if (this.counters.length === 0) {
      throw new TimestampError('DEPTH_MISMATCH', { time: this }, 'cannot leave a loop from the root scope');
    }
    return Timestamp.trusted(this.epoch, counterCopy(this.counters, this.counters.length - 1));
  }

  /** Feedback: the same time with its innermost counter advanced by `by`. */
  incremented(by = 1): Timestamp {
    const n = this.counters.length;
    if (n === 0) throw new TimestampError('DEPTH_MISMATCH', { time: this }, 'a root-scope time has no loop counter');
    const next = counterCopy(this.counters, n);
    next[n - 1]! += by;
    return new Timestamp(this.epoch, next);
  }

  /** The wire form `[epoch, ...counters]`. */
  toArray(): number[] {
    return [this.epoch, ...this.counters];
  }

  toString(): string {
    return this.counters.length === 0 ? `(${this.epoch})` : `(${this.epoch}, [${this.counters.join(', ')}])`;
  }

  toJSON(): number[] {
    return this.toArray();
  }
}

const EMPTY: readonly number[] = Object.freeze([]);

/**
 * The first `n` of `counters` in a new array, made by pushing: what every time's counters are made
 * with, so that they are all one kind of array to V8 (packed small integers). Spread, `slice` and
 * `new Array(n)` each made another kind (generic, or holey), and code compiled while a load saw one
 * kind was thrown away in the first rounds after it, when another came (the progress tracker, a
 * reduce's frontier checks).
 *
 * @example counterCopy([3, 4], 1); // [3]
 */
export function counterCopy(counters: readonly number[], n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(counters[i]!);
  return out;
}

const ROOT_CACHE_SIZE = 1024;
const rootCache: Timestamp[] = [];

function checkCoordinate(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new TimestampError('INVALID_TIMESTAMP', { [what]: value });
  }
}

/** Checks that `time` has exactly `depth` loop counters; `where` names the place for the error. */
export function checkDepth(time: Timestamp, depth: number, where: string): void {
  if (!(time instanceof Timestamp)) {
    throw new TimestampError('INVALID_TIMESTAMP', { where, value: String(time) }, 'expected a Timestamp');
  }
  if (time.counters.length !== depth) {
    throw new TimestampError('DEPTH_MISMATCH', { where, time, expectedDepth: depth });
  }
}
