/**
 * The benchmark harness: each case runs the dataflow and plain JavaScript side by side in one run
 * (tinybench, warm-up then several samples), checks their answers first, and prints a table of medians
 * and ratios. `--quick` uses small sizes. Results go to bench/results/<name>.json and .md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { cases, type Case, type ProcessRun } from './cases.js';

export interface Row {
  readonly name: string;
  readonly baseline: string;
  readonly unit: string;
  readonly work: number;
  readonly samples: number;
  readonly oursMedianMs: number;
  readonly oursMinMs: number;
  readonly oursMaxMs: number;
  readonly plainMedianMs: number;
  readonly plainMinMs: number;
  readonly plainMaxMs: number;
  /** Dataflow time / plain time (medians). */
  readonly ratio: number;
  readonly oursPeakMb?: number;
  readonly plainPeakMb?: number;
}

export async function measure(c: Case): Promise<Row> {
  const first = { ours: await c.ours.run(), plain: await c.plain.run() };
  c.check(first.ours, first.plain);
  let lastOurs = first.ours;
  let lastPlain = first.plain;
  const bench = new Bench({ iterations: c.samples, time: 0, warmup: c.work > 1, warmupIterations: 1, warmupTime: 0 });
  bench.add('ours', async () => void (lastOurs = await c.ours.run()));
  bench.add('plain', async () => void (lastPlain = await c.plain.run()));
  await bench.run();
  c.check(lastOurs, lastPlain);
  const [o, p] = bench.tasks.map((t) => {
    const r = t.result;
    if (r.state !== 'completed') throw new Error(`${c.name}: ${t.name} did not complete (${r.state})`);
    return r.latency;
  });
  const peak = (v: unknown) => (typeof v === 'object' && v !== null && 'peakMb' in v ? (v as ProcessRun).peakMb : undefined);
  const row: Row = {
    name: c.name,
    baseline: c.baseline ?? 'plain JS',
    unit: c.unit,
    work: c.work,
    samples: c.samples,
    oursMedianMs: o!.p50,
    oursMinMs: o!.min,
    oursMaxMs: o!.max,
    plainMedianMs: p!.p50,
    plainMinMs: p!.min,
    plainMaxMs: p!.max,
    ratio: o!.p50 / p!.p50,
  };
  const op = peak(lastOurs);
  const pp = peak(lastPlain);
  return op === undefined ? row : { ...row, oursPeakMb: op, plainPeakMb: pp! };
}

function rate(row: Row, ms: number): string {
  if (row.unit === 'run') return `${(ms / 1000).toFixed(2)} s`;
  const perSecond = (row.work / ms) * 1000;
  return perSecond >= 1e6 ? `${(perSecond / 1e6).toFixed(2)} M ${row.unit}/s` : `${(perSecond / 1e3).toFixed(0)} K ${row.unit}/s`;
}

export function table(rows: readonly Row[]): string {
  const lines = [
    '| case | timely-dataflow (median) | baseline (median) | time ratio | peak memory (case / baseline) |',
    '|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const mem = r.oursPeakMb === undefined ? '' : `${r.oursPeakMb} MB / ${r.plainPeakMb} MB (${(r.oursPeakMb / r.plainPeakMb!).toFixed(2)}×)`;
    lines.push(`| ${r.name} | ${rate(r, r.oursMedianMs)} | ${r.baseline}: ${rate(r, r.plainMedianMs)} | ${r.ratio.toFixed(2)}× | ${mem} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const name = quick ? 'quick' : 'full';
  const rows: Row[] = [];
  for (const c of cases(quick)) {
    process.stderr.write(`running: ${c.name}\n`);
    rows.push(await measure(c));
  }
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`;
  const md = `${table(rows)}\n\nMachine: ${machine}. Command: \`npm run bench${quick ? ':quick' : ''}\`.\n`;
  const dir = resolve(dirname(fileURLToPath(import.meta.url)), '../../bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(resolve(dir, `${name}.json`), JSON.stringify({ machine, date: new Date().toISOString(), rows }, null, 2) + '\n');
  writeFileSync(resolve(dir, `${name}.md`), md);
  process.stdout.write(md);
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) await main();
