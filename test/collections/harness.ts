/** Runs collection operators on one worker in this thread, epoch by epoch, and accumulates what they output. */
import fc from 'fast-check';
import type { Collection } from '../../src/collections/collection.js';
import { newCollection } from '../../src/collections/input.js';
import type { OrderName } from '../../src/timestamps/order.js';
import { Worker } from '../../src/workers/worker.js';
import type { ProbeHandle } from '../../src/graph/handles.js';
import { expect } from 'vitest';
import { accumulated, canonical, multiset, type Change, type Multiset } from './reference.js';

export type Pair = [number, number];

/** Updates of [key, value] pairs with small keys and values, so that keys repeat and updates cancel. */
export const pairUpdate: fc.Arbitrary<Change<Pair>> = fc.tuple(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })), fc.constantFrom(1, 1, 1, 2, -1, -1, -2));

/** Epochs of updates (1 to 4 epochs, up to 10 updates each). */
export const epochsOf = <T>(update: fc.Arbitrary<Change<T>>) => fc.array(fc.array(update, { maxLength: 10 }), { minLength: 1, maxLength: 4 });

/**
 * Feeds each input its updates epoch by epoch (a few steps between batches, so that epochs overlap in
 * flight), subscribes to `build`'s output, and returns the output accumulated at every epoch. With
 * `oneAtATime`, each epoch is done before the next is fed, the inputs still open (as a program
 * applying updates as they come runs): a loop's rounds then stay apart in its traces.
 */
export function runEpochs<O>(inputs: readonly Change<any>[][][], build: (collections: Collection<any>[]) => Collection<O>, order: OrderName = 'product', oneAtATime = false): Multiset<O>[] {
  const epochs = Math.max(...inputs.map((i) => i.length));
  const worker = new Worker({ order });
  const changes: Change<O>[][] = Array.from({ length: epochs }, () => []);
  let done: ProbeHandle | undefined;
  const sessions = worker.dataflow((scope) => {
    const sessions = inputs.map((_, i) => newCollection<any>(scope, `in${i}`, { batchSize: 3 }));
    done = build(sessions.map((s) => s.collection)).subscribe((cs, e) => {
      changes[e]!.push(...cs);
    });
    return sessions;
  });
  for (let e = 0; e < epochs; e++) {
    for (let i = 0; i < inputs.length; i++) {
      sessions[i]!.advanceTo(e);
      for (const [r, d] of inputs[i]![e] ?? []) sessions[i]!.update(r, d);
      sessions[i]!.flush();
      worker.step();
    }
    if (oneAtATime) {
      for (const s of sessions) s.advanceTo(e + 1);
      while (!done!.passed(e)) worker.step();
    }
  }
  for (const s of sessions) s.close();
  worker.run();
  const out: Multiset<O>[] = [];
  const all: Change<O>[] = [];
  for (let e = 0; e < epochs; e++) {
    // What an epoch reports is consolidated: no record twice, no zero.
    const seen = new Set(changes[e]!.map(([r]) => JSON.stringify(r)));
    if (seen.size !== changes[e]!.length || changes[e]!.some(([, d]) => d === 0)) throw new Error(`epoch ${e} reported unconsolidated changes: ${JSON.stringify(changes[e])}`);
    all.push(...changes[e]!);
    out.push(multiset(all));
  }
  return out;
}

/**
 * Edge updates over 1 to `maxEpochs` epochs that keep every edge's count ≥ 0: inserts of random edges
 * among 8 nodes, and removals of one copy of an edge present at the time.
 */
export const edgeEpochs = (maxEpochs: number): fc.Arbitrary<Change<Pair>[][]> =>
  fc
    .array(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 7 }), fc.nat()), { maxLength: 12 }), { minLength: 1, maxLength: maxEpochs })
    .map((epochs) => {
      const live: Pair[] = [];
      return epochs.map((ops) =>
        ops.map(([remove, u, v, pick]): Change<Pair> => {
          if (remove && live.length > 0) return [live.splice(pick % live.length, 1)[0]!, -1];
          live.push([u, v]);
          return [[u, v], 1];
        }),
      );
    });

/**
 * Asserts that what `runEpochs` returned for `inputs` equals, at every epoch, `reference` applied to the
 * inputs accumulated up to that epoch (an input with fewer epochs keeps its last value).
 */
export function expectEachEpoch<O>(got: readonly Multiset<O>[], inputs: readonly Change<any>[][][], reference: (at: Multiset<any>[]) => Multiset<O>): void {
  const ins = inputs.map((i) => accumulated(i));
  for (let e = 0; e < got.length; e++) {
    const at = ins.map((acc) => acc[Math.min(e, acc.length - 1)]!);
    expect({ epoch: e, out: canonical(got[e]!) }).toEqual({ epoch: e, out: canonical(reference(at)) });
  }
}
