import { spawn, spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_LINE_BYTES } from '../../examples/iterative/edge-list.js';
import { graphsDir } from './reference.js';

const here = dirname(fileURLToPath(import.meta.url));
const cli = resolve(here, '../../dist/src/cli/main.js');
const timely = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 30_000 });
const misbehaves = resolve(here, '../workers/fixtures/misbehaves.mjs');
const karate = () => join(graphsDir(), 'karate.txt');
const scratch = mkdtempSync(join(tmpdir(), 'timely-contract-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A fresh folder holding a gzipped copy of karate. */
function folderWithInput(): { dir: string; input: string; bytes: Buffer } {
  const dir = mkdtempSync(join(scratch, 'case-'));
  const input = join(dir, 'g.txt.gz');
  const bytes = gzipSync(readFileSync(karate()));
  writeFileSync(input, bytes);
  return { dir, input, bytes };
}

describe('the CLI never destroys an input and leaves no partial output', () => {
  it('refuses an output that is the input, by the same name, a symbolic link or a hard link, and leaves it whole', () => {
    const { dir, input, bytes } = folderWithInput();
    symlinkSync(input, join(dir, 'soft.gz'));
    linkSync(input, join(dir, 'hard.gz'));
    for (const output of [input, join(dir, 'soft.gz'), join(dir, 'hard.gz'), join(dir, '.', 'g.txt.gz')]) {
      for (const workers of ['1', '2']) {
        const r = timely('example', 'wcc', '--input', input, '--output', output, '--workers', workers);
        expect(r.status).toBe(2);
        expect(r.stderr).toMatch(/^timely: --output .* is the input file .*: writing it would destroy the input; choose another output\n$/);
      }
    }
    expect(readFileSync(input).equals(bytes)).toBe(true);
  });

  it('a run that fails leaves an existing output as it was, and no temporary file behind', () => {
    const { dir } = folderWithInput();
    const bad = join(dir, 'bad.txt');
    writeFileSync(bad, '1 2\n3 x\n');
    const output = join(dir, 'out.txt');
    writeFileSync(output, 'the old answer\n');
    const r = timely('example', 'wcc', '--input', bad, '--output', output);
    expect(r.status).toBe(2);
    expect(readFileSync(output, 'utf8')).toBe('the old answer\n');
    expect(readdirSync(dir).sort()).toEqual(['bad.txt', 'g.txt.gz', 'out.txt']);
  });

  it('an output through a symbolic link replaces the file it points to, and keeps the link', () => {
    const { dir, input } = folderWithInput();
    const target = join(dir, 'answer.txt');
    writeFileSync(target, 'old\n');
    symlinkSync(target, join(dir, 'latest'));
    const r = timely('example', 'wcc', '--input', input, '--output', join(dir, 'latest'));
    expect(r.status).toBe(0);
    expect(readFileSync(target, 'utf8')).toBe(timely('example', 'wcc', '--input', input).stdout);
    expect(readdirSync(dir).sort()).toEqual(['answer.txt', 'g.txt.gz', 'latest']);
  });
});

describe('standard output that closes or fills up', () => {
  it('a reader that goes away (| head -1) ends the command quietly, as Unix tools do (status 141)', () => {
    // A graph whose output is far larger than a pipe holds.
    const big = join(scratch, 'star.txt');
    writeFileSync(big, Array.from({ length: 60_000 }, (_, i) => `0 ${i + 1}\n`).join(''));
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${cli}" example wcc --input "${big}" | head -1; exit \${PIPESTATUS[0]}`], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stdout).toBe('0 0\n');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(141);
  });

  it.runIf(existsSync('/dev/full'))('a full disk is one line and a non-zero status, for example and for run', () => {
    for (const args of [['example', 'wcc', '--input', karate()], ['run', misbehaves, '--args', '{"how":"interval"}']]) {
      const r = spawnSync('bash', ['-c', `"${process.execPath}" "${cli}" ${args.map((a) => `'${a}'`).join(' ')} > /dev/full`], { encoding: 'utf8', timeout: 30_000 });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^timely: cannot write standard output: no space left on device\n/);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
  });
});

describe('input read as bounded chunks', () => {
  it(`a line longer than ${MAX_LINE_BYTES} bytes is MALFORMED_LINE (status 2), read in bounded memory, also gzipped NUL bytes`, async () => {
    const nul = join(scratch, 'nul.gz');
    writeFileSync(nul, gzipSync(Buffer.alloc(256 << 20)));
    const long = join(scratch, 'long.txt');
    writeFileSync(long, `1 2\n3 4\n${'7'.repeat(MAX_LINE_BYTES + 10)}\n5 6\n`);
    for (const [file, line, workers] of [[nul, 1, '1'], [long, 3, '1'], [nul, 1, '2'], [long, 3, '3']] as const) {
      const { status, stderr, peakKb } = await runWatchingMemory(['example', 'wcc', '--input', file, '--workers', workers]);
      expect(status).toBe(2);
      expect(stderr).toBe(`timely: ${file}:${line}: a line longer than ${MAX_LINE_BYTES} bytes (edge-list lines are "src dst"; is this a text edge list?)\n`);
      // The whole text would be 256 MB; a chunk and the line limit are a few MB.
      if (peakKb !== undefined) expect(peakKb).toBeLessThan(200 * 1024);
    }
  });

  it('binary bytes of a malformed line are shown escaped, never raw', () => {
    const garbage = join(scratch, 'garbage.txt');
    writeFileSync(garbage, Buffer.from([0x31, 0x20, 0x32, 0x0a, 0x1b, 0x5b, 0x32, 0x4a, 0x07, 0xff, 0x22, 0x0a]));
    const r = timely('example', 'wcc', '--input', garbage);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`timely: ${garbage}:2: expected "src dst" (two non-negative integers), got "\\x1b[2J\\x07\\xff\\x22"\n`);
  });
});

describe('memory follows the edges and nodes, not the largest id', () => {
  it.each(['1', '2'])('one edge 0 2147483647 on %s worker(s): the right answer in tens of MB', async (workers) => {
    const file = join(scratch, 'far.txt');
    writeFileSync(file, '0 2147483647\n');
    const out = join(scratch, `far-${workers}.out`);
    for (const [algorithm, expected] of [['wcc', '0 0\n2147483647 0\n'], ['bfs', '0 0\n2147483647 1\n']] as const) {
      const { status, peakKb } = await runWatchingMemory(['example', algorithm, '--input', file, '--workers', workers, '--output', out, ...(algorithm === 'bfs' ? ['--source', '0'] : [])]);
      expect(status).toBe(0);
      expect(readFileSync(out, 'utf8')).toBe(expected);
      if (peakKb !== undefined) expect(peakKb).toBeLessThan(300 * 1024);
    }
  });
});

describe('options', () => {
  it.each([
    [['example', 'wcc', '--input', '/nonexistent', '--input', 'KARATE'], /--input is given twice; give it once/],
    [['example', 'wcc', '--input', 'KARATE', '--workers', '2', '--workers=3'], /--workers is given twice/],
    [['run', 'JOB', '-w', '2', '--workers', '2'], /--workers is given twice/],
    [['run', 'JOB', '-w', '65'], /-w 65 is more than 64/],
    [['example', 'wcc', '--input', 'KARATE', '--workers', '65'], /--workers 65 is more than 64/],
  ])('%j is refused with one line and status 2', (args, message) => {
    const r = timely(...args.map((a) => (a === 'KARATE' ? karate() : a === 'JOB' ? misbehaves : a)));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('timely run prints results', () => {
  it('as JSON lines that keep a Map, a Set, a typed array and a bigint (on 1 and 2 workers)', () => {
    const rich = resolve(here, '../workers/fixtures/rich-result.mjs');
    for (const w of ['1', '2']) {
      const r = timely('run', rich, '-w', w);
      expect(r.status).toBe(0);
      const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown);
      expect(lines[0]).toEqual({ worker: 0, result: { m: [[1, 'a'], ['k', [2]]], s: [3, 4], t: [5, 6], b: '1180591620717411303424', w: 0 } });
      expect(lines).toHaveLength(Number(w));
    }
  });
});

describe('timely run ends when the computation ends', () => {
  it.each(['1', '2'])('exits 0 with the results once the job is done, though it left a timer running (%s workers)', (w) => {
    const r = timely('run', misbehaves, '-w', w, '--args', '{"how":"interval"}');
    expect(r.error).toBeUndefined(); // not killed by the timeout
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual(Array.from({ length: Number(w) }, (_, i) => ({ worker: i, result: i })));
  });

  it.each([
    ['null', /^timely: WORKER_FAILED: worker \d failed: threw null \(throw an Error to get a stack trace\)/],
    ['string', /^timely: WORKER_FAILED: worker \d failed: threw the string "s"/],
    ['error', /^timely: WORKER_FAILED: worker \d failed: TypeError: bad thing/],
    ['never', /^timely: (WORKER_DIED: worker \d's job never finished|the job never finished): its default export returned a promise that never settles/],
  ])('a job that fails (%s) gets one line naming it, status 1, on 1 and 2 workers', (how, message) => {
    for (const w of ['1', '2']) {
      const r = timely('run', misbehaves, '-w', w, '--args', JSON.stringify({ how }));
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/internal error/);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
  });
});

/** Runs the CLI, sampling its resident memory from /proc while it runs (undefined where there is no /proc). */
function runWatchingMemory(args: string[]): Promise<{ status: number | null; stderr: string; peakKb: number | undefined }> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let peakKb: number | undefined;
    const sample = setInterval(() => {
      try {
        const m = /VmHWM:\s*(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m !== null) peakKb = Math.max(peakKb ?? 0, Number(m[1]));
      } catch {
        // gone, or no /proc
      }
    }, 5);
    const kill = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (status) => {
      clearInterval(sample);
      clearTimeout(kill);
      resolvePromise({ status, stderr, peakKb });
    });
  });
}
