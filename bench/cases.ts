/** Benchmark cases: each pairs the dataflow with plain JavaScript doing the same work, and checks both answers. */
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { productOrder } from '../src/timestamps/order.js';
import { Timestamp } from '../src/timestamps/timestamp.js';
import { execute } from '../src/workers/execute.js';
import { Worker } from '../src/workers/worker.js';
import barrier from './jobs/barrier.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The built CLI and baseline (this file runs from dist/bench). */
export const CLI = resolve(here, '../src/cli/main.js');
export const BASELINE = resolve(here, 'baseline.js');
export const GRAPHS = process.env['TIMELY_GRAPHS'] ?? resolve(here, '../../../shared/data/graphs');

/** One side of a comparison: `run` does `work` units and returns a value that `check` must accept. */
export interface Side {
  readonly run: () => unknown;
}

export interface Case {
  readonly name: string;
  /** What the second side is ('plain JS' unless said otherwise). */
  readonly baseline?: string;
  /** What one run does, in `unit`s (e.g. 100000 iterations). */
  readonly work: number;
  readonly unit: string;
  readonly ours: Side;
  readonly plain: Side;
  /** Throws unless both sides gave the right answer (results of `run`, awaited). */
  readonly check: (ours: unknown, plain: unknown) => void;
  /** Samples to take of each side. */
  readonly samples: number;
}

function equal(what: string, a: unknown, b: unknown): void {
  if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${what}: answers differ: ${JSON.stringify(a).slice(0, 200)} vs ${JSON.stringify(b).slice(0, 200)}`);
}

/** An empty loop whose only vertex asks, at each iteration, to be notified at the next (bench/jobs/barrier.ts). */
export function barrierDataflow(iterations: number): number {
  return barrier(new Worker(), { iterations });
}

/** The same in plain JavaScript: a queue of pending notification times, served in order. */
export function barrierPlain(iterations: number): number {
  const pending: number[] = [0];
  let served = 0;
  while (pending.length > 0) {
    const t = pending.shift()!;
    served++;
    if (t + 1 < iterations) pending.push(t + 1);
  }
  return served;
}

/** map(x => 3x+1) → filter(even) → count, over `n` integers sent in batches of 4096. */
export function pipelineDataflow(n: number): number {
  const worker = new Worker();
  const { input, out } = worker.dataflow((scope) => {
    const input = scope.newInput<number>('numbers');
    const out = input.stream
      .map((x) => 3 * x + 1)
      .filter((x) => x % 2 === 0)
      .count()
      .collect();
    return { input, out };
  });
  const batch = 4096;
  for (let start = 0; start < n; start += batch) {
    const records: number[] = [];
    for (let x = start; x < Math.min(n, start + batch); x++) records.push(x);
    input.send(records);
    worker.step();
  }
  input.close();
  worker.run();
  return out.records()[0] ?? 0;
}

export function pipelinePlain(n: number): number {
  const batch = 4096;
  let count = 0;
  for (let start = 0; start < n; start += batch) {
    const records: number[] = [];
    for (let x = start; x < Math.min(n, start + batch); x++) records.push(x);
    const mapped = new Array<number>(records.length);
    for (let i = 0; i < records.length; i++) mapped[i] = 3 * records[i]! + 1;
    for (let i = 0; i < mapped.length; i++) if (mapped[i]! % 2 === 0) count++;
  }
  return count;
}

export interface ProcessRun {
  readonly seconds: number;
  readonly peakMb: number;
  readonly output: string;
}

/** Runs a whole process; its peak RSS comes from the `peak RSS N MB` it reports on stderr. */
export function runProcess(args: string[]): ProcessRun {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  const m = /peak RSS (\d+) MB/.exec(r.stderr);
  if (m === null) throw new Error(`${args.join(' ')} did not report its peak RSS: ${r.stderr}`);
  return { seconds, peakMb: Number(m[1]), output: r.stdout };
}

/** A benchmark job (bench/jobs) on `workers` threads; resolves to the workers' results. */
export async function job(name: string, workers: number, args: unknown): Promise<unknown[]> {
  return (await execute(resolve(here, 'jobs', `${name}.js`), { workers, threads: true, args })).results;
}

/** The same whole-process example on 2 workers against 1 worker. */
export function scalingCase(algorithm: 'wcc' | 'pagerank', file: string, samples: number): Case {
  const path = join(GRAPHS, file);
  return {
    name: `${algorithm} ${file}, 2 workers (whole process)`,
    baseline: '1 worker',
    work: 1,
    unit: 'run',
    samples,
    ours: { run: () => runProcess([CLI, 'example', algorithm, '--input', path, '--workers', '2']) },
    plain: { run: () => runProcess([CLI, 'example', algorithm, '--input', path, '--workers', '1']) },
    check: (a, b) => {
      if ((a as ProcessRun).output !== (b as ProcessRun).output) throw new Error(`${algorithm} on ${file}: 2 workers and 1 worker disagree`);
    },
  };
}

export function graphCase(algorithm: 'wcc' | 'pagerank' | 'bfs', file: string, samples: number, extra: string[] = []): Case {
  const path = join(GRAPHS, file);
  const ours = ['example', algorithm, '--input', path, ...extra];
  const baselineArg = algorithm === 'pagerank' ? ['20'] : algorithm === 'bfs' ? [extra[1]!] : [];
  return {
    name: `${algorithm} ${file} (whole process, 1 worker)`,
    work: 1,
    unit: 'run',
    samples,
    ours: { run: () => runProcess([CLI, ...ours]) },
    plain: { run: () => runProcess([BASELINE, algorithm, path, ...baselineArg]) },
    check: (a, b) => {
      const x = a as ProcessRun;
      const y = b as ProcessRun;
      if (x.output.length === 0 || x.output !== y.output) throw new Error(`${algorithm} on ${file}: the dataflow and the baseline disagree`);
    },
  };
}

/** `n` product-order comparisons of depth-2 times: Timestamp objects against bare number arrays. */
export function compareTimestamps(n: number): number {
  const times = Array.from({ length: 1024 }, (_, i) => Timestamp.of(i & 3, (i >> 2) & 7, (i >> 5) & 7));
  let hits = 0;
  for (let i = 0; i < n; i++) if (productOrder.lessEqual(times[i & 1023]!, times[(i * 7) & 1023]!)) hits++;
  return hits;
}

export function compareArrays(n: number): number {
  const times = Array.from({ length: 1024 }, (_, i) => [i & 3, (i >> 2) & 7, (i >> 5) & 7]);
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const a = times[i & 1023]!;
    const b = times[(i * 7) & 1023]!;
    let le = true;
    for (let k = 0; k < a.length; k++) if (a[k]! > b[k]!) le = false;
    if (le) hits++;
  }
  return hits;
}

export function cases(quick: boolean): Case[] {
  const iterations = quick ? 20_000 : 200_000;
  const records = quick ? 100_000 : 1_000_000;
  const comparisons = quick ? 100_000 : 10_000_000;
  const list: Case[] = [
    {
      name: `timestamp compare (product order, depth 2), ${comparisons} pairs`,
      work: comparisons,
      unit: 'compares',
      samples: quick ? 3 : 10,
      ours: { run: () => compareTimestamps(comparisons) },
      plain: { run: () => compareArrays(comparisons) },
      check: (a, b) => equal('compare', a, b),
    },
    {
      name: `barrier, ${iterations} iterations, 1 worker`,
      work: iterations,
      unit: 'iterations',
      samples: quick ? 3 : 10,
      ours: { run: () => barrierDataflow(iterations) },
      plain: { run: () => barrierPlain(iterations) },
      check: (a, b) => (equal('barrier', a, b), equal('barrier', a, iterations)),
    },
    {
      name: `map → filter → count, ${records} integers, 1 worker`,
      work: records,
      unit: 'records',
      samples: quick ? 3 : 10,
      ours: { run: () => pipelineDataflow(records) },
      plain: { run: () => pipelinePlain(records) },
      check: (a, b) => equal('pipeline', a, b),
    },
  ];
  const threaded = quick ? 20_000 : 100_000;
  const exchanged = quick ? 200_000 : 4_000_000;
  list.push(
    {
      name: `barrier, ${threaded} iterations, 2 worker threads`,
      baseline: '1 worker thread',
      work: threaded,
      unit: 'iterations',
      samples: quick ? 2 : 5,
      ours: { run: () => job('barrier', 2, { iterations: threaded }) },
      plain: { run: () => job('barrier', 1, { iterations: threaded }) },
      check: (a, b) => (equal('barrier', a, [threaded, threaded]), equal('barrier', b, [threaded])),
    },
    {
      name: `exchange of [int, int] records by key, ${exchanged} in all, 2 worker threads`,
      baseline: '1 worker thread',
      work: exchanged,
      unit: 'records',
      samples: quick ? 2 : 5,
      ours: { run: () => job('exchange', 2, { records: exchanged }) },
      plain: { run: () => job('exchange', 1, { records: exchanged }) },
      check: (a, b) => (equal('exchange', (a as number[]).reduce((x, y) => x + y, 0), exchanged), equal('exchange', b, [exchanged])),
    },
  );
  const big = quick ? 'ca-GrQc.txt' : 'web-NotreDame.txt.gz';
  list.push(graphCase('wcc', big, quick ? 1 : 3), graphCase('pagerank', big, quick ? 1 : 3));
  list.push(scalingCase('wcc', big, quick ? 1 : 3), scalingCase('pagerank', big, quick ? 1 : 3));
  return list;
}
