import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { owner, routeEdges, sendEdgeBlocks, type EdgeBlock, type RoutedEdges } from '../../examples/iterative/blocks.js';
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
});

/** What `sendEdgeBlocks` sends as worker `part` of `of`, read back through a real input. */
function sent(edges: EdgeList, part: number, of: number, byDestination: boolean): EdgeBlock[] {
  const worker = new Worker();
  const { input, out } = worker.dataflow((scope) => {
    const input = scope.newInput<EdgeBlock>('edges');
    return { input, out: input.stream.collect() };
  });
  sendEdgeBlocks(edges, input, part, of, () => worker.step(), { byDestination, blockSize: 7 });
  input.close();
  worker.run();
  return out.records();
}

describe('sendEdgeBlocks', () => {
  const setup = fc.tuple(pairs, fc.integer({ min: 1, max: 4 }), fc.boolean());

  it('gives each worker the edges whose source it owns, and whose destination it owns when asked, each once and in order', () => {
    fc.assert(fc.property(setup, ([list, of, byDestination]) => {
      const edges = edgeList(list);
      for (let part = 0; part < of; part++) {
        const blocks = sent(edges, part, of, byDestination);
        const got = (ends: string) => blocks.filter((b) => (b[2] ?? 'both') === ends || (b[2] ?? 'both') === 'both').flatMap((b) => Array.from(b[0], (s, i) => [s, b[1][i]!]));
        expect(got('src')).toEqual(list.filter((p) => owner(p[0], of) === part));
        expect(got('dst')).toEqual(byDestination ? list.filter((p) => owner(p[1], of) === part) : []);
        for (const b of blocks) expect(b[0].length).toBeLessThanOrEqual(7);
      }
    }));
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

  it("keys blocks by the chosen end and lets blocks meant only for the other end pass by", () => {
    const a = Int32Array.of(1, 2);
    const b = Int32Array.of(3, 4);
    const routed = route([[a, b], [a, b, 'src'], [a, b, 'dst']]);
    expect(routed.map((r) => [r[0], Array.from(r[1]), Array.from(r[2])])).toEqual([
      [0, [3, 4], [1, 2]],
      [0, [3, 4], [1, 2]],
    ]);
  });

  it.each([
    [[Int32Array.of(1), [2]], /two Int32Arrays/],
    [[Int32Array.of(1, 2), Int32Array.of(3)], /2 sources but 1 destinations/],
    [[Int32Array.of(1), Int32Array.of(2), 'out'], /'both', 'src' or 'dst', got "out"/],
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
