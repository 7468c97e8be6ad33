/** Consolidation: updates of one record summed, the ones that cancel dropped. */
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
  const sums = new Map<RecordKey, Update<T>>();
  for (let i = 0; i < updates.length; i++) {
    const u = updates[i]!;
    const k = recordKey(u[0]);
    const s = sums.get(k);
    if (s === undefined) sums.set(k, [u[0], u[1]]);
    else s[1] += u[1];
  }
  const out: Update<T>[] = [];
  for (const u of sums.values()) if (u[1] !== 0) out.push(u);
  return out;
}
