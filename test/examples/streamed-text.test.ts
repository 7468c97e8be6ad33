/**
 * A text filled by one thread while others parse their blocks of it: every edge reaches exactly one
 * reader, the first malformed line is the one named, and a filling that fails or overflows never
 * leaves a reader waiting.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ExampleError, firstFailure, parseEdgeList, type EdgeList } from '../../examples/iterative/edge-list.js';
import { fillFrom, fillStreamed, newStreamedText, parseStreamedShare, streamedGzip, type StreamedShareFailure, type StreamedText } from '../../examples/iterative/streamed-text.js';

const scratch = mkdtempSync(join(tmpdir(), 'timely-streamed-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Edge-list lines with comments, blank lines, tabs and CRLF; the last newline optional. */
const lines = fc.array(
  fc.oneof(
    { weight: 6, arbitrary: fc.tuple(fc.nat(5000), fc.nat(5000), fc.constantFrom(' ', '\t', '  '), fc.constantFrom('\n', '\r\n')).map(([a, b, gap, end]) => `${a}${gap}${b}${end}`) },
    { weight: 1, arbitrary: fc.constantFrom('# a comment\n', '\n', '   \n', '#\n') },
  ),
  { maxLength: 120 },
);
const joined = (ls: string[], lastNewline: boolean) => (lastNewline ? ls.join('') : ls.join('').replace(/\r?\n$/, ''));

/** `bytes` cut into chunks at the given places (as a decompressor's output might be). */
function chunked(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const c of [...at, bytes.length]) {
    if (c > from) out.push(bytes.subarray(from, c));
    from = Math.max(from, c);
  }
  return out;
}

const failure = (err: unknown) => new ExampleError('BAD_PATH', String(err));

async function filled(bytes: Uint8Array, cuts: number[] = []): Promise<StreamedText> {
  const streamed = newStreamedText(bytes.length);
  expect(await fillFrom(chunked(bytes, cuts), streamed, failure)).toEqual({ kind: 'done' });
  return streamed;
}

function sortedPairs(parts: readonly EdgeList[]): [number, number][] {
  const out: [number, number][] = [];
  for (const e of parts) for (let i = 0; i < e.count; i++) out.push([e.src[i]!, e.dst[i]!]);
  return out.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
}

function edgesOf(result: EdgeList | StreamedShareFailure): EdgeList {
  if ('aborted' in result || 'failure' in result) throw new Error(`expected edges, got ${JSON.stringify(result)}`);
  return result;
}

describe('streamed text, read in blocks', () => {
  it('the readers of a text, blocks of any size, hold its edges, each edge once', async () => {
    await fc.assert(
      fc.asyncProperty(lines, fc.boolean(), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 64 }), fc.array(fc.nat(4000), { maxLength: 6 }), async (ls, last, shares, block, cuts) => {
        const bytes = new TextEncoder().encode(joined(ls, last));
        const streamed = await filled(bytes, cuts);
        const parts = Array.from({ length: shares }, (_, s) => edgesOf(parseStreamedShare(streamed, s, shares, 'g.txt', false, block)));
        expect(sortedPairs(parts)).toEqual(sortedPairs([parseEdgeList(bytes, 'g.txt')]));
      }),
    );
  });

  it('of several malformed lines, the one named (the failure of the first block) is the first in the text, as one reader names it', async () => {
    const bad = fc.constantFrom('1 x\n', 'x\n', '1 2 3\n', '-1 2\n');
    await fc.assert(
      fc.asyncProperty(lines, fc.array(fc.tuple(fc.nat(200), bad), { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 64 }), async (ls, inserts, shares, block) => {
        const all = [...ls];
        for (const [at, line] of inserts) all.splice(at % (all.length + 1), 0, line);
        const bytes = new TextEncoder().encode(all.join(''));
        let expected = '';
        try {
          parseEdgeList(bytes, 'g.txt');
        } catch (err) {
          expected = (err as Error).message;
        }
        expect(expected).toMatch(/^g\.txt:\d+: /);
        const streamed = await filled(bytes);
        const failures = Array.from({ length: shares }, (_, s) => parseStreamedShare(streamed, s, shares, 'g.txt', false, block)).map((r) => ('failure' in r ? r.failure : undefined));
        const first = firstFailure(failures);
        expect(first?.message).toBe(expected);
        expect(first?.code).toBe('MALFORMED_LINE');
      }),
    );
  });

  it('a text longer than its room overflows; a source that fails is failed; readers that need what never came are aborted, after parsing the whole lines that came', async () => {
    const bytes = new TextEncoder().encode('1 2\n3 4\n5 6\n7 8\n');
    const short = newStreamedText(10);
    expect(await fillFrom([bytes.subarray(0, 8), bytes.subarray(8)], short, failure)).toEqual({ kind: 'overflow' });
    // Each reader has a block past the 8 bytes that came (blocks of 8: reader 0 has 0 and 2, reader 1 has 1 and 3).
    expect(parseStreamedShare(short, 0, 2, 'g.txt', false, 8)).toEqual({ aborted: true });
    expect(parseStreamedShare(short, 1, 2, 'g.txt', false, 8)).toEqual({ aborted: true });

    const broken = newStreamedText(bytes.length);
    async function* source() {
      yield bytes.subarray(0, 6);
      throw new Error('unexpected end of file');
    }
    const outcome = await fillFrom(source(), broken, failure);
    expect(outcome.kind).toBe('failed');
    expect(outcome.kind === 'failed' && outcome.error.message).toBe('Error: unexpected end of file');
    expect(parseStreamedShare(broken, 0, 1, 'g.txt')).toEqual({ aborted: true });

    // The whole lines that came before the failure are parsed, as one reader of the stream parses them.
    const malformed = newStreamedText(64);
    async function* badThenBroken() {
      yield new TextEncoder().encode('1 2\nx y\n3');
      throw new Error('corrupt data');
    }
    expect((await fillFrom(badThenBroken(), malformed, failure)).kind).toBe('failed');
    expect(parseStreamedShare(malformed, 0, 1, 'g.txt')).toEqual({ failure: { code: 'MALFORMED_LINE', message: 'g.txt:2: expected "src dst" (two non-negative integers), got "x y"', place: 0 } });
  });

  it('a gzip file is filled whole and read the same; a truncated one is BAD_PATH; a trailer past belief gives no room', async () => {
    const text = Buffer.from(Array.from({ length: 30_000 }, (_, i) => `${(i * 7919) % 10_007} ${(i * 104_729) % 10_007}\n`).join(''));
    const gz = join(scratch, 'g.txt.gz');
    writeFileSync(gz, gzipSync(text));
    const streamed = streamedGzip(gz)!;
    expect(streamed.text.length).toBe(text.length);
    expect(await fillStreamed(gz, streamed)).toEqual({ kind: 'done' });
    const parts = [0, 1, 2].map((s) => edgesOf(parseStreamedShare(streamed, s, 3, gz, false, 4096)));
    expect(sortedPairs(parts)).toEqual(sortedPairs([parseEdgeList(text)]));

    const cut = join(scratch, 'cut.txt.gz');
    const whole = readFileSync(gz);
    writeFileSync(cut, whole.subarray(0, whole.length >> 1));
    const room = newStreamedText(text.length);
    const outcome = await fillStreamed(cut, room);
    expect(outcome.kind === 'failed' && outcome.error.code).toBe('BAD_PATH');
    expect(outcome.kind === 'failed' && outcome.error.message).toMatch(/^cannot read .*cut\.txt\.gz: /);

    const bomb = join(scratch, 'zeros.txt.gz');
    writeFileSync(bomb, gzipSync(Buffer.alloc(8 << 20)));
    expect(streamedGzip(bomb)).toBeUndefined();
  });

  it('reader threads wait for the text as it is filled, and stop when the filling fails', async () => {
    const text = new TextEncoder().encode(Array.from({ length: 20_000 }, (_, i) => `${i % 997} ${(i * 31) % 1009}\n`).join(''));
    const fixture = new URL('./fixtures/streamed-reader.mjs', import.meta.url);
    const run = async (chunks: (Uint8Array | Error)[], shares: number, block: number) => {
      const streamed = newStreamedText(text.length);
      const threads = Array.from({ length: shares }, (_, share) => new Worker(fixture, { workerData: { streamed, share, shares, block } }));
      const answers = threads.map((t) => new Promise<unknown>((resolve, reject) => (t.once('message', resolve), t.once('error', reject))));
      async function* slowly() {
        for (const c of chunks) {
          // Give the readers time to reach the end of what is there and wait.
          await new Promise((r) => setTimeout(r, 15));
          if (c instanceof Error) throw c;
          yield c;
        }
      }
      try {
        const outcome = await fillFrom(slowly(), streamed, failure);
        return { outcome, answers: await Promise.all(answers) };
      } finally {
        await Promise.all(threads.map((t) => t.terminate()));
      }
    };
    const pieces = chunked(text, [1000, 5000, 20_000, 60_000, 100_000]);
    const good = await run(pieces, 3, 8192);
    expect(good.outcome).toEqual({ kind: 'done' });
    const got = good.answers.flatMap((a) => (a as { pairs: [number, number][] }).pairs).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    expect(got).toEqual(sortedPairs([parseEdgeList(text)]));

    const bad = await run([pieces[0]!, pieces[1]!, new Error('corrupt data')], 2, 8192);
    expect(bad.outcome.kind).toBe('failed');
    expect(bad.answers).toEqual([{ aborted: true }, { aborted: true }]);
  }, 30_000);
});
