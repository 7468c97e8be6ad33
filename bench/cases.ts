/**
 * Benchmark cases. Each case has a baseline (plain JavaScript, one worker, or the peer d2ts) and one or
 * more variants of ours; every variant's answer is checked before any time counts. Sizes come in three
 * presets: `full` (npm run bench), `quick` (npm run bench:quick) and `tiny` (the smoke test in npm test).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { generateEdgeList, parseEdgeList, type EdgeList } from '../examples/iterative/edge-list.js';
import { runExample, type Algorithm, type ExampleResult, type NodeValues } from '../examples/iterative/run.js';
import { productOrder } from '../src/timestamps/order.js';
import { Timestamp } from '../src/timestamps/timestamp.js';
import { execute } from '../src/workers/execute.js';
import { ThreadPool } from '../src/workers/pool.js';
import { Worker } from '../src/workers/worker.js';
import { baselineBfs, baselinePagerank, baselineWcc } from './baseline.js';
import { barrierSync } from './jobs/barrier.js';
import * as micro from './micro.js';
import { d2tsPipeline, d2tsWcc } from './peer.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The built CLI and baseline (this file runs from dist/bench). */
export const CLI = resolve(here, '../src/cli/main.js');
export const BASELINE = resolve(here, 'baseline.js');
export const GRAPHS = process.env['TIMELY_GRAPHS'] ?? resolve(here, '../../../shared/data/graphs');

export type Preset = 'full' | 'quick' | 'tiny';

/** One side of a comparison: `run` does the case's work once and returns its answer. */
export interface Side {
  readonly label: string;
  readonly run: () => unknown;
  /**
   * The milliseconds to count for a run, read from its answer (a phase the workers timed themselves),
   * instead of the wall time of the whole call; the wall time is then given in the notes.
   */
  readonly elapsed?: (answer: unknown) => number;
}

export interface Case {
  /** What is measured, with its sizes. */
  readonly name: string;
  readonly group: 'micro' | 'macro' | 'graph' | 'peer';
  readonly params: Readonly<Record<string, string | number>>;
  /** What one run does, in `unit`s (e.g. 100000 iterations); 'run' means a run is the unit. */
  readonly work: number;
  readonly unit: string;
  /** Timed runs of each side after the checked one (1: the checked run is the sample). */
  readonly samples: number;
  readonly baseline: Side;
  readonly variants: readonly Side[];
  /** Throws unless variant `index` answered right; may return a note for the table (a peer's wrong answer, traffic figures). */
  readonly check: (variant: unknown, baseline: unknown, index: number) => string | void;
  /** For the scaling chart: the line this case draws, and each variant's number of workers. */
  readonly scaling?: { readonly series: string; readonly workers: readonly number[] };
  /** A note from every timed sample's answer of a variant (replaces what `check` returned for it). */
  readonly summary?: (answers: readonly unknown[]) => string;
}

function same(what: string, a: unknown, b: unknown): void {
  if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${what}: answers differ: ${JSON.stringify(a).slice(0, 200)} vs ${JSON.stringify(b).slice(0, 200)}`);
}

function sameValues(what: string, a: NodeValues, b: NodeValues): void {
  const n = a.nodes.length;
  if (n === 0 || n !== b.nodes.length) throw new Error(`${what}: ${n} vs ${b.nodes.length} nodes`);
  for (let i = 0; i < n; i++) {
    if (a.nodes[i] !== b.nodes[i] || !Object.is(a.values[i], b.values[i])) {
      throw new Error(`${what}: node ${a.nodes[i]} has ${a.values[i]}, the baseline says node ${b.nodes[i]} has ${b.values[i]}`);
    }
  }
}

/** An empty loop whose only vertex asks, at each iteration, to be notified at the next (bench/jobs/barrier.ts). */
export function barrierDataflow(iterations: number): number {
  return barrierSync(new Worker(), { iterations }).count;
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

/** A benchmark job (bench/jobs) on `workers` threads (a pool's, if given); resolves to the workers' results. */
export async function job(name: string, workers: number, args: unknown, pool?: ThreadPool): Promise<unknown[]> {
  return (await execute(resolve(here, 'jobs', `${name}.js`), { workers, threads: true, args, pool })).results;
}

/** What a job (bench/jobs) returns on each worker. */
interface JobResult {
  readonly count: number;
  readonly ms: number;
}

const counts = (results: unknown) => (results as JobResult[]).map((r) => r.count);

/** The rate inside the workers, thread start excluded: work over the slowest worker's time, the median over `answers` (each run's job results). */
function inside(answers: readonly unknown[], work: number, unit: string): string {
  const ms = answers.map((results) => Math.max(...(results as JobResult[]).map((r) => r.ms))).sort((x, y) => x - y);
  const perSecond = (work / ms[ms.length >> 1]!) * 1000;
  const median = answers.length > 1 ? `, median of ${answers.length}` : '';
  return `in the workers (thread start excluded${median}): ${perSecond >= 1e6 ? `${(perSecond / 1e6).toFixed(2)} M` : `${(perSecond / 1e3).toFixed(1)} K`} ${unit}/s`;
}

/** A micro case: our structure against plain code, same checksum. */
function microCase(name: string, params: Record<string, number>, work: number, unit: string, samples: number, ours: () => unknown, plain: () => unknown): Case {
  return {
    name,
    group: 'micro',
    params,
    work,
    unit,
    samples,
    baseline: { label: 'plain JS', run: plain },
    variants: [{ label: '', run: ours }],
    check: (a, b) => same(name, a, b),
  };
}

function microCases(preset: Preset): Case[] {
  const n = { full: 1, quick: 0.1, tiny: 0.001 }[preset];
  const samples = preset === 'full' ? 10 : preset === 'quick' ? 3 : 1;
  const compares = Math.round(10_000_000 * n);
  const applications = Math.round(2_000_000 * n);
  const updates = Math.round(2_000_000 * n);
  const outstanding = preset === 'tiny' ? 200 : 10_000;
  const records = Math.round(1_000_000 * n) + 1024;
  const lines = Math.round(1_000_000 * n) + 100;
  return [
    microCase(`timestamp compare (product order, depth 2), ${compares} pairs`, { compares }, compares, 'compares', samples, () => compareTimestamps(compares), () => compareArrays(compares)),
    microCase(`path summary application (feedback, egress, ingress), ${applications} times`, { applications }, applications, 'applications', samples, () => micro.applySummaries(applications), () => micro.applySummariesPlain(applications)),
    microCase(`change batch consolidation, ${updates} updates over 512 pointstamps`, { updates, pointstamps: 512 }, updates, 'updates', samples, () => micro.consolidate(updates), () => micro.consolidatePlain(updates)),
    microCase(`frontier maintenance, ${outstanding} outstanding times added and removed`, { outstanding }, 2 * outstanding, 'updates', samples, () => micro.maintainFrontier(outstanding), () => micro.maintainFrontierPlain(outstanding)),
    {
      ...microCase(`channel encode + decode, ${records} [int, int] records in batches of 1024`, { records, batch: 1024 }, records, 'records', samples, () => micro.encodeDecode(records), () => micro.encodeDecodePlain(records)),
      baseline: { label: 'structured clone', run: () => micro.encodeDecodePlain(records) },
    },
    {
      ...microCase(`doubles as their shortest text, ${lines} PageRank-like values`, { values: lines }, lines, 'values', samples, () => micro.doublesText(lines), () => micro.doublesTextPlain(lines)),
      baseline: { label: 'String(x)', run: () => micro.doublesTextPlain(lines) },
      check: (a, b) => {
        if (Buffer.compare(a as Uint8Array, b as Uint8Array) !== 0) throw new Error('doubles as text: writeShortest and String(x) give different bytes');
      },
    },
    {
      ...microCase(`output lines with PageRank doubles, ${lines} lines`, { lines }, lines, 'lines', samples, () => micro.formatRanks(lines), () => micro.formatRanksPlain(lines)),
      baseline: { label: 'template strings', run: () => micro.formatRanksPlain(lines) },
      check: (a, b) => {
        if (Buffer.compare(a as Uint8Array, b as Uint8Array) !== 0) throw new Error('output lines: the formatter and template strings give different bytes');
      },
    },
  ];
}

function macroCases(preset: Preset): Case[] {
  const big = preset === 'full';
  const samples = big ? 10 : preset === 'quick' ? 3 : 1;
  const threadSamples = big ? 5 : preset === 'quick' ? 2 : 1;
  const iterations = { full: 200_000, quick: 20_000, tiny: 200 }[preset];
  const records = { full: 1_000_000, quick: 100_000, tiny: 5_000 }[preset];
  const threaded = { full: 100_000, quick: 50_000, tiny: 200 }[preset];
  const exchanged = { full: 4_000_000, quick: 2_000_000, tiny: 4_096 }[preset];
  const rallies = { full: 20_000, quick: 10_000, tiny: 50 }[preset];
  return [
    {
      name: `barrier, ${iterations} iterations`,
      group: 'macro',
      params: { iterations, workers: 1 },
      work: iterations,
      unit: 'iterations',
      samples,
      baseline: { label: 'plain JS', run: () => barrierPlain(iterations) },
      variants: [{ label: '1 worker', run: () => barrierDataflow(iterations) }],
      check: (a, b) => (same('barrier', a, b), same('barrier', a, iterations)),
    },
    {
      name: `map → filter → count, ${records} integers`,
      group: 'macro',
      params: { records, workers: 1 },
      work: records,
      unit: 'records',
      samples,
      baseline: { label: 'plain JS', run: () => pipelinePlain(records) },
      variants: [{ label: '1 worker', run: () => pipelineDataflow(records) }],
      check: (a, b) => same('pipeline', a, b),
    },
    threadedCase(`barrier, ${threaded} iterations, threads`, 'barrier', { iterations: threaded }, threaded, 'iterations', threadSamples, [threaded, threaded], [threaded]),
    threadedCase(`exchange of [int, int] records by key, ${exchanged} in all`, 'exchange', { records: exchanged, batch: 1024 }, exchanged, 'records', threadSamples, null, [exchanged]),
    threadedCase(`ping-pong, ${rallies} round trips`, 'pingpong', { roundTrips: rallies }, rallies, 'round trips', threadSamples, [rallies, rallies], [2 * rallies]),
    // The same two jobs ten and four times longer: what thread start and the threads' first compiles cost
    // the short runs above shows as the difference.
    ...(big
      ? [
          threadedCase(`barrier, ${10 * threaded} iterations, threads`, 'barrier', { iterations: 10 * threaded }, 10 * threaded, 'iterations', threadSamples, [10 * threaded, 10 * threaded], [10 * threaded]),
          threadedCase(`exchange of [int, int] records by key, ${4 * exchanged} in all`, 'exchange', { records: 4 * exchanged, batch: 1024 }, 4 * exchanged, 'records', threadSamples, null, [4 * exchanged]),
        ]
      : []),
  ];
}

/**
 * A job (bench/jobs) on 2 worker threads against 1: each worker's count must be `two` (or, when null,
 * add up to `work`) and `one`; the note gives the rate inside the workers. Fresh threads for every run,
 * and then 2 threads of a pool the case keeps: started by the checked run, warm from then on.
 */
function threadedCase(name: string, jobName: string, args: Record<string, number>, work: number, unit: string, samples: number, two: number[] | null, one: number[]): Case {
  let pool: ThreadPool | undefined;
  return {
    name,
    group: 'macro',
    params: { ...args, workers: 2 },
    work,
    unit,
    samples,
    baseline: { label: jobName === 'pingpong' ? '1 worker thread (no crossing)' : '1 worker thread', run: () => job(jobName, 1, args) },
    variants: [
      { label: '2 worker threads', run: () => job(jobName, 2, args) },
      { label: '2 threads of a pool, kept', run: () => job(jobName, 2, args, (pool ??= new ThreadPool())) },
    ],
    check: (a, b) => {
      if (two === null) same(jobName, counts(a).reduce((x, y) => x + y, 0), work);
      else same(jobName, counts(a), two);
      same(jobName, counts(b), one);
      return inside([a], work, unit);
    },
    summary: (answers) => inside(answers, work, unit),
  };
}

/**
 * A graph job, compute phase only: the plain baseline in this process, then ours on 1 and 2 workers in
 * fresh threads (both start cold: one worker in this thread would run warm from the second sample on).
 * With `warm`, ours runs three times over on the same threads and the third run is timed.
 */
function graphCase(algorithm: Algorithm, label: string, get: () => EdgeList, samples: number, warm = false): Case {
  const source = () => get().src[0]!;
  const plain = () => (algorithm === 'wcc' ? baselineWcc(get()) : algorithm === 'pagerank' ? baselinePagerank(get(), 20) : baselineBfs(get(), source()));
  const ours = (workers: number): Side => ({
    label: workers === 1 ? '1 worker' : `${workers} workers`,
    run: () => runExample(algorithm, get(), { workers, threads: true, iterations: 20, source: source(), runs: warm ? 3 : 1 }),
    elapsed: (answer) => (answer as ExampleResult).computeMs,
  });
  const phase = warm ? 'compute phase, third run on the same threads' : 'compute phase';
  return {
    name: `${algorithm} ${label} (${phase})`,
    group: 'graph',
    params: { algorithm, graph: label, ...(algorithm === 'pagerank' ? { iterations: 20 } : {}) },
    work: 1,
    unit: 'run',
    samples,
    baseline: { label: 'plain JS', run: plain },
    variants: [ours(1), ours(2)],
    check: (v, b, i) => {
      sameValues(`${algorithm} on ${label}, ${i + 1} worker(s)`, v as NodeValues, b as NodeValues);
      const traffic = (v as ExampleResult).stats.map((s) => s.traffic);
      const data = traffic.reduce((n, t) => n + t.dataBytes, 0);
      const progress = traffic.reduce((n, t) => n + t.progressBytes, 0);
      if (data === 0) return;
      return `progress/data bytes ${(100 * progress / data).toFixed(2)}% (${kb(progress)} / ${kb(data)})`;
    },
    scaling: { series: `${algorithm} ${label}${warm ? ', warm' : ''}`, workers: [1, 2] },
  };
}

function kb(bytes: number): string {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MB` : `${(bytes / 1024).toFixed(1)} KB`;
}

/** The whole process (read, compute, write) with its peak memory: the CLI against the plain baseline script. */
function processCase(algorithm: Algorithm, file: string, samples: number): Case {
  const path = join(GRAPHS, file);
  const baselineArg = algorithm === 'pagerank' ? ['20'] : [];
  return {
    name: `${algorithm} ${file} (whole process)`,
    group: 'graph',
    params: { algorithm, graph: file },
    work: 1,
    unit: 'run',
    samples,
    baseline: { label: 'plain JS', run: () => runProcess([BASELINE, algorithm, path, ...baselineArg]) },
    variants: [{ label: '1 worker', run: () => runProcess([CLI, 'example', algorithm, '--input', path]) }],
    check: (a, b) => {
      const x = a as ProcessRun;
      if (x.output.length === 0 || x.output !== (b as ProcessRun).output) throw new Error(`${algorithm} on ${file}: the dataflow and the baseline disagree`);
    },
  };
}

function graphCases(preset: Preset): Case[] {
  const file = preset === 'tiny' ? 'karate.txt' : 'web-NotreDame.txt.gz';
  const path = join(GRAPHS, file);
  if (!existsSync(path)) throw new Error(`graph ${path} not found: set TIMELY_GRAPHS to the folder of the shared graphs`);
  const graph = file.replace(/\.txt(\.gz)?$/, '');
  // Threads on a shared machine are slowed by its other load more often than one thread is: more samples.
  const samples = { full: 9, quick: 2, tiny: 1 }[preset];
  const generatedEdges = { full: 16_000_000, quick: 2_000_000, tiny: 2_000 }[preset];
  const generated = `generated ${generatedEdges >= 1e6 ? `${generatedEdges / 1e6} M` : generatedEdges} edges`;
  const real = once(() => parseEdgeList(path.endsWith('.gz') ? gunzipSync(readFileSync(path)) : readFileSync(path), path));
  const random = once(() => generateEdgeList(generatedEdges / 4, generatedEdges, 7));
  const list: Case[] = [];
  for (const algorithm of ['wcc', 'pagerank', 'bfs'] as const) list.push(graphCase(algorithm, graph, real, samples));
  for (const algorithm of ['wcc', 'pagerank'] as const) list.push(graphCase(algorithm, graph, real, samples, true));
  for (const algorithm of ['wcc', 'pagerank'] as const) list.push(processCase(algorithm, file, preset === 'full' ? 3 : 1));
  // The plain baseline alone moves by half between runs on this graph: the COST rests on a median of 3.
  for (const algorithm of ['wcc', 'pagerank', 'bfs'] as const) list.push(graphCase(algorithm, generated, random, preset === 'full' ? 3 : 1));
  return list;
}

/** `make()` on first use, the same value after. */
function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

function peerCases(preset: Preset): Case[] {
  const records = { full: 1_000_000, quick: 100_000, tiny: 1_000 }[preset];
  const nodes = { full: 10_000, quick: 1_000, tiny: 100 }[preset];
  const edgeCount = 2 * nodes;
  const samples = preset === 'full' ? 3 : 1;
  const graph = once(() => generateEdgeList(nodes, edgeCount, 11));
  return [
    {
      name: `map → filter → count, ${records} integers`,
      group: 'peer',
      params: { records },
      work: records,
      unit: 'records',
      samples,
      baseline: { label: 'd2ts', run: () => d2tsPipeline(records) },
      variants: [{ label: '1 worker', run: () => pipelineDataflow(records) }],
      check: (ours, peer) => {
        same('pipeline', ours, pipelinePlain(records));
        if (ours !== peer) return `d2ts answered ${String(peer)}, the right answer is ${String(ours)}`;
      },
    },
    {
      name: `wcc by iterate, seeded random graph, ${nodes} nodes, ${edgeCount} edges`,
      group: 'peer',
      params: { nodes, edges: edgeCount, seed: 11 },
      work: 1,
      unit: 'run',
      samples,
      baseline: { label: 'd2ts', run: () => d2tsWcc(graph().src, graph().dst) },
      variants: [{ label: '1 worker', run: () => runExample('wcc', graph()) }],
      check: (ours, peer) => {
        const o = ours as NodeValues;
        sameValues('wcc', o, baselineWcc(graph()));
        const labels = peer as Map<number, number>;
        let wrong = 0;
        for (let i = 0; i < o.nodes.length; i++) if (labels.get(o.nodes[i]!) !== o.values[i]) wrong++;
        wrong += Math.max(0, labels.size - o.nodes.length);
        return wrong === 0 ? 'd2ts answer right' : `d2ts answer WRONG: ${wrong} of ${o.nodes.length} labels differ`;
      },
    },
  ];
}

export function cases(preset: Preset): Case[] {
  return [...microCases(preset), ...macroCases(preset), ...graphCases(preset), ...peerCases(preset)];
}
