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
  // Pairs of non-negative 31-bit integers (edges, [node, label]), the commonest records, are found by
  // their first element (a small integer, quick to hash) among the few that share it: no key string.
  let pairs: Map<number, Update<T>[]> | undefined;
  const order: Update<T>[] = [];
  for (let i = 0; i < updates.length; i++) {
    const u = updates[i]!;
    const r = u[0] as unknown;
    let s: Update<T> | undefined;
    if (Array.isArray(r) && r.length === 2 && isSmall(r[0]) && isSmall(r[1])) {
      pairs ??= new Map();
      const a = r[0] === 0 ? 0 : r[0];
      const b = r[1];
      let group = pairs.get(a);
      if (group === undefined) pairs.set(a, (group = []));
      for (let j = 0; j < group.length; j++) if ((group[j]![0] as unknown as number[])[1] === b) (s = group[j]), (j = group.length);
      if (s === undefined) group.push((s = [u[0], 0])), order.push(s);
    } else {
      const k = recordKey(r);
      s = sums.get(k);
      if (s === undefined) sums.set(k, (s = [u[0], 0])), order.push(s);
    }
    s[1] += u[1];
  }
  const out: Update<T>[] = [];
  for (const u of order) if (u[1] !== 0) out.push(u);
  return out;
}

function isSmall(x: unknown): x is number {
  return typeof x === 'number' && (x | 0) === x && x >= 0;
}
