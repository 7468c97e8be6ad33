/** Consolidation: updates of one record summed, the ones that cancel dropped. */
import { covering, DENSE_LIMIT, isIndex } from './dense.js';
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
  // their first element along a chain of the slots that share it: through a direct index (1 + the
  // chain's head) for a first element below DENSE_LIMIT, a map above.
  let pairs: Map<number, number> | undefined;
  const chain: number[] = [];
  let others: Map<RecordKey, number> | undefined;
  const touched: number[] = [];
  try {
    for (let i = 0; i < updates.length; i++) {
      const u = updates[i]!;
      const r = u[0] as unknown;
      if (Array.isArray(r) && r.length === 2 && isIndex(r[0]) && isIndex(r[1])) {
        const a = r[0];
        const b = r[1];
        let head: number;
        if (a < DENSE_LIMIT) {
          if (a >= heads.length) heads = covering(heads, a);
          head = heads[a]! - 1;
        } else head = (pairs ??= new Map()).get(a) ?? -1;
        let j = head;
        while (j >= 0 && (firsts[j]![0] as unknown as number[])[1] !== b) j = chain[j]!;
        if (j >= 0) sums[j]! += u[1];
        else {
          if (a < DENSE_LIMIT) {
            if (head < 0) touched.push(a);
            heads[a] = firsts.length + 1;
          } else pairs!.set(a, firsts.length);
          chain.push(head);
          firsts.push(u);
          sums.push(u[1]);
        }
        continue;
      }
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
  } finally {
    for (let i = 0; i < touched.length; i++) heads[touched[i]!] = 0;
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

/** For each small first element, 1 + the head of its chain in the consolidation being made (0: none); cleared after each. */
let heads = new Int32Array(1024);
