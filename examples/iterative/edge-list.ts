/** Edge-list files: `src dst` lines of non-negative integers, `#` comments, gzip when the name ends in .gz. */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export const ExampleErrorCode = { BAD_PATH: 'BAD_PATH', MALFORMED_LINE: 'MALFORMED_LINE', BAD_OPTION: 'BAD_OPTION', MALFORMED_BLOCK: 'MALFORMED_BLOCK' } as const;
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

export function readEdgeList(path: string): EdgeList {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
    if (path.endsWith('.gz')) bytes = gunzipSync(bytes);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new ExampleError('BAD_PATH', `cannot read ${path}: ${reason}`);
  }
  return parseEdgeList(bytes, path);
}

/** Parses edge-list text; `name` is used in error messages. */
export function parseEdgeList(bytes: Uint8Array, name = 'input'): EdgeList {
  let cap = Math.max(16, bytes.length >>> 3);
  let src: Int32Array = new Int32Array(cap);
  let dst: Int32Array = new Int32Array(cap);
  let count = 0;
  let maxId = -1;
  let line = 0;
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    line++;
    const start = i;
    let end = bytes.indexOf(10, i);
    if (end === -1) end = n;
    i = end + 1;
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
      const text = Buffer.from(bytes.subarray(start, end)).toString('utf8').replace(/\r$/, '');
      throw new ExampleError('MALFORMED_LINE', `${name}:${line}: expected "src dst" (two non-negative integers), got "${text.slice(0, 80)}"`);
    }
    if (a > MAX_ID || b > MAX_ID) throw new ExampleError('MALFORMED_LINE', `${name}:${line}: node id above ${MAX_ID}`);
    if (count === cap) {
      cap *= 2;
      src = grow(src, cap);
      dst = grow(dst, cap);
    }
    src[count] = a;
    dst[count] = b;
    count++;
    if (a > maxId) maxId = a;
    if (b > maxId) maxId = b;
  }
  return { src: src.subarray(0, count), dst: dst.subarray(0, count), count, maxId };
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
