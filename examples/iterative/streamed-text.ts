/**
 * A gzip edge list read by several threads at once: one thread decompresses it into shared memory while
 * the others parse the text already there, each its own blocks of it (block `b` to worker `b mod
 * workers`), so that parsing overlaps the decompression instead of following it.
 */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { EdgeListParser, ExampleError, gzipTextSize, newlinesIn, onWholeText, readFailure, unreadable, type EdgeList, type ReadFailure } from './edge-list.js';

/**
 * Text in shared memory that one thread fills while others read it: `text` has room for the whole text
 * (the gzip trailer's size), `state` tells the readers how far it is filled and how the filling ended.
 *
 * @example
 * const streamed: StreamedText = newStreamedText(1 << 20); // send it to the readers' threads as it is
 */
export interface StreamedText {
  readonly text: Uint8Array;
  readonly state: Int32Array;
}

/** The slots of `StreamedText.state`. */
const FILLED = 0;
const STATUS = 1;
/** The first block in which a reader met a malformed line: blocks after it need not be parsed. */
const FAILED_BLOCK = 2;

/** `STATUS`: still filling; filled to the end (`FILLED` is the text's size); failed; more text than room. */
const RUNNING = 0;
const DONE = 1;
const FAILED = 2;
const OVERFLOW = 3;

/**
 * The bytes of text in a block: each reader parses the lines that start in its blocks.
 *
 * @example const blocks = Math.ceil(streamed.text.length / TEXT_BLOCK);
 */
export const TEXT_BLOCK = 256 << 10;

/** The most text `streamedGzip` sets room aside for (the readers count bytes in 32-bit integers). */
const MOST = 0x7fffffff;

/**
 * Room in shared memory for the text of gzip file `path`, as big as its trailer says the text is, for
 * `fillStreamed` to fill and `parseStreamedShare` to read; undefined where the trailer gives no size to
 * believe (see `gzipTextSize`), or a size past 2 GiB: then the text is read whole first, as before.
 *
 * @example
 * const streamed = streamedGzip('graph.txt.gz');   // then fillStreamed here, parseStreamedShare in each worker
 */
export function streamedGzip(path: string): StreamedText | undefined {
  const size = gzipTextSize(path);
  return size === 0 || size > MOST ? undefined : newStreamedText(size);
}

/**
 * Room in shared memory for `size` bytes of text, not filled yet (see `fillFrom`).
 *
 * @example
 * const streamed = newStreamedText(1 << 20);
 */
export function newStreamedText(size: number): StreamedText {
  if (!Number.isInteger(size) || size < 0 || size > MOST) throw new ExampleError('BAD_OPTION', `room for streamed text must be 0 to ${MOST} bytes, got ${size}`);
  const state = new Int32Array(new SharedArrayBuffer(16));
  state[FAILED_BLOCK] = MOST;
  return { text: new Uint8Array(new SharedArrayBuffer(size)), state };
}

/**
 * How a `fillStreamed` ended: the whole text is there; it is longer than the room (read it whole
 * instead); or the file could not be read.
 *
 * @example
 * const outcome: FillOutcome = await fillStreamed('graph.txt.gz', streamed);
 * if (outcome.kind === 'failed') throw outcome.error;
 */
export type FillOutcome = { readonly kind: 'done' } | { readonly kind: 'overflow' } | { readonly kind: 'failed'; readonly error: ExampleError };

/**
 * Decompresses gzip file `path` into `streamed.text`, telling its readers after every chunk how far it
 * is filled, and at the end how it ended (they never wait on a filling that has stopped); `signal`
 * stops it early (then `failed`). Never rejects: the outcome says what happened.
 *
 * @example
 * const [read, fill] = await Promise.all([execute(job, { workers, args: { streamed } }), fillStreamed('graph.txt.gz', streamed)]);
 */
export async function fillStreamed(path: string, streamed: StreamedText, signal?: AbortSignal): Promise<FillOutcome> {
  const file = createReadStream(path, { highWaterMark: 1 << 20 });
  const unzipped = file.pipe(createGunzip({ chunkSize: TEXT_BLOCK }));
  file.on('error', (err) => unzipped.destroy(err));
  // No one reads any more (the computation ended early): stop, as a failed filling.
  const stop = () => unzipped.destroy(new Error('stopped: the computation ended'));
  if (signal?.aborted) stop();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    return await fillFrom(unzipped, streamed, (err) => unreadable(path, err));
  } finally {
    signal?.removeEventListener('abort', stop);
    file.destroy();
    unzipped.destroy();
  }
}

/**
 * `fillStreamed` from any source of chunks: each is copied into `streamed.text` and published to the
 * readers; a source that throws is `failed`, with `failure` making the error the outcome names.
 *
 * @example
 * await fillFrom([Buffer.from('1 2\n'), Buffer.from('3 4\n')], streamed, (err) => new ExampleError('BAD_PATH', String(err)));
 */
export async function fillFrom(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, streamed: StreamedText, failure: (err: unknown) => ExampleError): Promise<FillOutcome> {
  const { text, state } = streamed;
  let status = FAILED;
  let filled = 0;
  try {
    for await (const chunk of source) {
      if (filled + chunk.length > text.length) {
        // A trailer states only its last member's size: a file of several members holds more.
        status = OVERFLOW;
        return { kind: 'overflow' };
      }
      text.set(chunk, filled);
      filled += chunk.length;
      Atomics.store(state, FILLED, filled);
      Atomics.notify(state, FILLED);
    }
    status = DONE;
    return { kind: 'done' };
  } catch (err) {
    return { kind: 'failed', error: err instanceof ExampleError ? err : failure(err) };
  } finally {
    Atomics.store(state, STATUS, status);
    Atomics.notify(state, FILLED);
  }
}

/**
 * A reader's share could not be read: the filling failed or overflowed (`aborted`), or a line of it is
 * malformed (`failure`, its place the block's index).
 *
 * @example
 * const got = parseStreamedShare(streamed, 0, 2, 'graph.txt.gz');
 * if ('aborted' in got) console.log('read the file again');
 */
export type StreamedShareFailure = { readonly aborted: true } | { readonly failure: ReadFailure };

/**
 * The edges of the lines that start in blocks `share`, `share + shares`, … of a streamed text (blocks
 * of `block` bytes, TEXT_BLOCK by default), parsed as the text arrives; with `shared`, in
 * `SharedArrayBuffer`s. A malformed line is not thrown but returned, with its block, so that of several
 * the first in the text is named, as one reader names it; blocks after another reader's malformed line
 * are not parsed.
 *
 * @example
 * const mine = parseStreamedShare(streamed, worker.index, worker.peers, 'graph.txt.gz', true);
 * if ('failure' in mine) throw new ExampleError(mine.failure.code, mine.failure.message);
 * if (!('aborted' in mine)) console.log(mine.count, 'edges');
 */
export function parseStreamedShare(streamed: StreamedText, share: number, shares: number, name: string, shared = false, block = TEXT_BLOCK): EdgeList | StreamedShareFailure {
  const { text, state } = streamed;
  const parser = new EdgeListParser(name, 1 << 16, undefined, { shared, expectedBytes: Math.ceil(text.length / shares) });
  // The block being parsed, where its lines start, and the lines this reader had parsed before it:
  // what a malformed line's number in the whole text is worked out from.
  let current = -1;
  let first = 0;
  let before = 0;
  const parse = (b: number, from: number, to: number) => {
    current = b;
    first = from;
    before = parser.lines;
    parser.push(text.subarray(from, to));
  };
  try {
    for (let b = share; b <= Atomics.load(state, FAILED_BLOCK); b += shares) {
      const start = b * block;
      const at = filledPast(state, start);
      if (at < 0) return { aborted: true };
      if (at <= start) break; // the text ends before this block
      const from = lineStart(text, state, start);
      const to = from < 0 ? -1 : lineStart(text, state, start + block);
      if (to < 0) {
        // The filling failed: the whole lines that came are parsed first, as one reader of the
        // decompressed stream parses them before it hears of the failure.
        const end = Atomics.load(state, STATUS) === FAILED ? text.subarray(0, Atomics.load(state, FILLED)).lastIndexOf(10) + 1 : 0;
        if (from >= 0 && end > from) parse(b, from, end);
        return { aborted: true };
      }
      if (from >= to) continue; // a line from an earlier block runs over this one
      parse(b, from, to);
    }
    return parser.end();
  } catch (err) {
    if (!(err instanceof ExampleError) || err.code !== 'MALFORMED_LINE' || current < 0) throw err;
    // The parser counted the lines of this reader's blocks: name the line of the whole text.
    const named = onWholeText(err, newlinesIn(text.subarray(0, first)) - before);
    let seen = Atomics.load(state, FAILED_BLOCK);
    while (current < seen) {
      const was = Atomics.compareExchange(state, FAILED_BLOCK, seen, current);
      if (was === seen) break;
      seen = was;
    }
    return { failure: readFailure(named, current) };
  }
}

/**
 * Waits until the text is filled past byte `at` or the filling has ended; returns how far it is filled
 * (at most `at` only when the text ends there), or -1 if the filling failed or overflowed.
 */
function filledPast(state: Int32Array, at: number): number {
  for (;;) {
    const filled = Atomics.load(state, FILLED);
    if (filled > at) return filled;
    const status = Atomics.load(state, STATUS);
    if (status === DONE) return Atomics.load(state, FILLED);
    if (status !== RUNNING) return -1;
    Atomics.wait(state, FILLED, filled, 100);
  }
}

/**
 * Where the first line that starts at or after byte `at` starts: just past the first newline at or after
 * `at − 1` (0 for `at` 0), or the text's end if there is none; -1 if the filling failed first.
 */
function lineStart(text: Uint8Array, state: Int32Array, at: number): number {
  if (at === 0) return 0;
  let from = at - 1;
  for (;;) {
    const filled = filledPast(state, from);
    if (filled < 0) return -1;
    // Only bytes below `filled` are surely written: look no further.
    const nl = text.subarray(0, filled).indexOf(10, from);
    if (nl !== -1) return nl + 1;
    if (filled <= from || (Atomics.load(state, STATUS) === DONE && Atomics.load(state, FILLED) === filled)) return filled;
    from = filled;
  }
}
