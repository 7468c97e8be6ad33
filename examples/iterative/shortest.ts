/**
 * A double's text as JavaScript's `String(x)` writes it — the fewest significant digits that read back
 * as the same double, the closest such to it — written straight into bytes, without making a string.
 * Values from 1e-40 up to 1e15 (the PageRank ranks' range, and far beyond) take a fast path; any other
 * value, and the rare one whose digits the fast path cannot settle (see `fastDigits`), goes through
 * `String`. Either way the bytes are `String(x)`'s.
 */

/** The fast path takes values from LEAST (ranks of a graph of 10^40 nodes) up to below LARGEST. */
const LEAST = 1e-40;
const LARGEST = 1e15;
/** The powers of ten the fast path scales by, 10^0 … 10^56, each as the sum of two doubles (`TEN_HIGH[p]` the nearest double; exact up to 10^22, where `TEN_LOW[p]` is 0). */
const TEN_HIGH = new Float64Array(57);
const TEN_LOW = new Float64Array(57);
for (let p = 0; p < 57; p++) {
  const exact = 10n ** BigInt(p);
  TEN_HIGH[p] = Number(exact);
  TEN_LOW[p] = Number(exact - BigInt(TEN_HIGH[p]!));
}
/** 10^j for j = 0 … 8. */
const POW10 = TEN_HIGH.subarray(0, 9);
/** Half the gap between doubles of each biased binary exponent e: 2^(e − 1076) (zero where it is no normal double's). */
const HALF_GAP = Float64Array.from({ length: 2048 }, (_, e) => (e === 0 || e === 2047 ? 0 : 2 ** (e - 1076)));
const LOG10_2 = 0.3010299956639812;
/** How close (in units of the 17th digit) a decision may come to a boundary before the fast path gives up. */
const MARGIN = 1e-6;
/** Dekker's splitter for doubles: 2^27 + 1. */
const SPLITTER = 134217729;

const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
const HIGH = LITTLE_ENDIAN ? 1 : 0;
const LOW = 1 - HIGH;

/** The digits `fastDigits` found, one byte each ('0' … '9'), and how many are significant. */
const digits = new Uint8Array(17);
let count = 0;

/**
 * Writes `String(x)` for a finite double `x` at `at` (as ASCII bytes); returns where it ends.
 *
 * @example
 * const out = new Uint8Array(32);
 * new TextDecoder().decode(out.subarray(0, writeShortest(out, 0, 0.1 + 0.2))); // '0.30000000000000004'
 */
export function writeShortest(out: Uint8Array, at: number, x: number): number {
  const size = x < 0 ? -x : x;
  if (size >= LEAST && size < LARGEST) {
    const e10 = fastDigits(size);
    if (e10 !== NO_DIGITS) {
      if (x < 0) out[at++] = 45; // '-'
      return e10 >= -6 ? writeFixed(out, at, e10 + 1) : writeExponent(out, at, e10);
    }
  }
  const s = String(x);
  for (let k = 0; k < s.length; k++) out[at++] = s.charCodeAt(k);
  return at;
}

const NO_DIGITS = 1000;

/**
 * The shortest round-trip digits of `x` (LEAST ≤ x < LARGEST) into `digits` and `count`; returns the
 * decimal exponent of the first digit, or NO_DIGITS when a decision comes within MARGIN of a boundary
 * (the caller then asks `String`).
 *
 * How: y = x · 10^p with p chosen so that y has 17 digits before the point. The product of two doubles
 * is exactly the sum of two doubles (Dekker), so y is exact while 10^p is a double (p ≤ 22) and good
 * to far below a unit past it: its integer digits split into the first 9 and `rest` (the last 8, with
 * y's fraction), a double good to about 1e-8. Every double within half a gap of x reads back as x, so
 * the digits that read back are the integers (in units of the 17th digit) within `down` below and
 * `up` above y (a power of two times 10^p: exact, or as good as 10^p past 10^22). The
 * fewest digits are those of the largest power of ten M with a multiple in that interval; of its
 * multiples there, the closest to y. Integers within MARGIN of an end of the interval (where whether
 * it counts depends on the last bit), and ties, are left to `String`.
 */
function fastDigits(x: number): number {
  bits[0] = x;
  const hi = words[HIGH]!;
  const exponent = (hi >>> 20) & 0x7ff;
  // floor(log10(x)) or one less: x is at least 2^(exponent − 1023) and below twice that.
  let e10 = Math.floor((exponent - 1023) * LOG10_2);
  let p = 16 - e10;
  if (p < 0 || p > 56) return NO_DIGITS;
  let ten = TEN_HIGH[p]!;
  let yh = x * ten;
  if (yh < 1e16 || yh >= 1e17) {
    // The estimate is floor(log10(x)) or one less: one step up.
    e10 += yh < 1e16 ? -1 : 1;
    p = 16 - e10;
    if (p < 0 || p > 56) return NO_DIGITS;
    ten = TEN_HIGH[p]!;
    yh = x * ten;
    if (yh < 1e16 || yh >= 1e17) return NO_DIGITS;
  }
  // What x · 10^p lacks from yh: the rounding error of x · ten, exactly (Dekker's two-product), and
  // x times the part of 10^p past `ten` (beyond 10^22), good to far below a unit.
  const yl = productError(x, ten, yh) + x * TEN_LOW[p]!;
  // yh ≥ 1e16 is an integer; high · 1e8 is a double exactly, and so is their difference.
  let h = Math.floor(yh / 1e8);
  let rest = yh - h * 1e8 + yl;
  if (rest < 0) {
    h -= 1;
    rest += 1e8;
  } else if (rest >= 1e8) {
    h += 1;
    rest -= 1e8;
  }
  if (h < 1e8 || h >= 1e9) return NO_DIGITS;
  // Half the gap to the neighbouring doubles, in units of the 17th digit: 2^k · 10^p (exact up to 10^22).
  const up = HALF_GAP[exponent]! * ten;
  // Below a power of two the next double down is half as far.
  const down = (hi & 0xfffff) === 0 && words[LOW] === 0 ? up / 2 : up;
  const from = rest - down;
  const to = rest + up;
  if (from < MARGIN || to > 1e8 - MARGIN) return NO_DIGITS; // the interval reaches into `high`'s digits
  // The largest power of ten with a multiple in [from, to]; 10^0 always has one (the gap is at least one unit).
  let j = 0;
  for (;;) {
    const m = POW10[j + 1]!;
    if (j + 1 === 8) break;
    const c = Math.ceil(from / m) * m;
    if (Math.abs(c - from) < MARGIN || Math.abs(c - to) < MARGIN) return NO_DIGITS;
    if (c > to) break;
    j++;
  }
  const m = POW10[j]!;
  // The multiple of m closest to y.
  const q = rest / m;
  const f = Math.floor(q);
  const frac = q - f;
  if (Math.abs(frac - 0.5) < MARGIN / m) return NO_DIGITS;
  let r = (frac < 0.5 ? f : f + 1) * m;
  if (r < from || r > to) {
    // The closest lies outside (the interval is lopsided below a power of two): the other neighbour.
    r = (frac < 0.5 ? f + 1 : f) * m;
    if (r < from || r > to) return NO_DIGITS;
  }
  if (Math.abs(r - from) < MARGIN || Math.abs(r - to) < MARGIN) return NO_DIGITS;
  // Both parts are below 2^31: integer division.
  let a = h | 0;
  for (let i = 8; i >= 0; i--) {
    const q = (a / 10) | 0;
    digits[i] = 48 + a - 10 * q;
    a = q;
  }
  let b = r | 0;
  for (let i = 16; i >= 9; i--) {
    const q = (b / 10) | 0;
    digits[i] = 48 + b - 10 * q;
    b = q;
  }
  // The digits end at the place of m: the chosen multiple is no multiple of 10m (j is the largest with
  // one in the interval, and the interval is narrower than 10m for j ≥ 2), so none of them are zeros
  // to drop; a value of nine digits or fewer has an interval reaching 0 or 1e8, left to String above.
  count = 17 - j;
  return e10;
}

/** `a · b − product`, exactly, where `product` is `a · b` rounded (Dekker's two-product, no fused multiply-add). */
function productError(a: number, b: number, product: number): number {
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return al * bl - (product - ah * bh - al * bh - ah * bl);
}

/**
 * Writes the `count` digits with the point after the first `n` (n ≥ -4: fixed notation), as
 * Number::toString does: `ddd.ddd`, `0.000ddd`, or `ddd000` when the point falls after the last digit.
 */
function writeFixed(out: Uint8Array, at: number, n: number): number {
  if (n <= 0) {
    out[at++] = 48; // '0'
    out[at++] = 46; // '.'
    for (let z = 0; z < -n; z++) out[at++] = 48;
    return writeDigits(out, at, 0, count);
  }
  if (n >= count) {
    at = writeDigits(out, at, 0, count);
    for (let z = count; z < n; z++) out[at++] = 48;
    return at;
  }
  at = writeDigits(out, at, 0, n);
  out[at++] = 46;
  return writeDigits(out, at, n, count);
}

/** Writes the digits as `d.ddde-N` (N ≥ 7), as Number::toString does below 1e-6. */
function writeExponent(out: Uint8Array, at: number, e10: number): number {
  out[at++] = digits[0]!;
  if (count > 1) {
    out[at++] = 46; // '.'
    at = writeDigits(out, at, 1, count);
  }
  out[at++] = 101; // 'e'
  out[at++] = 45; // '-'
  const e = -e10;
  if (e >= 10) out[at++] = 48 + ((e / 10) | 0);
  out[at++] = 48 + (e % 10);
  return at;
}

/** Writes digits `from` … `to − 1`. */
function writeDigits(out: Uint8Array, at: number, from: number, to: number): number {
  for (let i = from; i < to; i++) out[at++] = digits[i]!;
  return at;
}

/**
 * @internal Whether the fast path settles `x`'s digits (else `writeShortest` asks `String`): for tests,
 * which check that it does for nearly every value it is meant for.
 *
 * @example settlesFast(4.6050551225098164e-7); // true: a rank of a graph of 325,729 nodes
 */
export function settlesFast(x: number): boolean {
  const size = x < 0 ? -x : x;
  return size >= LEAST && size < LARGEST && fastDigits(size) !== NO_DIGITS;
}
