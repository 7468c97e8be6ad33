/**
 * The plain program the benchmarks hold the examples against (`bench/baseline.ts`): the same answers
 * as `timely example` on one worker, sparse ids included (it indexed arrays by id up to the largest,
 * and on ids near 2^31 it took memory until the machine ran out).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { baselineWccUnionFind } from '../../bench/baseline.js';
import { loadGraph, referenceWcc } from '../examples/reference.js';

const root = resolve(import.meta.dirname, '../..');
const baseline = join(root, 'dist/bench/baseline.js');
const cli = join(root, 'dist/src/cli/main.js');

describe('the plain baseline program', () => {
  it('answers as one worker does on sparse ids (up to 100,000,000 over a few edges), in bounded memory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'timely-baseline-'));
    try {
      const input = join(dir, 'sparse.txt');
      writeFileSync(input, '7 100000000\n100000000 3\n3 7\n42 99999999\n99999999 42\n5 5\n');
      for (const [job, extra] of [['wcc', []], ['wcc-unionfind', []], ['pagerank', []], ['bfs', ['100000000']]] as const) {
        const plain = spawnSync(process.execPath, [baseline, job, input, ...extra, '--output', join(dir, `${job}-plain.txt`)], { encoding: 'utf8', timeout: 30_000 });
        expect(plain.status, plain.stderr).toBe(0);
        // Memory follows the edges: arrays by id would take some 1 GB for PageRank's ranks alone.
        expect(Number(/peak RSS (\d+) MB/.exec(plain.stderr)?.[1])).toBeLessThan(300);
        // The union-find reference answers as the examples' label propagation does.
        const example = job === 'wcc-unionfind' ? 'wcc' : job;
        const ours = spawnSync(process.execPath, [cli, 'example', example, '--input', input, ...(job === 'bfs' ? ['--source', extra[0]!] : []), '--output', join(dir, `${job}-ours.txt`)], { encoding: 'utf8' });
        expect(ours.status, ours.stderr).toBe(0);
        expect(readFileSync(join(dir, `${job}-plain.txt`), 'utf8')).toBe(readFileSync(join(dir, `${job}-ours.txt`), 'utf8'));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('finds by union-find the components the simple reference finds, labelled by their smallest id, on real graphs', () => {
    for (const file of ['ca-GrQc.txt', 'email-Eu-core.txt']) {
      const edges = loadGraph(file);
      const { nodes, values } = baselineWccUnionFind(edges);
      const expected = referenceWcc(edges);
      expect(nodes.length).toBe(expected.size);
      for (let i = 0; i < nodes.length; i++) expect(values[i], `${file}: node ${nodes[i]}`).toBe(expected.get(nodes[i]!));
    }
  });
});
