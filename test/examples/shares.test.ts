/**
 * Input read in parallel and output formatted in parallel: every share of a text, parsed apart, gives
 * the whole text's edges; every worker's range of the output, put one after the other, is the output.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCsr, type Columns } from '../../examples/iterative/csr.js';
import { checkLines, readTextShared, EdgeListParser, parseEdgeList, parseEdgeListShare, readEdgeListShare, type EdgeList } from '../../examples/iterative/edge-list.js';
import { formatLines, formatLinesOver, roomsApart } from '../../examples/iterative/format.js';
import { formatNodeValues } from '../../examples/iterative/run.js';

const scratch = mkdtempSync(join(tmpdir(), 'timely-shares-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Edge-list text with the things a file may hold besides edges: comments, blank lines, tabs, CRLF. */
const edgeText = fc
  .array(
    fc.oneof(
      { weight: 6, arbitrary: fc.tuple(fc.nat(5000), fc.nat(5000), fc.constantFrom(' ', '\t', '  '), fc.constantFrom('\n', '\r\n')).map(([a, b, gap, end]) => `${a}${gap}${b}${end}`) },
      { weight: 1, arbitrary: fc.constantFrom('# a comment\n', '\n', '   \n', '#\n') },
    ),
    { maxLength: 120 },
  )
  .chain((lines) => fc.boolean().map((lastNewline) => (lastNewline ? lines.join('') : lines.join('').replace(/\r?\n$/, ''))));

function pairs(e: EdgeList): [number, number][] {
  return Array.from({ length: e.count }, (_, i) => [e.src[i]!, e.dst[i]!]);
}

describe('input in shares', () => {
  it('the shares of a text, parsed apart and put in share order, are the whole text’s edges in order', () => {
    fc.assert(
      fc.property(edgeText, fc.integer({ min: 1, max: 7 }), (text, shares) => {
        const bytes = new TextEncoder().encode(text);
        const whole = pairs(parseEdgeList(bytes));
        const parts = Array.from({ length: shares }, (_, s) => pairs(parseEdgeListShare(bytes, s, shares)));
        expect(parts.flat()).toEqual(whole);
      }),
    );
  });

  it('a file read in shares gives the same edges as the text parsed in shares, in shared memory when asked', async () => {
    const text = Array.from({ length: 3000 }, (_, i) => `${i} ${(i * 7919) % 3001}\n`).join('');
    const file = join(scratch, 'g.txt');
    writeFileSync(file, text);
    const bytes = new TextEncoder().encode(text);
    for (const shares of [1, 2, 3, 5]) {
      for (let s = 0; s < shares; s++) {
        const fromFile = await readEdgeListShare(file, s, shares, true);
        expect(fromFile.src.buffer).toBeInstanceOf(SharedArrayBuffer);
        expect(pairs(fromFile)).toEqual(pairs(parseEdgeListShare(bytes, s, shares)));
      }
    }
  });

  it('how much room the parser foresees never changes the edges it keeps', () => {
    fc.assert(
      fc.property(edgeText, fc.integer({ min: 0, max: 1 << 22 }), fc.integer({ min: 1, max: 64 }), (text, expectedBytes, capacity) => {
        const bytes = new TextEncoder().encode(text);
        const parser = new EdgeListParser('t', capacity, undefined, { expectedBytes });
        // Fed as many small chunks, so that the doubling comes into play.
        for (let at = 0; at < bytes.length; at += 7) parser.push(bytes.subarray(at, at + 7));
        expect(pairs(parser.end())).toEqual(pairs(parseEdgeList(bytes)));
      }),
    );
    // Past the first MiB, where the room foreseen is taken: a size said too small, right, or far too large.
    const big = new TextEncoder().encode(Array.from({ length: 200_000 }, (_, i) => `${i} ${(i * 31) % 200_000}\n`).join(''));
    const whole = parseEdgeList(big);
    // The edges of the first MiB's whole lines: the rate the room is foreseen from.
    const firstMiB = parseEdgeList(big.subarray(0, big.subarray(0, 1 << 20).lastIndexOf(10) + 1)).count;
    for (const expectedBytes of [big.length >> 1, big.length, big.length * 40]) {
      const parser = new EdgeListParser('t', 16, undefined, { expectedBytes });
      for (let at = 0; at < big.length; at += 1 << 19) parser.push(big.subarray(at, at + (1 << 19)));
      const got = parser.end();
      expect(got.count).toBe(whole.count);
      expect(got.src).toEqual(whole.src);
      expect(got.dst).toEqual(whole.dst);
      // The room is never more than the larger of what the size foretold and twice the edges (the
      // doubling): ending leaves it as it is (the room never written takes no memory).
      const foretold = Math.ceil((firstMiB * expectedBytes * 1.02) / (1 << 20)) + 1024;
      expect(got.src.buffer.byteLength).toBeLessThanOrEqual(4 * Math.max(foretold, 2 * whole.count + 16));
    }
  });

  it('text fed in pieces of one reused Buffer parses as the whole text does', () => {
    fc.assert(
      fc.property(edgeText, fc.integer({ min: 1, max: 40 }), (text, piece) => {
        const bytes = new TextEncoder().encode(text);
        const parser = new EdgeListParser('t');
        const reused = Buffer.alloc(piece);
        for (let at = 0; at < bytes.length; at += piece) {
          const n = Math.min(piece, bytes.length - at);
          reused.set(bytes.subarray(at, at + n));
          parser.push(reused.subarray(0, n));
          reused.fill(0x23); // what the next read would overwrite
        }
        expect(pairs(parser.end())).toEqual(pairs(parseEdgeList(bytes)));
      }),
    );
  });

  it('checkLines on a text\'s first chunks names what parsing their whole lines names, and nothing for a line cut off', () => {
    const withBad = fc.tuple(edgeText, fc.array(fc.tuple(fc.nat(200), fc.constantFrom('1 x\n', 'x\n', '1 2 3\n')), { maxLength: 2 }));
    fc.assert(
      fc.property(withBad, fc.nat(4000), fc.array(fc.nat(4000), { maxLength: 4 }), ([text, bad], cut, cuts) => {
        let all = text;
        for (const [at, line] of bad) {
          const nl = all.indexOf('\n', at % (all.length + 1));
          all = nl < 0 ? all + '\n' + line : all.slice(0, nl + 1) + line + all.slice(nl + 1);
        }
        const bytes = new TextEncoder().encode(all);
        const read = bytes.subarray(0, cut % (bytes.length + 1));
        const whole = read.subarray(0, read.lastIndexOf(10) + 1);
        const error = (f: () => unknown) => {
          try {
            f();
            return undefined;
          } catch (err) {
            return (err as Error).message;
          }
        };
        const places = [...new Set(cuts.map((c) => c % (read.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...places].map((from, i, xs) => read.subarray(from, xs[i + 1] ?? read.length));
        expect(error(() => checkLines(chunks, 'g.txt'))).toBe(error(() => parseEdgeList(whole, 'g.txt')));
      }),
    );
  });

  it('a malformed line in any share is named by its line in the whole text', () => {
    const lines = Array.from({ length: 400 }, (_, i) => `${i} ${i + 1}`);
    lines[287] = '287 x';
    const bytes = new TextEncoder().encode(lines.join('\n') + '\n');
    const errors = Array.from({ length: 4 }, (_, s) => {
      try {
        parseEdgeListShare(bytes, s, 4, 'g.txt');
        return undefined;
      } catch (err) {
        return (err as Error).message;
      }
    });
    expect(errors.filter((e) => e !== undefined)).toEqual(['g.txt:288: expected "src dst" (two non-negative integers), got "287 x"']);
  });

  it('a gzip file whose trailer states its text’s size reads the same edges as the text; one that misstates it, by any amount, is BAD_PATH', async () => {
    // Past a MiB of text, so that the parser sizes its room from the trailer's claim.
    const lines: string[] = [];
    for (let i = 0; i < 150_000; i++) lines.push(`${(i * 7919) % 100_003} ${(i * 104_729) % 100_003}\n`);
    const text = Buffer.from(lines.join(''));
    const expected = pairs(parseEdgeList(text, 'g'));
    const gz = gzipSync(text);
    for (const claim of [text.length, 0, 1, 1 << 20, 64 * gz.length, 0xffffffff]) {
      const path = join(scratch, `claim-${claim}.txt.gz`);
      const patched = Buffer.from(gz);
      patched.writeUInt32LE(claim, patched.length - 4);
      writeFileSync(path, patched);
      // Node's gunzip checks the trailer's size: a wrong one is an unreadable file, a right one reads whole.
      if (claim === text.length) expect(pairs(await readEdgeListShare(path, 0, 1))).toEqual(expected);
      else await expect(readEdgeListShare(path, 0, 1)).rejects.toMatchObject({ code: 'BAD_PATH', message: expect.stringMatching(/cannot read/) });
    }
  });

  it('a gzip file is decompressed once into shared memory; a line past the limit is refused as the text comes', async () => {
    const text = Array.from({ length: 500 }, (_, i) => `${i} ${i * 3}\n`).join('');
    const gz = join(scratch, 'g.txt.gz');
    writeFileSync(gz, gzipSync(text));
    const shared = await readTextShared(gz);
    expect(shared.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(new TextDecoder().decode(shared)).toBe(text);
    const endless = join(scratch, 'endless.gz');
    writeFileSync(endless, gzipSync(Buffer.concat([Buffer.from('1 2\n3 4\n'), Buffer.alloc(3 << 20, 0x37)])));
    await expect(readTextShared(endless)).rejects.toMatchObject({ code: 'MALFORMED_LINE', message: expect.stringMatching(/endless\.gz:3: a line longer than/) });
    // A long line that ends further on (in the decompressor's second MiB), with lines after it.
    const ends = join(scratch, 'ends.gz');
    writeFileSync(ends, gzipSync(Buffer.concat([Buffer.from('1 2\n'), Buffer.alloc(1.5 * 2 ** 20, 0x37), Buffer.from('\n5 6\n')])));
    await expect(readTextShared(ends)).rejects.toMatchObject({ code: 'MALFORMED_LINE', message: expect.stringMatching(/ends\.gz:2: a line longer than/) });
  });
});

describe('output formatted in ranges', () => {
  const values = fc.oneof(
    fc.integer({ min: 0, max: 0x7fffffff }),
    fc.double(),
    fc.constantFrom(0, -0, 1e21, 2 ** 31, -1, 0.1, 1 / 3, Number.MAX_VALUE, Number.MIN_VALUE, Infinity, -Infinity, NaN),
  );

  it('formatLines writes the same bytes as `${node} ${value}` lines', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 0x7fffffff }), values), { maxLength: 200 }), (rows) => {
        const result = { nodes: Int32Array.from(rows, (r) => r[0]), values: Float64Array.from(rows, (r) => r[1]) };
        expect(new TextDecoder().decode(formatLines(result))).toBe(formatNodeValues(result));
      }),
    );
  });

  it('formatLinesOver writes the same lines into the spare rooms first, then fresh room, never into the result', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 0x7fffffff }), values), { maxLength: 200 }),
        fc.array(fc.nat({ max: 3000 }), { maxLength: 4 }),
        fc.boolean(),
        (rows, sizes, overResult) => {
          // The result's arrays sit in one buffer, which is also offered as a room when `overResult`.
          const buffer = new ArrayBuffer(12 * rows.length + 8);
          const result = { nodes: new Int32Array(buffer, 0, rows.length), values: new Float64Array(buffer, 8 * Math.ceil((4 * rows.length) / 8), rows.length) };
          rows.forEach(([n, v], i) => ((result.nodes[i] = n), (result.values[i] = v)));
          const rooms = sizes.map((n) => new Uint8Array(n));
          const spare = overResult ? [new Uint8Array(buffer), ...rooms] : rooms;
          const texts = formatLinesOver(result, spare);
          expect(new TextDecoder().decode(Buffer.concat(texts))).toBe(formatNodeValues(result));
          // The first room that can take a line takes the first lines; the result's buffer takes none.
          const first = rooms.find((r) => r.length >= 64);
          if (rows.length > 0 && first !== undefined) expect(texts[0]!.buffer).toBe(first.buffer);
          for (const t of texts) expect(t.buffer).not.toBe(buffer);
        },
      ),
    );
  });
});

describe('rooms apart from what they hold', () => {
  it('roomsApart keeps exactly the bytes of the rooms that are not the taken ones, in order, in rooms that are not empty', () => {
    // Rooms (never empty) and the taken view over one buffer of 64 bytes, and rooms of another buffer:
    // byte i of the shared buffer holds i, so what a room covers can be read back.
    const room = fc.tuple(fc.nat(63), fc.nat(63)).map(([a, b]) => [Math.min(a, b), Math.max(a, b) + 1] as const);
    const takenSpan = fc.tuple(fc.nat(64), fc.nat(64)).map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const);
    fc.assert(
      fc.property(fc.array(fc.tuple(room, fc.boolean()), { maxLength: 6 }), takenSpan, (rooms, [from, to]) => {
        const shared = new Uint8Array(64).map((_, i) => i);
        const other = new Uint8Array(64).map((_, i) => 100 + i);
        const given = rooms.map(([[a, b], elsewhere]) => (elsewhere ? other : shared).subarray(a, b));
        const kept = roomsApart(given, shared.subarray(from, to));
        // Each room's bytes, less those of the taken view when it is in the same buffer.
        const expected = given.flatMap((r) => Array.from(r).filter((x) => r.buffer !== shared.buffer || x < from || x >= to));
        expect(kept.flatMap((r) => Array.from(r))).toEqual(expected);
        for (const r of kept) expect(r.length).toBeGreaterThan(0);
      }),
    );
  });
});

describe('adjacency from shared columns', () => {
  it('the lists a worker builds from shared columns are those of the pairs whose key it owns', () => {
    const columns = fc.array(fc.tuple(fc.nat(300), fc.nat(300)), { maxLength: 200 }).map((ps): Columns => [Int32Array.from(ps, (p) => p[0]), Int32Array.from(ps, (p) => p[1])]);
    fc.assert(
      fc.property(fc.array(columns, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 4 }), fc.nat(), fc.boolean(), fc.integer({ min: 1, max: 2 }), (all, peers, pick, dedupe, divide) => {
        const worker = pick % peers;
        const divisor = divide === 1 ? 1 : peers;
        const owned = all.map(([key, other]): Columns => {
          const keep = Array.from(key.keys()).filter((i) => key[i]! % peers === worker);
          return [Int32Array.from(keep, (i) => key[i]!), Int32Array.from(keep, (i) => other[i]!)];
        });
        const fromShared = buildCsr(0, [], dedupe, divisor, undefined, { columns: all, worker, peers });
        const fromOwned = buildCsr(0, owned, dedupe, divisor);
        expect(Array.from(fromShared.offsets)).toEqual(Array.from(fromOwned.offsets));
        expect(Array.from(fromShared.targets)).toEqual(Array.from(fromOwned.targets));
        expect(fromShared.extent).toBe(fromOwned.extent);
      }),
    );
  });
});
