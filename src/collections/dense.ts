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
