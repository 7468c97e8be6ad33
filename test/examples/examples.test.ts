import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EdgeList } from '../../examples/iterative/edge-list.js';
import { runBfs, runPagerank, runWcc, type NodeValues } from '../../examples/iterative/run.js';
import { loadGraph, referenceBfs, referencePagerank, referenceWcc } from './reference.js';

function toMap(r: NodeValues): Map<number, number> {
  for (let i = 1; i < r.nodes.length; i++) expect(r.nodes[i]!).toBeGreaterThan(r.nodes[i - 1]!);
  return new Map(Array.from(r.nodes, (n, i) => [n, r.values[i]!]));
}

function expectClose(got: Map<number, number>, want: Map<number, number>): void {
  expect([...got.keys()]).toEqual([...want.keys()].sort((a, b) => a - b));
  for (const [k, v] of want) expect(Math.abs(got.get(k)! - v)).toBeLessThanOrEqual(1e-15 + 1e-12 * v);
}

const smallGraphs = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 25 })), { minLength: 1, maxLength: 60 })
  .map((es): EdgeList => ({ src: Int32Array.from(es, (e) => e[0]), dst: Int32Array.from(es, (e) => e[1]), count: es.length, maxId: Math.max(...es.flat()) }));

describe('examples against simple reference code on random small graphs', () => {
  it('wcc', () => {
    fc.assert(
      fc.property(smallGraphs, (g) => {
        expect(toMap(runWcc(g))).toEqual(new Map([...referenceWcc(g)].sort((a, b) => a[0] - b[0])));
      }),
      { numRuns: 150 },
    );
  });
  it('pagerank', () => {
    fc.assert(
      fc.property(smallGraphs, fc.integer({ min: 0, max: 6 }), (g, k) => {
        expectClose(toMap(runPagerank(g, k)), referencePagerank(g, k));
      }),
      { numRuns: 150 },
    );
  });
  it('bfs', () => {
    fc.assert(
      fc.property(smallGraphs, fc.nat(), (g, pick) => {
        const s = g.src[pick % g.count]!;
        expect(toMap(runBfs(g, s))).toEqual(new Map([...referenceBfs(g, s)].sort((a, b) => a[0] - b[0])));
      }),
      { numRuns: 150 },
    );
  });
});

/** The same small graphs with ids spread up to 2^31 − 1: the examples renumber them densely, and must give the same answers. */
const sparseGraphs = fc.tuple(smallGraphs, fc.integer({ min: 1_000_000, max: 80_000_000 })).map(([g, stride]): EdgeList => {
  const spread = (x: number) => Math.min(x * stride, 0x7fffffff - 25 + x);
  const src = g.src.map(spread);
  const dst = g.dst.map(spread);
  return { src, dst, count: g.count, maxId: Math.max(...src, ...dst) };
});

describe('examples on sparse ids (renumbered for the run, memory by the nodes, not the largest id)', () => {
  it('wcc, pagerank and bfs equal the reference code', () => {
    fc.assert(
      fc.property(sparseGraphs, fc.nat(), (g, pick) => {
        expect(toMap(runWcc(g))).toEqual(new Map([...referenceWcc(g)].sort((a, b) => a[0] - b[0])));
        expectClose(toMap(runPagerank(g, 5)), referencePagerank(g, 5));
        const s = g.src[pick % g.count]!;
        expect(toMap(runBfs(g, s))).toEqual(new Map([...referenceBfs(g, s)].sort((a, b) => a[0] - b[0])));
      }),
      { numRuns: 60 },
    );
  });
});

describe.each(['karate.txt', 'email-Eu-core.txt', 'ca-GrQc.txt'])('examples on %s', (file) => {
  const edges = loadGraph(file);

  it('wcc equals union-find', () => {
    expect(toMap(runWcc(edges))).toEqual(new Map([...referenceWcc(edges)].sort((a, b) => a[0] - b[0])));
  });

  it('pagerank (20 iterations) equals the plain computation', () => {
    const got = toMap(runPagerank(edges, 20));
    expectClose(got, referencePagerank(edges, 20));
    expect(Math.abs([...got.values()].reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-9);
  });

  it('bfs equals a plain queue search', () => {
    const source = edges.src[0]!;
    expect(toMap(runBfs(edges, source))).toEqual(new Map([...referenceBfs(edges, source)].sort((a, b) => a[0] - b[0])));
  });
});
