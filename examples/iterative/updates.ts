/**
 * Update files for the incremental examples: `+ u v` inserts an edge, `- u v` removes one copy of a
 * present edge, `@ E` starts epoch E (≥ 1, strictly increasing), `#` starts a comment.
 */
import { ExampleError, readTextShared, type EdgeList } from './edge-list.js';

/** The edge changes of one epoch, in file order: `sign[i]` is +1 or -1 for the edge `src[i] → dst[i]`. */
export interface EpochUpdates {
  readonly epoch: number;
  readonly sign: Int8Array;
  readonly src: Int32Array;
  readonly dst: Int32Array;
  /** The line of the file each change is on. */
  readonly line: Int32Array;
}

const MAX_ID = 0x7fffffff;

/**
 * Parses an update file's text (`name` names it in errors: `NAME:LINE: …`). Every line is checked:
 * MALFORMED_LINE for one that is not an update, an epoch line or a comment; BAD_UPDATE for an update
 * before the first `@ E` line, or an epoch that is not after the one before.
 *
 * @example
 * parseUpdates(new TextEncoder().encode('@ 1\n+ 0 1\n- 2 3\n'), 'u.txt'); // [{ epoch: 1, sign: [1, -1], src: [0, 2], dst: [1, 3], line: [2, 3] }]
 */
export function parseUpdates(bytes: Uint8Array, name: string): EpochUpdates[] {
  const text = new TextDecoder().decode(bytes);
  const epochs: EpochUpdates[] = [];
  let sign: number[] = [];
  let src: number[] = [];
  let dst: number[] = [];
  let lines: number[] = [];
  let epoch = -1;
  const close = () => {
    if (epoch >= 1) epochs.push({ epoch, sign: Int8Array.from(sign), src: Int32Array.from(src), dst: Int32Array.from(dst), line: Int32Array.from(lines) });
    sign = [];
    src = [];
    dst = [];
    lines = [];
  };
  let line = 0;
  for (let at = 0; at < text.length; ) {
    let end = text.indexOf('\n', at);
    if (end === -1) end = text.length;
    line++;
    const raw = text.slice(at, end);
    at = end + 1;
    const hash = raw.indexOf('#');
    const body = (hash === -1 ? raw : raw.slice(0, hash)).trim();
    if (body.length === 0) continue;
    const parts = body.split(/[ \t]+/);
    if (parts[0] === '@' && parts.length === 2) {
      const e = integer(parts[1]!);
      if (e === undefined || e < 1) throw malformed(name, line, raw);
      if (e <= epoch) throw new ExampleError('BAD_UPDATE', `${name}:${line}: epoch ${e} after epoch ${epoch}: epochs must be strictly increasing`);
      close();
      epoch = e;
      continue;
    }
    if ((parts[0] === '+' || parts[0] === '-') && parts.length === 3) {
      const u = integer(parts[1]!);
      const v = integer(parts[2]!);
      if (u === undefined || v === undefined) throw malformed(name, line, raw);
      if (u > MAX_ID || v > MAX_ID) throw new ExampleError('MALFORMED_LINE', `${name}:${line}: node id above ${MAX_ID} in '${shorten(raw)}'`);
      if (epoch < 1) throw new ExampleError('BAD_UPDATE', `${name}:${line}: an update before the first '@ E' line: start an epoch (E ≥ 1) first; the base edges are epoch 0`);
      sign.push(parts[0] === '+' ? 1 : -1);
      src.push(u);
      dst.push(v);
      lines.push(line);
      continue;
    }
    throw malformed(name, line, raw);
  }
  close();
  return epochs;
}

/** Reads and parses an update file (gzip when the name ends in .gz). */
export async function readUpdates(path: string): Promise<EpochUpdates[]> {
  return parseUpdates(await readTextShared(path), path);
}

/**
 * Checks that every removal takes an edge present at that point (the base's edges, then the updates in
 * file order): BAD_UPDATE naming the first line that does not. Only the edges some line removes are
 * counted, so this costs one pass over the base.
 */
export function checkRemovals(base: EdgeList, epochs: readonly EpochUpdates[], name: string): void {
  const removed = new Set<string>();
  // The sources of removed edges: a base edge from any other node needs no key made for it.
  const sources = new Set<number>();
  for (const e of epochs) {
    for (let i = 0; i < e.sign.length; i++) {
      if (e.sign[i]! >= 0) continue;
      removed.add(`${e.src[i]} ${e.dst[i]}`);
      sources.add(e.src[i]!);
    }
  }
  if (removed.size === 0) return;
  const count = new Map<string, number>();
  for (let i = 0; i < base.count; i++) {
    if (!sources.has(base.src[i]!)) continue;
    const k = `${base.src[i]} ${base.dst[i]}`;
    if (removed.has(k)) count.set(k, (count.get(k) ?? 0) + 1);
  }
  for (let x = 0; x < epochs.length; x++) {
    const e = epochs[x]!;
    for (let i = 0; i < e.sign.length; i++) {
      if (e.sign[i]! > 0 && !sources.has(e.src[i]!)) continue;
      const k = `${e.src[i]} ${e.dst[i]}`;
      if (e.sign[i]! > 0) {
        if (removed.has(k)) count.set(k, (count.get(k) ?? 0) + 1);
        continue;
      }
      const n = count.get(k) ?? 0;
      if (n === 0) throw new ExampleError('BAD_UPDATE', `${name}:${e.line[i]}: removes the edge ${k} at epoch ${e.epoch}, but it is not present then (no copy left in the base and the updates before)`);
      count.set(k, n - 1);
    }
  }
}

function integer(s: string): number | undefined {
  if (!/^\d{1,16}$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

function malformed(name: string, line: number, raw: string): ExampleError {
  return new ExampleError('MALFORMED_LINE', `${name}:${line}: expected '+ u v', '- u v' (non-negative integer ids), '@ E' (an epoch ≥ 1) or a # comment, got '${shorten(raw)}'`);
}

/** A line as an error shows it: at most 60 characters. */
function shorten(raw: string): string {
  return raw.length > 60 ? `${raw.slice(0, 57)}...` : raw;
}

/**
 * A seeded update file of `rounds` epochs (1, 2, …), each removing `k` random live edges and inserting
 * `k` random edges between ids of the base (so the live edge count stays the same): the churn the
 * benchmarks and tests apply. `k` may be a function of the round (1, 2, …). Returns the file's text.
 *
 * @example const text = churnUpdates(edges, 50, 10, 7); // 50 epochs of 10 removals and 10 inserts
 */
export function churnUpdates(base: EdgeList, rounds: number, k: number | ((round: number) => number), seed = 1): string {
  const size = typeof k === 'number' ? () => k : k;
  const live: number[] = [];
  for (let i = 0; i < base.count; i++) live.push(base.src[i]!, base.dst[i]!);
  const ids = [...new Set(live)];
  let s = seed >>> 0 || 1;
  const next = (n: number) => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return Math.floor((((z ^ (z >>> 16)) >>> 0) / 4294967296) * n);
  };
  const out: string[] = [];
  for (let r = 1; r <= rounds; r++) {
    out.push(`@ ${r}\n`);
    const n = size(r);
    for (let j = 0; j < n && live.length > 0; j++) {
      const at = 2 * next(live.length / 2);
      out.push(`- ${live[at]} ${live[at + 1]}\n`);
      live[at] = live[live.length - 2]!;
      live[at + 1] = live[live.length - 1]!;
      live.length -= 2;
    }
    for (let j = 0; j < n && ids.length > 0; j++) {
      const u = ids[next(ids.length)]!;
      const v = ids[next(ids.length)]!;
      out.push(`+ ${u} ${v}\n`);
      live.push(u, v);
    }
  }
  return out.join('');
}
