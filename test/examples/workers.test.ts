import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
// Worker threads run the build, so this test uses it too.
import type { EdgeList } from '../../dist/examples/iterative/edge-list.js';
import { ExactSum } from '../../dist/examples/iterative/exact-sum.js';
import { formatNodeValues, runExample } from '../../dist/examples/iterative/run.js';
import { ThreadPool } from '../../dist/src/index.js';
import { loadGraph, referenceWcc } from './reference.js';

describe.each(['karate.txt', 'email-Eu-core.txt', 'ca-GrQc.txt'])('examples on %s with 1, 2, 3 and 4 workers', (file) => {
  const edges = loadGraph(file);
  const source = edges.src[0]!;

  it.each([
    ['wcc', {}],
    ['pagerank', { iterations: 20 }],
    ['bfs', { source }],
  ] as const)('%s output is byte-identical', async (algorithm, options) => {
    const outputs: string[] = [];
    for (const workers of [1, 2, 3, 4]) outputs.push(formatNodeValues(await runExample(algorithm, edges, { ...options, workers })));
    expect(outputs[0]!.length).toBeGreaterThan(0);
    for (const o of outputs.slice(1)) expect(o).toBe(outputs[0]);
  });
});

describe('wcc on several workers, random graphs', () => {
  // Many small components, each spread over the workers: labels meet across workers, and sets of
  // labels are joined there (see wcc.ts).
  const graphs = fc
    .array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 })), { minLength: 1, maxLength: 50 })
    .map((es): EdgeList => ({ src: Int32Array.from(es, (e) => e[0]), dst: Int32Array.from(es, (e) => e[1]), count: es.length, maxId: Math.max(...es.flat()) }));

  it('gives every node the least id of its component (union-find), on 2 and 3 workers', async () => {
    const pool = new ThreadPool();
    try {
      await fc.assert(
        fc.asyncProperty(graphs, fc.integer({ min: 2, max: 3 }), async (g, workers) => {
          const got = await runExample('wcc', g, { workers, pool });
          const want = [...referenceWcc(g)].sort((a, b) => a[0] - b[0]);
          expect(Array.from(got.nodes)).toEqual(want.map(([n]) => n));
          expect(Array.from(got.values)).toEqual(want.map(([, l]) => l));
        }),
        { numRuns: 150 },
      );
    } finally {
      await pool.close();
    }
  });

  it('keeps the local numbers of a list whose neighbours are all owned here (a counterexample once found: edges 0-26 and 30-26 on 2 workers)', async () => {
    const g: EdgeList = { src: Int32Array.from([0, 30]), dst: Int32Array.from([26, 26]), count: 2, maxId: 30 };
    const got = await runExample('wcc', g, { workers: 2 });
    expect(Array.from(got.nodes)).toEqual([0, 26, 30]);
    expect(Array.from(got.values)).toEqual([0, 0, 0]);
  });
});

describe('pagerank on a graph whose shares between two workers take several messages', () => {
  // Node i links to i + 1 (owned by the other worker of two) and to one more node: each worker needs
  // some 150,000 shares from the other every iteration, more than one message carries (131,072).
  const n = 300_000;
  const src = new Int32Array(2 * n);
  const dst = new Int32Array(2 * n);
  for (let i = 0; i < n; i++) {
    src[2 * i] = src[2 * i + 1] = i;
    dst[2 * i] = (i + 1) % n;
    dst[2 * i + 1] = (i * 7919 + 3) % n;
  }
  const edges: EdgeList = { src, dst, count: 2 * n, maxId: n - 1 };

  it('gives the same bytes on 2 workers as on 1', async () => {
    const one = formatNodeValues(await runExample('pagerank', edges, { iterations: 3, workers: 1 }));
    const two = formatNodeValues(await runExample('pagerank', edges, { iterations: 3, workers: 2 }));
    const [a, b] = [one.split('\n'), two.split('\n')];
    expect(a.length).toBeGreaterThan(n);
    // The first line that differs, if any (a diff of two 6 MB texts would take the test runner minutes).
    const at = a.findIndex((line, i) => line !== b[i]);
    expect(at === -1 && b.length === a.length ? 'the same' : `line ${at + 1}: ${a[at]} on 1 worker, ${b[at]} on 2`).toBe('the same');
  });
});

describe('pagerank on more nodes than one block of in-neighbour ids (2^19), gathered block by block', () => {
  // 540,000 nodes (ids past 2^19 = 524,288 are in the second block): every node links to the next and
  // to two more, so that many have shares from both blocks; node 5 has 300 more in-neighbours in each
  // block, runs too long for a byte; the last ten nodes dangle.
  const n = 540_000;
  const pairs: [number, number][] = [];
  for (let i = 0; i < n - 10; i++) pairs.push([i, (i + 1) % n], [i, (i * 7919 + 3) % n], [i, (i * 104_729 + 11) % n]);
  for (let i = 0; i < 300; i++) pairs.push([1000 + i, 5], [530_000 + i, 5]);
  const edges: EdgeList = { src: Int32Array.from(pairs, (p) => p[0]), dst: Int32Array.from(pairs, (p) => p[1]), count: pairs.length, maxId: n - 1 };

  /** The ranks as the example computes them, plainly: each node's shares added in order of in-neighbour id, from 0. */
  function plainRanks(iterations: number): Float64Array {
    // In-lists by in-neighbour id (each edge once), out-degrees.
    const seen = new Set<number>();
    const inDegree = new Int32Array(n + 1);
    const outDegree = new Int32Array(n);
    const kept = pairs.filter(([a, b]) => !seen.has(a * n + b) && (seen.add(a * n + b), true));
    for (const [a, b] of kept) (inDegree[b + 1]!++, outDegree[a]!++);
    for (let y = 0; y < n; y++) inDegree[y + 1]! += inDegree[y]!;
    const at = inDegree.slice(0, n);
    const from = new Int32Array(kept.length);
    for (const [a, b] of kept.sort((p, q) => p[0] - q[0])) from[at[b]!++] = a;
    let rank = new Float64Array(n).fill(1 / n);
    for (let it = 0; it < iterations; it++) {
      const dangling = new ExactSum();
      for (let x = 0; x < n; x++) if (outDegree[x] === 0) dangling.add(rank[x]!);
      const next = new Float64Array(n);
      for (let y = 0; y < n; y++) {
        let s = 0;
        for (let i = inDegree[y]!; i < inDegree[y + 1]!; i++) s += rank[from[i]!]! / outDegree[from[i]!]!;
        next[y] = (1 - 0.85) / n + 0.85 * (s + dangling.sum() / n);
      }
      rank = next;
    }
    return rank;
  }

  it('gives the bytes of the plain computation, on 1 and 2 workers', async () => {
    const want = formatNodeValues({ nodes: Int32Array.from({ length: n }, (_, i) => i), values: plainRanks(2) }).split('\n');
    for (const workers of [1, 2]) {
      const got = formatNodeValues(await runExample('pagerank', edges, { iterations: 2, workers })).split('\n');
      const at = want.findIndex((line, i) => line !== got[i]);
      expect(at === -1 && got.length === want.length ? 'the same' : `${workers} worker(s), line ${at + 1}: ${got[at]}, plainly ${want[at]}`).toBe('the same');
    }
  });
});

describe('runs after runs on the same workers', () => {
  it.each([1, 2])('give the same output as one run, on %i worker(s)', async (workers) => {
    const edges = loadGraph('email-Eu-core.txt');
    for (const algorithm of ['wcc', 'pagerank'] as const) {
      const once = await runExample(algorithm, edges, { workers, threads: true });
      const third = await runExample(algorithm, edges, { workers, threads: true, runs: 3 });
      expect(once.nodes.length).toBeGreaterThan(0);
      expect(formatNodeValues(third)).toBe(formatNodeValues(once));
      // The same work three times over: three times the notifications on every worker.
      third.stats.forEach((s, w) => expect(s.notifications).toBe(3 * once.stats[w]!.notifications));
    }
  });
});

describe('examples in turns on the threads of one pool', () => {
  it('give the output of fresh threads, run after run', async () => {
    const edges = loadGraph('email-Eu-core.txt');
    const runs = [
      ['wcc', {}],
      ['pagerank', { iterations: 10 }],
      ['bfs', { source: edges.src[0]! }],
    ] as const;
    const fresh = new Map<string, string>();
    for (const [algorithm, options] of runs) fresh.set(algorithm, formatNodeValues(await runExample(algorithm, edges, { ...options, workers: 3 })));
    const pool = new ThreadPool();
    try {
      for (let round = 0; round < 2; round++) {
        for (const [algorithm, options] of runs) {
          const output = formatNodeValues(await runExample(algorithm, edges, { ...options, workers: 3, pool }));
          expect(output.length).toBeGreaterThan(0);
          expect(output).toBe(fresh.get(algorithm));
        }
      }
      expect(pool.idle).toBe(3);
    } finally {
      await pool.close();
    }
  });
});

describe("edges sent through the exchange (input 'exchange', as workers without shared memory)", () => {
  const edges = loadGraph('email-Eu-core.txt');

  it.each([
    ['wcc', {}],
    ['pagerank', { iterations: 10 }],
    ['bfs', { source: edges.src[0]! }],
  ] as const)('%s output is byte-identical to shared input on 1, 2 and 3 workers', async (algorithm, options) => {
    const one = formatNodeValues(await runExample(algorithm, edges, { ...options, workers: 1 }));
    expect(one.length).toBeGreaterThan(0);
    for (const workers of [2, 3]) expect(formatNodeValues(await runExample(algorithm, edges, { ...options, workers, input: 'exchange' }))).toBe(one);
  });

  it('rejects another input mode with BAD_OPTION', async () => {
    await expect(runExample('wcc', edges, { workers: 2, input: 'files' as never })).rejects.toMatchObject({ code: 'BAD_OPTION', message: expect.stringMatching(/input must be 'shared' or 'exchange', got "files"/) });
  });
});

describe("the examples' thread entry", () => {
  it('is the bundle the build makes, newer than the module it bundles; a module rebuilt after it is used instead', async () => {
    const { statSync, utimesSync } = await import('node:fs');
    const { fileURLToPath } = await import('node:url');
    const scripts = '../../dist/examples/iterative/thread-scripts.js';
    const { THREADS_ENTRY } = (await import(scripts)) as { THREADS_ENTRY: URL };
    expect(THREADS_ENTRY.pathname).toMatch(/\/threads-entry\.bundle\.js$/);
    // As if `tsc` alone had rebuilt the modules after the bundle: the module wins (a fresh import of thread-scripts decides anew).
    const module = fileURLToPath(new URL('threads-entry.js', THREADS_ENTRY));
    const before = statSync(module).mtime;
    try {
      utimesSync(module, before, new Date(statSync(THREADS_ENTRY).mtimeMs + 60_000));
      const again = (await import(`${scripts}?after-tsc`)) as { THREADS_ENTRY: URL };
      expect(again.THREADS_ENTRY.pathname).toMatch(/\/threads-entry\.js$/);
    } finally {
      utimesSync(module, before, before);
    }
  });
});
