#!/usr/bin/env node
/** The `timely` command: runs the iterative examples on edge-list files, and a built-in demo. */
import { writeFileSync } from 'node:fs';
import { ExampleError, generateEdgeList, readEdgeList, type EdgeList } from '../../examples/iterative/edge-list.js';
import { formatNodeValues, runExample, runPagerank, runWcc, type NodeValues } from '../../examples/iterative/run.js';
import { execute } from '../workers/execute.js';
import { ThreadPool } from '../workers/pool.js';
import { parseOptions, UsageError } from './args.js';
import { peakRssMb } from './memory.js';

const USAGE = `usage:
  timely example wcc --input FILE [--workers N] [--output FILE]
  timely example pagerank --input FILE [--iterations K] [--workers N] [--output FILE]
  timely example bfs --input FILE --source S [--workers N] [--output FILE]
  timely run MODULE [-w N] [--args JSON]
  timely demo
MODULE is a built JavaScript file whose default export (worker, args) => result builds and drives
the same dataflows on every worker; each worker's result is printed as one JSON line.
Input: one "src dst" pair of non-negative integers per line, # comments, gzip if the name ends in .gz.`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE + '\n');
    return command === undefined ? 2 : 0;
  }
  if (command === 'demo') return demo();
  if (command === 'example') return example(rest);
  if (command === 'run') return run(rest);
  throw new UsageError(`unknown command '${command}' (try: timely --help)`);
}

async function example(args: readonly string[]): Promise<number> {
  const [name, ...rest] = args;
  const specs = {
    wcc: { input: 'string', workers: 'count', output: 'string' },
    pagerank: { input: 'string', iterations: 'int', workers: 'count', output: 'string' },
    bfs: { input: 'string', source: 'int', workers: 'count', output: 'string' },
  } as const;
  if (name !== 'wcc' && name !== 'pagerank' && name !== 'bfs') {
    throw new UsageError(`example: expected wcc, pagerank or bfs, got '${name ?? ''}'`);
  }
  const options = parseOptions(rest, specs[name], `example ${name}`);
  const input = options.get('input') as string | undefined;
  if (input === undefined) throw new UsageError(`example ${name}: --input FILE is required`);
  const workers = (options.get('workers') as number | undefined) ?? 1;
  if (workers > 64) throw new UsageError(`example ${name}: --workers ${workers} is more than 64`);
  const source = options.get('source') as number | undefined;
  if (name === 'bfs' && source === undefined) throw new UsageError('example bfs: --source S is required');

  // The threads start, and load the runtime, while this thread reads the edges.
  const pool = workers > 1 ? new ThreadPool({ start: workers }) : undefined;
  try {
    const t0 = performance.now();
    const edges = readEdgeList(input);
    const t1 = performance.now();
    if (name === 'bfs' && !hasNode(edges, source!)) throw new ExampleError('BAD_OPTION', `example bfs: --source ${source} is not a node of ${input}`);
    const iterations = options.get('iterations') as number | undefined;
    const result: NodeValues = await runExample(name, edges, {
      workers,
      pool,
      ...(iterations === undefined ? {} : { iterations }),
      ...(source === undefined ? {} : { source }),
    });
    const t2 = performance.now();
    const text = formatNodeValues(result);
    const output = options.get('output') as string | undefined;
    if (output === undefined) process.stdout.write(text);
    else {
      try {
        writeFileSync(output, text);
      } catch (err) {
        throw new ExampleError('BAD_PATH', `cannot write ${output}: ${(err as Error).message}`);
      }
    }
    process.stderr.write(
      `${name}: ${edges.count} edges, ${workers} worker${workers === 1 ? '' : 's'}, ${result.nodes.length} output lines; read ${ms(t1 - t0)}, compute ${ms(t2 - t1)}, write ${ms(performance.now() - t2)}; peak RSS ${peakRssMb()} MB\n`,
    );
  } finally {
    await pool?.close();
  }
  return 0;
}

async function run(args: readonly string[]): Promise<number> {
  const [module, ...rest] = args;
  if (module === undefined || module.startsWith('-')) throw new UsageError('run: expected a module file: timely run MODULE [-w N] [--args JSON]');
  const options = parseOptions(rest.map((a) => (a === '-w' ? '--workers' : a)), { workers: 'count', args: 'string' }, 'run');
  let parsed: unknown;
  const text = options.get('args') as string | undefined;
  if (text !== undefined) {
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new UsageError(`run: --args must be JSON, got '${text}'`);
    }
  }
  const t0 = performance.now();
  const { results, stats } = await execute(module, { workers: (options.get('workers') as number | undefined) ?? 1, args: parsed });
  results.forEach((result, worker) => process.stdout.write(JSON.stringify({ worker, result }) + '\n'));
  const data = stats.reduce((a, s) => a + s.traffic.dataBytes, 0);
  const progress = stats.reduce((a, s) => a + s.traffic.progressBytes, 0);
  process.stderr.write(`run: ${results.length} worker(s) in ${ms(performance.now() - t0)}; sent ${data} data bytes, ${progress} progress bytes\n`);
  return 0;
}

/** The default job: WCC and PageRank on a seeded random graph, with a summary and timings. */
function demo(): number {
  const nodes = 100_000;
  const edgeCount = 400_000;
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
  process.stdout.write(
    [
      `timely-dataflow demo: seeded random graph, ${wcc.nodes.length} nodes, ${edges.count} directed edges (generated in ${ms(t1 - t0)})`,
      `  wcc       ${sizes.size} components, the largest with ${largest} nodes   ${ms(t2 - t1)}`,
      `  pagerank  20 iterations, top node ${pr.nodes[top]} with rank ${pr.values[top]!.toPrecision(6)}, total mass ${mass.toFixed(12)}   ${ms(t3 - t2)}`,
      `Try: timely example wcc --input ../shared/data/graphs/karate.txt`,
      '',
    ].join('\n'),
  );
  return 0;
}

function hasNode(edges: EdgeList, node: number): boolean {
  for (let i = 0; i < edges.count; i++) if (edges.src[i] === node || edges.dst[i] === node) return true;
  return false;
}

function ms(t: number): string {
  return t >= 1000 ? `${(t / 1000).toFixed(2)} s` : `${t.toFixed(0)} ms`;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  if (err instanceof UsageError || err instanceof ExampleError) {
    process.stderr.write(`timely: ${err.message}\n`);
    process.exitCode = 2;
  } else {
    const e = err as Error & { code?: string };
    process.stderr.write(`timely: ${e.code !== undefined ? '' : 'internal error: '}${e.message}\n`);
    process.exitCode = 1;
  }
}
