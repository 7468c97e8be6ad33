import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { formatNodeValues, runBfs, runPagerank, runWcc } from '../../examples/iterative/run.js';
import { graphsDir, loadGraph } from './reference.js';

const cli = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/src/cli/main.js');
const timely = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
const karate = () => join(graphsDir(), 'karate.txt');
const scratch = mkdtempSync(join(tmpdir(), 'timely-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('timely example (the CLI contract)', () => {
  it('prints `node value` lines to stdout and timings to stderr', () => {
    const edges = loadGraph('karate.txt');
    const wcc = timely('example', 'wcc', '--input', karate());
    expect(wcc.status).toBe(0);
    expect(wcc.stdout).toBe(formatNodeValues(runWcc(edges)));
    expect(wcc.stderr).toMatch(/^wcc: 78 edges, 1 worker, 34 output lines; read .*, compute .*/);
    const pr = timely('example', 'pagerank', '--input', karate(), '--iterations', '5', '--workers', '1');
    expect(pr.stdout).toBe(formatNodeValues(runPagerank(edges, 5)));
    const bfs = timely('example', 'bfs', '--input', karate(), '--source', '5');
    expect(bfs.stdout).toBe(formatNodeValues(runBfs(edges, 5)));
    expect(bfs.stdout.split('\n')[0]).toBe('5 0');
    // On threads started while the input is read.
    const three = timely('example', 'wcc', '--input', karate(), '--workers', '3');
    expect(three.status).toBe(0);
    expect(three.stdout).toBe(wcc.stdout);
    expect(three.stderr).toMatch(/^wcc: 78 edges, 3 workers, 34 output lines/);
  });

  it('writes to --output, reads gzip, and defaults pagerank to 20 iterations', () => {
    const gz = join(scratch, 'karate.txt.gz');
    writeFileSync(gz, gzipSync(readFileSync(karate())));
    const out = join(scratch, 'ranks.txt');
    const r = timely('example', 'pagerank', '--input', gz, '--output', out);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(readFileSync(out, 'utf8')).toBe(formatNodeValues(runPagerank(loadGraph('karate.txt'), 20)));
  });

  it.each([
    [['example', 'wcc', '--input', '/no/such/file.txt'], /^timely: cannot read \/no\/such\/file.txt: no such file\n$/],
    [['example', 'wcc', '--input', '/no/such/file.txt', '--workers', '2'], /^timely: cannot read \/no\/such\/file.txt: no such file\n$/],
    [['example', 'bfs', '--input', 'KARATE', '--source', '999', '--workers', '2'], /--source 999 is not a node of/],
    [['example', 'wcc'], /--input FILE is required/],
    [['example', 'bfs', '--input', 'KARATE'], /--source S is required/],
    [['example', 'bfs', '--input', 'KARATE', '--source', '999'], /--source 999 is not a node of/],
    [['example', 'pagerank', '--input', 'KARATE', '--iterations', 'many'], /--iterations must be a non-negative integer, got 'many'/],
    [['example', 'wcc', '--input', 'KARATE', '--workers', '0'], /--workers must be a positive integer/],
    [['example', 'wcc', '--input', 'KARATE', '--colour', 'red'], /unknown option --colour/],
    [['example', 'sssp'], /expected wcc, pagerank, bfs, incremental-wcc or incremental-bfs/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ])('%j gets a one-line error and exit code 2', (args, message) => {
    const r = timely(...args.map((a) => (a === 'KARATE' ? karate() : a)));
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('names the malformed line of an input file, on any number of workers, gzip or not', () => {
    const bad = join(scratch, 'bad.txt');
    const text = '# header\n' + Array.from({ length: 300 }, (_, i) => `${i} ${i + 1}\n`).join('') + '5 six\n7 8\n';
    writeFileSync(bad, text);
    writeFileSync(`${bad}.gz`, gzipSync(text));
    for (const file of [bad, `${bad}.gz`]) {
      for (const workers of ['1', '2', '3']) {
        const r = timely('example', 'wcc', '--input', file, '--workers', workers);
        expect(r.status).toBe(2);
        expect(r.stderr).toBe(`timely: ${file}:302: expected "src dst" (two non-negative integers), got "5 six"\n`);
      }
    }
  });

  it('gives one worker’s output byte for byte on 2 and 4 worker threads, each reading its share of the file', () => {
    for (const graph of ['karate.txt', 'email-Eu-core.txt', 'ca-GrQc.txt']) {
      const file = join(graphsDir(), graph);
      const first = loadGraph(graph).src[0]!;
      for (const [algorithm, extra] of [['wcc', []], ['pagerank', ['--iterations', '7']], ['bfs', ['--source', String(first)]]] as const) {
        const one = timely('example', algorithm, '--input', file, ...extra);
        expect(one.status).toBe(0);
        for (const workers of ['2', '4']) {
          const many = timely('example', algorithm, '--input', file, ...extra, '-w', workers);
          expect(many.status, many.stderr).toBe(0);
          expect(many.stdout).toBe(one.stdout);
          expect(many.stderr).toMatch(new RegExp(`^${algorithm}: \\d+ edges, ${workers} workers, \\d+ output lines; read .*, compute .*, format .*, write .*; between the threads \\d+ data bytes, [1-9]\\d* progress bytes`));
        }
      }
    }
    // A gzip file: decompressed once, parsed in shares.
    const gz = join(scratch, 'email.txt.gz');
    writeFileSync(gz, gzipSync(readFileSync(join(graphsDir(), 'email-Eu-core.txt'))));
    expect(timely('example', 'pagerank', '--input', gz, '-w', '3').stdout).toBe(timely('example', 'pagerank', '--input', join(graphsDir(), 'email-Eu-core.txt')).stdout);
  });

  it('gives one worker’s PageRank on 2 threads when the file’s second half holds far fewer edges than its first (long lines)', () => {
    // The last worker's share of the edges is small: the values being formatted take the end of its
    // memory, and its lines must go around them (with 2,000 or 2,200 edges there, lines written over
    // the values changed PageRank's output on 2 workers).
    let seed = 12345;
    const next = (n: number) => Math.floor(((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * n);
    for (const last of [2000, 2200]) {
      const lines: string[] = [];
      for (let i = 0; i < 4000; i++) lines.push(`${next(1000)} ${next(1000)}`);
      const pad = ' '.repeat(Math.max(1, Math.round(lines.join('\n').length / last) - 8));
      for (let i = 0; i < last; i++) lines.push(`${i % 1000}${pad}${next(1000)}`);
      const file = join(scratch, `uneven-${last}.txt`);
      writeFileSync(file, lines.join('\n') + '\n');
      // PageRank's values (doubles) take the most room; WCC's and BFS's take half, placed alike.
      const one = timely('example', 'pagerank', '--input', file);
      expect(one.status, one.stderr).toBe(0);
      const two = timely('example', 'pagerank', '--input', file, '-w', '2');
      expect(two.status, two.stderr).toBe(0);
      expect(two.stdout, `${last} edges in the second half`).toBe(one.stdout);
    }
  });

  it('a gzip file of two members (its trailer names the last one\'s size) and one cut short: on threads and processes the output and the error one worker gives', () => {
    const text = readFileSync(join(graphsDir(), 'email-Eu-core.txt'));
    const two = join(scratch, 'members.txt.gz');
    writeFileSync(two, Buffer.concat([gzipSync(text.subarray(0, 100_000)), gzipSync(text.subarray(100_000))]));
    // Cut in the middle, the true trailer kept: the size is believed, the decompression fails.
    const whole = gzipSync(text);
    const cut = join(scratch, 'cut.txt.gz');
    writeFileSync(cut, Buffer.concat([whole.subarray(0, whole.length >> 1), whole.subarray(whole.length - 8)]));
    // The same, its trailer's size zeroed: not believed, so the text is read whole before it is parsed.
    const unsized = join(scratch, 'cut-unsized.txt.gz');
    writeFileSync(unsized, Buffer.concat([whole.subarray(0, whole.length >> 1), whole.subarray(whole.length - 8, whole.length - 4), Buffer.alloc(4)]));
    const expected = timely('example', 'wcc', '--input', join(graphsDir(), 'email-Eu-core.txt')).stdout;
    const shapes = [['-w', '2'], ['-w', '3'], ['-n', '2', '--local'], ['-n', '2', '-w', '2', '--local']];
    for (const shape of [['-w', '1'], ...shapes]) {
      const r = timely('example', 'wcc', '--input', two, ...shape);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout === expected, `${shape.join(' ')}: output differs`).toBe(true);
    }
    for (const file of [cut, unsized]) {
      // What one worker names: here the text breaks off into a malformed line before the data ends.
      const error = timely('example', 'wcc', '--input', file).stderr;
      expect(error).toMatch(new RegExp(`^timely: (cannot read )?${file}:`));
      for (const shape of shapes) {
        const bad = timely('example', 'wcc', '--input', file, ...shape);
        expect(bad.status).not.toBe(0);
        // Across processes, each process names the error.
        expect(new Set(bad.stderr.split('\n').filter((l) => l !== '')), `${file}, ${shape.join(' ')}`).toEqual(new Set([error.trimEnd()]));
      }
    }
  });

  it('of malformed lines in several workers\' shares, the first in the file is named, on threads and across processes', () => {
    // A bad line near the end of the first half and one at the start of the second: the second
    // half's reader meets its own first.
    const lines = Array.from({ length: 200_000 }, (_, i) => `${i} ${i + 1}\n`);
    lines[99_990] = 'first bad\n';
    lines[100_002] = 'second bad\n';
    lines[150_000] = 'third bad\n';
    const plain = join(scratch, 'bad-twice.txt');
    writeFileSync(plain, lines.join(''));
    writeFileSync(`${plain}.gz`, gzipSync(lines.join('')));
    for (const file of [plain, `${plain}.gz`]) {
      const message = `timely: ${file}:99991: expected "src dst" (two non-negative integers), got "first bad"`;
      for (const args of [['-w', '1'], ['-w', '2'], ['-w', '3'], ['-n', '2', '--local'], ['-n', '2', '-w', '2', '--local']]) {
        const r = timely('example', 'wcc', '--input', file, ...args);
        expect(r.status, args.join(' ')).not.toBe(0);
        // Across processes, each process names the error.
        expect(new Set(r.stderr.split('\n').filter((l) => l !== '')), `${file} ${args.join(' ')}`).toEqual(new Set([message]));
      }
    }
  });

  it('a malformed line before a line too long is the one named, on 1 to 3 workers and 2 processes, from a file, gzip or a pipe', () => {
    const text = Buffer.concat([Buffer.from('1 2\nx\n'), Buffer.alloc(2 << 20, 0x37), Buffer.from('\n3 4\n')]);
    const plain = join(scratch, 'bad-then-long.txt');
    writeFileSync(plain, text);
    writeFileSync(`${plain}.gz`, gzipSync(text));
    for (const file of [plain, `${plain}.gz`]) {
      const message = `timely: ${file}:2: expected "src dst" (two non-negative integers), got "x"\n`;
      for (const workers of ['1', '2', '3']) {
        const r = timely('example', 'wcc', '--input', file, '-w', workers);
        expect(r.status).toBe(2);
        expect(r.stderr, `${file} on ${workers} workers`).toBe(message);
        const piped = spawnSync('bash', ['-c', `"${process.execPath}" "${cli}" example wcc --input <(gzip -dcf "${file}") -w ${workers}`], { encoding: 'utf8', timeout: 30_000 });
        expect(piped.stderr).toMatch(/^timely: \/dev\/fd\/\d+:2: expected "src dst" \(two non-negative integers\), got "x"\n$/);
      }
      const across = timely('example', 'wcc', '--input', file, '-n', '2', '--local');
      expect(across.status).not.toBe(0);
      expect(across.stderr.split('\n').filter((l) => l !== '').every((l) => l === message.trimEnd()), across.stderr).toBe(true);
    }
  });

  it('reads a pipe (--input <(…)) on 1, 2 and 3 workers: the same output as the file gives', () => {
    const file = join(graphsDir(), 'email-Eu-core.txt');
    const expected = timely('example', 'pagerank', '--input', file).stdout;
    for (const workers of ['1', '2', '3']) {
      const r = spawnSync('bash', ['-c', `"${process.execPath}" "${cli}" example pagerank --input <(cat "${file}") -w ${workers}`], { encoding: 'utf8', timeout: 30_000 });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout === expected, `${workers} workers: output differs from the file's`).toBe(true);
    }
  });

  it('one process given as a cluster of one (-n 1 -p 0 -h HOSTFILE) runs as one process', () => {
    const hosts = join(scratch, 'one-host');
    writeFileSync(hosts, '127.0.0.1:1\n');
    const r = timely('example', 'wcc', '--input', karate(), '-w', '2', '-n', '1', '-p', '0', '-h', hosts);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(timely('example', 'wcc', '--input', karate()).stdout);
  });

  it('runs the built-in demo with no arguments beyond the command', () => {
    const r = timely('demo');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/wcc +\d+ components, the largest with \d+ nodes/);
    expect(r.stdout).toMatch(/pagerank +20 iterations, .* total mass 1\.0000000000/);
    // The incremental part: five update epochs, each with the changes it made and its latency.
    expect(r.stdout).toMatch(/incremental wcc \(collections\), a sparse graph of 6000 edges: epoch 0 in /);
    expect(r.stdout.match(/^ {4}epoch [1-5]: \d+ changes of the answer \(node, label, ±1\) in [\d.]+ ms$/gm)).toHaveLength(5);
  });
});
