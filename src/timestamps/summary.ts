/** PathSummary: what a path through ingress, feedback and egress vertices does to a timestamp, in normal form. */
import { TimestampError } from './errors.js';
import type { OrderName } from './order.js';
import { counterCopy, Timestamp } from './timestamp.js';

/**
 * Every composition of ingress (push a 0 counter), feedback (add to the innermost counter) and egress
 * (drop the innermost counter) reduces to: drop `pop` counters, add `add` to the innermost remaining
 * counter, then append the constant counters `push`.
 *
 * @example
 * PathSummary.ingress.followedBy(PathSummary.feedback(1)).apply(Timestamp.of(3)); // (3, [1])
 */
export class PathSummary {
  readonly pop: number;
  readonly add: number;
  readonly push: readonly number[];
  #lastIn: Timestamp | undefined;
  #lastOut: Timestamp | undefined;

  constructor(pop: number, add: number, push: readonly number[] = []) {
    if (!Number.isSafeInteger(pop) || pop < 0 || !Number.isSafeInteger(add) || add < 0 || push.some((v) => !Number.isSafeInteger(v) || v < 0)) {
      throw new TimestampError('INVALID_SUMMARY', { pop, add, push: push.join(',') }, 'pop, add and push values must be non-negative integers');
    }
    this.pop = pop;
    this.add = add;
    this.push = push;
  }

  static readonly identity = new PathSummary(0, 0);
  /** Entering a loop: append a counter starting at 0. */
  static readonly ingress = new PathSummary(0, 0, [0]);
  /** Leaving a loop: drop the innermost counter. */
  static readonly egress = new PathSummary(1, 0);
  /** Going round a loop: advance the innermost counter by `step` (at least 1). */
  static feedback(step = 1): PathSummary {
    if (!(step >= 1)) throw new TimestampError('INVALID_SUMMARY', { step }, 'a feedback step must be at least 1');
    return new PathSummary(0, step);
  }

  get isIdentity(): boolean {
    return this.pop === 0 && this.add === 0 && this.push.length === 0;
  }

  /** The loop depth this summary produces from an input of depth `depth`. */
  outputDepth(depth: number): number {
    return depth - this.pop + this.push.length;
  }

  /** Whether the summary can be applied to times of loop depth `depth`. */
  appliesAt(depth: number): boolean {
    return depth >= this.pop && (this.add === 0 || depth > this.pop);
  }

  /** This path followed by `next`. */
  followedBy(next: PathSummary): PathSummary {
    const m = this.push.length;
    if (next.pop < m) {
      const kept = this.push.slice(0, m - next.pop);
      kept[kept.length - 1]! += next.add;
      return new PathSummary(this.pop, this.add, kept.concat(next.push));
    }
    if (next.pop === m) return new PathSummary(this.pop, this.add + next.add, next.push);
    return new PathSummary(this.pop + next.pop - m, next.add, next.push);
  }

  apply(time: Timestamp): Timestamp {
    // Frontier times are applied again when they leave the frontier: remember the last one.
    if (time === this.#lastIn) return this.#lastOut!;
    const out = this.compute(time);
    this.#lastIn = time;
    this.#lastOut = out;
    return out;
  }

  private compute(time: Timestamp): Timestamp {
    const depth = time.counters.length;
    if (!this.appliesAt(depth)) {
      throw new TimestampError('INVALID_SUMMARY', { summary: this, time });
    }
    if (this.pop === 0 && this.push.length === 0) {
      if (this.add === 0) return time;
      const next = counterCopy(time.counters, depth);
      next[depth - 1]! += this.add;
      return Timestamp.trusted(time.epoch, next);
    }
    const next = counterCopy(time.counters, depth - this.pop);
    if (this.add !== 0) next[next.length - 1]! += this.add;
    for (let i = 0; i < this.push.length; i++) next.push(this.push[i]!);
    return Timestamp.trusted(time.epoch, next);
  }

  /**
   * `this ≤ other` for every input time of loop depth `depth`, under the named order: each output counter
   * is either an input counter plus a constant or a constant, and the comparison is made symbolically.
   */
  lessEqual(other: PathSummary, depth: number, order: OrderName): boolean {
    const out = this.outputDepth(depth);
    if (other.outputDepth(depth) !== out) return false;
    for (let i = 0; i < out; i++) {
      const [aVar, aConst] = this.coordinate(i, depth);
      const [bVar, bConst] = other.coordinate(i, depth);
      if (order === 'product') {
        // c + α ≤ β fails for large c; otherwise compare the constants.
        if (aVar && !bVar) return false;
        if (aConst > bConst) return false;
      } else {
        if (aVar && !bVar) return false;
        if (aConst < bConst) return true;
        if (aConst > bConst) return false;
      }
    }
    return true;
  }

  /** Output counter `i` as [depends on input counter i, constant added or value]. */
  private coordinate(i: number, depth: number): [boolean, number] {
    const kept = depth - this.pop;
    if (i < kept - 1) return [true, 0];
    if (i === kept - 1) return [true, this.add];
    return [false, this.push[i - kept]!];
  }

  get key(): string {
    return `${this.pop}/${this.add}/${this.push.join('.')}`;
  }

  toString(): string {
    const parts: string[] = [];
    if (this.pop > 0) parts.push(`pop ${this.pop}`);
    if (this.add > 0) parts.push(`add ${this.add}`);
    if (this.push.length > 0) parts.push(`push [${this.push.join(', ')}]`);
    return parts.length === 0 ? 'identity' : parts.join(', ');
  }
}
