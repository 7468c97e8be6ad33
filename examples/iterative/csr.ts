/** Csr: compressed adjacency lists built from growable edge buffers, neighbours sorted and deduplicated. */

/** A growable pair buffer of (from, to) ids. */
export class PairBuffer {
  from = new Int32Array(1024);
  to = new Int32Array(1024);
  length = 0;

  /** Adds the pairs `from[i] → to[i]`. */
  pushColumns(from: Int32Array, to: Int32Array): void {
    this.reserve(this.length + from.length);
    this.from.set(from, this.length);
    this.to.set(to, this.length);
    this.length += from.length;
  }

  /** One more than the largest id held (0 when empty). */
  extent(): number {
    let max = -1;
    const { from, to } = this;
    for (let i = 0; i < this.length; i++) {
      if (from[i]! > max) max = from[i]!;
      if (to[i]! > max) max = to[i]!;
    }
    return max + 1;
  }

  /** Room for `n` pairs, growing by doubling. */
  private reserve(n: number): void {
    if (n <= this.from.length) return;
    const capacity = Math.max(n, 2 * this.from.length);
    const f = new Int32Array(capacity);
    f.set(this.from.subarray(0, this.length));
    this.from = f;
    const t = new Int32Array(capacity);
    t.set(this.to.subarray(0, this.length));
    this.to = t;
  }
}

/** Adjacency over ids [0, size): neighbours of `v` are `targets[offsets[v] .. offsets[v+1])`. */
export interface Csr {
  readonly offsets: Int32Array;
  readonly targets: Int32Array;
}

/** Lists up to this long are sorted in place by insertion (no subarray, no call). */
const SHORT_LIST = 16;

/** Builds a CSR of `from → to`; with `dedupe`, each neighbour list is sorted and repeated neighbours dropped. */
export function buildCsr(size: number, from: Int32Array, to: Int32Array, length: number, dedupe: boolean): Csr {
  const offsets = new Int32Array(size + 1);
  for (let e = 0; e < length; e++) offsets[from[e]! + 1]!++;
  for (let v = 0; v < size; v++) offsets[v + 1]! += offsets[v]!;
  const fill = offsets.slice(0, size);
  const targets = new Int32Array(length);
  for (let e = 0; e < length; e++) targets[fill[from[e]!]!++] = to[e]!;
  if (!dedupe) return { offsets, targets };
  let w = 0;
  const compact = new Int32Array(size + 1);
  for (let v = 0; v < size; v++) {
    const start = offsets[v]!;
    const end = offsets[v + 1]!;
    compact[v] = w;
    if (start === end) continue;
    if (end - start <= SHORT_LIST) {
      for (let i = start + 1; i < end; i++) {
        const x = targets[i]!;
        let j = i - 1;
        while (j >= start && targets[j]! > x) {
          targets[j + 1] = targets[j]!;
          j--;
        }
        targets[j + 1] = x;
      }
    } else targets.subarray(start, end).sort();
    // w ≤ i throughout: the unique neighbours are moved down over ones already read.
    let last = targets[start]!;
    targets[w++] = last;
    for (let i = start + 1; i < end; i++) {
      const x = targets[i]!;
      if (x !== last) targets[w++] = last = x;
    }
  }
  compact[size] = w;
  return { offsets: compact, targets: targets.slice(0, w) };
}
