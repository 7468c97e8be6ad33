/**
 * How much work label propagation does under three schedules, on 1 to N workers (node `n` owned by
 * worker `n % N`), counted rather than timed: the adjacency entries read (each a random read of a
 * label) per worker, and the rounds. The schedules:
 * - `sync`: every round, the nodes whose label dropped offer the label they had when it began;
 * - `at-once`: an offer lowers a label at once, and a lowered node offers in the next round;
 * - `passes`: as `at-once`, but a worker makes passes over its own nodes until none has a new label,
 *   and only offers to other workers' nodes wait for the next round;
 * - `classes` (the WCC example's): passes along the edges between a worker's own nodes only, until
 *   none has a new label; then each edge to another worker's node is read once, and the labels it
 *   joins are merged in a union-find over labels (no label travels further).
 * Every schedule's labels are checked against the first's. Usage: node dist/bench/wcc-schedules.js EDGE-LIST [WORKERS=2]
 */
import { buildCsr } from '../examples/iterative/csr.js';
import { readEdgeList } from '../examples/iterative/edge-list.js';

type Schedule = 'sync' | 'at-once' | 'passes' | 'classes';

interface Work {
  readonly label: Int32Array;
  readonly rounds: number;
  /** Adjacency entries read, per worker. */
  readonly reads: Float64Array;
}

function propagate(offsets: Int32Array, targets: Int32Array, size: number, workers: number, schedule: Schedule): Work {
  const label = new Int32Array(size);
  const pending = new Uint8Array(size);
  const reads = new Float64Array(workers);
  let lists: number[][] = Array.from({ length: workers }, () => []);
  for (let x = 0; x < size; x++) {
    let least = x;
    for (let i = offsets[x]!; i < offsets[x + 1]!; i++) least = Math.min(least, targets[i]!);
    label[x] = least;
    if (least < x) (pending[x] = 1), lists[x % workers]!.push(x);
  }
  let rounds = 0;
  while (lists.some((l) => l.length > 0)) {
    rounds++;
    // The smallest label offered to each node owned elsewhere, by owner, applied when the round ends.
    const offers = Array.from({ length: workers }, () => new Map<number, number>());
    const next: number[][] = Array.from({ length: workers }, () => []);
    const offer = (m: number, l: number) => {
      const o = offers[m % workers]!;
      if (!(o.get(m)! <= l)) o.set(m, l);
    };
    if (schedule === 'sync') {
      const start = lists.map((nodes) => nodes.map((n) => label[n]!));
      lists.forEach((nodes, w) =>
        nodes.forEach((n, k) => {
          pending[n] = 0;
          reads[w]! += offsets[n + 1]! - offsets[n]!;
          for (let i = offsets[n]!; i < offsets[n + 1]!; i++) offer(targets[i]!, start[w]![k]!);
        }),
      );
    } else {
      for (let w = 0; w < workers; w++) {
        let pass = lists[w]!;
        while (pass.length > 0) {
          const later: number[] = [];
          for (const n of pass) {
            pending[n] = 0;
            const l = label[n]!;
            reads[w]! += offsets[n + 1]! - offsets[n]!;
            for (let i = offsets[n]!; i < offsets[n + 1]!; i++) {
              const m = targets[i]!;
              if (m % workers !== w) {
                // The classes schedule leaves the edges between workers to the union-find (not read here).
                if (schedule === 'classes') reads[w]!--;
                else offer(m, l);
              } else if (l < label[m]!) {
                label[m] = l;
                if (pending[m] === 0) (pending[m] = 1), (schedule === 'at-once' ? next[w]! : later).push(m);
              }
            }
          }
          pass = later;
        }
      }
    }
    offers.forEach((o, w) =>
      o.forEach((l, m) => {
        if (l >= label[m]!) return;
        label[m] = l;
        if (pending[m] === 0) (pending[m] = 1), next[w]!.push(m);
      }),
    );
    lists = next;
  }
  if (schedule === 'classes') return joinAcross(offsets, targets, size, workers, label, reads);
  return { label, rounds, reads };
}

/** The end of the `classes` schedule: each edge between two workers read once by the owner of each end, and a union-find over labels. */
function joinAcross(offsets: Int32Array, targets: Int32Array, size: number, workers: number, label: Int32Array, reads: Float64Array): Work {
  const up = new Int32Array(size).fill(-1);
  const root = (x: number): number => {
    while (up[x]! >= 0) x = up[x]!;
    return x;
  };
  for (let n = 0; n < size; n++) {
    for (let i = offsets[n]!; i < offsets[n + 1]!; i++) {
      const m = targets[i]!;
      if (m % workers === n % workers) continue;
      reads[n % workers]!++;
      const [a, b] = [root(label[n]!), root(label[m]!)];
      if (a !== b) up[Math.max(a, b)] = Math.min(a, b);
    }
  }
  for (let n = 0; n < size; n++) label[n] = root(label[n]!);
  return { label, rounds: workers === 1 ? 1 : 3, reads };
}

async function main(argv: readonly string[]): Promise<void> {
  const [path, workersArg] = argv;
  if (path === undefined) throw new Error('usage: node dist/bench/wcc-schedules.js EDGE-LIST [WORKERS=2]');
  const most = Number(workersArg ?? 2);
  if (!Number.isInteger(most) || most < 1) throw new Error(`WORKERS must be a whole number of at least 1, got ${workersArg}`);
  const edges = await readEdgeList(path);
  const src = edges.src.subarray(0, edges.count);
  const dst = edges.dst.subarray(0, edges.count);
  const size = edges.maxId + 1;
  const { offsets, targets } = buildCsr(size, [[src, dst], [dst, src]], false);
  process.stdout.write(`${path}: ${edges.count} edges; adjacency entries read per worker (millions), and rounds\n\n`);
  process.stdout.write('| schedule | workers | rounds | read per worker | most read by one worker |\n|---|---|---|---|---|\n');
  let first: Int32Array | undefined;
  for (const schedule of ['sync', 'at-once', 'passes', 'classes'] as const) {
    for (const workers of new Set([1, most])) {
      const { label, rounds, reads } = propagate(offsets, targets, size, workers, schedule);
      // Every schedule must end at the same labels (the least id of each component).
      first ??= label;
      if (label.some((l, x) => l !== first![x])) throw new Error(`${schedule} on ${workers} workers ended at other labels than sync on 1`);
      const m = (x: number) => (x / 1e6).toFixed(1);
      process.stdout.write(`| ${schedule} | ${workers} | ${rounds} | ${Array.from(reads, m).join(' / ')} | ${m(Math.max(...reads))} |\n`);
    }
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
