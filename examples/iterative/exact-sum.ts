/** Exact summation: a correctly rounded sum of doubles, whatever the order of the terms. */

/** Adds `x` to `partials`, a list of non-overlapping doubles whose exact sum is the running total (Shewchuk). */
export function addExact(partials: number[], x: number): void {
  let i = 0;
  const n = partials.length;
  for (let j = 0; j < n; j++) {
    let y = partials[j]!;
    if (Math.abs(x) < Math.abs(y)) {
      const t = x;
      x = y;
      y = t;
    }
    const hi = x + y;
    const lo = y - (hi - x);
    if (lo !== 0) partials[i++] = lo;
    x = hi;
  }
  // pop, not `length = i`: shrinking an array by its length is a slow path in V8.
  while (partials.length > i) partials.pop();
  partials.push(x);
}

/** The exact sum of `partials`, rounded once to the nearest double (ties to even). */
export function roundExact(partials: readonly number[]): number {
  let n = partials.length;
  if (n === 0) return 0;
  let hi = partials[--n]!;
  let lo = 0;
  while (n > 0) {
    const x = hi;
    const y = partials[--n]!;
    hi = x + y;
    lo = y - (hi - x);
    if (lo !== 0) break;
  }
  if (n > 0 && ((lo < 0 && partials[n - 1]! < 0) || (lo > 0 && partials[n - 1]! > 0))) {
    const y = lo * 2;
    const x = hi + y;
    if (y === x - hi) hi = x;
  }
  return hi;
}

/**
 * An empty array that V8 already holds as doubles: one that began with small integers would change
 * its kind at the first fraction, and code compiled for the old kind would be thrown away.
 */
function doubles(): number[] {
  const a = [0.5];
  a.pop();
  return a;
}

const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
/** Splits of a significand: a low part of 26 bits and a high part of (at most) 27. */
const LOW_BITS = 26;
/** 2^(e - 1075): the value of the significand's last bit for a double with biased exponent e (e ≥ 1). */
const UNIT = Float64Array.from({ length: 2048 + LOW_BITS }, (_, e) => 2 ** (Math.max(e, 1) - 1075));
/** Terms a bucket takes before it could exceed 2^53 units (then the buckets are folded into partials). */
const FOLD_EVERY = 1 << 25;
/** Exponents above this go to the partials directly: their bucket sums could overflow. */
const LARGE_EXPONENT = 2046 - 64;

/**
 * A superaccumulator: each term's 53-bit significand is split in two, and each part is added to a
 * bucket for its exponent. Every term of a bucket is a whole number of that bucket's units below 2^27,
 * so a bucket's sum stays exact for 2^25 terms; `sum()` then adds the buckets exactly. About ten times
 * faster than `addExact` per term, with the same result.
 */
export class ExactSum {
  private readonly buckets = new Float64Array(2048 + LOW_BITS);
  private partials: number[] = doubles();
  private terms = 0;
  /** NaN and infinities, summed as usual. */
  private special = 0;

  add(x: number): void {
    bits[0] = x;
    const hi = words[1]!;
    const lo = words[0]!;
    let e = (hi >>> 20) & 0x7ff;
    if (e > LARGE_EXPONENT) {
      if (e === 0x7ff) this.special += x;
      else addExact(this.partials, x);
      return;
    }
    let top = hi & 0xfffff;
    if (e === 0) e = 1; // subnormal: no hidden bit, same unit as e = 1
    else top |= 0x100000;
    const low = (lo & 0x3ffffff) * UNIT[e]!;
    const high = (top * 64 + (lo >>> 26)) * UNIT[e + LOW_BITS]!;
    // The sign as a factor, not a branch: a loop of adds compiled in place while every term was positive
    // would be thrown away at the first negative one.
    const sign = 1 - 2 * (hi >>> 31);
    const b = this.buckets;
    b[e]! += sign * low;
    b[e + LOW_BITS]! += sign * high;
    if (++this.terms === FOLD_EVERY) this.fold();
  }

  /** The exact running total as non-overlapping doubles (to send elsewhere and `add` there). */
  parts(): number[] {
    this.fold();
    return this.partials.slice();
  }

  /** The exact sum, rounded once to the nearest double. */
  sum(): number {
    this.fold();
    return this.special !== 0 ? this.special + roundExact(this.partials) : roundExact(this.partials); // NaN !== 0 too
  }

  /** Moves the buckets into the partials. */
  private fold(): void {
    const b = this.buckets;
    for (let e = 0; e < b.length; e++) {
      if (b[e] !== 0) {
        addExact(this.partials, b[e]!);
        b[e] = 0;
      }
    }
    this.terms = 0;
  }
}
