/**
 * Scaling, as a user sees it: whole commands on one machine, the plain single-threaded program against
 * `timely example` on 1 and 2 worker threads (3 on the small graphs, more workers than cores), every
 * output checked byte for byte against the plain program's; for WCC also the plain program by union-find
 * (`wcc-unionfind`), the best single-threaded algorithm, as a reference. Variants alternate within each round;
 * medians and the spread of each phase are printed, with ratios to 1 worker (phases) and to the plain
 * program (whole command, peak RSS). Graphs: a seeded uniform random graph of 2 M nodes and 16 M edges
 * (written to a temporary file first, about 230 MB), web-NotreDame, email-Eu-core and karate.
 * Usage: node dist/bench/scaling.js [--quick] [--rounds N] [--only NAME]: `--only` keeps the graphs whose
 * label contains NAME (random, web-NotreDame, email-Eu-core, karate). Results: bench/results/scaling-<full|quick>.md
 * (scaling-only.md with `--only`).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASELINE, CLI, GRAPHS } from './cases.js';
import { median } from './stats.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** What one whole command took: its phases as it reports them (ms), its wall time and peak RSS. */
interface Run {
  readonly read: number;
  readonly compute: number;
  readonly format: number;
  readonly write: number;
  readonly whole: number;
  readonly rssMb: number;
}

const PHASES = ['read', 'compute', 'format', 'write', 'whole', 'rssMb'] as const;

function ms(text: string, phase: string): number {
  const m = new RegExp(`${phase} ([\\d.]+) (ms|s)\\b`).exec(text);
  return m === null ? NaN : Number(m[1]) * (m[2] === 's' ? 1000 : 1);
}

/** Runs one command, its output to `out`. */
function command(args: readonly string[], out: string): Run & { stderr: string } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [...args, '--output', out], { encoding: 'utf8' });
  const whole = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  const rss = /peak RSS (\d+) MB/.exec(r.stderr);
  return { read: ms(r.stderr, 'read'), compute: ms(r.stderr, 'compute'), format: ms(r.stderr, 'format'), write: ms(r.stderr, 'write'), whole, rssMb: Number(rss?.[1] ?? NaN), stderr: r.stderr };
}

/** A seeded uniform random edge list (xorshift), `edges` lines over ids below `nodes`. */
function writeRandomGraph(path: string, nodes: number, edges: number): void {
  let s = 0x9e3779b9 >>> 0;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  const fd = openSync(path, 'w');
  try {
    let lines: string[] = [];
    for (let e = 0; e < edges; e++) {
      lines.push(`${next() % nodes} ${next() % nodes}\n`);
      if (lines.length === 100_000) {
        writeSync(fd, lines.join(''));
        lines = [];
      }
    }
    writeSync(fd, lines.join(''));
  } finally {
    closeSync(fd);
  }
}

interface Variant {
  readonly label: string;
  readonly args: readonly string[];
  /** Another algorithm with the same answer, timed for reference (no ratio to 1 worker). */
  readonly reference?: boolean;
}

function fmt(phase: string, x: number): string {
  if (!Number.isFinite(x)) return '—';
  if (phase === 'rssMb') return `${x.toFixed(0)} MB`;
  return x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(0)} ms`;
}

function main(argv: readonly string[]): void {
  const quick = argv.includes('--quick');
  const at = argv.indexOf('--rounds');
  const rounds = at >= 0 ? Number(argv[at + 1]) : quick ? 1 : 3;
  const onlyAt = argv.indexOf('--only');
  const only = onlyAt >= 0 ? argv[onlyAt + 1] : undefined;
  if (onlyAt >= 0 && (only === undefined || only.startsWith('--'))) throw new Error('--only needs a graph name: random, web-NotreDame, email-Eu-core or karate');
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds needs a positive integer, got ${argv[at + 1]}`);
  const unknown = argv.filter((a, i) => a.startsWith('--') && !['--quick', '--rounds', '--only'].includes(a) && argv[i - 1] !== '--only' && argv[i - 1] !== '--rounds');
  if (unknown.length > 0) throw new Error(`unknown option(s) ${unknown.join(' ')}: expected --quick, --rounds N, --only NAME`);
  const scratch = mkdtempSync(join(tmpdir(), 'timely-scaling-'));
  const lines: string[] = [];
  const say = (line: string) => {
    lines.push(line);
    process.stdout.write(line + '\n');
  };
  try {
    const [nodes, edges] = quick ? [200_000, 1_600_000] : [2_000_000, 16_000_000];
    const random = join(scratch, `random-${nodes}-${edges}.txt`);
    const graphs = (
      [
        [`random ${nodes / 1e6} M nodes, ${edges / 1e6} M edges`, random, [1, 2]],
        ['web-NotreDame.txt.gz', join(GRAPHS, 'web-NotreDame.txt.gz'), [1, 2]],
        ['email-Eu-core.txt', join(GRAPHS, 'email-Eu-core.txt'), [1, 3]],
        ['karate.txt', join(GRAPHS, 'karate.txt'), [1, 3]],
      ] as [label: string, path: string, threads: number[]][]
    ).filter(([label]) => only === undefined || label.includes(only));
    if (graphs.length === 0) throw new Error(`--only ${only}: no graph's name contains it (random, web-NotreDame, email-Eu-core, karate)`);
    if (graphs.some(([, path]) => path === random)) {
      process.stderr.write(`writing a random graph of ${nodes} nodes and ${edges} edges…\n`);
      writeRandomGraph(random, nodes, edges);
    }
    say(`# Scaling: whole commands on ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
    say('');
    say(`${rounds} round(s), the variants alternating in each; median (min–max). Phases as each command reports them (the slowest worker's); whole = wall time of the command; ratios: phases to 1 worker, whole and peak RSS to the plain program. Every output equals the plain program's, byte for byte.`);
    say('');
    const notes: string[] = [];
    say('| graph | job | variant | read | compute | format | write | whole | peak RSS | compute ×1w | whole ×plain | RSS ×plain |');
    say('|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const [label, path, threads] of graphs) {
      for (const [algorithm, extra, base] of [
        ['wcc', [], []],
        ['pagerank', ['--iterations', '20'], ['20']],
        ['bfs', ['--source', '0'], ['0']],
      ] as const) {
        const variants: Variant[] = [
          { label: 'plain JS', args: [BASELINE, algorithm, path, ...base] },
          ...threads.map((w) => ({ label: `${w} worker${w === 1 ? '' : 's'}`, args: [CLI, 'example', algorithm, '--input', path, ...extra, '-w', String(w)] })),
          ...(algorithm === 'wcc' ? [{ label: 'plain JS, union-find (reference)', args: [BASELINE, 'wcc-unionfind', path], reference: true }] : []),
        ];
        const runs: Run[][] = variants.map(() => []);
        const outputs = variants.map((_, i) => join(scratch, `out-${i}.txt`));
        for (let r = 0; r < rounds; r++) {
          variants.forEach((v, i) => {
            runs[i]!.push(command(v.args, outputs[i]!));
          });
          for (let i = 1; i < variants.length; i++) {
            if (spawnSync('cmp', ['-s', outputs[0]!, outputs[i]!]).status !== 0) throw new Error(`${algorithm} on ${label}: ${variants[i]!.label} differs from the plain program`);
          }
        }
        const med = runs.map((rs) => Object.fromEntries(PHASES.map((p) => [p, median(rs.map((x) => x[p]))])) as unknown as Run);
        variants.forEach((v, i) => {
          const cells = PHASES.map((p) => {
            const xs = runs[i]!.map((x) => x[p]);
            return rounds > 1 && Number.isFinite(med[i]![p]) ? `${fmt(p, med[i]![p])} (${fmt(p, Math.min(...xs))}–${fmt(p, Math.max(...xs))})` : fmt(p, med[i]![p]);
          });
          const one = med[1]!;
          const plain = med[0]!;
          const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) ? `${(a / b).toFixed(2)}` : '—');
          say(`| ${label} | ${algorithm} | ${v.label} | ${cells.join(' | ')} | ${i === 0 || v.reference === true ? '—' : ratio(med[i]!.compute, one.compute)} | ${ratio(med[i]!.whole, plain.whole)} | ${ratio(med[i]!.rssMb, plain.rssMb)} |`);
        });
        const reference = variants.findIndex((v) => v.reference === true);
        if (reference >= 0) {
          // The widest threaded run: the last variant before the reference.
          const most = reference - 1;
          notes.push(`${label}, wcc: ${variants[most]!.label}' whole command takes ${(med[most]!.whole / med[reference]!.whole).toFixed(2)}× the union-find program's (${fmt('whole', med[most]!.whole)} against ${fmt('whole', med[reference]!.whole)}).`);
        }
      }
    }
    say('');
    say('The examples propagate labels, as the plain program does; union-find answers the same without a loop, and is what a single thread would run:');
    say('');
    for (const note of notes) say(`- ${note}`);
    say('');
    say(`Command: \`npm run bench:scaling -- ${argv.join(' ')}\`.`.replace(' -- `', '`'));
    mkdirSync(resolve(root, 'bench/results'), { recursive: true });
    writeFileSync(resolve(root, `bench/results/scaling-${only !== undefined ? 'only' : quick ? 'quick' : 'full'}.md`), lines.join('\n') + '\n');
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

main(process.argv.slice(2));
