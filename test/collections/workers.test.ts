import fc from 'fast-check';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// Threads run built JavaScript: these tests use the build.
import { execute } from '../../dist/src/index.js';
import { edgeEpochs, pairUpdate } from './harness.js';
import { accumulated, canonical, componentsRef, countRef, joinRef, multiset, parityRef, reachableRef, reduceRef, thresholdRef, mapRef, type Change, type Multiset } from './reference.js';

const fixture = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/collections.mjs');
const subscribeDone = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/subscribe-done.mjs');
type Pair = [number, number];
type Reported = Record<string, Change<unknown>[][]>;

const distinct = <T>(m: Multiset<T>) => thresholdRef(m, (n) => (n > 0 ? 1 : 0));

/** What each operator of the fixture must hold at an epoch, from the accumulated inputs. */
const references: Record<string, (a: Multiset<Pair>, b: Multiset<Pair>) => Multiset<unknown>> = {
  map: (a) => mapRef(a, ([k, v]) => [v, k * 10]),
  filter: (a) => multiset([...a.values()].filter(([[k]]) => k % 2 === 0)),
  flatMap: (a) => multiset([...a.values()].flatMap(([[k, v], n]) => [[k, n], [v, n], [v, n]] as [number, number][])),
  explode: (a) => multiset([...a.values()].flatMap(([[k, v], n]) => [[k, n * (v - 1)], [[v, k], 2 * n]] as [unknown, number][])),
  concat: (a, b) => multiset([...a.values(), ...b.values()]),
  negate: (a, b) => multiset([...a.values(), ...[...b.values()].map(([r, n]) => [r, -n] as [Pair, number])]),
  inspect: (a) => mapRef(a, (x) => x),
  join: (a, b) => joinRef(a, b),
  reduce: (a) => reduceRef(a, (_k, input: [number, number][]) => [[input.map(([v, n]) => v * 10 + n), 1]]),
  count: (a) => countRef(a),
  sum: (a) => reduceRef(a, (_k, input: [number, number][]) => [[input.reduce((s, [v, n]) => s + v * n, 0), 1]]),
  distinct: (a) => distinct(mapRef(a, ([k]) => k)),
  min: (a) => reduceRef(a, (_k, input: [number, number][]) => input.filter(([, n]) => n > 0).slice(0, 1).map(([v]) => [v, 1])),
  max: (a) => reduceRef(a, (_k, input: [number, number][]) => input.filter(([, n]) => n > 0).slice(-1).map(([v]) => [v, 1])),
  threshold: (a) => thresholdRef(a, (n) => (n >= 2 ? 1 : 0)),
  semijoin: (a, b) => {
    const keys = new Set([...distinct(mapRef(b, ([k]) => k)).values()].map(([k]) => k));
    return multiset([...a.values()].filter(([[k]]) => keys.has(k)));
  },
  antijoin: (a, b) => {
    const keys = new Set([...distinct(mapRef(b, ([k]) => k)).values()].map(([k]) => k));
    return multiset([...a.values()].filter(([[k]]) => !keys.has(k)));
  },
  consolidate: (a) => mapRef(a, (x) => x),
  subscribePairs: (a) => mapRef(a, ([k, v]) => [v, k * 10 + 0.5]),
  wcc: (_a, b) => componentsRef(b),
  reach: (a, b) => reachableRef([...distinct(mapRef(a, ([k]) => k)).values()].map(([k]) => k), b),
  parity: (a, b) => parityRef([...distinct(mapRef(a, ([k]) => k)).values()].map(([k]) => k), b),
};

/** Every worker's reports of one operator, summed per epoch and accumulated. */
function merged(results: Reported[], name: string, epochs: number): Multiset<unknown>[] {
  const out: Multiset<unknown>[] = [];
  const all: Change<unknown>[] = [];
  for (let e = 0; e < epochs; e++) {
    for (const r of results) all.push(...r[name]![e]!);
    out.push(multiset(all));
  }
  return out;
}

// Non-negative edge counts for the graph operators: the second input's removals take a present edge.
const inputs = fc.tuple(
  fc.array(fc.array(pairUpdate, { maxLength: 12 }), { minLength: 1, maxLength: 4 }),
  edgeEpochs(4),
);

describe('every collection operator on 1 to 4 worker threads', () => {
  it('the accumulated output at every epoch equals the operator applied to the accumulated inputs, on every worker count', async () => {
    // A failure names its seed: rerun it with TIMELY_SEED=<seed>.
    const seed = Number(process.env['TIMELY_SEED'] ?? Date.now() % 1_000_000);
    const samples = fc.sample(inputs, { numRuns: 6, seed });
    for (const [i, [a, b]] of samples.entries()) {
      const epochs = Math.max(a.length, b.length);
      const accA = accumulated(a);
      const accB = accumulated(b);
      const order = i % 2 === 0 ? 'product' : 'lexicographic';
      for (const workers of [1, 2, 3, 4]) {
        const { results } = await execute<Reported>(fixture, { workers, args: { inputs: [a, b], order } });
        for (const name of Object.keys(references)) {
          const got = merged(results, name, epochs);
          for (let e = 0; e < epochs; e++) {
            const want = references[name]!(accA[Math.min(e, accA.length - 1)]!, accB[Math.min(e, accB.length - 1)]!);
            expect({ seed, name, workers, order, epoch: e, out: canonical(got[e]!) }).toEqual({ seed, name, workers, order, epoch: e, out: canonical(want) });
          }
        }
      }
    }
  });
});

describe("a subscriber's probe on worker threads", () => {
  it.each([
    ['subscribe', 2],
    ['subscribePairs', 3],
  ] as const)("%s on %d workers: once its probe passes an epoch, every worker's callback has had all of the epoch's changes", async (kind, workers) => {
    const counts = new SharedArrayBuffer(4 * 17);
    const { results } = await execute<number[]>(subscribeDone, { workers, args: { shared: counts, epochs: 16, kind, wait: 'subscriber' } });
    // Per worker, the epochs it read before every callback had run.
    expect(results).toEqual(results.map(() => []));
    // The chain was cut and bridged at every epoch from 1 to 16: every epoch had changes to count.
    expect(Array.from(new Int32Array(counts)).every((n) => n > 0)).toBe(true);
  });
});
