#!/usr/bin/env node
/** The `timely` command: runs the iterative examples on edge-list files, and a built-in demo. */
// The examples, the threads and the network are loaded by the commands that use them: the local
// launcher, which only starts processes, and --help start without them.
import { existsSync } from 'node:fs';
import type { SharedResult } from '../../examples/iterative/across.js';
import type { IncrementalAlgorithm, IncrementalArgs, IncrementalPart } from '../../examples/iterative/incremental.js';
import type { Algorithm, NodeValues } from '../../examples/iterative/run.js';
import { describeThrown } from '../workers/errors.js';
import { MAX_WORKERS } from '../workers/limits.js';
import type { WorkerStats } from '../workers/worker.js';
import { parseOptions, UsageError } from './args.js';
import { CLUSTER_OPTIONS, launchLocal, placement, PRINTED_LINES, printOnce, type Placement } from './cluster.js';
import { peakRssMb } from './memory.js';
import { checkNotInput, ClosedOutput, writeOutputFile, writeStdout } from './output.js';

// Set by the local launcher for the processes it starts (see printOnce); a job's own commands do not inherit it.
const printedLines = process.env[PRINTED_LINES];
delete process.env[PRINTED_LINES];

const USAGE = `usage:
  timely example wcc --input FILE [-w N] [--output FILE] [PROCESSES]
  timely example pagerank --input FILE [--iterations K] [-w N] [--output FILE] [PROCESSES]
  timely example bfs --input FILE --source S [-w N] [--output FILE] [PROCESSES]
  timely example incremental-wcc --input FILE --updates FILE [-w N] [--output FILE] [PROCESSES]
  timely example incremental-bfs --input FILE --updates FILE --source S [-w N] [--output FILE] [PROCESSES]
  timely run MODULE [-w N] [--args JSON] [PROCESSES]
  timely demo
MODULE is a built JavaScript file whose default export (worker, args) => result builds and drives
the same dataflows on every worker; each worker's result is printed as one JSON line.
Input: one "src dst" pair of non-negative integers per line, # comments, gzip if the name ends in .gz.
Updates: "+ u v" inserts an edge, "- u v" removes one present copy, "@ E" starts epoch E (1, 2, …
strictly increasing; the input is epoch 0), # comments. Incremental output: "epoch node value diff"
lines, the changes of the answer, by epoch, node, diff, value.
-w N (--workers): worker threads in each process (1 by default).
PROCESSES, to run one computation on several processes (process 0 writes the output):
  -n N -p P -h HOSTFILE   this is process P of N; HOSTFILE has one host:port per process
  -n N --local            start all N processes here, on free loopback ports
  --secret-file FILE      the shared secret (or TIMELY_SECRET); required off loopback
  --insecure              allow a non-loopback address without a secret
  --connect-timeout S     seconds to wait for every process (30)
  --heartbeat-timeout S   seconds of silence before a peer counts as gone (5)
  --tls-cert F --tls-key F --tls-ca F   TLS on every link (PEM files; the CA signs every process's certificate)
  --links direct|gateway  each worker thread carries its own links to the other processes' workers
                          (direct: lower latency; a MODULE must then wait with await worker.runAsync()),
                          or this process's main thread carries one link per process (gateway: the default)
Environment: TIMELY_WORKERS, TIMELY_PROCESSES, TIMELY_PROCESS, TIMELY_HOSTS (a hostfile, or
host:port,host:port), TIMELY_SECRET, TIMELY_LINKS; an option beats its variable.`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    await writeStdout(USAGE + '\n');
    return command === undefined ? 2 : 0;
  }
  if (command === 'demo') return demo();
  if (command === 'example') return example(rest);
  if (command === 'run') return run(rest);
  throw new UsageError(`unknown command '${command}' (try: timely --help)`);
}

async function example(args: readonly string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === 'incremental-wcc' || name === 'incremental-bfs') return incrementalExample(name, rest, args);
  const specs = {
    wcc: { input: 'string', output: 'string' },
    pagerank: { input: 'string', iterations: 'int', output: 'string' },
    bfs: { input: 'string', source: 'int', output: 'string' },
  } as const;
  if (name !== 'wcc' && name !== 'pagerank' && name !== 'bfs') {
    throw new UsageError(`example: expected wcc, pagerank, bfs, incremental-wcc or incremental-bfs, got '${name ?? ''}'`);
  }
  const command = `example ${name}`;
  const options = parseOptions(rest, { ...specs[name], ...CLUSTER_OPTIONS }, command);
  const place = placement(options, command);
  const input = options.get('input') as string | undefined;
  if (input === undefined) throw new UsageError(`${command}: --input FILE is required`);
  const workers = place.workers;
  if (workers > MAX_WORKERS) throw new UsageError(`${command}: --workers ${workers} is more than ${MAX_WORKERS}`);
  const source = options.get('source') as number | undefined;
  if (name === 'bfs' && source === undefined) throw new UsageError('example bfs: --source S is required');
  if (place.local) return launchLocal(['example', ...args], place.processes);
  const output = options.get('output') as string | undefined;
  const iterations = options.get('iterations') as number | undefined;
  if (place.cluster !== undefined || workers > 1) return exampleOnShares(name, input, output, { iterations, source, workers }, place.cluster);
  if (output !== undefined) checkNotInput(input, output);

  const { ExampleError, hasNode, readEdgeList } = await import('../../examples/iterative/edge-list.js');
  const { runExample } = await import('../../examples/iterative/run.js');
  const { formatLinesOver, spentEdges } = await import('../../examples/iterative/format.js');
  const t0 = performance.now();
  const edges = await readEdgeList(input);
  const t1 = performance.now();
  if (name === 'bfs' && !hasNode(edges, source!)) throw new ExampleError('BAD_OPTION', `example bfs: --source ${source} is not a node of ${input}`);
  const result: NodeValues = await runExample(name, edges, {
    ...(iterations === undefined ? {} : { iterations }),
    ...(source === undefined ? {} : { source }),
  });
  const t2 = performance.now();
  // The edges are read no more: their memory takes the first lines of the output.
  const texts = formatLinesOver(result, spentEdges(edges));
  const t3 = performance.now();
  if (output === undefined) await writeStdout(texts);
  else writeOutputFile(output, texts);
  process.stderr.write(
    `${name}: ${edges.count} edges, 1 worker, ${result.nodes.length} output lines; read ${ms(t1 - t0)}, compute ${ms(t2 - t1)}, format ${ms(t3 - t2)}, write ${ms(performance.now() - t3)}; peak RSS ${peakRssMb()} MB\n`,
  );
  return 0;
}

/**
 * An example on several workers, threads of this process or of several processes: every worker reads
 * its share of the file and formats its range of the output; process 0 writes the output.
 */
async function exampleOnShares(name: Algorithm, input: string, output: string | undefined, options: { iterations?: number; source?: number; workers: number }, cluster: Placement['cluster']): Promise<number> {
  const me = cluster?.process ?? 0;
  if (me === 0 && output !== undefined) checkNotInput(input, output);
  const t0 = performance.now();
  let result: SharedResult | null;
  if (cluster === undefined) {
    // The threads start, on the examples' own entry script (the runtime and the job in one file), while
    // this thread loads the rest. They are not stopped at the end: a waiting thread does not hold the
    // process, which exits with its last write.
    const [{ ThreadPool }, { THREADS_ENTRY, THREADS_JOB, THREAD_LIMITS }] = await Promise.all([import('../workers/pool.js'), import('../../examples/iterative/thread-scripts.js')]);
    const pool = new ThreadPool({ start: options.workers, preload: [THREADS_JOB], entry: THREADS_ENTRY, resourceLimits: THREAD_LIMITS });
    const { runExampleOnThreads } = await import('../../examples/iterative/threads.js');
    result = await runExampleOnThreads(name, input, options, pool);
  } else {
    const { runExampleOnShares } = await import('../../examples/iterative/across.js');
    result = await runExampleOnShares(name, input, options, cluster);
  }
  const t1 = performance.now();
  const workers = `${options.workers} worker${options.workers === 1 ? '' : 's'}`;
  const where = cluster === undefined ? undefined : `process ${me} of ${cluster.processes}, ${workers} each`;
  if (result === null) {
    process.stderr.write(`${name} (${where}): done in ${ms(t1 - t0)}; process 0 writes the output; peak RSS ${peakRssMb()} MB\n`);
    return 0;
  }
  if (output === undefined) await writeStdout(result.texts);
  else writeOutputFile(output, result.texts);
  const phases = `read ${ms(result.readMs)}, compute ${ms(result.computeMs)}, format ${ms(result.formatMs)} (each the slowest worker's), whole ${ms(t1 - t0)}, write ${ms(performance.now() - t1)}`;
  if (where === undefined) {
    const data = result.stats.reduce((a, s) => a + s.traffic.dataBytes, 0);
    const progress = result.stats.reduce((a, s) => a + s.traffic.progressBytes, 0);
    process.stderr.write(`${name}: ${result.edges} edges, ${workers}, ${result.lines} output lines; ${phases}; between the threads ${data} data bytes, ${progress} progress bytes; peak RSS ${peakRssMb()} MB\n`);
    return 0;
  }
  const data = result.stats.reduce((a, s) => a + s.traffic.networkDataBytes, 0);
  const progress = result.stats.reduce((a, s) => a + s.traffic.networkProgressBytes, 0);
  process.stderr.write(
    `${name} (${where}): ${result.edges} edges, ${result.lines} output lines; ${phases}; over the network ${data} data bytes, ${progress} progress bytes; peak RSS ${peakRssMb()} MB\n`,
  );
  return 0;
}

/**
 * An incremental example: the base edges at epoch 0, then the update file's epochs; the changes of the
 * answer on stdout (or --output), per-epoch latencies on stderr. Every worker, in this process or
 * another, reads and checks both files and feeds its share.
 */
async function incrementalExample(name: IncrementalAlgorithm, rest: readonly string[], args: readonly string[]): Promise<number> {
  const command = `example ${name}`;
  const spec = name === 'incremental-bfs' ? { input: 'string', updates: 'string', source: 'int', output: 'string' } : { input: 'string', updates: 'string', output: 'string' };
  const options = parseOptions(rest, { ...(spec as { input: 'string' }), ...CLUSTER_OPTIONS }, command);
  const place = placement(options, command);
  const input = options.get('input') as string | undefined;
  const updates = options.get('updates') as string | undefined;
  const source = options.get('source') as number | undefined;
  if (input === undefined) throw new UsageError(`${command}: --input FILE is required (the edges at epoch 0)`);
  if (updates === undefined) throw new UsageError(`${command}: --updates FILE is required (lines "+ u v", "- u v", "@ E")`);
  if (name === 'incremental-bfs' && source === undefined) throw new UsageError(`${command}: --source S is required`);
  if (place.workers > MAX_WORKERS) throw new UsageError(`${command}: --workers ${place.workers} is more than ${MAX_WORKERS}`);
  if (place.local) return launchLocal(['example', ...args], place.processes);
  const output = options.get('output') as string | undefined;
  const me = place.cluster?.process ?? 0;
  if (me === 0 && output !== undefined) {
    checkNotInput(input, output);
    checkNotInput(updates, output);
  }
  const { execute } = await import('../net/cluster.js');
  const { formatChanges } = await import('../../examples/iterative/incremental.js');
  const t0 = performance.now();
  const jobArgs: IncrementalArgs = { algorithm: name, input, updates, ...(source === undefined ? {} : { source }) };
  const { results } = await execute<IncrementalPart>(new URL('../../examples/iterative/incremental-job.js', import.meta.url), { workers: place.workers, args: jobArgs, ...place.cluster });
  const t1 = performance.now();
  const workers = `${place.workers} worker${place.workers === 1 ? '' : 's'}${place.cluster === undefined ? '' : ` in each of ${place.processes} processes`}`;
  if (me !== 0) {
    process.stderr.write(`${name} (process ${me}): done in ${ms(t1 - t0)}; process 0 writes the output; peak RSS ${peakRssMb()} MB\n`);
    return 0;
  }
  const parts = results.filter((r): r is IncrementalPart => r !== undefined);
  const text = formatChanges(parts);
  if (output === undefined) await writeStdout(text);
  else writeOutputFile(output, text);
  const first = parts[0]!;
  const latencies = Array.from(first.latencyMs).map((_, k) => Math.max(...parts.map((p) => p.latencyMs[k]!)));
  const sorted = [...latencies].sort((a, b) => a - b);
  const pick = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const lines = parts.reduce((a, p) => a + p.epoch.length, 0);
  const updatesLine = sorted.length === 0 ? 'no update epochs' : `${first.updates} updates in ${sorted.length} epochs, latency per epoch median ${msFine(pick(0.5))}, p90 ${msFine(pick(0.9))}, max ${msFine(sorted[sorted.length - 1]!)}`;
  process.stderr.write(
    `${name}: ${first.edges} edges, ${workers}, ${lines} output lines; read ${ms(Math.max(...parts.map((p) => p.readMs)))}, epoch 0 ${ms(Math.max(...parts.map((p) => p.loadMs)))}; ${updatesLine}; whole ${ms(t1 - t0)}; peak RSS ${peakRssMb()} MB\n`,
  );
  return 0;
}

/** Milliseconds with a decimal below 10 ms (update epochs can take well under one). */
function msFine(t: number): string {
  return t < 10 ? `${t.toFixed(2)} ms` : ms(t);
}

async function run(args: readonly string[]): Promise<number> {
  const [module, ...rest] = args;
  if (module === undefined || module.startsWith('-')) throw new UsageError('run: expected a module file: timely run MODULE [-w N] [--args JSON]');
  const options = parseOptions(rest, { args: 'string', ...CLUSTER_OPTIONS }, 'run');
  const place = placement(options, 'run');
  const workers = place.workers;
  if (workers > MAX_WORKERS) throw new UsageError(`run: -w ${workers} is more than ${MAX_WORKERS} (worker threads in one process)`);
  let parsed: unknown;
  const text = options.get('args') as string | undefined;
  if (text !== undefined) {
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new UsageError(`run: --args must be JSON, got '${text}'`);
    }
  }
  if (place.local) return launchLocal(['run', ...args], place.processes);
  const { execute } = await import('../net/cluster.js');
  const t0 = performance.now();
  const { results, stats } = await execute(module, { workers, args: parsed, ...place.cluster });
  const me = place.cluster?.process ?? 0;
  if (me === 0) await writeStdout(results.map((result, worker) => JSON.stringify({ worker, result }, asJson) + '\n').join(''));
  const sum = (f: (s: WorkerStats) => number) => stats.reduce((a, s) => (s === undefined ? a : a + f(s)), 0);
  // Process 0 has every worker's stats; another process only its own.
  const where = place.cluster === undefined ? '' : me === 0 ? ` (process 0 of ${place.processes}, every process's workers)` : ` (process ${me} of ${place.processes}, its own workers)`;
  const counted = stats.filter((s) => s !== undefined).length;
  const net = place.cluster === undefined ? '' : `; over the network ${sum((s) => s.traffic.networkDataBytes)} data bytes, ${sum((s) => s.traffic.networkProgressBytes)} progress bytes`;
  process.stderr.write(
    `run${where}: ${counted} worker(s) in ${ms(performance.now() - t0)}; sent ${sum((s) => s.traffic.dataBytes)} data bytes, ${sum((s) => s.traffic.progressBytes)} progress bytes${net}\n`,
  );
  return 0;
}

/**
 * How `timely run` prints what JSON has no form for, instead of losing it: a Map as its [key, value]
 * entries, a Set and a typed array as arrays, a bigint as a decimal string, undefined as null.
 */
function asJson(_key: string, value: unknown): unknown {
  if (value instanceof Map) return [...value];
  if (value instanceof Set) return [...value];
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<unknown>, (x) => (typeof x === 'bigint' ? String(x) : x));
  if (typeof value === 'bigint') return String(value);
  if (value === undefined) return null;
  return value;
}

/** The default job: WCC and PageRank on a seeded random graph, then WCC kept up to date as edges change, with timings. */
async function demo(): Promise<number> {
  const nodes = 100_000;
  const edgeCount = 400_000;
  const { generateEdgeList } = await import('../../examples/iterative/edge-list.js');
  const { runWcc, runPagerank } = await import('../../examples/iterative/run.js');
  const t0 = performance.now();
  const edges = generateEdgeList(nodes, edgeCount, 42);
  const t1 = performance.now();
  const wcc = runWcc(edges);
  const t2 = performance.now();
  const pr = runPagerank(edges, 20);
  const t3 = performance.now();
  const sizes = new Map<number, number>();
  for (const label of wcc.values) sizes.set(label, (sizes.get(label) ?? 0) + 1);
  const largest = Math.max(...sizes.values());
  let top = 0;
  for (let i = 1; i < pr.nodes.length; i++) if (pr.values[i]! > pr.values[top]!) top = i;
  let mass = 0;
  for (const r of pr.values) mass += r;
  await writeStdout(
    [
      `timely-dataflow demo: seeded random graph, ${wcc.nodes.length} nodes, ${edges.count} directed edges (generated in ${ms(t1 - t0)})`,
      `  wcc       ${sizes.size} components, the largest with ${largest} nodes   ${ms(t2 - t1)}`,
      `  pagerank  20 iterations, top node ${pr.nodes[top]} with rank ${pr.values[top]!.toPrecision(6)}, total mass ${mass.toFixed(12)}   ${ms(t3 - t2)}`,
    ].join('\n') + '\n',
  );
  await incrementalDemo();
  // The team's checkout sits beside a folder of real graphs; elsewhere, say where such graphs come from.
  const karate = '../shared/data/graphs/karate.txt';
  const input = existsSync(karate) ? karate : 'FILE   (one "src dst" pair per line, e.g. a graph from https://snap.stanford.edu/data/)';
  await writeStdout(`Try: timely example wcc --input ${input}\n     timely example incremental-wcc --input FILE --updates FILE   (update lines "+ u v", "- u v", "@ E")\n`);
  return 0;
}

/** The demo's incremental part: WCC kept up to date with collections while edges come and go. */
async function incrementalDemo(): Promise<void> {
  const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { generateEdgeList } = await import('../../examples/iterative/edge-list.js');
  const { churnUpdates } = await import('../../examples/iterative/updates.js');
  const { runIncremental } = await import('../../examples/iterative/incremental.js');
  const { Worker } = await import('../workers/worker.js');
  const edges = generateEdgeList(10_000, 6_000, 7);
  const dir = mkdtempSync(join(tmpdir(), 'timely-demo-'));
  try {
    const input = join(dir, 'edges.txt');
    const updates = join(dir, 'updates.txt');
    writeFileSync(input, Array.from({ length: edges.count }, (_, i) => `${edges.src[i]} ${edges.dst[i]}\n`).join(''));
    writeFileSync(updates, churnUpdates(edges, 5, 20, 3));
    const part = await runIncremental(new Worker(), { algorithm: 'incremental-wcc', input, updates });
    const changes = new Map<number, number>();
    for (const e of part.epoch) changes.set(e, (changes.get(e) ?? 0) + 1);
    const rounds = Array.from(part.epochs, (e, k) => `epoch ${e}: ${changes.get(e) ?? 0} changes of the answer (node, label, ±1) in ${part.latencyMs[k]!.toFixed(1)} ms`);
    await writeStdout(
      [
        `  incremental wcc (collections), a sparse graph of ${edges.count} edges: epoch 0 in ${ms(part.loadMs)} (${changes.get(0) ?? 0} nodes labelled), then 5 epochs of 20 removals and 20 inserts:`,
        ...rounds.map((r) => `    ${r}`),
        '',
      ].join('\n'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function ms(t: number): string {
  return t >= 1000 ? `${(t / 1000).toFixed(2)} s` : `${t.toFixed(0)} ms`;
}

/**
 * What the command ends with, once: its status, after a one-line message for a failure. The process
 * exits then, even if the job left a timer or a socket behind (a computation that is done is done).
 */
function end(status: number, message?: string): never {
  if (message !== undefined) {
    const line = `timely: ${oneLine(message)}\n`;
    if (printOnce(line, printedLines)) process.stderr.write(line);
  }
  process.exit(status);
}

/** A failure as the command reports it: usage and input errors exit 2, failed computations 1, a closed stdout quietly. */
function fail(err: unknown): never {
  if (err instanceof ClosedOutput) end(141); // as a Unix tool whose reader went away (128 + SIGPIPE)
  if (err instanceof UsageError) end(2, err.message);
  // An example's input or option error (ExampleError, by name: the examples load only when used).
  if (err instanceof Error && err.name === 'ExampleError') end((err as { code?: unknown }).code === 'WRITE_FAILED' ? 1 : 2, err.message);
  // An input error met by a worker (each reads its share of the file), on this process or another.
  const cause = (err as { cause?: unknown })?.cause as Error | undefined;
  if ((err as { code?: unknown })?.code === 'WORKER_FAILED' && cause?.name === 'ExampleError') end(2, cause.message);
  if (err instanceof Error && typeof (err as { code?: unknown }).code === 'string') end(1, err.message);
  // Not one of the runtime's typed errors: a fault of the command itself.
  end(1, `internal error: ${err instanceof Error ? `${err.name}: ${err.message}` : `threw ${describeThrown(err)}`}`);
}

/** Messages stay on one line, with control characters escaped. */
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\s*\n\s*/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

let settled = false;
// A job whose promise never settles leaves nothing to wait for: say so rather than exit silently.
process.once('beforeExit', () => {
  if (!settled) end(1, 'the job never finished: its default export returned a promise that never settles (nothing left to wait for)');
});
main(process.argv.slice(2)).then(
  (status) => {
    settled = true;
    end(status);
  },
  (err: unknown) => {
    settled = true;
    fail(err);
  },
);
