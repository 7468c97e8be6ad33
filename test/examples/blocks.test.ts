import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { routeEdges, sendEdgeBlocks, type EdgeBlock, type RoutedEdges } from '../../examples/iterative/blocks.js';
import { buildCsr, type Columns } from '../../examples/iterative/csr.js';
import type { EdgeList } from '../../examples/iterative/edge-list.js';
import { Worker } from '../../src/workers/worker.js';

const pairs = fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 })), { maxLength: 300 });

/** `pairs` as column blocks, cut at the given fractions of its length. */
function cut(list: readonly (readonly [number, number])[], cuts: readonly number[], shared = false): Columns[] {
  const at = [0, ...cuts.map((c) => Math.floor(c * list.length)).sort((a, b) => a - b), list.length];
  const blocks: Columns[] = [];
  for (let i = 0; i + 1 < at.length; i++) {
    const part = list.slice(at[i], at[i + 1]);
    blocks.push([Int32Array.from(part, (p) => p[0]), Int32Array.from(part, (p) => p[1]), shared]);
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

  it('takes from shared blocks only the keys k with k % divisor equal to the residue, as if given those alone', () => {
    const args = fc.tuple(pairs, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 3 }), fc.integer({ min: 1, max: 4 }), fc.boolean());
    fc.assert(fc.property(args, ([list, cuts, divisor, dedupe]) => {
      for (let residue = 0; residue < divisor; residue++) {
        const mine = list.filter((p) => p[0] % divisor === residue);
        const got = buildCsr(0, cut(list, cuts, true), dedupe, divisor, residue);
        const want = buildCsr(got.offsets.length - 1, cut(mine, cuts), dedupe, divisor);
        expect(Array.from(got.offsets)).toEqual(Array.from(want.offsets));
        expect(Array.from(got.targets)).toEqual(Array.from(want.targets));
      }
    }));
  });

  it('has as many lists as the largest key needs (at least the size asked for), and an extent past the largest id at either end', () => {
    fc.assert(fc.property(pairs, fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 3 }), (list, size, divisor) => {
      const csr = buildCsr(size, cut(list, [0.3], true), false, divisor, 0);
      const largestKey = Math.max(-1, ...list.map((p) => p[0]));
      expect(csr.offsets.length - 1).toBe(Math.max(size, largestKey < 0 ? 0 : Math.floor(largestKey / divisor) + 1));
      expect(csr.extent).toBe(Math.max(-1, ...list.flat()) + 1);
    }));
  });
});

/** What `sendEdgeBlocks` sends on one of `peers` workers, read back through a real input. */
function sent(edges: EdgeList, peers: number, blockSize: number): EdgeBlock[] {
  const worker = new Worker();
  const { input, out } = worker.dataflow((scope) => {
    const input = scope.newInput<EdgeBlock>('edges');
    return { input, out: input.stream.collect() };
  });
  sendEdgeBlocks(edges, input, peers, () => worker.step(), { blockSize });
  input.close();
  worker.run();
  return out.records();
}

describe('sendEdgeBlocks', () => {
  it("sends the whole list in order, in blocks of at most blockSize edges, 'both' on one worker and 'shared' on several", () => {
    fc.assert(fc.property(pairs, fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 50 }), (list, peers, blockSize) => {
      const blocks = sent(edgeList(list), peers, blockSize);
      expect(blocks.flatMap((b) => Array.from(b[0], (s, i) => [s, b[1][i]!]))).toEqual(list);
      for (const b of blocks) {
        expect(b[0].length).toBeGreaterThan(0);
        expect(b[0].length).toBeLessThanOrEqual(blockSize);
        expect(b[2]).toBe(peers === 1 ? 'both' : 'shared');
      }
    }));
  });

  it('rejects a block size that is not a positive integer with BAD_OPTION', () => {
    expect(() => sent(edgeList([[1, 2]]), 1, 0)).toThrow(expect.objectContaining({ code: 'BAD_OPTION', message: expect.stringMatching(/blockSize must be a positive integer, got 0/) }));
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

  it("keys blocks by the chosen end; on one worker a 'shared' block is like any other", () => {
    const a = Int32Array.of(1, 2);
    const b = Int32Array.of(3, 4);
    const routed = route([[a, b], [a, b, 'shared'], [a, b, 'both'], [new Int32Array(0), new Int32Array(0)]]);
    expect(routed.map((r) => [r[0], Array.from(r[1]), Array.from(r[2]), r[3]])).toEqual([
      [0, [3, 4], [1, 2], undefined],
      [0, [3, 4], [1, 2], undefined],
      [0, [3, 4], [1, 2], undefined],
    ]);
  });

  it.each([
    [[Int32Array.of(1), [2]], /two Int32Arrays/],
    [[Int32Array.of(1, 2), Int32Array.of(3)], /2 sources but 1 destinations/],
    [[Int32Array.of(1), Int32Array.of(2), 'src'], /'both' or 'shared', got "src"/],
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
