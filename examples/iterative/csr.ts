/** Csr: compressed adjacency lists built from growable edge buffers, neighbours sorted and deduplicated. */

/** A growable pair buffer of (from, to) ids. */
export class PairBuffer {
  from = new Int32Array(1024);
  to = new Int32Array(1024);
  length = 0;

  push(a: number, b: number): void {
    if (this.length === this.from.length) {
      const f = new Int32Array(this.length * 2);
      f.set(this.from);
      this.from = f;
      const t = new Int32Array(this.length * 2);
      t.set(this.to);
      this.to = t;
    }
    this.from[this.length] = a;
    this.to[this.length] = b;
    this.length++;
  }

  /** Adds the pairs `from[i] → to[i]`. */
  pushColumns(from: Int32Array, to: Int32Array): void {
    for (let i = 0; i < from.length; i++) this.push(from[i]!, to[i]!);
  }

  /** One more than the largest id held (0 when empty). */
  extent(): number {
    let size = 0;
    for (let i = 0; i < this.length; i++) size = Math.max(size, this.from[i]! + 1, this.to[i]! + 1);
    return size;
  }
}

/** Adjacency over ids [0, size): neighbours of `v` are `targets[offsets[v] .. offsets[v+1])`. */
export interface Csr {
  readonly offsets: Int32Array;
  readonly targets: Int32Array;
}

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
    const list = targets.subarray(start, end);
    list.sort();
    compact[v] = w;
    for (let i = 0; i < list.length; i++) if (i === 0 || list[i] !== list[i - 1]) targets[w++] = list[i]!;
  }
  compact[size] = w;
  return { offsets: compact, targets: targets.slice(0, w) };
}
