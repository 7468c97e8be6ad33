/**
 * The incremental examples: connected components (WCC) and BFS distances kept up to date as edges come
 * and go, with collections. Each worker reads the base edges and the update file, checks them, feeds its
 * share epoch by epoch, and reports the changes of the answer it owns.
 */
import type { Collection } from '../../src/collections/collection.js';
import { grownInPlace, reservedColumn } from '../../src/collections/dense.js';
import { newCollection, type CollectionInput } from '../../src/collections/input.js';
import type { Scope } from '../../src/graph/scope.js';
import type { Worker } from '../../src/workers/worker.js';
import { ExampleError, hasNode, readEdgeList, type EdgeList } from './edge-list.js';
import { checkRemovals, readUpdates, type EpochUpdates } from './updates.js';

export type IncrementalAlgorithm = 'incremental-wcc' | 'incremental-bfs';

export interface IncrementalArgs {
  readonly algorithm: IncrementalAlgorithm;
  /** The base edge list (epoch 0). */
  readonly input: string;
  /** The update file. */
  readonly updates: string;
  /** BFS's source node. */
  readonly source?: number;
}

/** One worker's changes of the answer (`epoch node value diff`, in no order) and its timings. */
export interface IncrementalPart {
  /** 32-bit while every epoch of the update file fits, doubles once one does not (epochs go up to 2^53 - 1). */
  readonly epoch: Int32Array | Float64Array;
  readonly node: Int32Array;
  readonly value: Int32Array;
  readonly diff: Int32Array;
  /** Edges in the base file. */
  readonly edges: number;
  /** Update lines applied. */
  readonly updates: number;
  /** Milliseconds to read and check both files, and to load and compute epoch 0. */
  readonly readMs: number;
  readonly loadMs: number;
  /** Per update epoch, in order: milliseconds from its first change until every worker's answer for it was complete. */
  readonly epochs: Float64Array;
  readonly latencyMs: Float64Array;
}

type Edge = [number, number];

/** The changes of the answer the output columns are first reserved for (address space, not memory). */
const CHANGES_RESERVED = 1 << 24;

/** How many base edges a worker feeds between steps. */
const FEED_PART = 1 << 14;

/**
 * The loop rounds between two sizes of label in WCC: labels from 2^k to 2^(k+1) - 1 enter the loop at
 * round k · LABEL_ROUNDS, once the smaller ones have had that many rounds to spread.
 */
const LABEL_ROUNDS = 64;

/**
 * WCC: each node's label is the smallest id in its component (edges taken both ways), propagated to a
 * fixpoint in a loop; a node exists while a live edge touches it. Small labels enter the loop first
 * (`Iteration.enterAt`), so that most nodes take their final label at once rather than every smaller
 * label that passes on the way.
 *
 * @example const labels = incrementalWcc(edges.collection); // Collection<[node, label]>
 */
export function incrementalWcc(edges: Collection<Edge>): Collection<Edge> {
  const both = edges.flatMap(([a, b]) => (a === b ? [[a, b] as Edge] : [[a, b] as Edge, [b, a] as Edge]), 'undirected');
  // Each node once, labelled with itself (a node with many edges is still one label to offer): each
  // end of an edge offers [node, node], and the least per node is that pair, once, while some edge
  // touches the node (one stage where ends, distinct and a map would be four).
  const nodes = edges.flatMap(([a, b]) => (a === b ? [[a, a] as Edge] : [[a, a] as Edge, [b, b] as Edge]), 'ends').min('nodes');
  const labelled = (node: Edge) => LABEL_ROUNDS * Math.floor(Math.log2(node[1] + 1));
  return nodes
    .filter(() => false, 'none')
    .iterate((labels, it) => labels.joinMap(it.enter(both), (_n, label, next) => [next, label] as Edge, 'offer').concat(it.enterAt(nodes, labelled, 'labels')).min('smallest'), 'wcc');
}

/**
 * BFS: each node reachable from `source` along directed edges, with its hop distance; the source is at
 * distance 0 while a live edge touches it.
 *
 * @example const distances = incrementalBfs(edges.collection, 0); // Collection<[node, distance]>
 */
export function incrementalBfs(edges: Collection<Edge>, source: number): Collection<Edge> {
  const root = edges
    .flatMap(([a, b]) => (a === source || b === source ? [source] : []), 'touches-source')
    .distinct('source')
    .map((s) => [s, 0] as Edge, 'at-zero');
  return root.iterate((dist, it) => dist.joinMap(it.enter(edges), (_n, d, next) => [next, d + 1] as Edge, 'step').concat(it.enter(root)).min('nearest'), 'bfs');
}

/** Builds the example's dataflow: the edge input and the answer. */
export function incrementalDataflow(scope: Scope, algorithm: IncrementalAlgorithm, source: number): { edges: CollectionInput<Edge>; answer: Collection<Edge> } {
  const edges = newCollection<Edge>(scope, 'edges');
  return { edges, answer: algorithm === 'incremental-wcc' ? incrementalWcc(edges.collection) : incrementalBfs(edges.collection, source) };
}

/** Reads and checks the base and the updates (every worker does, so that each reports the same error). */
export async function readIncrementalInput(args: IncrementalArgs): Promise<{ base: Awaited<ReturnType<typeof readEdgeList>>; epochs: EpochUpdates[] }> {
  const base = await readEdgeList(args.input);
  const epochs = await readUpdates(args.updates);
  checkRemovals(base, epochs, args.updates);
  if (args.algorithm === 'incremental-bfs') {
    const s = args.source!;
    const inserted = epochs.some((e) => e.sign.some((d, i) => d > 0 && (e.src[i] === s || e.dst[i] === s)));
    if (!hasNode(base, s) && !inserted) throw new ExampleError('BAD_OPTION', `example incremental-bfs: --source ${s} is not a node of ${args.input} and no update inserts an edge touching it`);
  }
  return { base, epochs };
}

/**
 * Runs the example on `worker` (one of `worker.peers`): feeds its share of every epoch and returns what
 * it saw. `afterEpoch(k)`, if given, is called once the k-th update epoch (0-based) is complete here.
 * With `keepChanges` false the answer's changes are dropped as they come (the part's change columns
 * are empty): for measuring the computation's own memory over many epochs.
 */
export async function runIncremental(worker: Worker, args: IncrementalArgs, afterEpoch?: (k: number) => void, keepChanges = true): Promise<IncrementalPart> {
  const t0 = performance.now();
  const input: { base?: EdgeList; epochs: EpochUpdates[] } = await readIncrementalInput(args);
  const { epochs } = input;
  const baseCount = input.base!.count;
  const t1 = performance.now();
  // The changes as they come, in typed columns (an array per change would be most of what the
  // collector carries at the end of a load) grown in place: a round pays for the pages its own changes
  // fill, never for a copy of every change before them (columns that doubled by copying made the first
  // round after web-NotreDame's BFS load, which changed one distance, take 14–19 ms).
  let made = 0;
  const wide = epochs.length > 0 && epochs[epochs.length - 1]!.epoch > 0x7fffffff;
  const out: { epoch: Int32Array<ArrayBuffer> | Float64Array<ArrayBuffer>; node: Int32Array<ArrayBuffer>; value: Int32Array<ArrayBuffer>; diff: Int32Array<ArrayBuffer> } = {
    epoch: wide ? reservedColumn(Float64Array, 0, CHANGES_RESERVED) : reservedColumn(Int32Array, 0, CHANGES_RESERVED),
    node: reservedColumn(Int32Array, 0, CHANGES_RESERVED),
    value: reservedColumn(Int32Array, 0, CHANGES_RESERVED),
    diff: reservedColumn(Int32Array, 0, CHANGES_RESERVED),
  };
  const { edges, probe } = worker.dataflow(
    (scope) => {
      const { edges, answer } = incrementalDataflow(scope, args.algorithm, args.source ?? 0);
      // As columns: an array per change would be most of what the collector carries at the end of a load.
      // An epoch is done once every worker's subscriber has its changes: its probe, not the answer's,
      // which could pass the epoch a step before the subscriber is given them.
      const done = answer.subscribePairs((epoch, nodes, values, diffs) => {
        if (!keepChanges) return;
        const n = nodes.length;
        if (made + n > out.epoch.length) {
          out.epoch = grownInPlace(out.epoch, made + n);
          out.node = grownInPlace(out.node, made + n);
          out.value = grownInPlace(out.value, made + n);
          out.diff = grownInPlace(out.diff, made + n);
        }
        out.epoch.fill(epoch, made, made + n);
        out.node.set(nodes, made);
        out.value.set(values, made);
        out.diff.set(diffs, made);
        made += n;
      });
      return { edges, probe: done };
    },
    { name: args.algorithm },
  );
  const { index, peers } = worker;
  // Across processes with direct links the worker must wait without blocking its thread (see Worker.waitsAsync).
  const waitsAsync = worker.waitsAsync;
  await feedBase(worker, edges, input);
  // Each epoch is complete once the input has moved past it: to the next epoch, or closed after the last.
  const next = (k: number) => (k < epochs.length ? edges.advanceTo(epochs[k]!.epoch) : edges.close());
  next(0);
  if (waitsAsync) await worker.stepUntilAsync(() => probe.passed(0));
  else worker.stepUntil(() => probe.passed(0));
  const t2 = performance.now();
  const latency = new Float64Array(epochs.length);
  let applied = 0;
  for (let k = 0; k < epochs.length; k++) {
    const e = epochs[k]!;
    const start = performance.now();
    for (let i = index; i < e.sign.length; i += peers) edges.update([e.src[i]!, e.dst[i]!], e.sign[i]!);
    applied += e.sign.length;
    next(k + 1);
    if (waitsAsync) await worker.stepUntilAsync(() => probe.passed(e.epoch));
    else worker.stepUntil(() => probe.passed(e.epoch));
    latency[k] = performance.now() - start;
    afterEpoch?.(k);
  }
  if (waitsAsync) await worker.runAsync();
  else worker.run();
  return {
    epoch: out.epoch.slice(0, made),
    node: out.node.slice(0, made),
    value: out.value.slice(0, made),
    diff: out.diff.slice(0, made),
    edges: baseCount,
    updates: applied,
    readMs: t1 - t0,
    loadMs: t2 - t1,
    epochs: Float64Array.from(epochs, (e) => e.epoch),
    latencyMs: latency,
  };
}

/**
 * Feeds this worker's share of `input.base` (every `peers`-th edge) to `edges`, in parts, each taken
 * through a step before the next is made: what waits at the arrangements is then columns, not an
 * update object per edge. Takes the base out of `input` first, so that once this returns nothing holds
 * it (the arrangements hold the edges; web-NotreDame's list kept 15 MB to the end of the run).
 */
async function feedBase(worker: Worker, edges: CollectionInput<Edge>, input: { base?: EdgeList }): Promise<void> {
  const base = input.base!;
  input.base = undefined;
  const { index, peers } = worker;
  for (let i = index, n = 0; i < base.count; i += peers) {
    edges.insert([base.src[i]!, base.dst[i]!]);
    if (++n % FEED_PART === 0) {
      edges.flush();
      if (worker.waitsAsync) await worker.stepAsync();
      else worker.step();
    }
  }
}

/**
 * The output lines of every worker's changes: `epoch node value diff`, ascending by epoch, node, diff,
 * then value (each change is reported by one worker, already consolidated).
 *
 * @example formatChanges([part]); // '0 1 1 1\n0 2 1 1\n1 2 1 -1\n1 2 2 1\n'
 */
export function formatChanges(parts: readonly IncrementalPart[]): string {
  let n = 0;
  for (const p of parts) n += p.epoch.length;
  const order = new Int32Array(n);
  const epoch = new Float64Array(n);
  const node = new Int32Array(n);
  const value = new Int32Array(n);
  const diff = new Int32Array(n);
  let at = 0;
  for (const p of parts) {
    epoch.set(p.epoch, at);
    node.set(p.node, at);
    value.set(p.value, at);
    diff.set(p.diff, at);
    at += p.epoch.length;
  }
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => epoch[a]! - epoch[b]! || node[a]! - node[b]! || diff[a]! - diff[b]! || value[a]! - value[b]!);
  const lines: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const j = order[i]!;
    lines[i] = `${epoch[j]} ${node[j]} ${value[j]} ${diff[j]}\n`;
  }
  return lines.join('');
}
