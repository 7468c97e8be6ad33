/** Csr: compressed adjacency lists built from blocks of pairs, optionally with each list sorted and deduplicated. */

/** Pairs as two columns: `key[i] → other[i]`. */
export type Columns = readonly [key: Int32Array, other: Int32Array];

/**
 * Pairs kept as the blocks they came in (no copying): the arrays are held, so whoever hands a block
 * over must not change it afterwards.
 */
export class PairBlocks {
  readonly blocks: Columns[] = [];
  length = 0;

  push(key: Int32Array, other: Int32Array): void {
    this.blocks.push([key, other]);
    this.length += key.length;
  }

  /** One more than the largest id held at either end (0 when empty). */
  extent(): number {
    let max = -1;
    // A block routed by both ends arrives twice, its columns swapped: each array is read once.
    const read = new Set<Int32Array>();
    for (const block of this.blocks) {
      for (const a of block) {
        if (read.has(a)) continue;
        read.add(a);
        max = Math.max(max, largest(a));
      }
    }
    return max + 1;
  }
}

function largest(a: Int32Array): number {
  let max = -1;
  for (let i = 0; i < a.length; i++) if (a[i]! > max) max = a[i]!;
  return max;
}

/** Adjacency over ids [0, size): neighbours of `v` are `targets[offsets[v] .. offsets[v+1])`. */
export interface Csr {
  readonly offsets: Int32Array;
  readonly targets: Int32Array;
}

/** Lists up to this long are sorted in place by insertion (no subarray). */
const SHORT_LIST = 16;

/**
 * Builds a CSR of the pairs in `blocks`, the list of key `k` at index `k / divisor` (rounded down:
 * a worker that owns every `divisor`-th id keeps dense local numbers). With `dedupe`, each list is
 * sorted and repeats dropped. Each pass is a function of its own (see `Propagate.round` in wcc.ts).
 */
export function buildCsr(size: number, blocks: readonly Columns[], dedupe: boolean, divisor = 1): Csr {
  const offsets = new Int32Array(size + 1);
  let length = 0;
  for (const [key] of blocks) {
    countDegrees(offsets, key, divisor);
    length += key.length;
  }
  prefixSum(offsets);
  const targets = new Int32Array(length);
  const fill = offsets.slice(0, size);
  for (const [key, other] of blocks) placeTargets(fill, key, other, divisor, targets);
  if (!dedupe) return { offsets, targets };
  const compact = new Int32Array(size + 1);
  const w = sortAndDedupe(offsets, targets, compact);
  return { offsets: compact, targets: targets.slice(0, w) };
}

/** Adds each pair to `offsets[k / divisor + 1]`. */
function countDegrees(offsets: Int32Array, key: Int32Array, divisor: number): void {
  for (let e = 0; e < key.length; e++) offsets[((key[e]! / divisor) | 0) + 1]!++;
}

/** Running totals, in place. */
function prefixSum(a: Int32Array): void {
  for (let i = 1; i < a.length; i++) a[i]! += a[i - 1]!;
}

/** Each pair's other end into its key's list, in order; `fill` holds where each list goes on. */
function placeTargets(fill: Int32Array, key: Int32Array, other: Int32Array, divisor: number, targets: Int32Array): void {
  for (let e = 0; e < key.length; e++) targets[fill[(key[e]! / divisor) | 0]!++] = other[e]!;
}

/** Sorts each list and drops repeats, moving the lists down over the gaps; new offsets into `compact`; returns the new length. */
function sortAndDedupe(offsets: Int32Array, targets: Int32Array, compact: Int32Array): number {
  const size = offsets.length - 1;
  let w = 0;
  for (let v = 0; v < size; v++) {
    const start = offsets[v]!;
    const end = offsets[v + 1]!;
    compact[v] = w;
    if (start === end) continue;
    if (end - start <= SHORT_LIST) insertionSort(targets, start, end);
    else targets.subarray(start, end).sort();
    // w ≤ i throughout: the unique neighbours are moved down over ones already read.
    let last = targets[start]!;
    targets[w++] = last;
    for (let i = start + 1; i < end; i++) {
      const x = targets[i]!;
      if (x !== last) targets[w++] = last = x;
    }
  }
  compact[size] = w;
  return w;
}

function insertionSort(a: Int32Array, start: number, end: number): void {
  for (let i = start + 1; i < end; i++) {
    const x = a[i]!;
    let j = i - 1;
    while (j >= start && a[j]! > x) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = x;
  }
}
