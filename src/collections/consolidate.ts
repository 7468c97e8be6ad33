/** Consolidation: updates of one record summed, the ones that cancel dropped. */
import { hashPair, pairTable } from './dense.js';
import { recordKey, type RecordKey } from './record-key.js';

/**
 * One change of a collection: a record and its multiplicity (a non-zero integer; negative removes).
 *
 * @example const change: Update<[number, number]> = [[1, 2], -1]; // one copy of the edge 1→2 removed
 */
export type Update<T> = [record: T, diff: number];

/**
 * The updates of `updates` with one entry per record (diffs summed, records equal by `recordKey`),
 * those summing to zero dropped, in the order each record first appears.
 *
 * @example consolidateUpdates([['a', 1], ['b', 2], ['a', -1]]); // [['b', 2]]
 */
export function consolidateUpdates<T>(updates: readonly Update<T>[]): Update<T>[] {
  // One slot per distinct record: its first update and the sum of its diffs. An update whose record
  // is alone keeps its own array in the output (no copy).
  const firsts: Update<T>[] = [];
  const sums: number[] = [];
  // Pairs of numbers but NaN (edges, [node, label]), the commonest records, are found through an
  // open-addressing table of their slots (0 and -0 are one number there, as records); any other
  // record through a map of its canonical key.
  const { table, size } = pairTable(updates.length);
  const mask = size - 1;
  // The pairs of the slots, beside them, so that a probe compares numbers instead of reading records.
  if (firstA.length < updates.length) {
    firstA = new Float64Array(Math.max(updates.length, 2 * firstA.length));
    firstB = new Float64Array(firstA.length);
  }
  const fa = firstA;
  const fb = firstB;
  let others: Map<RecordKey, number> | undefined;
  try {
    for (let i = 0; i < updates.length; i++) {
      const u = updates[i]!;
      const r = u[0] as unknown;
      if (Array.isArray(r) && r.length === 2 && typeof r[0] === 'number' && typeof r[1] === 'number' && r[0] === r[0] && r[1] === r[1]) {
        const a = r[0] as number;
        const b = r[1] as number;
        let h = hashPair(a, b) & mask;
        for (;;) {
          const at = table[h]!;
          if (at === 0) {
            table[h] = firsts.length + 1;
            fa[firsts.length] = a;
            fb[firsts.length] = b;
            firsts.push(u);
            sums.push(u[1]);
            break;
          }
          if (fa[at - 1] === a && fb[at - 1] === b) {
            sums[at - 1]! += u[1];
            break;
          }
          h = (h + 1) & mask;
        }
        continue;
      }
      others ??= new Map();
      const k = recordKey(r);
      const j = others.get(k);
      if (j !== undefined) sums[j]! += u[1];
      else {
        others.set(k, firsts.length);
        fa[firsts.length] = NaN;
        firsts.push(u);
        sums.push(u[1]);
      }
    }
  } finally {
    table.fill(0, 0, size);
  }
  const out: Update<T>[] = [];
  for (let j = 0; j < firsts.length; j++) {
    const sum = sums[j]!;
    if (sum === 0) continue;
    const u = firsts[j]!;
    out.push(sum === u[1] ? u : [u[0], sum]);
  }
  return out;
}

/** Scratch: the pair of numbers of each slot of the consolidation being made (NaN for a slot of another record). */
let firstA = new Float64Array(1024);
let firstB = new Float64Array(1024);

/** How many updates may wait at a time before they are first consolidated. */
const CONSOLIDATE_AT = 1 << 16;

/**
 * Whether updates waiting for their time, `held` of them, are due to be consolidated again: once they
 * have doubled since the last consolidation left `consolidated` (and are past a first size), so that
 * updates that cancel stop taking memory, at O(1) amortized work per update.
 *
 * @example if (dueToConsolidate(waiting.length, afterLast)) waiting = consolidateUpdates(waiting);
 */
export function dueToConsolidate(held: number, consolidated: number): boolean {
  return held >= Math.max(CONSOLIDATE_AT, 2 * consolidated);
}
