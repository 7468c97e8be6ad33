/** Csr: compressed adjacency lists built from blocks of pairs, optionally with each list sorted and deduplicated. */

/** Pairs as two columns: `key[i] → other[i]`. */
export type Columns = readonly [key: Int32Array, other: Int32Array];

/**
 * Adjacency lists keyed by id: the list of `k` is `targets[offsets[k] .. offsets[k+1])`. `offsets` has
 * one entry more than the id range; its entries are positions in the whole of `targets`, which may
 * hold other lists besides (see `EdgeParts` in blocks.ts).
 */
export interface KeyedLists {
  readonly offsets: Int32Array;
  readonly targets: Int32Array;
}

/** Adjacency over ids [0, size): neighbours of `v` are `targets[offsets[v] .. offsets[v+1])`. */
export interface Csr extends KeyedLists {
  /** One more than the largest id seen at either end of the pairs (0 when there are none), or the id range of the keyed lists if that is more. */
  readonly extent: number;
}

/** Keyed lists to take into a CSR: the keys `first`, `first + divisor`, `first + 2·divisor`, … of each. */
export interface KeyedPart {
  readonly lists: readonly KeyedLists[];
  readonly first: number;
}

/**
 * Columns every worker can read, of which a worker takes the pairs whose key it owns (`key % peers`
 * equal to `worker`): an edge list in shared memory, read by each worker for its own nodes.
 */
export interface OwnedColumns {
  readonly columns: readonly Columns[];
  readonly worker: number;
  readonly peers: number;
}

/** Lists up to this long are sorted in place by insertion (no subarray). */
const SHORT_LIST = 16;

/**
 * Builds a CSR of the pairs in `blocks`, and of the lists of `keyed` if given, the list of key `k` at
 * index `k / divisor` (rounded down: a worker that owns every `divisor`-th id keeps dense local
 * numbers), with at least `size` lists and as many as the largest key needs. A key's list holds the
 * others from the blocks, in order, then those of each keyed list in turn. With `dedupe`, each list
 * is sorted and repeats dropped. The columns are read twice in all, once to count and once to place.
 * Each pass is a function of its own (see `Propagate.round` in wcc.ts).
 */
export function buildCsr(size: number, blocks: readonly Columns[], dedupe: boolean, divisor = 1, keyed?: KeyedPart, owned?: OwnedColumns): Csr {
  const degrees = new Degrees(size + 1);
  // For the owned pairs, a divisor and a worker count that are powers of two (1 and 2 included: the
  // common cases) take a shift and a mask instead of a division and a modulo per pair.
  const shift = log2Exact(divisor);
  const mask = owned !== undefined && log2Exact(owned.peers) >= 0 && shift >= 0 ? owned.peers - 1 : -1;
  for (const [key] of blocks) countDegrees(degrees, key, divisor);
  if (owned !== undefined) for (const [key] of owned.columns) countOwnedDegrees(degrees, key, divisor, owned.worker, owned.peers, shift, mask);
  let lists = Math.max(size, degrees.largest < 0 ? 0 : ((degrees.largest / divisor) | 0) + 1);
  let keyedExtent = 0;
  const first = keyed?.first ?? 0;
  const keyedLists = keyed?.lists ?? [];
  // How many of each keyed list's ids are keys here.
  const keys = keyedLists.map(({ offsets }) => keysIn(offsets.length - 1, first, divisor));
  keyedLists.forEach(({ offsets }, i) => {
    lists = Math.max(lists, keys[i]!);
    keyedExtent = Math.max(keyedExtent, offsets.length - 1);
  });
  const offsets = degrees.take(lists + 1);
  keyedLists.forEach((list, i) => addKeyedDegrees(offsets, list.offsets, first, divisor, keys[i]!));
  runningTotals(offsets);
  const length = offsets[lists]!;
  const targets = new Int32Array(length);
  const fill = offsets.slice();
  let largest = degrees.largest;
  for (const [key, other] of blocks) largest = Math.max(largest, placeTargets(fill, key, other, divisor, targets));
  if (owned !== undefined) {
    for (const [key, other] of owned.columns) {
      largest = Math.max(largest, placeOwned(fill, key, other, divisor, shift, targets, owned.worker, owned.peers, mask));
    }
  }
  keyedLists.forEach((list, i) => placeKeyed(fill, list, first, divisor, keys[i]!, targets));
  const extent = Math.max(largest + 1, keyedExtent);
  if (!dedupe) return { offsets, targets, extent };
  const compact = new Int32Array(lists + 1);
  const w = sortAndDedupe(offsets, targets, compact);
  compact[lists] = w;
  return { offsets: compact, targets: targets.slice(0, w), extent };
}

/**
 * The adjacency of the nodes `worker` of `peers` owns (ids `worker`, `worker + peers`, …), in one CSR
 * indexed by local number: node `n`'s list is number `n / peers` (rounded down). Built from `blocks`
 * (pairs keyed by owned nodes), the owned pairs of `columns`, and `lists` keyed by id, in that order.
 * `size` is above every id at either end of those pairs and every id of the lists, and the CSR has a
 * list for each owned id below it. A `peers`-th of the id range per worker: its offsets take less
 * memory, and placing the pairs writes to a denser array (16 M random pairs, worker 1 of 2: 0.89–1.56 s
 * against 1.35–1.98 s with offsets over the whole id range; docs/performance.md).
 */
export function ownedCsr(blocks: readonly Columns[], lists: readonly KeyedLists[], columns: readonly Columns[], worker: number, peers: number): { csr: KeyedLists; size: number } {
  const built = buildCsr(0, blocks, false, peers, { lists, first: worker }, { columns, worker, peers });
  return { csr: widen(built, keysIn(built.extent, worker, peers) + 1), size: built.extent };
}

/** How many of the ids below `range` are `first` plus a multiple of `divisor`. */
function keysIn(range: number, first: number, divisor: number): number {
  return range > first ? Math.ceil((range - first) / divisor) : 0;
}

/** `lists` with `length` offsets, the lists past its own end empty (a copy of the offsets, unless they are that long already). */
export function widen<T extends KeyedLists>(lists: T, length: number): T {
  const { offsets } = lists;
  if (offsets.length >= length) return lists;
  const wide = new Int32Array(length).fill(offsets.length > 0 ? offsets[offsets.length - 1]! : 0);
  wide.set(offsets);
  return { ...lists, offsets: wide };
}

/** Counts per list, in an array that grows to fit the keys (so the keys need no pass of their own to size it), and the largest key seen. */
class Degrees {
  counts: Int32Array;
  largest = -1;

  constructor(length: number) {
    this.counts = new Int32Array(Math.max(length, 1024));
  }

  /** Room for index `i`. */
  grow(i: number): Int32Array {
    const counts = new Int32Array(Math.max(i + 1, 2 * this.counts.length));
    counts.set(this.counts);
    return (this.counts = counts);
  }

  /** The first `length` counts (zeros past those counted). */
  take(length: number): Int32Array {
    return length <= this.counts.length ? this.counts.subarray(0, length) : this.grow(length - 1).subarray(0, length);
  }
}

/** `log2(n)` if `n` is a power of two, else -1. */
export function log2Exact(n: number): number {
  return Number.isInteger(n) && n > 0 && n <= 2 ** 30 && (n & (n - 1)) === 0 ? 31 - Math.clz32(n) : -1;
}

/** Adds each key to `counts[k / divisor + 1]` and to the largest seen, growing the counts as needed. */
function countDegrees(degrees: Degrees, key: Int32Array, divisor: number): void {
  for (let e = countWhileRoom(degrees, key, divisor, 0); e < key.length; e = countWhileRoom(degrees, key, divisor, e)) {
    degrees.grow(((key[e]! / divisor) | 0) + 1);
  }
}

/**
 * `countDegrees` from key `from` on, up to the first key the counts have no room for; returns where it
 * stopped. The grow is left to the caller, and the largest key is stored as soon as it changes: code
 * that has not run when V8 compiles the loop in place (a grow midway, a store after the loop) would
 * throw the compiled loop away on reaching it.
 */
function countWhileRoom(degrees: Degrees, key: Int32Array, divisor: number, from: number): number {
  const counts = degrees.counts;
  let largest = degrees.largest;
  for (let e = from; e < key.length; e++) {
    const k = key[e]!;
    const i = ((k / divisor) | 0) + 1;
    if (i >= counts.length) return e;
    counts[i]!++;
    if (k > largest) degrees.largest = largest = k;
  }
  return key.length;
}

/**
 * `countDegrees` for the keys of `key` that `worker` of `peers` owns. With `mask` (peers − 1, when
 * peers and the divisor are powers of two; else -1) the owner is `k & mask` and the index `k >> shift`.
 */
function countOwnedDegrees(degrees: Degrees, key: Int32Array, divisor: number, worker: number, peers: number, shift: number, mask: number): void {
  for (let e = countOwnedWhileRoom(degrees, key, divisor, shift, 0, worker, peers, mask); e < key.length; e = countOwnedWhileRoom(degrees, key, divisor, shift, e, worker, peers, mask)) {
    degrees.grow(((key[e]! / divisor) | 0) + 1);
  }
}

/** `countWhileRoom` for the keys that `worker` of `peers` owns (see `countOwnedDegrees`). */
function countOwnedWhileRoom(degrees: Degrees, key: Int32Array, divisor: number, shift: number, from: number, worker: number, peers: number, mask: number): number {
  const counts = degrees.counts;
  let largest = degrees.largest;
  for (let e = from; e < key.length; e++) {
    const k = key[e]!;
    if ((mask >= 0 ? k & mask : k % peers) !== worker) continue;
    const i = (mask >= 0 ? k >> shift : (k / divisor) | 0) + 1;
    if (i >= counts.length) return e;
    counts[i]!++;
    if (k > largest) degrees.largest = largest = k;
  }
  return key.length;
}

/** `placeTargets` for the pairs whose key `worker` of `peers` owns (see `countOwnedDegrees`). */
function placeOwned(fill: Int32Array, key: Int32Array, other: Int32Array, divisor: number, shift: number, targets: Int32Array, worker: number, peers: number, mask: number): number {
  let largest = -1;
  for (let e = 0; e < key.length; e++) {
    const k = key[e]!;
    if ((mask >= 0 ? k & mask : k % peers) !== worker) continue;
    const o = other[e]!;
    targets[fill[mask >= 0 ? k >> shift : (k / divisor) | 0]!++] = o;
    if (o > largest) largest = o;
  }
  return largest;
}

/** Running totals in place, from `base`: each entry becomes `base` plus the sum of the entries up to it. */
export function runningTotals(a: Int32Array, base = 0): void {
  let total = base;
  for (let k = 0; k < a.length; k++) a[k] = total += a[k]!;
}

/** The largest of `xs` (-1 for none: ids are never negative). */
export function largest(xs: Int32Array): number {
  let top = -1;
  for (let i = 0; i < xs.length; i++) top = Math.max(top, xs[i]!);
  return top;
}

/** Each pair's other end into its key's list, in order (`fill` holds where each list goes on); returns the largest other end. */
function placeTargets(fill: Int32Array, key: Int32Array, other: Int32Array, divisor: number, targets: Int32Array): number {
  let largest = -1;
  for (let e = 0; e < key.length; e++) {
    const o = other[e]!;
    targets[fill[(key[e]! / divisor) | 0]!++] = o;
    if (o > largest) largest = o;
  }
  return largest;
}

/** The length of the list of each key `first + l·divisor` (`l` below `keys`) added to `counts[l + 1]`. */
function addKeyedDegrees(counts: Int32Array, offsets: Int32Array, first: number, divisor: number, keys: number): void {
  for (let l = 0, k = first; l < keys; l++, k += divisor) counts[l + 1]! += offsets[k + 1]! - offsets[k]!;
}

/** The list of each key `first + l·divisor` (`l` below `keys`) into list `l`, in order (`fill` holds where each goes on). */
function placeKeyed(fill: Int32Array, lists: KeyedLists, first: number, divisor: number, keys: number, targets: Int32Array): void {
  const { offsets, targets: from } = lists;
  for (let l = 0, k = first; l < keys; l++, k += divisor) fill[l] = copyRun(from, offsets[k]!, offsets[k + 1]!, targets, fill[l]!);
}

/** `from[start .. end)` into `to` at `at`; returns where it ends (a function of its own: see `sumSlots` in pagerank.ts). */
function copyRun(from: Int32Array, start: number, end: number, to: Int32Array, at: number): number {
  for (let j = start; j < end; j++) to[at++] = from[j]!;
  return at;
}

/** Sorts each list and drops repeats, moving the lists down over the gaps; new starts into `compact`; returns the new length (the caller ends `compact` with it). */
function sortAndDedupe(offsets: Int32Array, targets: Int32Array, compact: Int32Array): number {
  const size = offsets.length - 1;
  let w = 0;
  for (let v = 0; v < size; v++) {
    const start = offsets[v]!;
    const end = offsets[v + 1]!;
    compact[v] = w;
    if (start === end) continue;
    if (end - start <= SHORT_LIST) insertionSort(targets, start, end);
    else if (!ascending(targets, start, end)) targets.subarray(start, end).sort();
    // w ≤ i throughout: the unique neighbours are moved down over ones already read.
    let last = targets[start]!;
    targets[w++] = last;
    for (let i = start + 1; i < end; i++) {
      const x = targets[i]!;
      if (x !== last) targets[w++] = last = x;
    }
  }
  return w;
}

/** Whether `a[start .. end)` never goes down (lists placed from a sorted edge list already are). */
function ascending(a: Int32Array, start: number, end: number): boolean {
  for (let i = start + 1; i < end; i++) if (a[i]! < a[i - 1]!) return false;
  return true;
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
