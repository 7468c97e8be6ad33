/**
 * A random schedule of a random logical graph on simulated workers, each with its own ProgressTracker
 * replica, checked against a deliberately simple oracle of the true state.
 */
import { GraphBuilder } from '../../src/graph/builder.js';
import { edgeLocation, stageSummary, type LogicalGraph } from '../../src/graph/logical.js';
import type { Scope } from '../../src/graph/scope.js';
import type { Stream } from '../../src/graph/stream.js';
import { ProgressAccumulator } from '../../src/progress/accumulator.js';
import { ChangeBatch, type PointstampUpdate } from '../../src/progress/change-batch.js';
import { ProgressTracker } from '../../src/progress/tracker.js';
import { orderByName, type OrderName, type TimestampOrder } from '../../src/timestamps/order.js';
import { Timestamp } from '../../src/timestamps/timestamp.js';

/** Loop counters stay below this (feedback drops at it), epochs at most MAX_EPOCH. */
export const MAX_ITER = 3;
const MAX_EPOCH = 2;

export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    // xorshift32
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

/** A random valid graph: inputs, vertex stages, and loops nested up to `maxDepth` deep. */
export function randomGraph(rng: Rng, maxDepth: number): LogicalGraph {
  const b = new GraphBuilder('random');
  const root = b.root;
  const available: Stream<unknown>[] = [];
  const inputs = 1 + rng.int(2);
  for (let i = 0; i < inputs; i++) available.push(root.newInput<unknown>(`in${i}`).stream);
  fill(rng, root, available, maxDepth, 2 + rng.int(3));
  return b.build();
}

function fill(rng: Rng, scope: Scope, available: Stream<unknown>[], depthLeft: number, ops: number): void {
  for (let op = 0; op < ops; op++) {
    if (depthLeft > 0 && rng.chance(0.4)) {
      const loop = scope.loop();
      const fb = loop.feedback<unknown>({ maxIterations: MAX_ITER });
      const inner: Stream<unknown>[] = [loop.enter(rng.pick(available)), fb.stream];
      fill(rng, loop, inner, depthLeft - 1, 1 + rng.int(3));
      fb.connect(rng.pick(inner));
      available.push(loop.leave(rng.pick(inner)));
    } else {
      const ins = 1 + rng.int(2);
      const outs = 1 + rng.int(2);
      const stage = scope.stage({
        name: `v${scope.builder.name}${op}`,
        inputs: Array.from({ length: ins }, () => rng.pick(available)),
        outputs: outs,
        vertex: () => ({}),
      });
      for (let o = 0; o < outs; o++) available.push(stage.output(o));
    }
  }
}

interface Item {
  kind: 'message' | 'notification' | 'input';
  location: number;
  time: Timestamp;
  worker: number;
}

/**
 * The oracle: could a pointstamp (time at `from`) still put a message at time ≤ `bound` on an input edge
 * of `stage`? Breadth-first over (location, time) with counters clamped above every counter that occurs
 * (a clamped counter compares the same with every bound), recomputed from scratch each time it is asked.
 */
export function oracleCouldReach(graph: LogicalGraph, order: TimestampOrder, from: number, time: Timestamp, stage: number, bound: Timestamp): boolean {
  const clamp = (t: Timestamp) => Timestamp.trusted(t.epoch, t.counters.map((c) => Math.min(c, MAX_ITER + 1)));
  const next = new Map<number, { to: number; apply: (t: Timestamp) => Timestamp }[]>();
  for (const l of graph.topology.links) {
    const list = next.get(l.source) ?? [];
    list.push({ to: l.target, apply: (t) => l.summary.apply(t) });
    next.set(l.source, list);
  }
  const isInEdge = (loc: number) => loc >= graph.stages.length && graph.edges[loc - graph.stages.length]!.target === stage;
  const seen = new Set<string>();
  const queue: [number, Timestamp][] = [[from, clamp(time)]];
  while (queue.length > 0) {
    const [loc, t] = queue.pop()!;
    const key = `${loc}@${t.key}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (isInEdge(loc) && order.lessEqual(t, bound)) return true;
    for (const n of next.get(loc) ?? []) queue.push([n.to, clamp(n.apply(t))]);
  }
  return false;
}

export interface SimulationOptions {
  readonly seed: number;
  readonly workers: number;
  readonly order: OrderName;
  readonly maxDepth: number;
  readonly events: number;
  readonly accumulate: boolean;
  /** Deliberately broken mode for testing the oracle: notify regardless of the frontier. */
  readonly ignoreFrontier?: boolean;
}

export interface SimulationResult {
  readonly notifications: number;
  readonly checks: number;
}

/** Runs one random schedule; throws an Error describing the first violation found. */
export function simulate(opts: SimulationOptions): SimulationResult {
  const rng = new Rng(opts.seed);
  const order = orderByName(opts.order);
  const graph = randomGraph(rng, opts.maxDepth);
  const W = opts.workers;
  const stages = graph.stages;
  const outEdges = stages.map((s) => graph.edges.filter((e) => e.source === s.index));
  const trackers = Array.from({ length: W }, () => new ProgressTracker(graph.topology, order));
  const pending = Array.from({ length: W }, () => new ChangeBatch());
  const held = Array.from({ length: W }, () => new ProgressAccumulator());
  // queues[sender][receiver]: batches in flight, FIFO per sender.
  const queues: PointstampUpdate[][][][] = Array.from({ length: W }, () => Array.from({ length: W }, () => []));
  const items: Item[] = [];
  const inputStages = stages.filter((s) => s.kind === 'input').map((s) => s.index);
  for (const tr of trackers) for (const s of inputStages) tr.apply([{ location: s, time: Timestamp.of(0), delta: W }]);
  for (let w = 0; w < W; w++) for (const s of inputStages) items.push({ kind: 'input', location: s, time: Timestamp.of(0), worker: w });
  let notifications = 0;
  let checks = 0;

  const send = (w: number, stage: number, time: Timestamp) => {
    for (const e of outEdges[stage]!) {
      if (!rng.chance(0.6)) continue;
      const to = rng.int(W);
      const loc = edgeLocation(graph, e.index);
      pending[w]!.update(loc, time, +1);
      items.push({ kind: 'message', location: loc, time, worker: to });
    }
  };
  const later = (t: Timestamp): Timestamp => {
    const r = rng.int(3);
    if (r === 1 && t.epoch < MAX_EPOCH) return Timestamp.trusted(t.epoch + 1, t.counters);
    if (r === 2 && t.counters.length > 0 && t.iteration + 1 < MAX_ITER) return t.incremented();
    return t;
  };
  const notifyAt = (w: number, stage: number, time: Timestamp) => {
    if (items.some((i) => i.kind === 'notification' && i.location === stage && i.worker === w && i.time.equals(time))) return;
    pending[w]!.update(stage, time, +1);
    items.push({ kind: 'notification', location: stage, time, worker: w });
  };
  /** A vertex acting at `time` on worker w: it may send at later times and ask for notifications. */
  const act = (w: number, stage: number, time: Timestamp) => {
    const def = stages[stage]!;
    if (def.kind === 'vertex') {
      send(w, stage, later(time));
      if (rng.chance(0.5)) notifyAt(w, stage, later(time));
      return;
    }
    if (def.kind === 'feedback' && time.iteration + 1 >= MAX_ITER) return;
    const out = stageSummary(def).apply(time);
    for (const e of outEdges[stage]!) {
      const loc = edgeLocation(graph, e.index);
      pending[w]!.update(loc, out, +1);
      items.push({ kind: 'message', location: loc, time: out, worker: rng.int(W) });
    }
  };
  const closeBatch = (w: number, force: boolean) => {
    held[w]!.hold(pending[w]!);
    if (held[w]!.isEmpty()) return;
    if (opts.accumulate && !force && !held[w]!.mustFlush(trackers[w]!) && rng.chance(0.7)) return;
    const batch = held[w]!.take();
    for (let r = 0; r < W; r++) queues[w]![r]!.push(batch);
  };
  const deliverBatch = (): boolean => {
    const choices: [number, number][] = [];
    for (let s = 0; s < W; s++) for (let r = 0; r < W; r++) if (queues[s]![r]!.length > 0) choices.push([s, r]);
    if (choices.length === 0) return false;
    const [s, r] = rng.pick(choices);
    trackers[r]!.apply(queues[s]![r]!.shift()!);
    return true;
  };
  const deliverNotification = (w: number, which: Item): void => {
    // The oracle: nothing truly active may still bring a message at ≤ t to this stage.
    for (const other of items) {
      if (other === which) continue;
      checks++;
      if (oracleCouldReach(graph, order, other.location, other.time, which.location, which.time)) {
        throw new Error(
          `early notification: stage '${stages[which.location]!.name}' notified at ${which.time} on worker ${w}, ` +
            `but ${other.kind} at ${other.time} (${graph.topology.locations[other.location]!.name}, worker ${other.worker}) could still reach it`,
        );
      }
    }
    items.splice(items.indexOf(which), 1);
    pending[w]!.update(which.location, which.time, -1);
    notifications++;
    act(w, which.location, which.time);
  };
  const processMessage = (m: Item) => {
    items.splice(items.indexOf(m), 1);
    pending[m.worker]!.update(m.location, m.time, -1);
    const edge = graph.edges[m.location - stages.length]!;
    act(m.worker, edge.target, m.time);
  };
  const inputAction = (inp: Item) => {
    const r = rng.int(4);
    if (r <= 1) send(inp.worker, inp.location, inp.time);
    else if (r === 2 && inp.time.epoch < MAX_EPOCH) {
      const next = Timestamp.of(inp.time.epoch + 1);
      pending[inp.worker]!.update(inp.location, next, +1);
      pending[inp.worker]!.update(inp.location, inp.time, -1);
      inp.time = next;
    } else closeInput(inp);
  };
  const closeInput = (inp: Item) => {
    pending[inp.worker]!.update(inp.location, inp.time, -1);
    items.splice(items.indexOf(inp), 1);
  };
  const readyNotifications = (w: number) =>
    items.filter((i) => i.kind === 'notification' && i.worker === w && (opts.ignoreFrontier === true || trackers[w]!.passed(i.location, i.time)));

  for (let step = 0; step < opts.events; step++) {
    const w = rng.int(W);
    const r = rng.int(10);
    if (r < 3) {
      const mine = items.filter((i) => i.kind === 'message' && i.worker === w);
      if (mine.length > 0) processMessage(rng.pick(mine));
    } else if (r < 5) {
      const ready = readyNotifications(w);
      if (ready.length > 0) deliverNotification(w, rng.pick(ready));
    } else if (r < 6) {
      const inputs = items.filter((i) => i.kind === 'input' && i.worker === w);
      if (inputs.length > 0) inputAction(rng.pick(inputs));
    } else if (r < 8) closeBatch(w, false);
    else deliverBatch();
  }

  // Liveness: close the inputs, then drain; every requested notification must be delivered.
  for (const inp of items.filter((i) => i.kind === 'input')) closeInput(inp);
  for (;;) {
    let moved = false;
    for (let w = 0; w < W; w++) {
      for (const m of items.filter((i) => i.kind === 'message' && i.worker === w)) {
        processMessage(m);
        moved = true;
      }
      for (const n of readyNotifications(w)) {
        deliverNotification(w, n);
        moved = true;
      }
      closeBatch(w, true);
    }
    while (deliverBatch()) moved = true;
    if (moved) continue;
    if (items.length === 0) break;
    const stuck = items.map((i) => `${i.kind} at ${stages[i.location]?.name ?? i.location} ${i.time} on worker ${i.worker}`).join('; ');
    throw new Error(`stuck after the inputs closed; never delivered: ${stuck}`);
  }
  for (let w = 0; w < W; w++) {
    trackers[w]!.checkNonNegative();
    if (!trackers[w]!.isComplete()) throw new Error(`worker ${w}'s replica is not complete after everything drained`);
  }
  return { notifications, checks };
}
