/** Edge-list files: `src dst` lines of non-negative integers, `#` comments, gzip when the name ends in .gz. */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';

export const ExampleErrorCode = {
  BAD_PATH: 'BAD_PATH',
  MALFORMED_LINE: 'MALFORMED_LINE',
  BAD_OPTION: 'BAD_OPTION',
  MALFORMED_BLOCK: 'MALFORMED_BLOCK',
  WRITE_FAILED: 'WRITE_FAILED',
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

/** Edges as two parallel arrays; `nodes` is the number of distinct ids, `maxId` the largest. */
export interface EdgeList {
  readonly src: Int32Array;
  readonly dst: Int32Array;
  readonly count: number;
  readonly maxId: number;
}

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
  const parser = new EdgeListParser(path);
  const file = createReadStream(path, { highWaterMark: 1 << 20 });
  const source: NodeJS.ReadableStream & { destroy(err?: Error): void } = path.endsWith('.gz') ? file.pipe(createGunzip({ chunkSize: 1 << 20 })) : file;
  if (source !== file) file.on('error', (err) => source.destroy(err));
  try {
    for await (const chunk of source) parser.push(chunk as Buffer);
  } catch (err) {
    if (err instanceof ExampleError) throw err;
    const e = err as NodeJS.ErrnoException;
    const reason = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'it is a folder' : e.code === 'EACCES' ? 'permission denied' : e.code?.startsWith('Z_') ? `not gzip data (${e.message})` : e.message;
    throw new ExampleError('BAD_PATH', `cannot read ${path}: ${reason}`);
  } finally {
    file.destroy();
    source.destroy();
  }
  return parser.end();
}

/** Parses edge-list text held in memory; `name` is used in error messages. */
export function parseEdgeList(bytes: Uint8Array, name = 'input'): EdgeList {
  const parser = new EdgeListParser(name, Math.max(16, bytes.length >>> 3));
  parser.push(bytes);
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

  constructor(
    private readonly name: string,
    capacity = 1 << 16,
  ) {
    this.src = new Int32Array(capacity);
    this.dst = new Int32Array(capacity);
  }

  push(chunk: Uint8Array): void {
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
    if (from < chunk.length) {
      if (chunk.length - from > MAX_LINE_BYTES) throw this.tooLong();
      this.carry = chunk.slice(from);
    }
  }

  /** The edges, once the last chunk has been pushed. */
  end(): EdgeList {
    if (this.carry !== undefined) {
      const rest = this.carry;
      this.carry = undefined;
      this.parseLines(rest, 0, rest.length);
    }
    return { src: this.src.subarray(0, this.count), dst: this.dst.subarray(0, this.count), count: this.count, maxId: this.maxId };
  }

  /** Parses the lines of `bytes[from, to)`; a line ends at a newline or at `to`. */
  private parseLines(bytes: Uint8Array, from: number, to: number): void {
    let i = from;
    while (i <= to) {
      const start = i;
      let end = bytes.indexOf(10, i);
      if (end === -1 || end > to) end = to;
      i = end + 1;
      if (end - start > MAX_LINE_BYTES) throw this.tooLong();
      this.line++;
      let p = start;
      while (p < end && isSpace(bytes[p]!)) p++;
      if (p === end || bytes[p] === 35 /* # */) continue;
      let a = 0;
      let digits = 0;
      while (p < end && bytes[p]! >= 48 && bytes[p]! <= 57) {
        a = a * 10 + (bytes[p++]! - 48);
        digits++;
      }
      let gap = 0;
      while (p < end && isSpace(bytes[p]!)) (p++, gap++);
      let b = 0;
      let digits2 = 0;
      while (p < end && bytes[p]! >= 48 && bytes[p]! <= 57) {
        b = b * 10 + (bytes[p++]! - 48);
        digits2++;
      }
      while (p < end && isSpace(bytes[p]!)) p++;
      if (digits === 0 || gap === 0 || digits2 === 0 || p !== end) {
        throw new ExampleError('MALFORMED_LINE', `${this.name}:${this.line}: expected "src dst" (two non-negative integers), got "${shown(bytes.subarray(start, end))}"`);
      }
      if (a > MAX_ID || b > MAX_ID) throw new ExampleError('MALFORMED_LINE', `${this.name}:${this.line}: node id above ${MAX_ID}`);
      if (this.count === this.src.length) {
        this.src = grow(this.src, 2 * this.count);
        this.dst = grow(this.dst, 2 * this.count);
      }
      this.src[this.count] = a;
      this.dst[this.count] = b;
      this.count++;
      if (a > this.maxId) this.maxId = a;
      if (b > this.maxId) this.maxId = b;
    }
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

function grow(a: Int32Array, cap: number): Int32Array {
  const b = new Int32Array(cap);
  b.set(a);
  return b;
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
