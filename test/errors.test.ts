import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { routeEdges, type EdgeBlock } from '../examples/iterative/blocks.js';
import { ExampleError, parseEdgeList, readEdgeList } from '../examples/iterative/edge-list.js';
import { runExample } from '../examples/iterative/run.js';
import { parseUpdates } from '../examples/iterative/updates.js';
import type { Collection } from '../src/collections/collection.js';
import { Entries } from '../src/collections/entries.js';
import { newCollection } from '../src/collections/input.js';
import { outputError } from '../src/cli/output.js';
import { GraphBuilder } from '../src/graph/builder.js';
import type { Scope } from '../src/graph/scope.js';
import type { Stream } from '../src/graph/stream.js';
import type { Vertex, VertexContext } from '../src/graph/vertex.js';
import { decodeUpdates } from '../src/progress/change-batch.js';
import { ProgressTracker } from '../src/progress/tracker.js';
import { productOrder, orderByName } from '../src/timestamps/order.js';
import { PathSummary } from '../src/timestamps/summary.js';
import { Timestamp } from '../src/timestamps/timestamp.js';
import { decode } from '../src/workers/codec.js';
import { Worker } from '../src/workers/worker.js';
// Threads run built JavaScript.
import { execute } from '../dist/src/index.js';
import { lineTopology } from './helpers.js';
import { Connector } from '../src/net/connect.js';
import { decodeFrame } from '../src/net/frames.js';
import { jobOf, PROTOCOL_VERSION, type JobIdentity } from '../src/net/handshake.js';
import { parseHosts, type Host } from '../src/net/hosts.js';
import { freePorts, testCertificates } from './net/processes.js';
import { readFileSync as readFile } from 'node:fs';
import { createServer } from 'node:net';
import { pathToFileURL } from 'node:url';
import type { WebSocket } from 'ws';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const fixture = (name: string) => join(root, 'test/workers/fixtures', name);

/** The README's error table: one row per class and code. */
function documentedCodes(): { cls: string; code: string }[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('| class | code | raised when |');
  expect(start).toBeGreaterThan(0);
  const rows = readme.slice(start).split('\n').slice(2);
  const out: { cls: string; code: string }[] = [];
  for (const row of rows) {
    const m = /^\| `(\w+)`(?: \(examples\))? \| `(\w+)` \|/.exec(row);
    if (m === null) break;
    out.push({ cls: m[1]!, code: m[2]! });
  }
  return out;
}

/** What a call throws (or rejects with). */
async function raised(act: () => unknown): Promise<unknown> {
  try {
    await act();
  } catch (err) {
    return err;
  }
  return undefined;
}

/** Runs a collection `build` makes from an input given `record` on one worker, and throws the cause of the VERTEX_FAILED that stops it. */
function causeOfFailure<T>(build: (c: Collection<T>) => Collection<unknown>, record: T): void {
  const worker = new Worker();
  const input = worker.dataflow((scope) => {
    const input = newCollection<T>(scope, 'in');
    build(input.collection).probe();
    return input;
  });
  input.insert(record);
  input.close();
  try {
    worker.run();
  } catch (err) {
    throw (err as Error).cause;
  }
}

/** One worker, one input feeding one stage of `make`'s vertices; runs it with one record sent. */
function vertexRun(make: (ctx: VertexContext) => Vertex, build?: (s: Stream<number>, scope: Scope) => void) {
  const worker = new Worker();
  const input = worker.dataflow((scope) => {
    const input = scope.newInput<number>('in');
    if (build !== undefined) build(input.stream, scope);
    else scope.stage({ name: 'subject', inputs: [input.stream], outputs: 1, vertex: make });
    return input;
  });
  input.advanceTo(1);
  input.send([1]);
  input.close();
  worker.run();
}

/** Builds a dataflow on one worker with `build`. */
function building(build: (scope: Scope, input: Stream<number>) => void) {
  return () => new Worker().dataflow((scope) => build(scope, scope.newInput<number>('in').stream));
}


/** `n` loopback hosts on free ports. */
async function loopback(n: number): Promise<Host[]> {
  return (await freePorts(n)).map((port) => ({ host: '127.0.0.1', port }));
}

const someJob: JobIdentity = { ...jobOf('job', null, 'errors'), processes: 2, workers: 1 };

/** A process of a computation that only connects: process `process` of `hosts`, with `onLink` for each link. */
function peer(process: number, hosts: Host[], options: { secret?: string; job?: JobIdentity; protocol?: number; onLink?: (p: number, s: WebSocket) => void; tls?: { cert: Buffer; key: Buffer; ca: Buffer } } = {}): Connector {
  return new Connector({
    process,
    hosts,
    secret: Buffer.from(options.secret ?? ''),
    job: options.job ?? someJob,
    connectTimeout: 5000,
    log: () => {},
    onLink: options.onLink ?? (() => {}),
    maxPayload: 1 << 20,
    ...(options.protocol === undefined ? {} : { protocol: options.protocol }),
    ...(options.tls === undefined ? {} : { tls: options.tls }),
  });
}

/** Process 1 dials an acceptor (process 0) with `dialer`'s options; what its connect rejects with. */
async function refusedBy(dialer: Parameters<typeof peer>[2], acceptor: Parameters<typeof peer>[2] = {}): Promise<void> {
  const hosts = await loopback(2);
  const zero = peer(0, hosts, acceptor);
  const waiting = zero.connect().catch(() => {});
  const one = peer(1, hosts, dialer);
  try {
    await one.connect();
  } finally {
    one.close();
    zero.close();
    await waiting;
  }
}

/** Process 0 of 2 runs the forever fixture in this process; a fake process 1 links, and `onLink` does what it does. */
async function withFakePeer(onLink: (s: WebSocket) => void, heartbeatTimeout = 5000): Promise<void> {
  const hosts = await loopback(2);
  const run = execute(fixture('forever.mjs'), { processes: 2, process: 0, hosts, job: 'errors', heartbeatTimeout });
  const sockets: WebSocket[] = [];
  const fake = peer(1, hosts, { onLink: (_p, s) => (sockets.push(s), onLink(s)) });
  await fake.connect();
  fake.close();
  try {
    await run;
  } finally {
    for (const s of sockets) s.terminate();
  }
}

const CASES: Record<string, () => unknown> = {
  'TimestampError.INVALID_TIMESTAMP': () => Timestamp.of(-1),
  'TimestampError.DEPTH_MISMATCH': () => productOrder.lessEqual(Timestamp.of(0), Timestamp.of(0, 1)),
  'TimestampError.INVALID_SUMMARY': () => new PathSummary(1, 0).apply(Timestamp.of(0)),
  'ProgressError.NEGATIVE_COUNT': () => {
    const tracker = new ProgressTracker(lineTopology, productOrder);
    tracker.apply([{ location: 1, time: Timestamp.of(0), delta: -1 }]);
    tracker.checkNonNegative();
  },
  'ProgressError.UNKNOWN_LOCATION': () => new ProgressTracker(lineTopology, productOrder).apply([{ location: 9, time: Timestamp.of(0), delta: 1 }]),
  'ProgressError.DEPTH_MISMATCH': () => new ProgressTracker(lineTopology, productOrder).apply([{ location: 0, time: Timestamp.of(0, 1), delta: 1 }]),
  'ProgressError.MALFORMED_TOPOLOGY': () => new ProgressTracker({ ...lineTopology, links: [{ source: 0, target: 7, summary: PathSummary.identity }] }, productOrder),
  'ProgressError.MALFORMED_BATCH': () => decodeUpdates(new Float64Array([1, 2])),
  'GraphError.CYCLE_WITHOUT_FEEDBACK': building((scope, s) => {
    const h = scope.stage({ name: 'self', inputs: [s], inputCount: 2, vertex: () => ({}) });
    h.connect(1, h.output());
  }),
  'GraphError.SCOPE_MISMATCH': building((_scope, s) => {
    let inner!: Stream<number>;
    s.iterate((v) => (inner = v.map((x) => x)));
    s.concat(inner).collect();
  }),
  'GraphError.UNCONNECTED_INPUT': building((scope) => void scope.stage({ name: 'alone', inputCount: 1, vertex: () => ({}) })),
  'GraphError.INPUT_CONNECTED_TWICE': building((scope, s) => scope.stage({ name: 'twice', inputs: [s], vertex: () => ({}) }).connect(0, s)),
  'GraphError.INVALID_PORT': building((scope, s) => scope.stage({ name: 'one', inputs: [s], vertex: () => ({}) }).output(5)),
  'GraphError.INVALID_OPTION': building((scope) => scope.newInput('bad', { batchSize: 0 })),
  'GraphError.ALREADY_BUILT': () => {
    const builder = new GraphBuilder('done');
    builder.root.newInput<number>('in').stream.probe();
    builder.build();
    builder.root.newInput<number>('late');
  },
  'GraphError.FOREIGN_STREAM': () => {
    const worker = new Worker();
    const old = worker.dataflow((scope) => scope.newInput<number>('in').stream);
    worker.dataflow(() => old.map((x) => x));
  },
  'DataflowError.VERTEX_FAILED': () => vertexRun(() => ({ onRecv: () => { throw new Error('boom'); } })),
  'DataflowError.TIME_REGRESSION': () => vertexRun((ctx) => ({ onRecv: (_e, b, t) => ctx.sendBy(0, [...b], Timestamp.of(t.epoch - 1)) })),
  'DataflowError.NOT_IN_CALLBACK': () => vertexRun((ctx) => ({ onFrontier: () => ctx.sendBy(0, [1], Timestamp.of(5)) })),
  'DataflowError.NOT_HELD': () => vertexRun((ctx) => ({ onRecv: (_e, _b, t) => ctx.release(t) })),
  'CollectionError.UNKEYABLE_RECORD': () => new Worker().dataflow((scope) => newCollection<unknown>(scope, 'in')).insert({ id: 1 }),
  'CollectionError.BAD_DIFF': () => new Worker().dataflow((scope) => newCollection<number>(scope, 'in')).update(1, 0.5),
  'CollectionError.NOT_KEYED': () => {
    const input = new Worker().dataflow((scope) => {
      const input = newCollection<any>(scope, 'in');
      (input.collection as any).min();
      return input;
    });
    input.insert(7);
    input.flush();
  },
  'CollectionError.NOT_COMPLETE': () => {
    const view = new Worker().dataflow((scope) => newCollection<number>(scope, 'in').collection.view());
    view.at(0);
  },
  // Raised inside the running dataflow, so they arrive as the cause of VERTEX_FAILED.
  'CollectionError.NOT_ITERABLE': () => causeOfFailure<number>((c) => c.flatMap((x) => x as unknown as number[]), 7),
  'CollectionError.NOT_A_NUMBER': () => causeOfFailure<[number, unknown]>((c) => (c as any).sum(), [1, 'seven']),
  'CollectionError.NOT_A_PAIR': () => causeOfFailure<number>((c) => c.explode(() => [7 as unknown as [number, number]]), 7),
  'CollectionError.BAD_ROUND': () => causeOfFailure<number>((c) => c.iterate((inner, it) => inner.concat(it.enterAt(c, () => -1))), 7),
  // An index past its columns' limit (2^29 entries): asked for one segment that large, without the memory.
  'CollectionError.TRACE_FULL': () => new Entries().take(30),
  'ExampleError.BAD_UPDATE': () => parseUpdates(new TextEncoder().encode('@ 2\n@ 1\n'), 'updates.txt'),
  'DataflowError.INVALID_MESSAGE': () => vertexRun((ctx) => ({ onRecv: (_e, _b, t) => ctx.sendBy(0, 'nope' as never, t) })),
  'DataflowError.INVALID_PORT': () => vertexRun((ctx) => ({ onRecv: (_e, b, t) => ctx.sendBy(4, [...b], t) })),
  'DataflowError.INVALID_TIMESTAMP': () => vertexRun((ctx) => ({ onRecv: () => ctx.notifyAt(2 as never) })),
  'DataflowError.DEPTH_MISMATCH': () => vertexRun((ctx) => ({ onRecv: (_e, b, t) => ctx.sendBy(0, [...b], t.pushed(0)) })),
  'DataflowError.BAD_RECORD': () => vertexRun(() => ({}), (s) => s.map(() => ({ f: () => 1 })).exchange(() => 0).collect()),
  'DataflowError.BAD_KEY': () => vertexRun(() => ({}), (s) => s.exchange(() => null as never).collect()),
  'DataflowError.INPUT_CLOSED': () => {
    const input = new Worker().dataflow((scope) => scope.newInput<number>('in'));
    input.close();
    input.send([1]);
  },
  'DataflowError.EPOCH_REGRESSION': () => {
    const input = new Worker().dataflow((scope) => scope.newInput<number>('in'));
    input.advanceTo(2);
    input.advanceTo(1);
  },
  'DataflowError.NOT_BUILT': building((scope) => scope.newInput<number>('early').send([1])),
  'DataflowError.STALLED': () => {
    const worker = new Worker();
    const probe = worker.dataflow((scope) => scope.newInput<number>('in').stream.probe());
    worker.stepUntil(() => probe.passed(0));
  },
  'DataflowError.HALTED': () => {
    const worker = new Worker();
    const input = worker.dataflow((scope) => {
      const input = scope.newInput<number>('in');
      input.stream.map(() => { throw new Error('boom'); }).collect();
      return input;
    });
    input.send([1]);
    try {
      worker.step();
    } catch {
      // VERTEX_FAILED, then:
    }
    worker.step();
  },
  'WorkerError.WORKER_DIED': () => execute(fixture('dies.mjs'), { workers: 2 }),
  'WorkerError.WORKER_FAILED': () => execute(fixture('misbehaves.mjs'), { workers: 2, args: { how: 'error' } }),
  'WorkerError.BAD_MODULE': () => execute(fixture('no-default.mjs'), { workers: 2 }),
  'WorkerError.BAD_RESULT': () => execute(fixture('bad-result.mjs'), { workers: 2 }),
  'WorkerError.CANCELLED': () => execute(fixture('forever.mjs'), { workers: 2, signal: AbortSignal.abort('stop') }),
  'WorkerError.MALFORMED_FRAME': () => decode(new Uint8Array(3)),
  'WorkerError.DATAFLOW_MISMATCH': () => execute(fixture('shapes.mjs'), { workers: 2, args: { how: 'operators' } }),
  'WorkerError.INVALID_OPTION': () => execute(fixture('exchange.mjs'), { workers: 0 }),
  'NetError.PEER_LOST': () => withFakePeer((s) => s.terminate()),
  'NetError.PEER_UNRESPONSIVE': () => withFakePeer(() => {}, 200),
  'NetError.CONNECT_TIMEOUT': async () => execute(fixture('forever.mjs'), { processes: 2, process: 0, hosts: (await loopback(2)).map((h) => `127.0.0.1:${h.port}`), connectTimeout: 100 }),
  'NetError.LISTEN_FAILED': async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as { port: number }).port;
    try {
      await execute(fixture('forever.mjs'), { processes: 2, process: 0, hosts: [`127.0.0.1:${port}`, '127.0.0.1:1'] });
    } finally {
      taken.close();
    }
  },
  'NetError.BAD_SECRET': () => refusedBy({ secret: 'wrong' }, { secret: 'right' }),
  'NetError.TLS_REFUSED': () => {
    const dir = testCertificates();
    const tls = (signer: string) => ({ cert: readFile(join(dir, `${signer}-node.pem`)), key: readFile(join(dir, `${signer}-node.key`)), ca: readFile(join(dir, 'ca.pem')) });
    return refusedBy({ tls: tls('other') }, { tls: tls('ca') });
  },
  'NetError.VERSION_MISMATCH': () => refusedBy({}, { protocol: PROTOCOL_VERSION + 1 }),
  'NetError.JOB_MISMATCH': () => refusedBy({ job: { ...someJob, workers: 2 } }),
  'NetError.DUPLICATE_PROCESS': async () => {
    const hosts = await loopback(4);
    const three = { ...someJob, processes: 3 };
    const zero = peer(0, hosts.slice(0, 3), { job: three });
    const waiting = zero.connect().catch(() => {});
    const one = peer(1, hosts.slice(0, 3), { job: three });
    const linked = one.connect().catch(() => {});
    await new Promise((r) => setTimeout(r, 300));
    const again = peer(1, [hosts[0]!, hosts[3]!, hosts[2]!], { job: three });
    try {
      await again.connect();
    } finally {
      for (const c of [again, one, zero]) c.close();
      await Promise.all([waiting, linked]);
    }
  },
  'NetError.MALFORMED_FRAME': () => decodeFrame(new Uint8Array([9]), { peer: 1, peerFirst: 1, first: 0, workers: 1, name: 'process 1' }, () => {}),
  'NetError.INSECURE': () => execute(fixture('forever.mjs'), { processes: 2, process: 0, hosts: ['node-a.example:4100', 'node-b.example:4100'] }),
  'NetError.BAD_HOSTS': () => parseHosts('127.0.0.1\n'),
  'NetError.INVALID_OPTION': () => execute(fixture('forever.mjs'), { processes: 2, hosts: ['127.0.0.1:4100', '127.0.0.1:4101'] }),
  'ExampleError.BAD_PATH': () => readEdgeList('/no/such/graph.txt'),
  'ExampleError.MALFORMED_LINE': () => parseEdgeList(Buffer.from('1 2\n3 x\n')),
  'ExampleError.BAD_OPTION': () => runExample('wcc', parseEdgeList(Buffer.from('1 2\n')), { runs: 0 }),
  'ExampleError.MALFORMED_BLOCK': () => {
    const worker = new Worker();
    const input = worker.dataflow((scope) => {
      const input = scope.newInput<EdgeBlock>('edges');
      routeEdges(input.stream, 1, 'by-dst').collect();
      return input;
    });
    input.send([[Int32Array.of(1), [2]] as unknown as EdgeBlock]);
    input.close();
    worker.run();
  },
  'ExampleError.WRITE_FAILED': () => {
    try {
      writeFileSync('/dev/full', 'x');
    } catch (err) {
      throw outputError('/dev/full', err);
    }
  },
};

describe('every code in the README error table is raised by the case it names', () => {
  const documented = documentedCodes();

  it('the table lists every class and has a case here for each row', () => {
    expect(new Set(documented.map((d) => d.cls))).toEqual(new Set(['TimestampError', 'ProgressError', 'GraphError', 'DataflowError', 'WorkerError', 'NetError', 'CollectionError', 'ExampleError']));
    expect(documented.map((d) => `${d.cls}.${d.code}`).sort()).toEqual(Object.keys(CASES).sort());
  });

  it.each(documented.map((d) => [`${d.cls}.${d.code}`, d] as const))('%s', async (_name, { cls, code }) => {
    const err = (await raised(CASES[`${cls}.${code}`]!)) as (Error & { code?: string }) | undefined;
    expect(err).toBeDefined();
    // VERTEX_FAILED wraps what the vertex threw: an example's own error is its cause.
    const actual = cls === 'ExampleError' && err!.name === 'DataflowError' ? (err!.cause as Error & { code?: string }) : err!;
    expect(actual.name).toBe(cls);
    expect(actual.code).toBe(code);
    if (cls === 'ExampleError') expect(actual).toBeInstanceOf(ExampleError);
  });

  it('an order name that is neither product nor lexicographic is INVALID_TIMESTAMP', () => {
    expect(() => orderByName('alphabetical' as never)).toThrow(expect.objectContaining({ code: 'INVALID_TIMESTAMP' }));
  });
});
