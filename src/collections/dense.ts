/** Direct indexes by small non-negative integers: what the collections use instead of a map for node ids and the like. */

/**
 * Whether `x` is a non-negative 31-bit integer: a key a direct index can hold.
 *
 * @example isIndex(7); // true    isIndex(-1); // false    isIndex(1.5); // false
 */
export function isIndex(x: unknown): x is number {
  return typeof x === 'number' && (x | 0) === x && x >= 0;
}

/**
 * `index` if it has a slot `i`, else a copy grown to hold it (at least doubled), its slots kept.
 *
 * @example slots = covering(slots, key); slots[key] = 1 + place;
 */
export function covering(index: Int32Array<ArrayBuffer>, i: number): Int32Array<ArrayBuffer> {
  if (i < index.length) return index;
  const grown = new Int32Array(Math.max(i + 1, 2 * index.length, 1024));
  grown.set(index);
  return grown;
}

/**
 * The bound below which the collections find small integers through a direct scratch index rather
 * than a map (4 bytes a slot: such an index is at most 16 MB a thread).
 *
 * @example if (isIndex(k) && k < DENSE_LIMIT) slots = covering(slots, k);
 */
export const DENSE_LIMIT = 1 << 22;

/** Bits of a double, for hashing one that is not a 32-bit integer. */
const bits = new Float64Array(1);
const words = new Int32Array(bits.buffer);

/** A 32-bit hash of a number: the integer itself, or its bits folded. */
function hashNumber(x: number): number {
  if ((x | 0) === x) return x;
  bits[0] = x;
  return words[0]! ^ Math.imul(words[1]!, 0x27d4eb2f);
}

/**
 * A 32-bit hash of a pair of numbers (for `pairTable`'s open addressing).
 *
 * @example const slot = hashPair(node, label) & mask;
 */
export function hashPair(a: number, b: number): number {
  let h = Math.imul(hashNumber(a), 0x9e3779b1) ^ hashNumber(b);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return h ^ (h >>> 13);
}

let table = new Int32Array(1024);

/**
 * A zeroed scratch table for an open-addressing index of up to `n` entries: use its first `size`
 * slots (a power of two at least 2n; mask with `size - 1`), and zero them again when done.
 *
 * @example const { table, size } = pairTable(n); try { … } finally { table.fill(0, 0, size); }
 */
export function pairTable(n: number): { table: Int32Array; size: number } {
  let size = 1024;
  while (size < 2 * n) size *= 2;
  if (table.length < size) table = new Int32Array(size);
  return { table, size };
}

/** A typed column a collection grows as it fills. */
export type Column = Float64Array<ArrayBuffer> | Int32Array<ArrayBuffer> | Uint8Array<ArrayBuffer>;

/**
 * `a` if it holds at least `n` elements, else a column of the same kind with room for at least `n`
 * (and at least twice `a`'s), its first `a.length` elements those of `a`. (Growing in place in a
 * resizable buffer was tried: a column read both ways makes its readers' element access polymorphic,
 * and the load got slower.)
 *
 * @example if (n === keys.length) keys = grownColumn(keys, n + 1);
 */
export function grownColumn<A extends Column>(a: A, n: number): A {
  if (n <= a.length) return a;
  const grown = new (a.constructor as new (length: number) => A)(Math.max(n, 2 * a.length, 16));
  grown.set(a as never);
  return grown;
}

/**
 * A column of `length` zeroed elements in a resizable buffer reserved for `reserve` of them (address
 * space, not memory), for `grownInPlace` to grow without a copy. Every column of one role should be
 * made so: a column read both ways makes its readers' element access polymorphic.
 *
 * @example let slots = reservedColumn(Int32Array, 64, 1 << 20); slots = grownInPlace(slots, 1000);
 */
export function reservedColumn<A extends Column>(kind: ColumnKind<A>, length: number, reserve: number): A {
  const bytes = kind.BYTES_PER_ELEMENT;
  return new kind(new ArrayBuffer(bytes * length, { maxByteLength: bytes * Math.max(reserve, length) }), 0, length);
}

/**
 * `a` (made by `reservedColumn`) if it holds at least `n` elements, else a view of at least `n` (and
 * at least twice `a`'s) over its buffer grown in place, or, past its reservation, over a new one
 * reserved for sixteen times as many with `a`'s elements copied. Fresh memory costs a page fault per
 * page first written, and a copy writes every page again: growing in place writes each page once.
 *
 * @example if (s === at.length) at = grownInPlace(at, s + 1);
 */
export function grownInPlace<A extends Column>(a: A, n: number): A {
  if (n <= a.length) return a;
  const kind = a.constructor as ColumnKind<A>;
  const bytes = kind.BYTES_PER_ELEMENT;
  const length = Math.max(n, 2 * a.length, 16);
  const buffer = a.buffer;
  if (buffer.resizable && bytes * length <= buffer.maxByteLength) {
    buffer.resize(bytes * length);
    return new kind(buffer, 0, length);
  }
  const grown = reservedColumn(kind, length, 16 * length);
  grown.set(a as never);
  return grown;
}

/** The constructor of a `Column` kind. */
type ColumnKind<A extends Column> = { new (buffer: ArrayBuffer, offset: number, length: number): A; readonly BYTES_PER_ELEMENT: number };
