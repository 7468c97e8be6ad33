/**
 * The examples' output, `node value` lines in node order, formatted where the values are: each worker
 * formats the nodes of one range of ids, and the writer only puts the ranges one after the other.
 * Workers of one process put their values in shared memory (see `formatSharedRange`); workers
 * without it send them to the worker of their range (see `formatShare`).
 */
import type { Worker } from '../../src/workers/worker.js';
import { toWorker } from './blocks.js';
import { writeShortest } from './shortest.js';
import { sortByNode, type NodeValues } from './run.js';

/**
 * `node value` lines as UTF-8 bytes, in the order given: the same text as `${node} ${value}\n` for
 * each (values as the shortest decimal that reads back as the same double), written straight into
 * bytes. Integer values (labels, distances) are written digit by digit; other doubles as `String`
 * writes them (its shortest round-trip digits are the contract), without making the string for most
 * (see `writeShortest`).
 *
 * @example
 * new TextDecoder().decode(formatLines({ nodes: Int32Array.of(1, 2), values: Float64Array.of(3, 0.5) }));
 * // '1 3\n2 0.5\n'
 */
export function formatLines(result: NodeValues): Uint8Array {
  const { nodes, values } = result;
  const lines = new Lines(nodes.length, allInt32(values));
  for (let i = 0; i < nodes.length; i++) lines.add(nodes[i]!, values[i]!);
  return lines.text();
}

/**
 * The most bytes a line takes: an int32 node (10 digits), a space, a value and a newline; the value an
 * int32 (11 with a sign) or a double's shortest round-trip text (at most 25 characters, as in
 * `-0.0000012345678901234567`).
 */
const LONGEST_INT_LINE = 23;
const LONGEST_LINE = 37;

/** Whether `Lines` writes `v` digit by digit: an integer from 0 to 2^31 − 1. */
function digitByDigit(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= 0x7fffffff;
}

/** Whether every value is written digit by digit. */
function allInt32(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i++) if (!digitByDigit(values[i]!)) return false;
  return true;
}

/** `node value` lines written into bytes that grow as needed. */
class Lines {
  private out: Uint8Array;
  private at = 0;

  /**
   * Room for `expected` lines of the longest kind (of integer values with `integers`, else of any
   * double), so that it never grows for them: the room past the last line written is never touched
   * and takes no memory, while growing copies the lines into fresh pages (PageRank's lines, some 30
   * bytes, outgrew the 20 a line that room used to be).
   */
  constructor(expected: number, integers: boolean) {
    this.out = new Uint8Array(64 + expected * (integers ? LONGEST_INT_LINE : LONGEST_LINE));
  }

  add(node: number, v: number): void {
    if (this.at + 64 > this.out.length) this.out = grown(this.out, this.at);
    const out = this.out;
    let at = writeInteger(out, this.at, node);
    out[at++] = 32;
    if (digitByDigit(v)) at = writeInteger(out, at, v);
    else at = writeShortest(out, at, v);
    out[at++] = 10;
    this.at = at;
  }

  text(): Uint8Array {
    return this.out.subarray(0, this.at);
  }
}

/** A copy of `out[0, used)` with twice the room. */
function grown(out: Uint8Array, used: number): Uint8Array {
  const bigger = new Uint8Array(2 * out.length);
  bigger.set(out.subarray(0, used));
  return bigger;
}

/** Writes the decimal digits of `n` (an integer from 0 to 2^31 − 1) at `at`; returns where they end. */
function writeInteger(out: Uint8Array, at: number, n: number): number {
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
  let x = n;
  for (let p = at + digits - 1; p >= at; p--) {
    const q = Math.floor(x / 10);
    out[p] = 48 + x - 10 * q;
    x = q;
  }
  return at + digits;
}

/**
 * Which of `peers` workers formats node `node` when ids run from 0 to `maxId`: worker `r` takes the
 * ids `[r·(maxId+1)/peers, (r+1)·(maxId+1)/peers)`, so the workers' texts in worker order are in node order.
 */
export function rangeOwner(node: number, maxId: number, peers: number): number {
  return Math.floor((node * peers) / (maxId + 1));
}

/**
 * This worker's lines of the whole output: every worker hands its nodes' values (`part`, any order) to
 * the worker formatting their range of ids (see `rangeOwner`) and formats the lines of its own range
 * in node order. The texts of workers 0, 1, … one after the other are the whole output, sorted by node.
 * Every worker must call it (it runs a dataflow). Returns the text and how many lines it holds.
 *
 * @example
 * const { text, lines } = await formatShare(worker, part, maxId); // worker w's range of the output, as bytes
 */
export async function formatShare(worker: Worker, part: NodeValues, maxId: number): Promise<{ text: Uint8Array; lines: number }> {
  const peers = worker.peers;
  const received: NodeValues[] = [];
  const input = worker.dataflow((scope) => {
    const input = scope.newInput<[number, Int32Array, Float64Array]>('values');
    scope
      .unary<[number, Int32Array, Float64Array], never>(input.stream, 'gather', toWorker, () => ({
        onRecv(batch) {
          for (const [, nodes, values] of batch) received.push({ nodes, values });
        },
      }));
    return input;
  }, { name: 'format' });
  input.send(byRange(part, maxId, peers));
  input.close();
  await worker.runAsync();
  const sorted = sortByNode(received);
  return { text: formatLines(sorted), lines: sorted.nodes.length };
}

/**
 * Where the workers of one process put every node's value for `formatSharedRange`: `SharedArrayBuffer`s
 * over the (dense) id range; the values in 32-bit integers where every one is such (WCC's labels, BFS's
 * distances), which takes half the memory of doubles.
 */
export interface SharedValues {
  readonly values: Float64Array | Int32Array;
  readonly present: Uint8Array;
}

/**
 * `formatShare` for workers of one process: each puts its nodes' values (`parts`, dense ids, any order)
 * into `shared`, and once every worker has (a dataflow that ends when all have), formats the lines of
 * its range of ids (worker `r` of `p` takes `[r·size/p, (r+1)·size/p)`), printing each id as `ids` maps
 * it back (and the values too where they are ids: WCC's labels). Nothing crosses between workers.
 *
 * @example
 * const { text, lines } = formatSharedRange(worker, [part], args.values, args.ids, true);
 */
export function formatSharedRange(worker: Worker, parts: readonly NodeValues[], shared: SharedValues, ids: Int32Array | undefined, valuesAreIds: boolean): { text: Uint8Array; lines: number } {
  const { values, present } = shared;
  for (const part of parts) placeValues(part.nodes, part.values, values, present);
  const done = worker.dataflow((scope) => scope.newInput<never>('placed'), { name: 'format' });
  done.close();
  worker.run();
  const size = present.length;
  const lo = Math.floor((worker.index * size) / worker.peers);
  const hi = Math.floor(((worker.index + 1) * size) / worker.peers);
  const lines = new Lines(countPresent(present, lo, hi), values instanceof Int32Array);
  let n = 0;
  for (let id = lo; id < hi; id++) {
    if (present[id] === 0) continue;
    const v = values[id]!;
    lines.add(ids === undefined ? id : ids[id]!, ids !== undefined && valuesAreIds ? ids[v]! : v);
    n++;
  }
  return { text: lines.text(), lines: n };
}

function placeValues(nodes: Int32Array, vals: Float64Array, values: Float64Array | Int32Array, present: Uint8Array): void {
  for (let i = 0; i < nodes.length; i++) {
    values[nodes[i]!] = vals[i]!;
    present[nodes[i]!] = 1;
  }
}

function countPresent(present: Uint8Array, lo: number, hi: number): number {
  let n = 0;
  for (let id = lo; id < hi; id++) n += present[id]!;
  return n;
}

/** `[worker, nodes, values]` for every worker formatting some of `part`'s nodes. */
function byRange(part: NodeValues, maxId: number, peers: number): [number, Int32Array, Float64Array][] {
  const { nodes, values } = part;
  const to = new Int32Array(nodes.length);
  const counts = new Int32Array(peers);
  for (let i = 0; i < nodes.length; i++) {
    const w = rangeOwner(nodes[i]!, maxId, peers);
    to[i] = w;
    counts[w]!++;
  }
  const out: [number, Int32Array, Float64Array][] = [];
  const fill = new Int32Array(peers);
  const lists = Array.from(counts, (n) => [new Int32Array(n), new Float64Array(n)] as const);
  for (let i = 0; i < nodes.length; i++) {
    const w = to[i]!;
    const at = fill[w]!++;
    lists[w]![0][at] = nodes[i]!;
    lists[w]![1][at] = values[i]!;
  }
  for (let w = 0; w < peers; w++) if (counts[w]! > 0) out.push([w, lists[w]![0], lists[w]![1]]);
  return out;
}
