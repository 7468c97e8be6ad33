import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newCollection } from '../../src/collections/input.js';
import { iterateTogether } from '../../src/collections/iterate.js';
import { Worker } from '../../src/workers/worker.js';
import type { Collection } from '../../src/collections/collection.js';
import { orders } from '../arbitraries.js';
import { edgeEpochs as edgeEpochsOf, expectEachEpoch, runEpochs, type Pair } from './harness.js';
import { componentsRef, liveEdges, multiset, parityRef, reachableRef, type Change, type Multiset } from './reference.js';

const edgeEpochs = edgeEpochsOf(5);
const rootEpochs = fc.array(fc.array(fc.tuple(fc.integer({ min: 0, max: 7 }), fc.constant(1)), { maxLength: 2 }), { minLength: 1, maxLength: 4 });

const edgesOf = liveEdges;
const reachRef = (roots: Multiset<number>, edges: Multiset<Pair>) => reachableRef([...roots.values()].filter(([, n]) => n > 0).map(([r]) => r), edges);
const wccRef = componentsRef;

/** The 2-core: repeatedly drop edges with an endpoint of (undirected, distinct-edge) degree < 2. */
function coreRef(edges: Multiset<Pair>): Multiset<Pair> {
  let es = [...new Set(edgesOf(edges).filter(([a, b]) => a !== b).map((e) => JSON.stringify(e)))].map((s) => JSON.parse(s) as Pair);
  for (;;) {
    const degree = new Map<number, number>();
    for (const [a, b] of es) (degree.set(a, (degree.get(a) ?? 0) + 1), degree.set(b, (degree.get(b) ?? 0) + 1));
    const next = es.filter(([a, b]) => degree.get(a)! >= 2 && degree.get(b)! >= 2);
    if (next.length === es.length) return multiset(es.map((e) => [e, 1] as Change<Pair>));
    es = next;
  }
}

const reach = (roots: Collection<number>, edges: Collection<Pair>) =>
  roots.iterate((r, it) => r.concat(r.map((n) => [n, 0] as Pair).joinMap(it.enter(edges), (_n, _z, next) => next)).distinct());

const wcc = (edges: Collection<Pair>) => {
  const both = edges.flatMap(([a, b]) => [[a, b], [b, a]] as Pair[]);
  const nodes = both.map(([a]) => [a, a] as Pair);
  return nodes.iterate((labels, it) => labels.joinMap(it.enter(both), (_n, l, m) => [m, l] as Pair).concat(it.enter(nodes)).min());
};

/** WCC with each node's own label entering at the round `rounds` gives it (labels mod its length), from an empty start. */
const wccEnteredAt = (rounds: readonly number[]) => (edges: Collection<Pair>) => {
  const both = edges.flatMap(([a, b]) => [[a, b], [b, a]] as Pair[]);
  const nodes = both.map(([a]) => [a, a] as Pair);
  return nodes
    .filter(() => false)
    .iterate((labels, it) => labels.joinMap(it.enter(both), (_n, l, m) => [m, l] as Pair).concat(it.enterAt(nodes, ([, l]) => rounds[l % rounds.length]!)).min());
};

/**
 * Epochs of a path of 40–80 nodes, its ids ascending, descending or shuffled along it (all its edges
 * at epoch 0), then a few edges of it removed or others added per epoch: loops of as many rounds as the
 * path is long, in which a node's label changes round after round (long histories per key).
 */
const pathEpochs = fc
  .record({
    n: fc.integer({ min: 40, max: 80 }),
    ids: fc.constantFrom('ascending', 'descending', 'shuffled'),
    seed: fc.nat(),
    ops: fc.array(fc.array(fc.tuple(fc.boolean(), fc.nat(), fc.nat()), { maxLength: 4 }), { minLength: 1, maxLength: 3 }),
  })
  .map(({ n, ids, seed, ops }) => {
    const id = Array.from({ length: n }, (_, i) => (ids === 'descending' ? n - 1 - i : i));
    for (let i = n - 1, x = seed; ids === 'shuffled' && i > 0; i--) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const j = x % (i + 1);
      [id[i], id[j]] = [id[j]!, id[i]!];
    }
    const live: Pair[] = [];
    for (let i = 0; i + 1 < n; i++) live.push([id[i]!, id[i + 1]!]);
    const base = live.map((e): Change<Pair> => [e, 1]);
    return [
      base,
      ...ops.map((epoch) =>
        epoch.map(([remove, a, b]): Change<Pair> => {
          if (remove && live.length > 0) return [live.splice(a % live.length, 1)[0]!, -1];
          const e: Pair = [id[a % n]!, id[b % n]!];
          live.push(e);
          return [e, 1];
        }),
      ),
    ];
  });

/** Two variables defined by each other: the ends of walks of even and of odd length from the roots, as [node, 0] and [node, 1]. */
const parity = (roots: Collection<number>, edges: Collection<Pair>) => {
  const starts = roots.distinct();
  const [even, odd] = iterateTogether([starts, starts.filter(() => false)], ([even, odd], it) => {
    const steps = it.enter(edges);
    const next = (c: Collection<number>) => c.map((n) => [n, 0] as Pair).joinMap(steps, (_n, _z, m) => m);
    return [it.enter(starts).concat(next(odd)).distinct(), next(even).distinct()];
  });
  return even.map((n) => [n, 0] as Pair).concat(odd.map((n) => [n, 1] as Pair));
};
const parityOf = (roots: Multiset<number>, edges: Multiset<Pair>) => parityRef([...roots.values()].filter(([, n]) => n > 0).map(([r]) => r), edges);

const core = (edges: Collection<Pair>) =>
  edges
    .filter(([a, b]) => a !== b)
    .distinct()
    .iterate((es) => {
      const degree = es.flatMap(([a, b]) => [a, b]).count();
      const ok = degree.filter(([, d]) => d >= 2).map(([n]) => n);
      return es.semijoin(ok).map(([a, b]) => [b, a] as Pair).semijoin(ok).map(([b, a]) => [a, b] as Pair);
    });

describe.each(orders)('iterate under the %s order, against the from-scratch fixpoint at every epoch', (order) => {
  it('reachability from roots, as edges come and go', () => {
    fc.assert(
      fc.property(rootEpochs, edgeEpochs, (roots, edges) => {
        expectEachEpoch(runEpochs([roots, edges], ([r, e]) => reach(r!, e!), order), [roots, edges], ([r, e]) => reachRef(r!, e!));
      }),
      { numRuns: 100 },
    );
  });

  it('connected components (smallest id per component) as edges come and go', () => {
    fc.assert(
      fc.property(edgeEpochs, (edges) => {
        expectEachEpoch(runEpochs([edges], ([e]) => wcc(e!), order), [edges], ([e]) => wccRef(e!));
      }),
      { numRuns: 100 },
    );
  });

  it('connected components of long paths, in loops of as many rounds, as edges come and go', () => {
    fc.assert(
      fc.property(pathEpochs, (edges) => {
        expectEachEpoch(runEpochs([edges], ([e]) => wcc(e!), order, true), [edges], ([e]) => wccRef(e!));
      }),
      { numRuns: 40 },
    );
  });

  it('connected components with the labels entering at rounds of their own (enterAt), as edges come and go', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 8 }), edgeEpochs, (rounds, edges) => {
        expectEachEpoch(runEpochs([edges], ([e]) => wccEnteredAt(rounds)(e!), order), [edges], ([e]) => wccRef(e!));
      }),
      { numRuns: 100 },
    );
  });

  it('nested iterate: the inner loop enters the outer variable at rounds of its own (enterAt)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 8 }), rootEpochs, edgeEpochs, (rounds, roots, edges) => {
        const got = runEpochs(
          [roots, edges],
          ([r, e]) =>
            r!.iterate((outer, it) => {
              const es = it.enter(e!);
              return outer
                .filter(() => false)
                .iterate((inner, at) => inner.map((n) => [n, 0] as Pair).joinMap(at.enter(es), (_n, _z, next) => next).concat(at.enterAt(outer, (n) => rounds[n % rounds.length]!)).distinct())
                .concat(outer)
                .distinct();
            }),
          order,
        );
        expectEachEpoch(got, [roots, edges], ([r, e]) => reachRef(r!, e!));
      }),
      { numRuns: 40 },
    );
  });

  it('two variables defined by each other (iterateTogether): even and odd walks from the roots, as edges come and go', () => {
    fc.assert(
      fc.property(rootEpochs, edgeEpochs, fc.boolean(), (roots, edges, oneAtATime) => {
        expectEachEpoch(runEpochs([roots, edges], ([r, e]) => parity(r!, e!), order, oneAtATime), [roots, edges], ([r, e]) => parityOf(r!, e!));
      }),
      { numRuns: 100 },
    );
  });

  it('iterateTogether nested in iterate: the closure of even walks, the inner loop with two variables', () => {
    fc.assert(
      fc.property(rootEpochs, edgeEpochs, (roots, edges) => {
        const got = runEpochs(
          [roots, edges],
          ([r, e]) =>
            r!.distinct().iterate((outer, it) => {
              const even = parity(outer, it.enter(e!))
                .filter(([, p]) => p === 0)
                .map(([n]) => n);
              return even.concat(outer).distinct();
            }),
          order,
        );
        expectEachEpoch(got, [roots, edges], ([r, e]) => multiset([...parityOf(r!, e!).values()].filter(([[, p]]) => p === 0).map(([[n]]) => [n, 1] as Change<number>)));
      }),
      { numRuns: 40 },
    );
  });

  it('the 2-core, a fixpoint that shrinks from its start, as edges come and go', () => {
    fc.assert(
      fc.property(edgeEpochs, (edges) => {
        expectEachEpoch(runEpochs([edges], ([e]) => core(e!), order), [edges], ([e]) => coreRef(e!));
      }),
      { numRuns: 100 },
    );
  });

  it('nested iterate: reachability computed by an inner loop inside an outer one', () => {
    fc.assert(
      fc.property(rootEpochs, edgeEpochs, (roots, edges) => {
        const got = runEpochs([roots, edges], ([r, e]) => r!.iterate((outer, it) => reach(outer, it.enter(e!)).concat(outer).distinct()), order);
        expectEachEpoch(got, [roots, edges], ([r, e]) => reachRef(r!, e!));
      }),
      { numRuns: 40 },
    );
  });
});

describe('enterAt refuses a round that is not a non-negative safe integer', () => {
  it.each([-1, 0.5, Number.NaN, 2 ** 53])('round %s: VERTEX_FAILED caused by BAD_ROUND, naming the record', (round) => {
    const worker = new Worker();
    const input = worker.dataflow((scope) => {
      const input = newCollection<Pair>(scope, 'pairs');
      input.collection.iterate((inner, it) => inner.concat(it.enterAt(input.collection, ([a]) => (a === 7 ? round : 0))).distinct()).probe();
      return input;
    });
    input.insert([1, 2]);
    input.insert([7, 8]);
    input.close();
    expect(() => worker.run()).toThrow(expect.objectContaining({ code: 'VERTEX_FAILED', cause: expect.objectContaining({ code: 'BAD_ROUND', message: expect.stringContaining('[7,8]') }) }));
  });
});

describe('iterateTogether refuses a body that does not give one collection per variable', () => {
  const build = (body: (vars: readonly Collection<number>[]) => unknown) => () =>
    new Worker().dataflow((scope) => {
      const input = newCollection<number>(scope, 'numbers');
      iterateTogether([input.collection, input.collection], (vars) => body(vars) as [Collection<number>, Collection<number>]);
      return input;
    });

  it('one collection for two variables: INVALID_OPTION naming both counts', () => {
    expect(build((vars) => [vars[0]])).toThrow(expect.objectContaining({ name: 'GraphError', code: 'INVALID_OPTION', message: expect.stringContaining('must return 2 collection(s), one per variable in order, and returned 1 value(s)') }));
  });

  it('something that is not a collection: INVALID_OPTION', () => {
    expect(build((vars) => [vars[0], 7])).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    expect(build(() => undefined)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringContaining('returned undefined') }));
  });

  it('no variable at all: INVALID_OPTION', () => {
    expect(() => iterateTogether([], () => [])).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringContaining('at least one collection') }));
  });

  it('a result from outside the loop: SCOPE_MISMATCH when the dataflow is built (its own variables build)', () => {
    expect(build((vars) => [vars[0], vars[1]])).not.toThrow();
    const outside = () =>
      new Worker().dataflow((scope) => {
        const input = newCollection<number>(scope, 'numbers');
        iterateTogether([input.collection, input.collection], ([a]) => [a, input.collection]);
        return input;
      });
    expect(outside).toThrow(expect.objectContaining({ code: 'SCOPE_MISMATCH', message: expect.stringContaining('iterate: the body returned as result 1 a collection made outside this loop') }));
  });

  it('iterate whose body returns a collection from outside: SCOPE_MISMATCH that says to enter it', () => {
    const outside = () =>
      new Worker().dataflow((scope) => {
        const input = newCollection<number>(scope, 'numbers');
        input.collection.iterate(() => input.collection, 'loop');
        return input;
      });
    expect(outside).toThrow(expect.objectContaining({ name: 'GraphError', code: 'SCOPE_MISMATCH', message: expect.stringContaining('loop: the body returned as its result a collection made outside this loop (or inside a loop within it): make results from the variables, and bring other collections in with it.enter(collection)') }));
  });
});
