/**
 * Incremental computation against its references, side by side: `timely example incremental-wcc|bfs`'s
 * engine (collections, 1 and 2 workers) on web-NotreDame — all edges at epoch 0, then phases of rounds
 * that each remove k random live edges and insert k random ones, k = 1, 10, 100, 1000 — next to
 * recomputing from scratch with plain typed-array code, and next to @electric-sql/d2ts on a graph it
 * can finish (this engine cold, and warm: after WARM_ROUNDS rounds of other updates in its process).
 * Latency is per round: from its first update until the answer for its epoch is complete.
 * Every variant runs in its own process (its peak RSS is its own); variants alternate. One worker runs
 * twice: in Node as it starts, and with one V8 background thread (`node --v8-pool-size=1`).
 * Usage: node dist/bench/incremental.js [--quick] [--rounds N] [--repeats N].
 * Results: bench/results/incremental-<full|quick>.md.
 * `--churn [--rounds N]` instead runs N rounds (10,000 by default) of k = 10 on one worker — BFS on
 * web-NotreDame, WCC too — and reports the process's RSS against rounds (compaction at
 * work: the live edge set keeps its size; the answer's changes, which grow with the rounds, are not
 * kept). Results: bench/results/incremental-churn.md.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readEdgeList, type EdgeList } from '../examples/iterative/edge-list.js';
import { runIncremental, type IncrementalAlgorithm, type IncrementalPart } from '../examples/iterative/incremental.js';
import { churnUpdates, readUpdates } from '../examples/iterative/updates.js';
import { peakRssMb } from '../src/cli/memory.js';
import { execute } from '../src/net/cluster.js';
import { Worker } from '../src/workers/worker.js';
import { baselineBfs } from './baseline.js';
import { GRAPHS } from './cases.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const KS = [1, 10, 100, 1000] as const;

/** What one variant reports: load time, per-round latencies in file order, and its peak RSS. */
interface Report {
  readonly loadMs: number;
  readonly latencyMs: number[];
  readonly rssMb: number;
  /** For d2ts: the error that stopped it after `latencyMs.length` rounds, if one did. */
  readonly failure?: string;
}

/**
 * Rounds of the comparison with d2ts (its rounds take over a second each). Enough that this engine's
 * median is past its first rounds, where its code is still being compiled (5 rounds put it at 3.8–6.3 ms,
 * 300 at 1.6 ms).
 */
const D2TS_ROUNDS = 20;

/**
 * Rounds of k = 10 (another seed) this engine runs first, in the same process, in its warm variant of
 * the d2ts comparison: V8 compiles its code during its first rounds, while d2ts's rounds take seconds
 * each, so that its compiling is done within its first one. The warm variant compares the engines past
 * that, as a long-running incremental job is; the cold one is reported beside it.
 */
const WARM_ROUNDS = 300;

// ---- child: one variant, one process ----

async function child(engine: string, algorithm: IncrementalAlgorithm, input: string, updates: string, workers: number): Promise<void> {
  let report: Report;
  if (engine === 'timely') report = await timely(algorithm, input, updates, workers);
  else if (engine === 'timely-warm') {
    // The same job first, on the same graph and WARM_ROUNDS rounds of other updates; then the measured one.
    const dir = mkdtempSync(join(tmpdir(), 'timely-warm-'));
    try {
      const warmUp = join(dir, 'updates.txt');
      writeFileSync(warmUp, churnUpdates(await readEdgeList(input), WARM_ROUNDS, 10, 7));
      await runIncremental(new Worker(), { algorithm, input, updates: warmUp, source: 0 }, undefined, false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    report = await timely(algorithm, input, updates, 1);
  } else if (engine === 'scratch') report = await scratch(algorithm, input, updates);
  else report = await d2ts(algorithm, input, updates);
  process.stdout.write(JSON.stringify({ ...report, rssMb: peakRssMb() }) + '\n');
}

async function timely(algorithm: IncrementalAlgorithm, input: string, updates: string, workers: number): Promise<Report> {
  const args = { algorithm, input, updates, source: 0 };
  const parts: IncrementalPart[] =
    workers === 1
      ? [await runIncremental(new Worker(), args)]
      : (await execute<IncrementalPart>(new URL('../examples/iterative/incremental-job.js', import.meta.url), { workers, args })).results;
  return {
    loadMs: Math.max(...parts.map((p) => p.loadMs)),
    latencyMs: Array.from(parts[0]!.latencyMs, (_, k) => Math.max(...parts.map((p) => p.latencyMs[k]!))),
    rssMb: 0,
  };
}

/** Plain typed-array code: the live edges in arrays, the whole answer recomputed for every round (BFS: bench/baseline.ts's). */
async function scratch(algorithm: IncrementalAlgorithm, input: string, updates: string): Promise<Report> {
  const base = await readEdgeList(input);
  const epochs = await readUpdates(updates);
  const t0 = performance.now();
  let n = base.maxId + 1;
  for (const e of epochs) for (let i = 0; i < e.src.length; i++) n = Math.max(n, e.src[i]! + 1, e.dst[i]! + 1);
  let count = base.count;
  let src = new Int32Array(base.count + 1024);
  let dst = new Int32Array(base.count + 1024);
  src.set(base.src.subarray(0, count));
  dst.set(base.dst.subarray(0, count));
  // Where each edge's copies are, to remove one in O(1): key u·n + v (exact below 2^53).
  const at = new Map<number, number[]>();
  for (let i = 0; i < count; i++) {
    const k = src[i]! * n + dst[i]!;
    const list = at.get(k);
    if (list === undefined) at.set(k, [i]);
    else list.push(i);
  }
  const answer = algorithm === 'incremental-wcc' ? wccUnionFind : (s: Int32Array, d: Int32Array, m: number, size: number) => baselineBfs({ src: s, dst: d, count: m, maxId: size - 1 }, 0);
  answer(src, dst, count, n);
  const loadMs = performance.now() - t0;
  const latencyMs: number[] = [];
  for (const e of epochs) {
    const start = performance.now();
    for (let i = 0; i < e.sign.length; i++) {
      const k = e.src[i]! * n + e.dst[i]!;
      if (e.sign[i]! > 0) {
        if (count === src.length) {
          const grow = (a: Int32Array) => Int32Array.from({ length: a.length * 2 }, (_, j) => (j < a.length ? a[j]! : 0));
          src = grow(src);
          dst = grow(dst);
        }
        src[count] = e.src[i]!;
        dst[count] = e.dst[i]!;
        const list = at.get(k);
        if (list === undefined) at.set(k, [count]);
        else list.push(count);
        count++;
        continue;
      }
      const pos = at.get(k)!.pop()!;
      const last = --count;
      if (pos !== last) {
        const lk = src[last]! * n + dst[last]!;
        const ll = at.get(lk)!;
        ll[ll.indexOf(last)] = pos;
        src[pos] = src[last]!;
        dst[pos] = dst[last]!;
      }
    }
    answer(src, dst, count, n);
    latencyMs.push(performance.now() - start);
  }
  return { loadMs, latencyMs, rssMb: 0 };
}

/**
 * Components by union-find: the fastest plain way to the labels (bench/baseline.ts's WCC is label
 * propagation, the dataflow's own algorithm, and slower from scratch).
 */
function wccUnionFind(src: Int32Array, dst: Int32Array, count: number, n: number): Int32Array {
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  const find = (x: number) => {
    while (parent[x] !== x) x = parent[x] = parent[parent[x]!]!;
    return x;
  };
  for (let i = 0; i < count; i++) {
    const a = find(src[i]!);
    const b = find(dst[i]!);
    if (a < b) parent[b] = a;
    else if (b < a) parent[a] = b;
  }
  for (let i = 0; i < n; i++) parent[i] = find(i);
  return parent;
}

/**
 * The same computations on @electric-sql/d2ts 0.1.8. Its `iterate` takes one stream, so edges and
 * labels (or distances) go round together, told apart by a tag; nodes keep their own label as input
 * (a node left without edges keeps it: the timing, not the answer, is compared).
 */
async function d2ts(algorithm: IncrementalAlgorithm, input: string, updates: string): Promise<Report> {
  const d2 = await import('@electric-sql/d2ts');
  const { D2, MultiSet, iterate, filter, map, join, reduce, concat, output } = d2 as unknown as Record<string, any>;
  const base = await readEdgeList(input);
  const epochs = await readUpdates(updates);
  const wcc = algorithm === 'incremental-wcc';
  const graph = new D2({ initialFrontier: 0 });
  const edgesIn = graph.newInput();
  const seedIn = graph.newInput();
  type Tagged = [number, ['e' | 'v', number]];
  const body = (s: any) => {
    const edges = s.pipe(filter(([, [t]]: Tagged) => t === 'e'));
    const values = s.pipe(filter(([, [t]]: Tagged) => t === 'v'));
    const offers = values.pipe(
      join(edges),
      map(([, [[, v], [, next]]]: [number, [[string, number], [string, number]]]) => [next, wcc ? v : v + 1]),
    );
    const own = values.pipe(map(([k, [, v]]: Tagged) => [k, v]));
    const best = offers.pipe(
      concat(own),
      reduce((vals: [number, number][]) => {
        let m = Infinity;
        for (const [v, c] of vals) if (c > 0 && v < m) m = v;
        return m === Infinity ? [] : [[m, 1]];
      }),
      map(([k, v]: [number, number]) => [k, ['v', v]]),
    );
    // d2ts feeds the body's whole result back and adds it to what came in (edges and seeds): the
    // variable is input + body(variable), so the body gives the best values only.
    return best;
  };
  let seen = 0;
  edgesIn.pipe(concat(seedIn), iterate(body), output(() => void seen++));
  graph.finalize();
  const edgeChanges = (s: Int32Array | number[], d: Int32Array | number[], sign: (i: number) => number, count: number) => {
    const out: [Tagged, number][] = [];
    for (let i = 0; i < count; i++) {
      out.push([[s[i]!, ['e', d[i]!]], sign(i)]);
      if (wcc && s[i] !== d[i]) out.push([[d[i]!, ['e', s[i]!]], sign(i)]);
    }
    return out;
  };
  const t0 = performance.now();
  edgesIn.sendData(0, new MultiSet(edgeChanges(base.src, base.dst, () => 1, base.count)));
  const seeds: [Tagged, number][] = [];
  if (wcc) {
    const ids = new Set<number>();
    for (let i = 0; i < base.count; i++) ids.add(base.src[i]!).add(base.dst[i]!);
    for (const x of ids) seeds.push([[x, ['v', x]], 1]);
  } else seeds.push([[0, ['v', 0]], 1]);
  seedIn.sendData(0, new MultiSet(seeds));
  edgesIn.sendFrontier(1);
  seedIn.sendFrontier(1);
  graph.run();
  const loadMs = performance.now() - t0;
  const latencyMs: number[] = [];
  // d2ts's iterate fails on some rounds ("Invalid version", from its feedback operator): the rounds
  // before are kept, and compared with the same rounds of this engine.
  try {
    for (const e of epochs) {
      const start = performance.now();
      edgesIn.sendData(e.epoch, new MultiSet(edgeChanges(e.src, e.dst, (i) => e.sign[i]!, e.sign.length)));
      edgesIn.sendFrontier(e.epoch + 1);
      seedIn.sendFrontier(e.epoch + 1);
      graph.run();
      latencyMs.push(performance.now() - start);
    }
  } catch (err) {
    return { loadMs, latencyMs, rssMb: 0, failure: `${(err as Error).name}: ${(err as Error).message}` };
  }
  return { loadMs, latencyMs, rssMb: 0 };
}

// ---- parent: the matrix, alternating ----

/**
 * Node's flag for one V8 background thread instead of four: with one worker on two cores, V8's
 * background compiles otherwise take the worker's core for a scheduler tick (4 ms here) now and then
 * in the rounds after a load (see README, "V8's background threads"). The engine cannot set it: Node
 * reads it at start.
 */
const ONE_V8_THREAD = '--v8-pool-size=1';

/** Runs one variant in a process of its own (`node [nodeFlags] this-file --child …`) and returns its report. */
function run(engine: string, algorithm: IncrementalAlgorithm, input: string, updates: string, workers = 1, nodeFlags: readonly string[] = []): Report {
  const r = spawnSync(process.execPath, [...nodeFlags, fileURLToPath(import.meta.url), '--child', engine, algorithm, input, updates, String(workers)], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${engine} ${algorithm} failed (status ${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Report;
}

function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

const median = (xs: readonly number[]) => quantile(xs, 0.5);
const fmt = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : x >= 10 ? `${x.toFixed(0)} ms` : `${x.toFixed(2)} ms`);

/** Child of `--churn`: one worker, RSS sampled every `every` rounds, printed as JSON. */
async function churnChild(algorithm: IncrementalAlgorithm, input: string, updates: string, every: number): Promise<void> {
  const samples: [number, number][] = [];
  // The answer's changes are not kept: they grow with the rounds by design, and what is measured is
  // the computation's own memory.
  const part = await runIncremental(
    new Worker(),
    { algorithm, input, updates, source: 0 },
    (k) => {
      if ((k + 1) % every === 0) samples.push([k + 1, Math.round(process.memoryUsage().rss / 2 ** 20)]);
    },
    false,
  );
  process.stdout.write(JSON.stringify({ samples, loadMs: part.loadMs, medianMs: median(Array.from(part.latencyMs)) }) + '\n');
}

async function churn(rounds: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'timely-churn-'));
  try {
    const lines: string[] = [];
    for (const [algorithm, graph] of [['incremental-bfs', 'web-NotreDame.txt.gz'], ['incremental-wcc', 'web-NotreDame.txt.gz']] as const) {
      const input = join(GRAPHS, graph);
      const updates = join(dir, `${algorithm}.txt`);
      writeFileSync(updates, churnUpdates(await readEdgeList(input), rounds, 10, 44));
      process.stderr.write(`${algorithm} on ${graph}: ${rounds} rounds of k = 10…\n`);
      const every = Math.max(1, Math.floor(rounds / 20));
      const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--churn-child', algorithm, input, updates, String(every)], { encoding: 'utf8', maxBuffer: 1 << 26 });
      if (r.status !== 0) throw new Error(`${algorithm} churn failed: ${r.stderr}`);
      const { samples, loadMs, medianMs } = JSON.parse(r.stdout.trim().split('\n').pop()!) as { samples: [number, number][]; loadMs: number; medianMs: number };
      lines.push(`${algorithm.replace('incremental-', '').toUpperCase()} on ${graph} (epoch 0 in ${fmt(loadMs)}, round median ${fmt(medianMs)}): RSS in MiB after round`, '', `| ${samples.map(([k]) => k).join(' | ')} |`, `|${samples.map(() => '---|').join('')}`, `| ${samples.map(([, mb]) => mb).join(' | ')} |`, '');
    }
    const text = `${rounds} rounds of churn (k = 10: 10 live edges removed, 10 inserted per round), 1 worker; the answer's changes are not kept.\n\n${lines.join('\n')}`;
    process.stdout.write(text);
    mkdirSync(join(root, 'bench/results'), { recursive: true });
    writeFileSync(join(root, 'bench/results/incremental-churn.md'), `# Incremental computation: memory under churn\n\nCommand: \`node dist/bench/incremental.js --churn\`\n\n${text}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') return child(argv[1]!, argv[2] as IncrementalAlgorithm, argv[3]!, argv[4]!, Number(argv[5]));
  if (argv[0] === '--churn-child') return churnChild(argv[1] as IncrementalAlgorithm, argv[2]!, argv[3]!, Number(argv[4]));
  const quick = argv.includes('--quick');
  const opt = (name: string, dflt: number) => {
    const i = argv.indexOf(name);
    return i === -1 ? dflt : Number(argv[i + 1]);
  };
  if (argv.includes('--churn')) return churn(opt('--rounds', 10_000));
  const rounds = opt('--rounds', quick ? 10 : 50);
  const repeats = opt('--repeats', 1);
  const scratchDir = mkdtempSync(join(tmpdir(), 'timely-incremental-bench-'));
  try {
    const big = join(GRAPHS, 'web-NotreDame.txt.gz');
    let input = big;
    if (quick) {
      // The first 100,000 edges of web-NotreDame.
      const edges = await readEdgeList(big);
      input = join(scratchDir, 'notredame-100k.txt');
      writeFileSync(input, Array.from({ length: 100_000 }, (_, i) => `${edges.src[i]} ${edges.dst[i]}\n`).join(''));
    }
    const base: EdgeList = await readEdgeList(input);
    const updates = join(scratchDir, 'updates.txt');
    writeFileSync(updates, churnUpdates(base, rounds * KS.length, (r) => KS[Math.floor((r - 1) / rounds)]!, 42));
    const small = join(GRAPHS, 'email-Eu-core.txt');
    const smallUpdates = join(scratchDir, 'small-updates.txt');
    writeFileSync(smallUpdates, churnUpdates(await readEdgeList(small), D2TS_ROUNDS, 10, 43));
    const rows: string[] = [];
    const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`;
    for (const algorithm of ['incremental-wcc', 'incremental-bfs'] as const) {
      const variants = [
        ['timely, 1 worker', () => run('timely', algorithm, input, updates, 1)],
        [`timely, 1 worker, node ${ONE_V8_THREAD}`, () => run('timely', algorithm, input, updates, 1, [ONE_V8_THREAD])],
        ['timely, 2 workers', () => run('timely', algorithm, input, updates, 2)],
        ['from scratch, plain typed arrays', () => run('scratch', algorithm, input, updates)],
      ] as const;
      const results = new Map<string, Report[]>();
      for (let r = 0; r < repeats; r++) {
        for (const [name, go] of variants) {
          process.stderr.write(`${algorithm}: ${name} (repeat ${r + 1}/${repeats})…\n`);
          const rep = go();
          (results.get(name) ?? results.set(name, []).get(name)!).push(rep);
        }
      }
      for (const [name] of variants) {
        const reps = results.get(name)!;
        const cells = KS.map((_, i) => {
          const lat = reps.flatMap((rep) => rep.latencyMs.slice(i * rounds, (i + 1) * rounds));
          return `${fmt(median(lat))} / ${fmt(quantile(lat, 0.9))}`;
        });
        rows.push(`| ${algorithm.replace('incremental-', '').toUpperCase()} | ${name} | ${fmt(median(reps.map((x) => x.loadMs)))} | ${cells.join(' | ')} | ${median(reps.map((x) => x.rssMb))} MiB |`);
      }
      // d2ts next to this engine on a graph it can finish: email-Eu-core, D2TS_ROUNDS rounds of k = 10.
      const ours = run('timely', algorithm, small, smallUpdates, 1);
      const oursOneThread = run('timely', algorithm, small, smallUpdates, 1, [ONE_V8_THREAD]);
      const oursWarm = run('timely-warm', algorithm, small, smallUpdates, 1);
      let theirs: Report | string;
      try {
        theirs = run('d2ts', algorithm, small, smallUpdates);
      } catch (err) {
        const text = (err as Error).message;
        theirs = `d2ts failed: ${/^(\w*Error: .*)$/m.exec(text)?.[1] ?? text.split('\n')[0]} (at ${/at (\w+\.\w+) /.exec(text)?.[1] ?? 'start'})`;
      }
      let ratio: string;
      if (typeof theirs === 'string') ratio = theirs;
      else {
        const done = theirs.latencyMs.length;
        const oursDone = ours.latencyMs.slice(0, done);
        const warmDone = oursWarm.latencyMs.slice(0, done);
        const oneThreadDone = oursOneThread.latencyMs.slice(0, done);
        const vs = (x: readonly number[]) => `${fmt(median(x))} (${(median(theirs.latencyMs) / median(x)).toFixed(0)}×)`;
        const rounds =
          done === 0
            ? `d2ts failed in the first round: ${theirs.failure}`
            : `round median ${fmt(median(theirs.latencyMs))} vs ${vs(oursDone)}, ${vs(oneThreadDone)} with node ${ONE_V8_THREAD}, or ${vs(warmDone)} after ${WARM_ROUNDS} rounds of other updates in the same process`;
        const stopped = theirs.failure !== undefined && done > 0 ? `, over the ${done} rounds before d2ts failed (${theirs.failure})` : '';
        ratio = `load ${fmt(theirs.loadMs)} vs ${fmt(ours.loadMs)} (${(theirs.loadMs / ours.loadMs).toFixed(0)}×), ${rounds}${stopped}`;
      }
      rows.push(`| ${algorithm.replace('incremental-', '').toUpperCase()} | d2ts 0.1.8 vs timely, email-Eu-core, ${D2TS_ROUNDS} rounds of k = 10 | ${ratio} | | | | | |`);
    }
    const table = [
      `Incremental WCC and BFS (source 0) on ${quick ? 'the first 100,000 edges of web-NotreDame' : 'web-NotreDame'}; ${rounds} rounds per k; latency median / p90 per round; ${repeats} run(s) per variant; ${machine}.`,
      '',
      '| query | engine | load + compute | k = 1 | k = 10 | k = 100 | k = 1000 | peak RSS |',
      '|---|---|---|---|---|---|---|---|',
      ...rows,
      '',
    ].join('\n');
    process.stdout.write(table);
    mkdirSync(join(root, 'bench/results'), { recursive: true });
    writeFileSync(join(root, `bench/results/incremental-${quick ? 'quick' : 'full'}.md`), `# Incremental computation\n\nCommand: \`node dist/bench/incremental.js${quick ? ' --quick' : ''}\`\n\n${table}`);
  } finally {
    rmSync(scratchDir, { recursive: true, force: true });
  }
}

await main();
