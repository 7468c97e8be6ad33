import { newCollection, Worker } from '../src/index.js';

/**
 * Connected components kept up to date as edges come and go: epoch 0 holds `base`, epoch e (1, 2, …)
 * applies `changes[e - 1]`; returns, per epoch, the labels that changed (`[node, label, +1 or -1]`).
 */
export function componentsAsEdgesChange(base: [number, number][], changes: { insert: [number, number][]; remove: [number, number][] }[]): [number, number, number][][] {
  const worker = new Worker();
  const changed: [number, number, number][][] = [];
  const { edges, probe } = worker.dataflow((scope) => {
    const edges = newCollection<[number, number]>(scope, 'edges');
    const both = edges.collection.flatMap(([a, b]) => [[a, b], [b, a]] as [number, number][]);
    const nodes = both.map(([a]) => a).distinct().map((a) => [a, a] as [number, number]);
    // Each node takes the smallest label among its own and its neighbours', until nothing changes.
    // Small labels come in first (2^k to 2^(k+1) - 1 at round 64k): most nodes then change label once.
    const labels = nodes.filter(() => false).iterate((inner, it) =>
      inner
        .joinMap(it.enter(both), (_node, label, next) => [next, label] as [number, number])
        .concat(it.enterAt(nodes, ([, label]) => 64 * Math.floor(Math.log2(label + 1))))
        .min(),
    );
    // Its probe passes an epoch once the callback has had the epoch's changes.
    const done = labels.subscribe((updates, epoch) => (changed[epoch] = updates.map(([[node, label], diff]) => [node, label, diff])));
    return { edges, probe: done };
  });
  for (const e of base) edges.insert(e);
  for (let epoch = 1; epoch <= changes.length; epoch++) {
    edges.advanceTo(epoch); // epoch - 1 is complete: its labels are settled
    worker.stepUntil(() => probe.passed(epoch - 1));
    for (const e of changes[epoch - 1]!.insert) edges.insert(e);
    for (const e of changes[epoch - 1]!.remove) edges.remove(e);
  }
  edges.close();
  worker.run();
  return changed;
}
