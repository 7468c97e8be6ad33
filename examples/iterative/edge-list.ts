/** Edge-list files: `src dst` lines of non-negative integers, `#` comments, gzip when the name ends in .gz. */
import { closeSync, createReadStream, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';

export const ExampleErrorCode = {
  BAD_PATH: 'BAD_PATH',
  MALFORMED_LINE: 'MALFORMED_LINE',
  BAD_OPTION: 'BAD_OPTION',
  MALFORMED_BLOCK: 'MALFORMED_BLOCK',
  WRITE_FAILED: 'WRITE_FAILED',
  BAD_UPDATE: 'BAD_UPDATE',
} as const;
export type ExampleErrorCode = (typeof ExampleErrorCode)[keyof typeof ExampleErrorCode];

/** A problem with an example's input or options, worded for the command line. */
export class ExampleError extends Error {
  override readonly name = 'ExampleError';
  readonly code: ExampleErrorCode;

  constructor(code: ExampleErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * A malformed line one of several readers of a file met (the first in its part), with the part's place
 * in file order: a reader's share of byte ranges, or its block of a streamed text. Readers report it
 * rather than throw, so that of several the first in the file is named, whichever reader got there first.
 *
 * @example const f: ReadFailure = { code: 'MALFORMED_LINE', message: 'g.txt:3: expected "src dst"…', place: 1 };
 */
export interface ReadFailure {
  readonly code: ExampleErrorCode;
  readonly message: string;
  readonly place: number;
}

/**
 * `err` as a ReadFailure at `place` if it is a malformed line; any other error is thrown again (every
 * reader meets it alike: an unreadable file, say).
 *
 * @example
 * try { edges = parseEdgeListShare(text, i, n, name); } catch (err) { failure = readFailure(err, i); }
 */
export function readFailure(err: unknown, place: number): ReadFailure {
  if (!(err instanceof ExampleError) || err.code !== 'MALFORMED_LINE') throw err;
  return { code: err.code, message: err.message, place };
}

/**
 * The error of the first of `failures` in the file (the least place), or undefined if there is none.
 *
 * @example const first = firstFailure(parts.map((p) => p.failure)); if (first) throw first;
 */
export function firstFailure(failures: readonly (ReadFailure | null | undefined)[]): ExampleError | undefined {
  let first: ReadFailure | undefined;
  for (const f of failures) if (f != null && (first === undefined || f.place < first.place)) first = f;
  return first === undefined ? undefined : new ExampleError(first.code, first.message);
}

/** Edges as two parallel arrays; `nodes` is the number of distinct ids, `maxId` the largest. */
export interface EdgeList {
  readonly src: Int32Array;
  readonly dst: Int32Array;
  readonly count: number;
  readonly maxId: number;
}

/**
 * No edges (a worker whose share was not read, or that sends none of its own).
 *
 * @example sendEdgeBlocks(NO_EDGES, input, worker, () => worker.step(), { shared: shares });
 */
export const NO_EDGES: EdgeList = { src: new Int32Array(0), dst: new Int32Array(0), count: 0, maxId: -1 };

const MAX_ID = 0x7fffffff;

/**
 * The longest line an edge list may have, in bytes (1 MiB). A `src dst` line needs at most some tens;
 * the limit keeps a file with no line breaks (binary data, say) from being held in memory whole.
 */
export const MAX_LINE_BYTES = 1 << 20;

/**
 * Reads an edge-list file (gzip when the name ends in .gz) as a stream of bounded chunks: memory holds
 * the edges, never the whole text. A line longer than MAX_LINE_BYTES is MALFORMED_LINE.
 */
export async function readEdgeList(path: string): Promise<EdgeList> {
  const parser = new EdgeListParser(path, 1 << 16, undefined, { expectedBytes: plainSize(path) });
  await feed(path, parser, {});
  return parser.end();
}

/**
 * Reads share `share` of `shares` of an edge-list file, so that several workers (or processes) read one
 * file together, none of them all of it: the lines that start in bytes `[share·size/shares,
 * (share+1)·size/shares)`. A gzip file cannot be entered in the middle: every share decompresses it and
 * keeps every `shares`-th edge. Errors name the line of the whole file, as `readEdgeList` does. With
 * `shared`, the edges come in `SharedArrayBuffer`s of their size, for other threads to read.
 *
 * @example
 * const mine = await readEdgeListShare('graph.txt', worker.index, worker.peers);
 */
export async function readEdgeListShare(path: string, share: number, shares: number, shared = false): Promise<EdgeList> {
  if (!Number.isInteger(shares) || shares < 1 || !Number.isInteger(share) || share < 0 || share >= shares) {
    throw new ExampleError('BAD_OPTION', `share must be an integer from 0 to shares − 1, got share ${share} of ${shares}`);
  }
  if (path.endsWith('.gz') || shares === 1) {
    const parser = new EdgeListParser(path, 1 << 16, { stride: shares, offset: share }, { shared, expectedBytes: plainSize(path) });
    await feed(path, parser, {});
    return parser.end();
  }
  let size: number;
  try {
    size = statSync(path).size;
  } catch (err) {
    throw unreadable(path, err);
  }
  const start = Math.floor((size * share) / shares);
  const end = Math.floor((size * (share + 1)) / shares);
  const parser = new EdgeListParser(path, 1 << 16, undefined, { shared, expectedBytes: end - start });
  const range = { start: Math.max(0, start - 1), end, first: start === 0 ? 0 : -1 };
  try {
    await feed(path, parser, range);
    return parser.end();
  } catch (err) {
    // The parser counted lines from the share's first: name the line of the whole file.
    if (!(err instanceof ExampleError) || err.code !== 'MALFORMED_LINE' || range.first <= 0) throw err;
    throw onWholeText(err, await countLines(path, range.first));
  }
}

/**
 * Parses share `share` of `shares` of edge-list text held in memory (a gzip file decompressed once, for
 * all the workers of a process): the lines that start in bytes `[share·size/shares, (share+1)·size/shares)`,
 * as `readEdgeListShare` reads them from a file (`shared` as there). Errors name the line of the whole text.
 *
 * @example
 * const text = new TextEncoder().encode('0 1\n1 2\n2 3\n');
 * parseEdgeListShare(text, 1, 2).count; // 1: the line "1 2" starts in the second half
 */
export function parseEdgeListShare(bytes: Uint8Array, share: number, shares: number, name = 'input', shared = false): EdgeList {
  if (!Number.isInteger(shares) || shares < 1 || !Number.isInteger(share) || share < 0 || share >= shares) {
    throw new ExampleError('BAD_OPTION', `share must be an integer from 0 to shares − 1, got share ${share} of ${shares}`);
  }
  const size = bytes.length;
  const start = Math.floor((size * share) / shares);
  const end = Math.floor((size * (share + 1)) / shares);
  let first = 0;
  if (start > 0) {
    const nl = bytes.indexOf(10, start - 1);
    first = nl === -1 ? size : nl + 1;
  }
  if (first >= end) return new EdgeListParser(name, 0, undefined, { shared }).end();
  const nl = bytes.indexOf(10, end - 1);
  const stop = nl === -1 ? size : nl + 1;
  const parser = new EdgeListParser(name, 1 << 16, undefined, { shared, expectedBytes: stop - first });
  try {
    pushInPieces(parser, bytes.subarray(first, stop));
    return parser.end();
  } catch (err) {
    if (!(err instanceof ExampleError) || err.code !== 'MALFORMED_LINE' || first === 0) throw err;
    throw onWholeText(err, newlinesIn(bytes, first));
  }
}

/**
 * Whether the workers cannot read byte ranges of `path` themselves, so that the text must be read once
 * for them (see `readTextShared`): a gzip file, or one that is not a regular file (a pipe, as
 * `--input <(zcat …)` gives). A path that cannot be read at all is left to the workers' reads to name.
 *
 * @example
 * wholeTextNeeded('graph.txt.gz'); // true
 */
export function wholeTextNeeded(path: string): boolean {
  if (path.endsWith('.gz')) return true;
  try {
    return !statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The text of a file (decompressed, for gzip) in shared memory, read once, so that the worker threads
 * of a process parse their shares of it (see `parseEdgeListShare`): for a gzip file, one decompression
 * instead of one each; for a pipe, the only read there can be. If the read fails (the data breaks off,
 * a line is too long), `before` is given the chunks read until then, in order, and may throw an error
 * of theirs instead (a malformed line, see `checkLines`), which one reader parsing the stream would
 * have met first.
 *
 * @example
 * const text = await readTextShared('graph.txt.gz', (chunks) => checkLines(chunks, 'graph.txt.gz'));
 * const mine = parseEdgeListShare(text, worker.index, worker.peers, 'graph.txt.gz');
 */
export async function readTextShared(path: string, before?: (chunks: readonly Uint8Array[]) => void): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  const file = createReadStream(path, { highWaterMark: 1 << 20 });
  const source = path.endsWith('.gz') ? file.pipe(createGunzip({ chunkSize: 1 << 20 })) : file;
  if (source !== file) file.on('error', (err) => source.destroy(err));
  // Lines are checked for length as the text comes, so that data with no line breaks (binary, say)
  // is refused after MAX_LINE_BYTES, as the parser refuses it, not held whole. A chunk is at most a
  // MiB (the decompressor's or the read's), so a line that starts and ends within one is short enough: only the
  // line going on from the chunk before and the one still open at its end need a look.
  let open = 0;
  try {
    for await (const data of source) {
      const chunk = data as Buffer;
      chunks.push(chunk);
      size += chunk.length;
      const first = chunk.indexOf(10);
      // The line going on from before ends in this chunk too long: it is the one after the newlines before.
      const endsTooLong = first !== -1 && open + first > MAX_LINE_BYTES;
      open = first === -1 ? open + chunk.length : chunk.length - 1 - chunk.lastIndexOf(10);
      if (endsTooLong || open > MAX_LINE_BYTES) {
        const line = newlines(endsTooLong ? chunks.slice(0, -1) : chunks) + 1;
        throw new ExampleError('MALFORMED_LINE', `${path}:${line}: a line longer than ${MAX_LINE_BYTES} bytes (edge-list lines are "src dst"; is this a text edge list?)`);
      }
    }
  } catch (err) {
    const failure = err instanceof ExampleError ? err : unreadable(path, err);
    before?.(chunks);
    throw failure;
  } finally {
    file.destroy();
    source.destroy();
  }
  const text = new Uint8Array(new SharedArrayBuffer(size));
  let at = 0;
  for (let i = 0; i < chunks.length; i++) {
    text.set(chunks[i]!, at);
    at += chunks[i]!.length;
    chunks[i] = EMPTY;
  }
  return text;
}

const EMPTY = Buffer.alloc(0);

/** The newlines in `chunks`, for the number of the line that is too long (counted only then). */
function newlines(chunks: readonly Uint8Array[]): number {
  return chunks.reduce((n, c) => n + newlinesIn(c), 0);
}

/**
 * The newlines in `bytes[0, end)`.
 *
 * @example newlinesIn(new TextEncoder().encode('1 2\n3 4\n')); // 2
 */
export function newlinesIn(bytes: Uint8Array, end = bytes.length): number {
  let n = 0;
  for (let i = bytes.indexOf(10); i !== -1 && i < end; i = bytes.indexOf(10, i + 1)) n++;
  return n;
}

/**
 * `err` (MALFORMED_LINE) with its line number moved on by `before` lines: a line of a part of a text
 * named as a line of the whole.
 *
 * @example onWholeText(new ExampleError('MALFORMED_LINE', 'g.txt:3: expected…'), 100).message; // 'g.txt:103: expected…'
 */
export function onWholeText(err: ExampleError, before: number): ExampleError {
  return new ExampleError('MALFORMED_LINE', err.message.replace(/^(.*?):(\d+):/s, (_m, name: string, line: string) => `${name}:${Number(line) + before}:`));
}

/** Pushes `bytes` a MiB at a time, so that the parser sizes its arrays from the first MiB (see EdgeListParser). */
function pushInPieces(parser: EdgeListParser, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length; at += 1 << 20) parser.push(bytes.subarray(at, Math.min(bytes.length, at + (1 << 20))));
}

/** The most text per byte of gzip believed from a trailer (edge lists compress 4–6 times; web-NotreDame 5.1). */
const GZIP_RATIO = 32;

/** The size of a file's text in bytes (a gzip file's as its trailer states it), or 0 where that cannot be told (the read names any problem). */
function plainSize(path: string): number {
  try {
    return path.endsWith('.gz') ? gzipTextSize(path) : statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * The size a gzip file gives its text in its last four bytes (ISIZE: the last member's size, modulo
 * 2^32): only a hint, for sizing room (the parser's arrays, or the text's in `streamedGzip`), so 0
 * where it cannot be told or is not believable — more than GZIP_RATIO times the file, which a damaged
 * or crafted trailer could claim to have gigabytes set aside. Without it the parser's arrays doubled
 * their way up to web-NotreDame's 1.5 M edges.
 *
 * @example
 * gzipTextSize('web-NotreDame.txt.gz'); // 20058155 (3.9 MB of gzip)
 */
export function gzipTextSize(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return 0;
  }
  try {
    const size = fstatSync(fd).size;
    if (size < 18) return 0;
    const head = Buffer.alloc(2);
    const tail = Buffer.alloc(4);
    readSync(fd, head, 0, 2, 0);
    readSync(fd, tail, 0, 4, size - 4);
    const text = tail.readUInt32LE(0);
    return head[0] === 0x1f && head[1] === 0x8b && text <= GZIP_RATIO * size ? text : 0;
  } catch {
    return 0; // a folder, say: the read names it
  } finally {
    closeSync(fd);
  }
}

/** Where `feed` starts and stops: see `readEdgeListShare`. `first` is set to where the share's first line starts (-1: not found yet). */
interface Range {
  start?: number;
  end?: number;
  first?: number;
}

/**
 * Streams the file (decompressed for .gz) into `parser`. With a range: from the first line that starts
 * at `range.start + 1` or later (or at 0) through the line that holds byte `range.end − 1`.
 */
async function feed(path: string, parser: EdgeListParser, range: Range): Promise<void> {
  const gzip = path.endsWith('.gz');
  const file = gzip ? createReadStream(path, { highWaterMark: 1 << 20 }) : undefined;
  const unzipped: (NodeJS.ReadableStream & { destroy(err?: Error): void }) | undefined = file?.pipe(createGunzip({ chunkSize: 1 << 20 }));
  if (file !== undefined) file.on('error', (err) => unzipped!.destroy(err));
  const source = (unzipped as AsyncIterable<Uint8Array> | undefined) ?? fileChunks(path, range.start ?? 0);
  let at = range.start ?? 0;
  try {
    for await (const data of source) {
      let chunk = data;
      const base = at;
      at += chunk.length;
      if (range.end === undefined) {
        parser.push(chunk);
        continue;
      }
      let from = 0;
      if (range.first! < 0) {
        const nl = chunk.indexOf(10);
        if (nl === -1) continue;
        range.first = base + nl + 1;
        from = nl + 1;
      }
      if (range.first! >= range.end) break; // the share holds no line
      // The line holding byte end − 1 ends at the first newline at or after it.
      const look = Math.max(from, range.end - 1 - base);
      const stop = look < chunk.length ? chunk.indexOf(10, look) : -1;
      chunk = chunk.subarray(from, stop === -1 ? chunk.length : stop + 1);
      parser.push(chunk);
      if (stop !== -1) break;
    }
  } catch (err) {
    if (err instanceof ExampleError) throw err;
    throw unreadable(path, err);
  } finally {
    file?.destroy();
    unzipped?.destroy();
  }
}

/**
 * A plain file's bytes from `start` on, a MiB at a time, read into one buffer used over and over: each
 * chunk is only good until the next is asked for (the parser copies what it keeps). Reading into fresh
 * buffers made the memory of every chunk be mapped and unmapped again, which two threads reading at
 * once paid for in system time.
 */
async function* fileChunks(path: string, start: number): AsyncGenerator<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(1 << 20);
    for (let position = start; ; ) {
      // From the start, read on from where the last read ended: a pipe (`--input <(…)`) has no positions.
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, start === 0 ? null : position);
      if (bytesRead === 0) return;
      position += bytesRead;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

/** Newlines in the file's bytes `[0, end)`. */
async function countLines(path: string, end: number): Promise<number> {
  let n = 0;
  for await (const data of createReadStream(path, { start: 0, end: end - 1, highWaterMark: 1 << 20 })) n += newlinesIn(data as Buffer);
  return n;
}

/**
 * BAD_PATH for a file that cannot be read, with the reason in words.
 *
 * @example unreadable('g.txt', Object.assign(new Error('…'), { code: 'ENOENT' })).message; // 'cannot read g.txt: no such file'
 */
export function unreadable(path: string, err: unknown): ExampleError {
  const e = err as NodeJS.ErrnoException;
  const reason = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'it is a folder' : e.code === 'EACCES' ? 'permission denied' : e.code?.startsWith('Z_') ? `not gzip data (${e.message})` : e.message;
  return new ExampleError('BAD_PATH', `cannot read ${path}: ${reason}`);
}

/**
 * Checks the whole lines of `chunks` (a text's start, in order) as the parser would, keeping no edge:
 * throws the MALFORMED_LINE of the first malformed one (or of a line too long); a line the last chunk
 * cuts off is not looked at.
 *
 * @example checkLines([Buffer.from('1 2\nx\n3')], 'g.txt'); // throws MALFORMED_LINE for g.txt:2
 */
export function checkLines(chunks: readonly Uint8Array[], name: string): void {
  const parser = new EdgeListParser(name, 0, { stride: 0, offset: 0 });
  for (const chunk of chunks) parser.push(chunk);
}

/** Parses edge-list text held in memory; `name` is used in error messages. */
export function parseEdgeList(bytes: Uint8Array, name = 'input'): EdgeList {
  const parser = new EdgeListParser(name, 1 << 16, undefined, { expectedBytes: bytes.length });
  pushInPieces(parser, bytes);
  return parser.end();
}

/**
 * Parses edge-list text chunk by chunk: complete lines are parsed as they come, and the part of a line
 * a chunk cuts off is kept (at most MAX_LINE_BYTES) until the next chunk ends it.
 */
export class EdgeListParser {
  private src: Int32Array;
  private dst: Int32Array;
  private count = 0;
  private maxId = -1;
  private line = 0;
  private carry: Uint8Array | undefined;
  /** Keeps edge k (counted from 0 over the whole text) when k % stride = offset. */
  private readonly stride: number;
  private readonly offset: number;
  private seen = 0;
  private readonly shared: boolean;
  /** The text's size in bytes, if known, and the bytes parsed so far: room is sized by the edges per byte seen. */
  private readonly expectedBytes: number;
  private parsedBytes = 0;
  /** Whether the room was sized from the first MiB yet (once only: after that the arrays double when full). */
  private foreseen = false;

  /**
   * With `share`, keeps only every `stride`-th edge from `offset`, none with `stride` 0 (every line is
   * still checked). With
   * `room.shared`, the edges are kept in `SharedArrayBuffer`s (see `end`); with `room.expectedBytes`,
   * the text's size, the arrays grow once to the size the first chunk's edges per byte foretell
   * (then by doubling, if that was short), rather than by doubling all the way.
   */
  constructor(
    private readonly name: string,
    capacity = 1 << 16,
    share: { readonly stride: number; readonly offset: number } = { stride: 1, offset: 0 },
    room: { readonly shared?: boolean; readonly expectedBytes?: number } = {},
  ) {
    this.shared = room.shared ?? false;
    this.expectedBytes = room.expectedBytes ?? 0;
    this.src = this.allocate(capacity);
    this.dst = this.allocate(capacity);
    this.stride = share.stride;
    this.offset = share.offset;
  }

  private allocate(n: number): Int32Array {
    return this.shared ? new Int32Array(new SharedArrayBuffer(4 * n)) : new Int32Array(n);
  }

  /** Room for `cap` edges, the ones so far kept. */
  private growTo(cap: number): void {
    const src = this.allocate(cap);
    const dst = this.allocate(cap);
    src.set(this.src.subarray(0, this.count));
    dst.set(this.dst.subarray(0, this.count));
    this.src = src;
    this.dst = dst;
  }

  push(chunk: Uint8Array): void {
    this.parsedBytes += chunk.length;
    let from = 0;
    if (this.carry !== undefined) {
      const nl = chunk.indexOf(10);
      const head = chunk.subarray(0, nl === -1 ? chunk.length : nl);
      if (this.carry.length + head.length > MAX_LINE_BYTES) throw this.tooLong();
      const joined = new Uint8Array(this.carry.length + head.length);
      joined.set(this.carry);
      joined.set(head, this.carry.length);
      if (nl === -1) {
        this.carry = joined;
        return;
      }
      this.carry = undefined;
      this.parseLines(joined, 0, joined.length);
      from = nl + 1;
    }
    const last = chunk.lastIndexOf(10);
    if (last >= from) {
      this.parseLines(chunk, from, last);
      from = last + 1;
    }
    this.foresee();
    if (from < chunk.length) {
      if (chunk.length - from > MAX_LINE_BYTES) throw this.tooLong();
      // A copy (a Buffer's slice would be a view, and the caller may reuse the chunk's memory).
      this.carry = Uint8Array.prototype.slice.call(chunk, from);
    }
  }

  /**
   * Once a first MiB is parsed, grows the arrays to the edges the whole text should hold at the rate
   * seen (2 % over), if that is more than they hold.
   */
  private foresee(): void {
    if (this.foreseen || this.expectedBytes === 0 || this.parsedBytes < 1 << 20) return;
    this.foreseen = true;
    if (this.parsedBytes >= this.expectedBytes) return;
    const cap = Math.ceil((this.count * this.expectedBytes * 1.02) / this.parsedBytes) + 1024;
    if (cap > this.src.length) this.growTo(cap);
  }

  /**
   * The edges, once the last chunk has been pushed: views of the parser's arrays (in
   * `SharedArrayBuffer`s if the parser was made `shared`, for worker threads to read without copies).
   */
  end(): EdgeList {
    if (this.carry !== undefined) {
      const rest = this.carry;
      this.carry = undefined;
      this.parseLines(rest, 0, rest.length);
    }
    // The room past the last edge is left where it is: never written, its pages were never touched,
    // so it takes no memory, while copying the edges to arrays of their size would touch as many
    // fresh pages again (web-NotreDame: 40 ms of a 230 ms read, and 6 MB more at the peak).
    const n = this.count;
    const src = this.src.subarray(0, n);
    const dst = this.dst.subarray(0, n);
    this.src = this.dst = new Int32Array(0);
    return { src, dst, count: n, maxId: this.maxId };
  }

  /**
   * Parses the lines of `bytes[from, to)`; a line ends at a newline or at `to`. One pass over the
   * bytes: a line of two numbers is read as it is scanned; any other line (blank, a comment, or
   * malformed) is then looked at again, whole.
   */
  private parseLines(bytes: Uint8Array, from: number, to: number): void {
    let i = from;
    let { src, dst, count, maxId, line } = this;
    while (i <= to) {
      const start = i;
      let p = i;
      while (p < to && isSpace(bytes[p]!)) p++;
      let a = 0;
      let digits = 0;
      for (let c = p < to ? bytes[p]! : 0; c >= 48 && c <= 57; c = ++p < to ? bytes[p]! : 0) {
        a = a * 10 + (c - 48);
        digits++;
      }
      let gap = 0;
      while (p < to && isSpace(bytes[p]!)) (p++, gap++);
      let b = 0;
      let digits2 = 0;
      for (let c = p < to ? bytes[p]! : 0; c >= 48 && c <= 57; c = ++p < to ? bytes[p]! : 0) {
        b = b * 10 + (c - 48);
        digits2++;
      }
      while (p < to && isSpace(bytes[p]!)) p++;
      if ((p < to && bytes[p] !== 10) || digits === 0 || gap === 0 || digits2 === 0) {
        let end = bytes.indexOf(10, p);
        if (end === -1 || end > to) end = to;
        i = end + 1;
        this.line = line;
        if (end - start > MAX_LINE_BYTES) throw this.tooLong();
        line++;
        let q = start;
        while (q < end && isSpace(bytes[q]!)) q++;
        if (q === end || bytes[q] === 35 /* # */) continue;
        throw new ExampleError('MALFORMED_LINE', `${this.name}:${line}: expected "src dst" (two non-negative integers), got "${shown(bytes.subarray(start, end))}"`);
      }
      i = p + 1;
      if (p - start > MAX_LINE_BYTES) {
        this.line = line;
        throw this.tooLong();
      }
      line++;
      if (a > MAX_ID || b > MAX_ID) throw new ExampleError('MALFORMED_LINE', `${this.name}:${line}: node id above ${MAX_ID}`);
      if (this.stride !== 1 && (this.stride === 0 || this.seen++ % this.stride !== this.offset)) continue;
      if (count === src.length) {
        this.count = count;
        this.growTo(2 * count + 16);
        ({ src, dst } = this);
      }
      src[count] = a;
      dst[count] = b;
      count++;
      if (a > maxId) maxId = a;
      if (b > maxId) maxId = b;
    }
    this.count = count;
    this.maxId = maxId;
    this.line = line;
  }

  /** The lines parsed so far (a line cut off at the end of the last chunk not yet counted). */
  get lines(): number {
    return this.line;
  }

  private tooLong(): ExampleError {
    return new ExampleError('MALFORMED_LINE', `${this.name}:${this.line + 1}: a line longer than ${MAX_LINE_BYTES} bytes (edge-list lines are "src dst"; is this a text edge list?)`);
  }
}

/** Up to 80 bytes of a line as text, with anything but printable ASCII escaped (\xNN), so no byte reaches the terminal raw. */
function shown(bytes: Uint8Array): string {
  let n = Math.min(bytes.length, 80);
  if (n === bytes.length && n > 0 && bytes[n - 1] === 13) n--;
  let out = '';
  for (let i = 0; i < n; i++) {
    const c = bytes[i]!;
    out += c >= 0x20 && c < 0x7f && c !== 0x5c && c !== 0x22 ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return bytes.length > 80 ? `${out}…` : out;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13;
}


/**
 * Whether `node` is an end of some edge (a BFS source must be).
 *
 * @example
 * hasNode({ src: Int32Array.of(1), dst: Int32Array.of(2), count: 1, maxId: 2 }, 2); // true
 */
export function hasNode(edges: EdgeList, node: number): boolean {
  const { src, dst, count } = edges;
  for (let i = 0; i < count; i++) if (src[i] === node || dst[i] === node) return true;
  return false;
}

/** A seeded random graph (splitmix-style generator): `edges` directed edges over `nodes` ids. */
export function generateEdgeList(nodes: number, edges: number, seed = 1): EdgeList {
  const src = new Int32Array(edges);
  const dst = new Int32Array(edges);
  let s = seed >>> 0 || 1;
  const next = () => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
  for (let e = 0; e < edges; e++) {
    src[e] = Math.floor(next() * nodes);
    dst[e] = Math.floor(next() * nodes);
  }
  let maxId = -1;
  for (let e = 0; e < edges; e++) maxId = Math.max(maxId, src[e]!, dst[e]!);
  return { src, dst, count: edges, maxId };
}
