import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { edgeParts, owner, PairBlocks, routeEdges, sendEdgeBlocks, type EdgeBlock, type EdgeParts, type RoutedEdges } from '../../examples/iterative/blocks.js';
import { buildCsr, type Columns } from '../../examples/iterative/csr.js';
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

  it('has as many lists as the largest key needs (at least the size asked for), and an extent past the largest id at either end', () => {
    fc.assert(fc.property(pairs, fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 3 }), (list, size, divisor) => {
      const csr = buildCsr(size, cut(list, [0.3]), false, divisor);
      const largestKey = Math.max(-1, ...list.map((p) => p[0]));
      expect(csr.offsets.length - 1).toBe(Math.max(size, largestKey < 0 ? 0 : Math.floor(largestKey / divisor) + 1));
      expect(csr.extent).toBe(Math.max(-1, ...list.flat()) + 1);
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

  it("with parts, on p ≥ 2 workers, sorts each slice so that worker v reads exactly the edges it owns, by source and by destination, in the list's order", () => {
    fc.assert(fc.property(pairs, fc.integer({ min: 2, max: 4 }), (list, peers) => {
      const edges = edgeList(list);
      const parts = edgeParts(edges.count, peers);
      for (let index = 0; index < peers; index++) {
        const blocks = sent(edges, index, peers, 7, parts);
        expect(blocks).toEqual([[parts.src, parts.dst, 'parts', parts.bounds]]);
      }
      for (let v = 0; v < peers; v++) {
        for (const by of [0, 1] as const) {
          const kept = new PairBlocks();
          kept.add([[v, parts.src, parts.dst, parts.bounds, by]]);
          const got = kept.columns(peers, v).flatMap(([key, other]) => Array.from(key, (k, i) => [k, other[i]!] as [number, number]));
          const want = list.filter((p) => owner(p[by], peers) === v).map((p) => (by === 0 ? [p[0], p[1]] : [p[1], p[0]]) as [number, number]);
          expect(got).toEqual(want);
        }
      }
    }));
  });

  it('rejects a block size that is not a positive integer, and parts made for another list or worker count, with BAD_OPTION', () => {
    expect(() => sent(edgeList([[1, 2]]), 0, 1, 0)).toThrow(expect.objectContaining({ code: 'BAD_OPTION', message: expect.stringMatching(/blockSize must be a positive integer, got 0/) }));
    const edges = edgeList([[1, 2], [3, 4]]);
    expect(() => sent(edges, 0, 2, 8, edgeParts(2, 3))).toThrow(expect.objectContaining({ code: 'BAD_OPTION', message: expect.stringMatching(/make them with edgeParts\(2, 2\)/) }));
    expect(() => sent(edges, 0, 2, 8, edgeParts(5, 2))).toThrow(expect.objectContaining({ code: 'BAD_OPTION' }));
  });
});

describe('PairBlocks', () => {
  it("rejects a 'parts' group outside the list with MALFORMED_BLOCK", () => {
    const kept = new PairBlocks();
    const bounds = Int32Array.of(0, 1, 2, 2, 9, 9, 0, 0, 0, 0, 0, 0);
    kept.add([[0, new Int32Array(4), new Int32Array(4), bounds, 1]]);
    expect(() => kept.columns(2, 0)).toThrow(expect.objectContaining({ code: 'MALFORMED_BLOCK', message: expect.stringMatching(/run \[2, 9\) outside its 4 places/) }));
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
    const bounds = Int32Array.of(0, 2, 2, 4);
    const routed = route([[a, b], [a, b, 'both'], [new Int32Array(0), new Int32Array(0)], [a, b, 'parts', bounds]]);
    expect(routed.slice(0, 2).map((r) => [r[0], Array.from(r[1]), Array.from(r[2])])).toEqual([
      [0, [3, 4], [1, 2]],
      [0, [3, 4], [1, 2]],
    ]);
    expect(routed[2]).toEqual([0, a, b, bounds, 1]);
    expect(routed).toHaveLength(3);
  });

  it.each([
    [[Int32Array.of(1), [2]], /two Int32Arrays/],
    [[Int32Array.of(1, 2), Int32Array.of(3)], /2 sources but 1 destinations/],
    [[Int32Array.of(1), Int32Array.of(2), 'src'], /'both' or 'parts', got "src"/],
    [[Int32Array.of(1), Int32Array.of(2), 'parts', Int32Array.of(0)], /bounds for 1 workers \(an Int32Array of 4\)/],
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
