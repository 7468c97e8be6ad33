/** Array helpers for hot paths. */

/**
 * Empties an array in place and keeps its storage. (V8 drops the storage of an array whose length is
 * set to 0, so the next push allocates again: in a loop that runs every step, that is most of the garbage.)
 */
export function clear(array: unknown[]): void {
  while (array.length > 0) array.pop();
}
