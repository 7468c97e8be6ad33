/**
 * The host's own scaling ceiling, to read the scaling figures against: four kernels of plain
 * JavaScript that share nothing (multiplications and additions in registers, integer divisions,
 * random updates of a 2 MiB array, random updates of a 128 MiB array), each timed alone on every CPU (the process pinned with `taskset`, where
 * there is one) and on as many threads at once as there are CPUs. A graph job is mostly the second
 * and third kind. When CPUs differ, or slow each other down, an evenly split job cannot gain more than
 * the "even split" column says over one worker on the fastest CPU. Rounds alternate the variants;
 * medians, with the spread in parentheses.
 * Usage: node dist/bench/host.js [--rounds N]. Results: bench/results/host.md.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { median } from './stats.js';

const KERNELS = {
  'multiply and add': () => {
    let x = 1;
    for (let i = 0; i < 2e8; i++) x = (Math.imul(x, 1103515245) + 12345) | 0;
    return x;
  },
  divide: () => {
    let x = 1;
    let y = 0;
    for (let i = 0; i < 5e7; i++) {
      x = (Math.imul(x, 1103515245) + 12345) | 0;
      y = (y + ((x >>> 0) % 1000003)) | 0;
    }
    return y;
  },
  'random updates, 2 MiB': () => randomUpdates(2, 6e7),
  'random updates, 128 MiB': () => randomUpdates(128, 2e7),
} as const;

type Kernel = keyof typeof KERNELS;

/** `n` pseudo-random increments of an array of `mib` MiB (a first pass touches every page). */
function randomUpdates(mib: number, n: number): number {
  const a = new Int32Array(mib * 262144);
  a.fill(1);
  const mask = a.length - 1;
  let s = 7;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) | 0;
    a[(s >>> 7) & mask]! += i;
  }
  return a[5]!;
}

/** The kernel's milliseconds, after a short warm-up run of it. */
function timed(kernel: Kernel): number {
  KERNELS[kernel]();
  const t0 = performance.now();
  KERNELS[kernel]();
  return performance.now() - t0;
}

const file = fileURLToPath(import.meta.url);

/** The kernel alone, in a process of its own pinned to `cpu` (by `taskset`). */
function alone(kernel: Kernel, cpu: number): number {
  const r = spawnSync('taskset', ['-c', String(cpu), process.execPath, file, '--kernel', kernel], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`taskset -c ${cpu} failed: ${r.stderr || r.error?.message}`);
  return Number(r.stdout);
}

/** The kernel on `threads` threads at once: each thread's milliseconds. */
function together(kernel: Kernel, threads: number): Promise<number[]> {
  return Promise.all(
    Array.from({ length: threads }, () => new Promise<number>((done, fail) => new Worker(file, { workerData: kernel }).once('message', done).once('error', fail))),
  );
}

function cell(xs: readonly number[]): string {
  return `${median(xs).toFixed(0)} ms (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;
}

async function main(argv: readonly string[]): Promise<void> {
  const at = argv.indexOf('--rounds');
  const rounds = at >= 0 ? Number(argv[at + 1]) : 3;
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds needs a positive integer, got ${argv[at + 1]}`);
  const unknown = argv.filter((a, i) => a !== '--rounds' && (at < 0 || i !== at + 1));
  if (unknown.length > 0) throw new Error(`unknown argument(s) ${unknown.join(' ')}: expected --rounds N`);
  const n = availableParallelism();
  // CPUs 0 .. n-1 one by one, where `taskset` can pin to each (a container may allow other numbers).
  const pinned = Array.from({ length: n }, (_, c) => spawnSync('taskset', ['-c', String(c), 'true']).status === 0).every(Boolean);
  const lines = [`# The host's ceiling (${n} CPUs, ${cpus()[0]?.model ?? 'unknown'}; Node ${process.version}; ${rounds} rounds; ${new Date().toISOString().slice(0, 16)} UTC)`, ''];
  if (!pinned) lines.push(`\`taskset\` cannot pin a process to each of CPUs 0 to ${n - 1} here: the CPUs are not timed one by one.`, '');
  const each = pinned ? `${Array.from({ length: n }, (_, c) => `alone on CPU ${c}`).join(' | ')} | slowest / fastest CPU` : 'alone';
  lines.push(`| kernel | ${each} | ${n} threads at once | even split: ${n} threads against one alone${pinned ? ' on the fastest CPU' : ''} |`);
  lines.push(`|---|${'---|'.repeat(pinned ? n + 1 : 1)}---|---|`);
  for (const kernel of Object.keys(KERNELS) as Kernel[]) {
    const solo: number[][] = Array.from({ length: pinned ? n : 1 }, () => []);
    const threads: number[][] = Array.from({ length: n }, () => []);
    for (let r = 0; r < rounds; r++) {
      for (let c = 0; c < solo.length; c++) solo[c]!.push(pinned ? alone(kernel, c) : (await together(kernel, 1))[0]!);
      // Each thread's time, slowest first: which thread met the slow CPU changes from round to round.
      (await together(kernel, n)).sort((a, b) => b - a).forEach((t, i) => threads[i]!.push(t));
    }
    const best = Math.min(...solo.map(median));
    const worst = Math.max(...solo.map(median));
    const slowest = median(threads[0]!);
    const row = [kernel, ...solo.map(cell)];
    if (pinned) row.push(`${(worst / best).toFixed(2)}×`);
    row.push(threads.map((t) => median(t).toFixed(0)).join(' / ') + ' ms', `${((n * best) / slowest).toFixed(2)}×`);
    lines.push(`| ${row.join(' | ')} |`);
    console.log(lines.at(-1));
  }
  lines.push(
    '',
    `"Even split": how much faster ${n} workers that split a job evenly can be than one worker on the fastest CPU, if the job were all this`,
    'kernel: n × (the fastest CPU alone) / (the slowest of the threads at once). Multiplications near n× and the other kernels well below',
    'it mean that the CPUs share (or are denied, at that moment) the dividers or the memory that graph code needs: no program gets that back.',
  );
  const out = join(resolve(dirname(file), '../..'), 'bench/results/host.md');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, lines.join('\n') + '\n');
  console.log(`\n${lines.slice(0, 1).join('')}\nwritten to ${out}`);
}

if (!isMainThread) parentPort!.postMessage(timed(workerData as Kernel));
else if (process.argv[2] === '--kernel') process.stdout.write(String(timed(process.argv[3] as Kernel)));
else await main(process.argv.slice(2));
