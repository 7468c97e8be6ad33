/** Consolidation: updates of one record summed, the ones that cancel dropped. */
import { isIndex } from './dense.js';
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
  // Pairs of non-negative 31-bit integers (edges, [node, label]), the commonest records, are found by
  // their first element (a small integer, quick to hash) along a chain of the slots that share it.
  let pairs: Map<number, number> | undefined;
  const chain: number[] = [];
  let others: Map<RecordKey, number> | undefined;
  for (let i = 0; i < updates.length; i++) {
    const u = updates[i]!;
    const r = u[0] as unknown;
    if (Array.isArray(r) && r.length === 2 && isIndex(r[0]) && isIndex(r[1])) {
      pairs ??= new Map();
      const a = r[0] === 0 ? 0 : r[0];
      const b = r[1];
      const head = pairs.get(a);
      let j = head === undefined ? -1 : head;
      while (j >= 0 && (firsts[j]![0] as unknown as number[])[1] !== b) j = chain[j]!;
      if (j >= 0) sums[j]! += u[1];
      else {
        pairs.set(a, firsts.length);
        chain.push(head === undefined ? -1 : head);
        firsts.push(u);
        sums.push(u[1]);
      }
    } else {
      others ??= new Map();
      const k = recordKey(r);
      const j = others.get(k);
      if (j !== undefined) sums[j]! += u[1];
      else {
        others.set(k, firsts.length);
        chain.push(-1);
        firsts.push(u);
        sums.push(u[1]);
      }
    }
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

