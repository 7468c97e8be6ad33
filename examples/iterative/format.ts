/**
 * The examples' output, `node value` lines in node order, formatted where the values are: each worker
 * formats the nodes of one range of ids, and the writer only puts the ranges one after the other.
 * Workers of one process put their values in shared memory (see `formatSharedRange`); workers
 * without it send them to the worker of their range (see `formatShare`).
 */
import type { Worker } from '../../src/workers/worker.js';
import type { EdgeList } from './edge-list.js';
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
  return fill(new Lines(result.nodes.length, allInt32(result.values)), result).text();
}

/**
 * `formatLines` written first into `spare`: rooms of memory the caller no longer needs (the edges
 * read, once the result is computed), whose pages are in memory already, where fresh room costs a
 * page fault per page; fresh room for the rest. A room that shares memory with the result is not
 * used. Returns the text as parts, in order.
 *
 * @example
 * const texts = formatLinesOver(result, spentEdges(edges)); // then write them one after the other
 */
export function formatLinesOver(result: NodeValues, spare: readonly Uint8Array[]): Uint8Array[] {
  const free = spare.filter((room) => room.buffer !== result.nodes.buffer && room.buffer !== result.values.buffer);
  return fill(new Lines(result.nodes.length, allInt32(result.values), free), result).texts();
}

/**
 * The memory of an edge list's two columns, as far as edges were written there (so it is in memory):
 * rooms for `formatLinesOver` once the edges are read no more.
 *
 * @example const texts = formatLinesOver(result, spentEdges(edges));
 */
export function spentEdges(edges: EdgeList): Uint8Array[] {
  const bytes = (a: Int32Array) => new Uint8Array(a.buffer, a.byteOffset, 4 * Math.min(edges.count, a.length));
  return [bytes(edges.src), bytes(edges.dst)];
}

/**
 * `rooms` without the bytes of `taken`: a room in the same memory keeps its parts before and after
 * `taken` (each only if not empty); a room in other memory is kept whole. For rooms that hold, or
 * will hold, something else than lines (the values being formatted, say).
 *
 * @example
 * const rooms = roomsApart(spentEdges(share), shared.values); // never lines over the values
 */
export function roomsApart(rooms: readonly Uint8Array[], taken: ArrayBufferView): Uint8Array[] {
  const from = taken.byteOffset;
  const to = from + taken.byteLength;
  const out: Uint8Array[] = [];
  for (const room of rooms) {
    const start = room.byteOffset;
    const end = start + room.byteLength;
    if (room.buffer !== taken.buffer || end <= from || start >= to || taken.byteLength === 0) {
      out.push(room);
      continue;
    }
    if (start < from) out.push(room.subarray(0, from - start));
    if (end > to) out.push(room.subarray(to - start));
  }
  return out;
}

function fill(lines: Lines, result: NodeValues): Lines {
  const { nodes, values } = result;
  for (let i = 0; i < nodes.length; i++) lines.add(nodes[i]!, values[i]!);
  return lines;
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

/**
 * `node value` lines written into rooms of bytes, one after the other: first the `spare` rooms given
 * (memory already in use and now free, such as a worker's spent edges: its pages are in memory, while
 * each fresh page costs a page fault), then fresh room for the lines still expected.
 */
class Lines {
  private out: Uint8Array;
  private at = 0;
  /** The rooms filled so far, cut to what they hold. */
  private readonly done: Uint8Array[] = [];
  /** Lines still expected: the size of a fresh room. */
  private left: number;
  private readonly longest: number;
  private readonly spare: Uint8Array[];

  /**
   * Fresh room is made for the `expected` lines still to come, each of the longest kind (of integer
   * values with `integers`, else of any double): the room past the last line written is never touched
   * and takes no memory, and lines are never copied to make room.
   */
  constructor(expected: number, integers: boolean, spare: readonly Uint8Array[] = []) {
    this.left = expected;
    this.longest = integers ? LONGEST_INT_LINE : LONGEST_LINE;
    this.spare = spare.filter((room) => room.length >= ROOM_MARGIN);
    this.out = this.nextRoom();
  }

  add(node: number, v: number): void {
    if (this.at + ROOM_MARGIN > this.out.length) this.turn();
    const out = this.out;
    let at = writeInteger(out, this.at, node);
    out[at++] = 32;
    if (digitByDigit(v)) at = writeInteger(out, at, v);
    else at = writeShortest(out, at, v);
    out[at++] = 10;
    this.at = at;
    this.left--;
  }

  /** The lines, in order, as the parts of the rooms they fill. */
  texts(): Uint8Array[] {
    const last = this.out.subarray(0, this.at);
    return this.at > 0 || this.done.length === 0 ? [...this.done, last] : this.done;
  }

  /** The lines in one array (the first room's, when they all fit in it). */
  text(): Uint8Array {
    const texts = this.texts();
    return texts.length === 1 ? texts[0]! : Buffer.concat(texts);
  }

  private turn(): void {
    if (this.at > 0) this.done.push(this.out.subarray(0, this.at));
    this.out = this.nextRoom();
    this.at = 0;
  }

  private nextRoom(): Uint8Array {
    return this.spare.shift() ?? new Uint8Array(ROOM_MARGIN + Math.max(this.left, 64) * this.longest);
  }
}

/** The room a line may need at most, and then some: a room with less left is done. */
const ROOM_MARGIN = 64;

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
 * The lines go first into `spare`, memory no worker reads once every worker is past its computation
 * (this worker's share of the edges: see `formatLinesOver`), but never over the values themselves,
 * which may lie in it. Returns the text as parts, in order.
 *
 * @example
 * const { texts, lines } = formatSharedRange(worker, [part], args.values, args.ids, true, spentEdges(share));
 */
export function formatSharedRange(worker: Worker, parts: readonly NodeValues[], shared: SharedValues, ids: Int32Array | undefined, valuesAreIds: boolean, spare: readonly Uint8Array[] = []): { texts: Uint8Array[]; lines: number } {
  const { values, present } = shared;
  const size = present.length;
  const { index, peers } = worker;
  /** Where worker `r`'s range of ids begins (and worker `r − 1`'s ends). */
  const rangeStart = (r: number) => Math.floor((r * size) / peers);
  const lo = rangeStart(index);
  const hi = rangeStart(index + 1);
  // Parts in ascending order of ids (WCC's and PageRank's: owners interleave ids, `id % peers`) are
  // placed range by range, this worker's own range first, then the next ones round: while the workers
  // place, each writes in another range than the others, not in the same lines of memory, and faults
  // in pages no other is faulting in. Parts in no order (BFS's, by hop) are placed as they come.
  const sorted: NodeValues[] = [];
  for (const part of parts) {
    if (ascending(part.nodes)) sorted.push(part);
    else placeValues(part.nodes, part.values, values, present, 0, part.nodes.length);
  }
  for (let r = 0; r < peers; r++) {
    const t = (index + r) % peers;
    for (const part of sorted) placeValues(part.nodes, part.values, values, present, lowerBound(part.nodes, rangeStart(t)), lowerBound(part.nodes, rangeStart(t + 1)));
  }
  const done = worker.dataflow((scope) => scope.newInput<never>('placed'), { name: 'format' });
  done.close();
  worker.run();
  // Every worker is past its computation here: what they no longer read (`spare`) may be written.
  // The values and flags may lie in memory a spare room is in (see threads.ts): no line goes over them.
  const rooms = roomsApart(roomsApart(spare, values), present);
  const lines = new Lines(countPresent(present, lo, hi), values instanceof Int32Array, rooms);
  let n = 0;
  for (let id = lo; id < hi; id++) {
    if (present[id] === 0) continue;
    const v = values[id]!;
    lines.add(ids === undefined ? id : ids[id]!, ids !== undefined && valuesAreIds ? ids[v]! : v);
    n++;
  }
  return { texts: lines.texts(), lines: n };
}

/** Puts the values of `nodes[from .. to − 1]` at their ids. */
function placeValues(nodes: Int32Array, vals: Float64Array, values: Float64Array | Int32Array, present: Uint8Array, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    values[nodes[i]!] = vals[i]!;
    present[nodes[i]!] = 1;
  }
}

/** Whether `nodes` never goes down. */
function ascending(nodes: Int32Array): boolean {
  for (let i = 1; i < nodes.length; i++) if (nodes[i]! < nodes[i - 1]!) return false;
  return true;
}

/** The first index of ascending `nodes` whose id is at least `id`. */
function lowerBound(nodes: Int32Array, id: number): number {
  let lo = 0;
  let hi = nodes.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (nodes[mid]! < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
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
