import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { EdgeList } from '../../examples/iterative/edge-list.js';
import { churnUpdates, parseUpdates } from '../../examples/iterative/updates.js';
import { graphsDir, loadGraph, referenceBfs, referenceWcc } from './reference.js';

const cli = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/src/cli/main.js');
const timely = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });
const scratch = mkdtempSync(join(tmpdir(), 'timely-incremental-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * The expected output, recomputed from scratch at every epoch: the answer on the edges live then (plain
 * union-find or BFS), and the lines that turn the previous epoch's answer into it.
 */
function fromScratch(base: EdgeList, updates: string, answer: (live: EdgeList) => Map<number, number>): string {
  const live: [number, number][] = Array.from({ length: base.count }, (_, i) => [base.src[i]!, base.dst[i]!]);
  const asList = (): EdgeList => ({ src: Int32Array.from(live, (e) => e[0]), dst: Int32Array.from(live, (e) => e[1]), count: live.length, maxId: 0 });
  const lines: [number, number, number, number][] = [];
  let before = new Map<number, number>();
  const diff = (epoch: number) => {
    const now = answer(asList());
    for (const [n, v] of before) if (now.get(n) !== v) lines.push([epoch, n, v, -1]);
    for (const [n, v] of now) if (before.get(n) !== v) lines.push([epoch, n, v, 1]);
    before = now;
  };
  diff(0);
  for (const e of parseUpdates(new TextEncoder().encode(updates), 'updates')) {
    for (let i = 0; i < e.sign.length; i++) {
      if (e.sign[i] === 1) live.push([e.src[i]!, e.dst[i]!]);
      else live.splice(live.findIndex(([a, b]) => a === e.src[i] && b === e.dst[i]), 1);
    }
    diff(e.epoch);
  }
  lines.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[3] - b[3] || a[2] - b[2]);
  return lines.map((l) => l.join(' ') + '\n').join('');
}

const bfsFrom = (source: number) => (live: EdgeList) => {
  for (let i = 0; i < live.count; i++) if (live.src[i] === source || live.dst[i] === source) return referenceBfs(live, source);
  return new Map<number, number>();
};

/**
 * Updates that also bring new ids, cut a node off entirely, leave an epoch empty and skip epochs, the
 * last to the largest epoch there is (2^53 - 1: past 32 bits).
 */
function handMade(base: EdgeList): string {
  const [a, b] = [base.src[0]!, base.dst[0]!];
  const cut: string[] = [];
  for (let i = 0; i < base.count; i++) if (base.src[i] === a || base.dst[i] === a) cut.push(`- ${base.src[i]} ${base.dst[i]}`);
  return ['# new ids, then the first node cut off and brought back', '@ 1', '+ 900001 900002', `+ ${b} 900001`, '@ 2', ...cut, '', '@ 4', '@ 9007199254740991   # after an empty epoch', `+ ${a} 900002`, `- 900001 900002`, ''].join('\n');
}

describe.each(['karate.txt', 'email-Eu-core.txt', 'ca-GrQc.txt'])('timely example incremental-* on %s', (graph) => {
  const base = loadGraph(graph);
  const input = join(graphsDir(), graph);
  const files = [
    ['churn', churnUpdates(base, 6, 12, 11)],
    ['hand-made', handMade(base)],
  ] as const;
  const source = base.src[0]!;

  it.each(files)('incremental-wcc with %s updates: the from-scratch answer per epoch, byte-identical on 1-4 workers', (kind, updates) => {
    const path = join(scratch, `${graph}.${kind}.wcc.txt`);
    writeFileSync(path, updates);
    const expected = fromScratch(base, updates, referenceWcc);
    for (const workers of [1, 2, 3, 4]) {
      const r = timely('example', 'incremental-wcc', '--input', input, '--updates', path, '--workers', String(workers));
      expect({ workers, status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toEqual({ workers, status: 0, stderr: '' });
      expect({ workers, same: r.stdout === expected }).toEqual({ workers, same: true });
    }
  });

  it.each(files)('incremental-bfs with %s updates: the from-scratch answer per epoch, byte-identical on 1-4 workers', (kind, updates) => {
    const path = join(scratch, `${graph}.${kind}.bfs.txt`);
    writeFileSync(path, updates);
    const expected = fromScratch(base, updates, bfsFrom(source));
    for (const workers of [1, 2, 3, 4]) {
      const r = timely('example', 'incremental-bfs', '--input', input, '--updates', path, '--source', String(source), '--workers', String(workers));
      expect({ workers, status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toEqual({ workers, status: 0, stderr: '' });
      expect({ workers, same: r.stdout === expected }).toEqual({ workers, same: true });
    }
  });
});

describe('timely example incremental-* on a base fed in parts (150,000 random edges: over 65,536 per worker on 1 and 2 workers)', () => {
  // A base this size is fed through several steps before epoch 0 closes, on every worker.
  let seed = 12345;
  const random = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
  const count = 150_000;
  const base: EdgeList = { src: new Int32Array(count), dst: new Int32Array(count), count, maxId: 0 };
  for (let i = 0; i < count; i++) {
    base.src[i] = random(40_000);
    base.dst[i] = random(40_000);
  }
  const input = join(scratch, 'random-150k.txt');
  writeFileSync(input, Array.from({ length: count }, (_, i) => `${base.src[i]} ${base.dst[i]}\n`).join(''));
  const updates = churnUpdates(base, 4, 20, 3);
  const path = join(scratch, 'random-150k.updates.txt');
  writeFileSync(path, updates);

  it.each([
    ['incremental-wcc', [] as string[], referenceWcc],
    ['incremental-bfs', ['--source', String(base.src[0])], bfsFrom(base.src[0]!)],
  ] as const)('%s: the from-scratch answer per epoch on 1 and 2 workers', (example, extra, answer) => {
    const expected = fromScratch(base, updates, answer);
    for (const workers of [1, 2]) {
      const r = timely('example', example, '--input', input, '--updates', path, ...extra, '--workers', String(workers));
      expect({ workers, status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toEqual({ workers, status: 0, stderr: '' });
      expect({ workers, same: r.stdout === expected }).toEqual({ workers, same: true });
    }
  });
});

describe('timely example incremental-wcc with 70,000 changes in one epoch (its output columns grown many times)', () => {
  it('a star of 70,000 leaves: every node at epoch 0, then one leaf cut off, on 1 and 2 workers', () => {
    const count = 70_000;
    const base: EdgeList = { src: new Int32Array(count), dst: Int32Array.from({ length: count }, (_, i) => i + 1), count, maxId: count };
    const input = join(scratch, 'star-70k.txt');
    writeFileSync(input, Array.from({ length: count }, (_, i) => `0 ${i + 1}\n`).join(''));
    const updates = '@ 1\n- 0 5\n@ 2\n+ 5 70001\n';
    const path = join(scratch, 'star-70k.updates.txt');
    writeFileSync(path, updates);
    const expected = fromScratch(base, updates, referenceWcc);
    // Every node labelled 0; leaf 5 unlabelled; 5 and 70,001 labelled 5 (and the empty string after the last line).
    expect(expected.split('\n')).toHaveLength(count + 1 + 1 + 2 + 1);
    for (const workers of [1, 2]) {
      const r = timely('example', 'incremental-wcc', '--input', input, '--updates', path, '--workers', String(workers));
      expect({ workers, status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toEqual({ workers, status: 0, stderr: '' });
      expect({ workers, same: r.stdout === expected }).toEqual({ workers, same: true });
    }
  });
});

describe('incremental examples: bad updates are one-line errors with exit 2, the same on any worker count', () => {
  const karate = join(graphsDir(), 'karate.txt');
  const base = loadGraph('karate.txt');
  const present = `${base.src[3]} ${base.dst[3]}`;
  it.each([
    ['a removal of an edge that is not present', `@ 1\n- 123456 654321\n`, /updates\.txt:2: removes the edge 123456 654321 at epoch 1, but it is not present then/],
    ['a second removal of an edge present once', `@ 1\n- ${present}\n@ 2\n- ${present}\n`, new RegExp(`updates\\.txt:4: removes the edge ${present} at epoch 2`)],
    ['a malformed line', `@ 1\n+ 1 2\n* 3 4\n`, /updates\.txt:3: expected '\+ u v', '- u v' .* got '\* 3 4'/],
    ['a negative id', `@ 1\n+ -1 2\n`, /updates\.txt:2: expected/],
    ['an id past the largest', `@ 1\n+ 5 2147483648\n`, /updates\.txt:2: node id above 2147483647 in '\+ 5 2147483648'/],
    ['an epoch that goes back', `@ 2\n+ 1 2\n@ 1\n`, /updates\.txt:3: epoch 1 after epoch 2: epochs must be strictly increasing/],
    ['epoch 0 in the file', `@ 0\n`, /updates\.txt:1: expected/],
    ['an update before any epoch line', `+ 1 2\n`, /updates\.txt:1: an update before the first '@ E' line/],
  ])('%s', (_what, text, message) => {
    const path = join(scratch, 'updates.txt');
    writeFileSync(path, text);
    const messages = [1, 2].map((workers) => {
      const r = timely('example', 'incremental-wcc', '--input', karate, '--updates', path, '--workers', String(workers));
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      return r.stderr;
    });
    expect(messages[1]).toBe(messages[0]);
  });

  it('usage errors: missing --updates, missing --source, a source that never touches an edge', () => {
    const path = join(scratch, 'ok.txt');
    writeFileSync(path, '@ 1\n+ 1 2\n');
    expect(timely('example', 'incremental-wcc', '--input', karate).stderr).toMatch(/--updates FILE is required/);
    expect(timely('example', 'incremental-bfs', '--input', karate, '--updates', path).stderr).toMatch(/--source S is required/);
    const far = timely('example', 'incremental-bfs', '--input', karate, '--updates', path, '--source', '777');
    expect(far.status).toBe(2);
    expect(far.stderr).toMatch(/--source 777 is not a node of .* and no update inserts an edge touching it/);
  });

  it('writes --output, and reports per-epoch latency on stderr', () => {
    const path = join(scratch, 'churn.txt');
    writeFileSync(path, churnUpdates(base, 3, 2, 5));
    const out = join(scratch, 'out.txt');
    const r = timely('example', 'incremental-wcc', '--input', karate, '--updates', path, '--output', out);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(readFileSync(out, 'utf8')).toBe(fromScratch(base, readFileSync(path, 'utf8'), referenceWcc));
    expect(r.stderr).toMatch(/^incremental-wcc: 78 edges, 1 worker, \d+ output lines; read .*; 12 updates in 3 epochs, latency per epoch median .* p90 .*; whole .*; peak RSS \d+ MB\n$/);
  });
});
