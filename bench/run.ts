/**
 * The benchmark harness: every case runs its baseline and our variants side by side in one run
 * (tinybench: a warm-up, then several samples; medians), checks every answer before timing, and prints
 * a table of medians and ratios. Usage: node dist/bench/run.js [--quick] [--only TEXT]. Results go to
 * bench/results/<full|quick>.json and .md, and the scaling chart to bench/results/<full|quick>-scaling.svg.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { cases, type Case, type Preset, type ProcessRun, type Side } from './cases.js';
import { scalingChart } from './chart.js';
import { median } from './stats.js';

export interface Timing {
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly samples: number;
  /** Peak RSS of the process, for cases that run a whole process. */
  readonly peakMb?: number;
  /** Median wall time of the whole call, when the timing is a phase the side timed itself. */
  readonly wallMs?: number;
}

/** One line of the table: a variant of a case next to the case's baseline. */
export interface Row {
  readonly case: string;
  readonly group: Case['group'];
  readonly variant: string;
  readonly baseline: string;
  readonly unit: string;
  readonly work: number;
  readonly params: Readonly<Record<string, string | number>>;
  readonly ours: Timing;
  readonly reference: Timing;
  /** Our median time / the baseline's. */
  readonly ratio: number;
  readonly note?: string;
  readonly workers?: number;
  readonly series?: string;
}

function peakOf(v: unknown): number | undefined {
  return typeof v === 'object' && v !== null && 'peakMb' in v ? (v as ProcessRun).peakMb : undefined;
}

async function timed(run: () => unknown): Promise<{ value: unknown; ms: number }> {
  const t0 = performance.now();
  const value = await run();
  return { value, ms: performance.now() - t0 };
}

/** Timings of a side's runs: each run's own phase if the side times one, else the wall time. */
function timingOf(side: Side, runs: readonly { value: unknown; ms: number }[]): Timing {
  const ms = runs.map((r) => (side.elapsed === undefined ? r.ms : side.elapsed(r.value)));
  const peak = peakOf(runs[runs.length - 1]!.value);
  return {
    medianMs: median(ms),
    minMs: Math.min(...ms),
    maxMs: Math.max(...ms),
    samples: ms.length,
    ...(peak === undefined ? {} : { peakMb: peak }),
    ...(side.elapsed === undefined ? {} : { wallMs: median(runs.map((r) => r.ms)) }),
  };
}

/**
 * Runs one case: a checked run of every side, then (for samples > 1) tinybench samples of each. Sides
 * that time a phase themselves take turns, run by run, `samples` times after the checked run.
 */
export async function measure(c: Case): Promise<Row[]> {
  const sides = [c.baseline, ...c.variants];
  const runs: { value: unknown; ms: number }[][] = [];
  for (const side of sides) runs.push([await timed(side.run)]);
  const notes = c.variants.map((_, i) => c.check(runs[i + 1]![0]!.value, runs[0]![0]!.value, i) ?? undefined);
  let reference = timingOf(c.baseline, runs[0]!);
  let ours = c.variants.map((v, i) => timingOf(v, runs[i + 1]!));
  if (c.samples > 1 && sides.some((s) => s.elapsed !== undefined)) {
    for (const r of runs) r.length = 0;
    for (let k = 0; k < c.samples; k++) for (let i = 0; i < sides.length; i++) runs[i]!.push(await timed(sides[i]!.run));
    const last = (i: number) => runs[i]![runs[i]!.length - 1]!.value;
    c.variants.forEach((_, i) => c.check(last(i + 1), last(0), i));
    reference = timingOf(c.baseline, runs[0]!);
    ours = c.variants.map((v, i) => timingOf(v, runs[i + 1]!));
  } else if (c.samples > 1) {
    const last: unknown[] = [];
    // Every answer of each variant, for `summary` (the warm-up's too, which tinybench does not time).
    const answers: unknown[][] = c.variants.map(() => []);
    const bench = new Bench({ iterations: c.samples, time: 0, warmup: c.work > 1, warmupIterations: 1, warmupTime: 0 });
    bench.add('baseline', async () => void (last[0] = await c.baseline.run()));
    c.variants.forEach((v, i) => bench.add(`variant ${i}`, async () => void answers[i]!.push((last[i + 1] = await v.run()))));
    await bench.run();
    if (c.summary !== undefined) c.variants.forEach((_, i) => (notes[i] = c.summary!(answers[i]!.slice(-c.samples))));
    for (const t of bench.tasks) {
      if (t.result.state !== 'completed') throw new Error(`${c.name}: ${t.name} did not complete (${t.result.state}${'error' in t.result ? `: ${String(t.result.error)}` : ''})`);
    }
    c.variants.forEach((_, i) => c.check(last[i + 1], last[0], i));
    const timings = bench.tasks.map((t, i): Timing => {
      const r = t.result;
      if (r.state !== 'completed') throw new Error(`${c.name}: ${t.name} did not complete`);
      const peak = peakOf(last[i]);
      return { medianMs: r.latency.p50!, minMs: r.latency.min, maxMs: r.latency.max, samples: r.latency.samplesCount, ...(peak === undefined ? {} : { peakMb: peak }) };
    });
    reference = timings[0]!;
    ours = timings.slice(1);
  }
  return c.variants.map((v, i) => ({
    case: c.name,
    group: c.group,
    variant: v.label,
    baseline: c.baseline.label,
    unit: c.unit,
    work: c.work,
    params: c.params,
    ours: ours[i]!,
    reference,
    ratio: ours[i]!.medianMs / reference.medianMs,
    ...(notes[i] === undefined ? {} : { note: notes[i] }),
    ...(c.scaling === undefined ? {} : { workers: c.scaling.workers[i]!, series: c.scaling.series }),
  }));
}

function rate(row: Row, ms: number): string {
  if (row.unit === 'run') return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
  const perSecond = (row.work / ms) * 1000;
  return perSecond >= 1e6 ? `${(perSecond / 1e6).toFixed(2)} M ${row.unit}/s` : `${(perSecond / 1e3).toFixed(1)} K ${row.unit}/s`;
}

export function table(rows: readonly Row[]): string {
  const lines = ['| case | ours (median) | baseline (median) | time ratio | notes |', '|---|---|---|---|---|'];
  for (const r of rows) {
    const notes: string[] = [];
    if (r.ours.peakMb !== undefined && r.reference.peakMb !== undefined) {
      notes.push(`peak RSS ${r.ours.peakMb} / ${r.reference.peakMb} MB (${(r.ours.peakMb / r.reference.peakMb).toFixed(2)}×)`);
    }
    if (r.ours.wallMs !== undefined) notes.push(`whole call ${rate(r, r.ours.wallMs)} (thread start included)`);
    if (r.note !== undefined) notes.push(r.note);
    if (r.ours.samples === 1) notes.push('1 sample');
    else if (r.group === 'graph' && r.ours.wallMs !== undefined) notes.push(`fastest of ${r.ours.samples}: ${rate(r, r.ours.minMs)} (${r.baseline} ${rate(r, r.reference.minMs)})`);
    const name = r.variant === '' ? r.case : `${r.case}, ${r.variant}`;
    lines.push(`| ${name} | ${rate(r, r.ours.medianMs)} | ${r.baseline}: ${rate(r, r.reference.medianMs)} | ${r.ratio.toFixed(2)}× | ${notes.join('; ')} |`);
  }
  return lines.join('\n');
}

export function machine(): string {
  return `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const preset: Preset = args.includes('--quick') ? 'quick' : 'full';
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
  const t0 = performance.now();
  const rows: Row[] = [];
  for (const c of cases(preset)) {
    if (only !== undefined && !c.name.includes(only)) continue;
    process.stderr.write(`running: ${c.name}\n`);
    rows.push(...(await measure(c)));
  }
  const minutes = (performance.now() - t0) / 60_000;
  const command = `npm run bench${preset === 'quick' ? ':quick' : ''}`;
  const md = `${table(rows)}\n\nMachine: ${machine()}. Command: \`${command}\` (${minutes.toFixed(1)} minutes).\n`;
  const dir = resolve(dirname(fileURLToPath(import.meta.url)), '../../bench/results');
  mkdirSync(dir, { recursive: true });
  if (only === undefined) {
    writeFileSync(resolve(dir, `${preset}.json`), JSON.stringify({ machine: machine(), command, date: new Date().toISOString(), minutes, rows }, null, 2) + '\n');
    writeFileSync(resolve(dir, `${preset}.md`), md);
    writeFileSync(resolve(dir, `${preset}-scaling.svg`), scalingChart(rows, `${machine()} · ${command}`));
  }
  process.stdout.write(md);
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) await main();
