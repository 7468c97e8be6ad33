import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketByOwner, edgeParts, PairBlocks, routeEdges, sendEdgeBlocks, type EdgeBlock, type EdgeParts, type RoutedEdges } from '../../examples/iterative/blocks.js';
import { buildCsr, ownedCsr, type Columns, type KeyedLists } from '../../examples/iterative/csr.js';
import type { EdgeList } from '../../examples/iterative/edge-list.js';
import { Worker } from '../../src/workers/worker.js';

const pairs = fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 })), { maxLength: 300 });

/** `pairs` as column blocks, cut at the given fractions of its length. */
function cut(list: readonly (readonly [number, number])[], cuts: readonly number[]): Columns[] {
  const at = [0, ...cuts.map((c) => Math.floor(c * list.length)).sort((a, b) => a - b), list.length];
  const blocks: Columns[] = [];
  for (let i = 0; i + 1 < at.length; i++) {
    const part = list.slice(at[i], at[i + 1]);
    blocks.push([Int32Array.from(part, (p) => p[0]), Int32Array.from(part, (p) => p[1])]);
  }
  return blocks;
}

function edgeList(list: readonly (readonly [number, number])[]): EdgeList {
  const src = Int32Array.from(list, (p) => p[0]);
  const dst = Int32Array.from(list, (p) => p[1]);
  return { src, dst, count: list.length, maxId: Math.max(-1, ...src, ...dst) };
}

/** Lists keyed by id over `[0, range)`, built the plain way: each pair's other end appended to its key's list. */
function keyedLists(list: readonly (readonly [number, number])[], range: number): KeyedLists {
  const byKey = Array.from({ length: range }, (): number[] => []);
  for (const [k, o] of list) byKey[k]!.push(o);
  const offsets = new Int32Array(range + 1);
  for (let k = 0; k < range; k++) offsets[k + 1] = offsets[k]! + byKey[k]!.length;
  return { offsets, targets: Int32Array.from(byKey.flat()) };
}

describe('buildCsr', () => {
  it("lists each key's others sorted and once each, with dedupe, however the pairs are cut into blocks", () => {
    fc.assert(fc.property(pairs, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 }), (list, cuts) => {
      const { offsets, targets } = buildCsr(41, cut(list, cuts), true);
      for (let v = 0; v < 41; v++) {
        const expected = [...new Set(list.filter((p) => p[0] === v).map((p) => p[1]))].sort((a, b) => a - b);
        expect(Array.from(targets.subarray(offsets[v]!, offsets[v + 1]!))).toEqual(expected);
      }
    }));
  });

  it('sorts and dedupes long lists too (past the insertion-sort length), whether they come sorted or not', () => {
    const long = fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 200 })), { minLength: 40, maxLength: 300 });
    fc.assert(fc.property(long, fc.boolean(), (list, presorted) => {
      const pairs = presorted ? [...list].sort((x, y) => x[0] - y[0] || x[1] - y[1]) : list;
      const { offsets, targets } = buildCsr(4, cut(pairs, [0.5]), true);
      for (let v = 0; v < 4; v++) {
        const expected = [...new Set(list.filter((p) => p[0] === v).map((p) => p[1]))].sort((a, b) => a - b);
        expect(Array.from(targets.subarray(offsets[v]!, offsets[v + 1]!))).toEqual(expected);
      }
    }));
  });

  it('puts key k at k / divisor (rounded down), keeping the pairs in order without dedupe', () => {
    const args = fc.tuple(pairs, fc.integer({ min: 1, max: 4 })).chain(([list, d]) => fc.tuple(fc.constant(list), fc.constant(d), fc.integer({ min: 0, max: d - 1 })));
    fc.assert(fc.property(args, ([list, divisor, residue]) => {
      // The keys a worker holds are all ≡ its index modulo the number of workers.
      const keyed = list.map(([a, b]) => [a * divisor + residue, b] as const);
      const { offsets, targets } = buildCsr(41, cut(keyed, [0.5]), false, divisor);
      for (let l = 0; l < 41; l++) {
        const expected = keyed.filter((p) => p[0] === l * divisor + residue).map((p) => p[1]);
        expect(Array.from(targets.subarray(offsets[l]!, offsets[l + 1]!))).toEqual(expected);
      }
    }));
  });

  it("takes keyed lists' keys first, first + divisor, … into lists 0, 1, …, after the blocks' pairs, each list in turn", () => {
    const args = fc.tuple(pairs, fc.array(pairs, { maxLength: 3 }), fc.integer({ min: 1, max: 4 })).chain(([list, more, d]) => fc.tuple(fc.constant(list), fc.constant(more), fc.constant(d), fc.integer({ min: 0, max: d - 1 })));
    fc.assert(fc.property(args, ([list, more, divisor, first]) => {
      const lists = more.map((m) => keyedLists(m, 41));
      const keyed = list.filter((p) => p[0] % divisor === first);
      const csr = buildCsr(0, cut(keyed, [0.5]), false, divisor, { lists, first });
      expect(csr.offsets.length - 1).toBe(more.length > 0 ? Math.ceil((41 - first) / divisor) : keyed.length > 0 ? Math.floor(Math.max(...keyed.map((p) => p[0])) / divisor) + 1 : 0);
      expect(csr.extent).toBe(Math.max(more.length > 0 ? 41 : 0, ...keyed.flat().map((x) => x + 1)));
      for (let l = 0; l + 1 < csr.offsets.length; l++) {
        const k = l * divisor + first;
        const expected = [keyed, ...more].flatMap((m) => m.filter((p) => p[0] === k).map((p) => p[1]));
        expect(Array.from(csr.targets.subarray(csr.offsets[l]!, csr.offsets[l + 1]!))).toEqual(expected);
      }
    }));
  });

  it('has as many lists as the largest key needs (at least the size asked for), and an extent past the largest id at either end', () => {
    fc.assert(fc.property(pairs, fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 3 }), (list, size, divisor) => {
      const csr = buildCsr(size, cut(list, [0.3]), false, divisor);
      const largestKey = Math.max(-1, ...list.map((p) => p[0]));
      expect(csr.offsets.length - 1).toBe(Math.max(size, largestKey < 0 ? 0 : Math.floor(largestKey / divisor) + 1));
      expect(csr.extent).toBe(Math.max(-1, ...list.flat()) + 1);
    }));
  });
});

describe('ownedCsr', () => {
  it("gives each id worker w of p owns, at local number id / p, the pairs keyed by it (blocks, then the owned pairs of the columns) then its lists' entries, with a list for every owned id below a size past every id of those pairs and lists", () => {
    const args = fc.tuple(pairs, pairs, fc.array(pairs, { maxLength: 3 }), fc.integer({ min: 1, max: 4 })).chain(([a, b, more, p]) => fc.tuple(fc.constant(a), fc.constant(b), fc.constant(more), fc.constant(p), fc.integer({ min: 0, max: p - 1 })));
    fc.assert(fc.property(args, ([delivered, shared, more, peers, worker]) => {
      // Blocks come keyed by owned ids (the exchange sent them here); the shared columns hold every pair.
      const blocks = delivered.filter((p) => p[0] % peers === worker);
      const lists = more.map((m) => keyedLists(m, 41));
      const { csr, size } = ownedCsr(cut(blocks, [0.5]), lists, cut(shared, [0.4]), worker, peers);
      const ids = [...blocks, ...shared.filter((p) => p[0] % peers === worker)].flat();
      expect(size).toBe(Math.max(0, more.length > 0 ? 41 : 0, ...ids.map((x) => x + 1)));
      expect(csr.offsets.length - 1).toBe(size > worker ? Math.ceil((size - worker) / peers) : 0);
      for (let l = 0; l + 1 < csr.offsets.length; l++) {
        const id = worker + l * peers;
        const expected = [blocks, shared, ...more].flatMap((m) => m.filter((p) => p[0] === id).map((p) => p[1]));
        expect(Array.from(csr.targets.subarray(csr.offsets[l]!, csr.offsets[l + 1]!))).toEqual(expected);
      }
    }));
  });
});

/** What `sendEdgeBlocks` sends as worker `index` of `peers`, read back through a real input. */
function sent(edges: EdgeList, index: number, peers: number, blockSize: number, parts?: EdgeParts): EdgeBlock[] {
  const worker = new Worker();
  const { input, out } = worker.dataflow((scope) => {
    const input = scope.newInput<EdgeBlock>('edges');
    return { input, out: input.stream.collect() };
  });
  sendEdgeBlocks(edges, input, { index, peers }, () => worker.step(), { blockSize, parts });
  input.close();
  worker.run();
  return out.records();
}

describe('sendEdgeBlocks', () => {
  it("sends, as worker i of p, the i-th slice of the list in order, in 'both' blocks of at most blockSize edges (all of it on one worker)", () => {
    fc.assert(fc.property(pairs, fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 50 }), (list, peers, blockSize) => {
      const all: number[][] = [];
      for (let index = 0; index < peers; index++) {
        const blocks = sent(edgeList(list), index, peers, blockSize);
        for (const b of blocks) {
          expect(b[0].length).toBeGreaterThan(0);
          expect(b[0].length).toBeLessThanOrEqual(blockSize);
          expect(b[2]).toBe('both');
        }
        const slice = blocks.flatMap((b) => Array.from(b[0], (s, i) => [s, b[1][i]!]));
        expect(slice).toEqual(list.slice(Math.floor((index * list.length) / peers), Math.floor(((index + 1) * list.length) / peers)));
        all.push(...slice);
      }
      expect(all).toEqual(list);
    }));
  });

  it("with directed parts, on p ≥ 2 workers, lists each id's far ends slice by slice so that, read in slice order, they are its edges in the list's order, by source and by destination", () => {
    fc.assert(fc.property(pairs, fc.integer({ min: 2, max: 4 }), fc.integer({ min: 1, max: 2 }), (list, peers, runs) => {
      const edges = edgeList(list);
      const parts = edgeParts(edges, peers);
      // Listing again into the same parts (a second run) gives the same lists.
      for (let r = 0; r < runs; r++) {
        for (let index = 0; index < peers; index++) expect(sent(edges, index, peers, 7, parts)).toEqual([[parts.offsets, parts.targets, 'parts', 'directed']]);
      }
      for (const by of [0, 1] as const) {
        const kept = new PairBlocks();
        kept.add([[0, parts.offsets, parts.targets, by, 'directed']]);
        const { blocks, lists } = kept.adjacency(peers, 0, true);
        expect(blocks).toEqual([]);
        expect(lists).toHaveLength(peers);
        for (let k = 0; k <= edges.maxId; k++) {
          const got = lists.flatMap(({ offsets, targets }) => Array.from(targets.subarray(offsets[k]!, offsets[k + 1]!)));
          expect(got).toEqual(list.filter((p) => p[by] === k).map((p) => p[1 - by]!));
        }
      }
    }));
  });

  it("with undirected parts, lists each edge at both its ends: keyed by source every edge at each end, keyed by destination none", () => {
    fc.assert(fc.property(pairs, fc.integer({ min: 2, max: 4 }), (list, peers) => {
      const edges = edgeList(list);
      const parts = edgeParts(edges, peers, 'undirected');
      for (let index = 0; index < peers; index++) expect(sent(edges, index, peers, 7, parts)).toEqual([[parts.offsets, parts.targets, 'parts', 'undirected']]);
      const kept = new PairBlocks();
      kept.add([[0, parts.offsets, parts.targets, 0, 'undirected'], [0, parts.offsets, parts.targets, 1, 'undirected']]);
      const { lists } = kept.adjacency(peers, 0);
      expect(lists).toHaveLength(peers);
      for (let k = 0; k <= edges.maxId; k++) {
        const got = lists.flatMap(({ offsets, targets }) => Array.from(targets.subarray(offsets[k]!, offsets[k + 1]!))).sort((a, b) => a - b);
        const want = list.flatMap(([s, d]) => [...(s === k ? [d] : []), ...(d === k ? [s] : [])]).sort((a, b) => a - b);
        expect(got).toEqual(want);
      }
      expect(() => kept.adjacency(peers, 0, true)).toThrow(expect.objectContaining({ code: 'MALFORMED_BLOCK', message: expect.stringMatching(/needs the edges by source and by destination apart/) }));
    }));
  });

  it("with out parts, lists each edge at its source alone, and refuses to key them by destination", () => {
    fc.assert(fc.property(pairs, fc.integer({ min: 2, max: 4 }), (list, peers) => {
      const edges = edgeList(list);
      const parts = edgeParts(edges, peers, 'out');
      expect(parts.targets).toHaveLength(list.length);
      for (let index = 0; index < peers; index++) expect(sent(edges, index, peers, 7, parts)).toEqual([[parts.offsets, parts.targets, 'parts', 'out']]);
      const kept = new PairBlocks();
      kept.add([[0, parts.offsets, parts.targets, 0, 'out']]);
      const { lists } = kept.adjacency(peers, 0, true);
      expect(lists).toHaveLength(peers);
      for (let k = 0; k <= edges.maxId; k++) {
        const got = lists.flatMap(({ offsets, targets }) => Array.from(targets.subarray(offsets[k]!, offsets[k + 1]!)));
        expect(got).toEqual(list.filter((p) => p[0] === k).map((p) => p[1]));
      }
      kept.add([[0, parts.offsets, parts.targets, 1, 'out']]);
      expect(() => kept.adjacency(peers, 0)).toThrow(expect.objectContaining({ code: 'MALFORMED_BLOCK', message: expect.stringMatching(/keys edges by destination, but got a 'parts' block with lists by source alone/) }));
    }));
  });

  it('rejects a block size that is not a positive integer, parts made for another list or worker count, and an id above maxId, with BAD_OPTION', () => {
    expect(() => sent(edgeList([[1, 2]]), 0, 1, 0)).toThrow(expect.objectContaining({ code: 'BAD_OPTION', message: expect.stringMatching(/blockSize must be a positive integer, got 0/) }));
    const edges = edgeList([[1, 2], [3, 4]]);
    expect(() => sent(edges, 0, 2, 8, edgeParts(edges, 3))).toThrow(expect.objectContaining({ code: 'BAD_OPTION', message: expect.stringMatching(/make them with edgeParts\(edges, 2, 'directed'\)/) }));
    expect(() => sent(edges, 0, 2, 8, edgeParts(edges, 3, 'undirected'))).toThrow(expect.objectContaining({ code: 'BAD_OPTION', message: expect.stringMatching(/make them with edgeParts\(edges, 2, 'undirected'\)/) }));
    expect(() => sent(edges, 0, 2, 8, edgeParts({ count: 5, maxId: 4 }, 2))).toThrow(expect.objectContaining({ code: 'BAD_OPTION' }));
    expect(() => sent(edges, 0, 2, 8, edgeParts({ count: 2, maxId: 9 }, 2))).toThrow(expect.objectContaining({ code: 'BAD_OPTION' }));
    // maxId one short (the id lands in the last offset) and further short (its count is lost).
    for (const [maxId, shape] of [[3, 'directed'], [1, 'directed'], [3, 'undirected'], [1, 'undirected'], [3, 'out'], [1, 'out']] as const) {
      const wrong = { ...edges, maxId };
      for (const index of [0, 1]) {
        const slice = index === 0 ? [1, 2] : [3, 4];
        const call = () => sent(wrong, index, 2, 8, edgeParts(wrong, 2, shape));
        if (Math.max(...slice) > maxId) expect(call).toThrow(expect.objectContaining({ code: 'BAD_OPTION', message: expect.stringMatching(new RegExp(`an id above its maxId \\(${maxId}\\)`)) }));
        else expect(call).not.toThrow();
      }
    }
  });
});

describe('bucketByOwner', () => {
  it('reorders the edges in place into buckets by the owners of both ends (source owner · p + destination owner), the same edges', () => {
    fc.assert(fc.property(pairs, fc.integer({ min: 1, max: 4 }), (list, peers) => {
      const edges = edgeList(list);
      const bounds = bucketByOwner(edges, peers);
      expect(bounds).toHaveLength(peers * peers + 1);
      expect(bounds[0]).toBe(0);
      expect(bounds[peers * peers]).toBe(list.length);
      for (let k = 0; k < peers * peers; k++) {
        for (let e = bounds[k]!; e < bounds[k + 1]!; e++) expect([edges.src[e]! % peers, edges.dst[e]! % peers]).toEqual([Math.floor(k / peers), k % peers]);
      }
      const key = (s: number, d: number) => s * 64 + d;
      expect(Array.from(edges.src, (s, e) => key(s, edges.dst[e]!)).sort((a, b) => a - b)).toEqual(list.map(([s, d]) => key(s, d)).sort((a, b) => a - b));
    }));
  });
});

describe('PairBlocks', () => {
  it("reads a bucketed 'shared' block's edges at the nodes a worker owns, by either end, as the whole block filtered would", () => {
    fc.assert(fc.property(pairs, fc.integer({ min: 2, max: 4 }), (list, peers) => {
      const edges = edgeList(list);
      const buckets = bucketByOwner(edges, peers);
      for (let worker = 0; worker < peers; worker++) {
        for (const by of [0, 1] as const) {
          const kept = new PairBlocks();
          kept.add([[worker, edges.src, edges.dst, 'bucketed', buckets, by]]);
          const got = kept.adjacency(peers, worker).blocks.flatMap(([key, other]) => Array.from(key, (k, i) => `${k} ${other[i]}`)).sort();
          const want = list.filter((p) => p[by] % peers === worker).map((p) => `${p[by]} ${p[1 - by]}`).sort();
          expect(got).toEqual(want);
        }
      }
    }));
  });

  it("rejects a 'shared' block whose buckets do not go up to its count, or put other workers' edges in a worker's, with MALFORMED_BLOCK", () => {
    const edges = edgeList([[0, 1], [1, 2], [2, 3], [3, 0]]);
    const buckets = bucketByOwner(edges, 2);
    const short = buckets.slice();
    short[4] = 3;
    const kept = new PairBlocks();
    kept.add([[0, edges.src, edges.dst, 'bucketed', short, 0]]);
    expect(() => kept.adjacency(2, 0)).toThrow(expect.objectContaining({ code: 'MALFORMED_BLOCK', message: expect.stringMatching(/buckets must go up from 0 to its 4 edges/) }));
    // Places that go up to the count, over edges never bucketed: worker 0's run holds node 1's edge.
    const unsorted = edgeList([[0, 1], [1, 2], [2, 3], [3, 0]]);
    const wrong = new PairBlocks();
    wrong.add([[0, unsorted.src, unsorted.dst, 'bucketed', Int32Array.of(0, 1, 2, 3, 4), 0]]);
    expect(() => wrong.adjacency(2, 0)).toThrow(expect.objectContaining({ code: 'MALFORMED_BLOCK', message: expect.stringMatching(/put edges at nodes of another worker where worker 0 of 2 reads its own/) }));
  });

  it("rejects a 'parts' block whose lists go down or past its places with MALFORMED_BLOCK", () => {
    const targets = new Int32Array(4);
    for (const [offsets, slice] of [
      [Int32Array.of(0, 1, 2, 0, 0, 0, 2, 9, 9, 0, 0, 0), 1],
      [Int32Array.of(0, 3, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0), 0],
      [Int32Array.of(-1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0), 0],
    ] as const) {
      const kept = new PairBlocks();
      kept.add([[0, offsets, targets, 0, 'directed']]);
      expect(() => kept.adjacency(2, 0)).toThrow(expect.objectContaining({ code: 'MALFORMED_BLOCK', message: expect.stringMatching(new RegExp(`lists of slice ${slice} go down or past its 4 places`)) }));
    }
  });
});

describe('routeEdges', () => {
  function route(blocks: unknown[]): RoutedEdges[] {
    const worker = new Worker();
    const { input, out } = worker.dataflow((scope) => {
      const input = scope.newInput<EdgeBlock>('edges');
      return { input, out: routeEdges(input.stream, 1, 'by-dst').collect() };
    });
    input.send(blocks as EdgeBlock[]);
    input.close();
    worker.run();
    return out.records();
  }

  it("keys blocks by the chosen end, and passes a 'parts' block on whole with that end", () => {
    const a = Int32Array.of(1, 2);
    const b = Int32Array.of(3, 4);
    const routed = route([[a, b], [a, b, 'both'], [new Int32Array(0), new Int32Array(0)], [a, b, 'parts', 'directed']]);
    expect(routed.slice(0, 2).map((r) => [r[0], Array.from(r[1]), Array.from(r[2])])).toEqual([
      [0, [3, 4], [1, 2]],
      [0, [3, 4], [1, 2]],
    ]);
    expect(routed[2]).toEqual([0, a, b, 1, 'directed']);
    expect(routed).toHaveLength(3);
  });

  it.each([
    [[Int32Array.of(1), [2]], /two Int32Arrays/],
    [[Int32Array.of(1, 2), Int32Array.of(3)], /2 sources but 1 destinations/],
    [[Int32Array.of(1), Int32Array.of(2), 'src'], /'both', 'shared' or 'parts', got "src"/],
    [[Int32Array.of(1, 2, 3), Int32Array.of(2), 'parts', 'directed'], /directed 'parts' block needs offsets for 1 workers \(2 lists as long as the id range \+ 1\), got 3/],
    [[Int32Array.of(1, 2), Int32Array.of(2), 'parts'], /shape must be 'directed', 'undirected' or 'out', got undefined/],
  ])('rejects a malformed block with MALFORMED_BLOCK, naming the stage', (block, message) => {
    let caught: unknown;
    try {
      route([block]);
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code: 'VERTEX_FAILED', message: expect.stringMatching(message), cause: { code: 'MALFORMED_BLOCK' } });
    expect((caught as Error).message).toContain("stage 'by-dst'");
  });
});
