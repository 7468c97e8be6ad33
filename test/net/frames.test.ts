/** The frame decoder and the handshake parser: any bytes are a frame, or MALFORMED_FRAME — never another exception. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NetError } from '../../src/net/errors.js';
import { DataBatch, decodeFrame, encodeControl, encodeResults, FrameType, type Control, type FrameContext } from '../../src/net/frames.js';
import { jobDifferences, parseHandshake } from '../../src/net/handshake.js';
import { BROADCAST } from '../../src/workers/mesh.js';

/** Process 1 of 3 with 2 workers each, hearing from process 2. */
const context: FrameContext = { peer: 2, peerFirst: 4, first: 2, workers: 2, name: 'process 2 (127.0.0.1:4102)' };

function outcome(f: () => unknown): 'ok' | 'malformed' {
  try {
    f();
    return 'ok';
  } catch (err) {
    if (err instanceof NetError && err.code === 'MALFORMED_FRAME' && err.message.includes('process 2')) return 'malformed';
    throw err;
  }
}

const entry = fc.record({
  route: fc.constantFrom<number>(2, 3, BROADCAST),
  from: fc.constantFrom<number>(4, 5),
  bytes: fc.uint8Array({ maxLength: 300 }),
});

describe('frames between processes', () => {
  it('law: any byte string decodes to a frame or throws MALFORMED_FRAME naming the peer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        outcome(() => decodeFrame(bytes, context, () => {}));
      }),
      { numRuns: 3000 },
    );
  });

  it('law: a frame with any first byte and any tail decodes or is MALFORMED_FRAME (each frame type reached)', () => {
    fc.assert(
      fc.property(fc.constantFrom(0, FrameType.data, FrameType.control, FrameType.results, 7), fc.uint8Array({ maxLength: 200 }), (type, tail) => {
        const bytes = new Uint8Array(1 + tail.length);
        bytes[0] = type;
        bytes.set(tail, 1);
        outcome(() => decodeFrame(bytes, context, () => {}));
      }),
      { numRuns: 3000 },
    );
  });

  it('law: a data frame delivers exactly the entries added, in order, whole', () => {
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 20 }), (entries) => {
        const batch = new DataBatch();
        for (const e of entries) batch.add(e.route, e.from, e.bytes);
        const got: typeof entries = [];
        const frame = batch.take()!;
        decodeFrame(frame, context, (route, from, bytes) => got.push({ route, from, bytes: new Uint8Array(bytes) }));
        expect(got).toEqual(entries);
      }),
    );
  });

  it('law: a data frame cut short is its first entries whole (cut on a boundary) or MALFORMED_FRAME delivering nothing', () => {
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 5 }), fc.nat(), (entries, at) => {
        const batch = new DataBatch();
        for (const e of entries) batch.add(e.route, e.from, e.bytes);
        const frame = batch.take()!;
        const cut = 1 + (at % (frame.length - 1));
        const got: typeof entries = [];
        const result = outcome(() => decodeFrame(frame.subarray(0, cut), context, (route, from, bytes) => got.push({ route, from, bytes: new Uint8Array(bytes) })));
        // A cut on an entry boundary is a shorter frame: the first entries, whole. Anywhere else it is malformed, and nothing is delivered.
        if (result === 'malformed') expect(got).toEqual([]);
        else expect(got).toEqual(entries.slice(0, got.length));
      }),
    );
  });

  it('an entry for a worker of another process, or from a worker not of the sender, is MALFORMED_FRAME', () => {
    for (const [route, from] of [
      [0, 4],
      [4, 4],
      [2, 3],
      [2, 6],
    ] as const) {
      const batch = new DataBatch();
      batch.add(route, from, new Uint8Array(8));
      expect(() => decodeFrame(batch.take()!, context, () => {})).toThrow(/MALFORMED_FRAME: process 2 \(127\.0\.0\.1:4102\) sent a message (for|from) worker/);
    }
  });

  it('law: every control message round-trips; a control message of unknown shape is MALFORMED_FRAME', () => {
    const controls = fc.oneof(
      fc.constant<Control>({ t: 'beat' }),
      fc.constant<Control>({ t: 'done' }),
      fc.constant<Control>({ t: 'quiesce' }),
      fc.nat().map((wave): Control => ({ t: 'probe', wave })),
      fc.tuple(fc.nat(), fc.integer({ min: -1, max: 1e9 }), fc.nat(), fc.nat()).map(([wave, activity, sent, received]): Control => ({ t: 'state', wave, activity, sent, received })),
      fc.string().map((message): Control => ({ t: 'abort', error: { name: 'Error', message } })),
      fc.array(fc.integer({ min: 1, max: 65535 }), { minLength: 2, maxLength: 2 }).map((ports): Control => ({ t: 'ports', ports })),
    );
    fc.assert(
      fc.property(controls, (c) => {
        const d = decodeFrame(encodeControl(c), context, () => {});
        expect(d).toEqual({ type: 'control', control: c });
      }),
    );
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const json = Buffer.from(JSON.stringify(v) ?? 'null');
        const bytes = Buffer.concat([Buffer.from([FrameType.control]), json]);
        outcome(() => decodeFrame(bytes, context, () => {}));
      }),
      { numRuns: 2000 },
    );
  });

  it('ports for other than one worker each of the sender, or outside 1–65535, are MALFORMED_FRAME', () => {
    for (const ports of [[4100], [4100, 4101, 4102], [0, 4101], [4100, 65536], [4100, 1.5], [4100, '4101'], 'x']) {
      const bytes = Buffer.concat([Buffer.from([FrameType.control]), Buffer.from(JSON.stringify({ t: 'ports', ports }))]);
      expect(outcome(() => decodeFrame(bytes, context, () => {})), JSON.stringify(ports)).toBe('malformed');
    }
  });

  it('a results frame carries one result and one stats entry per worker of the sender, or is MALFORMED_FRAME', () => {
    const good = encodeResults({ results: [new Float64Array([1, -0]), new Map([[1, 'a']])], stats: [{}, {}] });
    const d = decodeFrame(good, context, () => {});
    expect(d.type === 'results' && d.results.results).toEqual([new Float64Array([1, -0]), new Map([[1, 'a']])]);
    expect(outcome(() => decodeFrame(encodeResults({ results: [1], stats: [{}] }), context, () => {}))).toBe('malformed');
  });
});

describe('the handshake parser', () => {
  it('law: any text parses to a handshake message or throws MALFORMED_FRAME naming the peer', () => {
    const peer = 'process 2 (127.0.0.1:4102)';
    const check = (text: string) => {
      try {
        parseHandshake(text, peer);
      } catch (err) {
        expect(err).toBeInstanceOf(NetError);
        expect((err as NetError).code).toBe('MALFORMED_FRAME');
        expect((err as NetError).message).toContain(peer);
      }
    };
    fc.assert(fc.property(fc.string({ maxLength: 300 }), check), { numRuns: 3000 });
    fc.assert(fc.property(fc.jsonValue(), (v) => check(JSON.stringify(v) ?? '')), { numRuns: 3000 });
    const kinds = fc.record({ t: fc.constantFrom('hello', 'intro', 'welcome', 'refuse'), protocol: fc.anything(), nonce: fc.anything(), process: fc.anything(), proof: fc.anything(), job: fc.anything(), code: fc.anything(), message: fc.anything() }, { requiredKeys: ['t'] });
    fc.assert(fc.property(kinds, (v) => check(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x)) ?? '')), { numRuns: 3000 });
  });
});

describe('a job mismatch', () => {
  it('names each side with its own figure, so that the refusal reads the same on both', () => {
    const job = { module: 'ab', args: 'cd', processes: 2, workers: 2 };
    expect(jobDifferences(job, { ...job, processes: 3, workers: 4 }, 'process 0', 'process 1')).toEqual([
      'the number of processes (3 on process 1, 2 on process 0)',
      'the workers per process (4 on process 1, 2 on process 0)',
    ]);
    expect(jobDifferences(job, { ...job, module: 'ef', args: 'gh' }, 'process 0', 'process 1')).toEqual(['the module (a different file, or a different build of it)', 'the args']);
    expect(jobDifferences(job, { ...job }, 'process 0', 'process 1')).toEqual([]);
  });
});
