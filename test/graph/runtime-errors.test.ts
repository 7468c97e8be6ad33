import { describe, expect, it } from 'vitest';
import { DataflowError } from '../../src/graph/errors.js';
import type { Vertex, VertexContext } from '../../src/graph/vertex.js';
import { ProgressError } from '../../src/progress/errors.js';
import { ProgressTracker } from '../../src/progress/tracker.js';
import { productOrder } from '../../src/timestamps/order.js';
import { PathSummary } from '../../src/timestamps/summary.js';
import { Timestamp } from '../../src/timestamps/timestamp.js';
import { Worker } from '../../src/workers/worker.js';
import { lineTopology } from '../helpers.js';

function caught(fn: () => unknown): Error & { code?: string; details?: Record<string, unknown> } {
  try {
    fn();
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected an error');
}

/** One worker with a single vertex stage fed by an input; the vertex is built by `make`. */
function single(make: (ctx: VertexContext) => Vertex) {
  const worker = new Worker();
  const input = worker.dataflow((scope) => {
    const input = scope.newInput<number>('in');
    scope.stage({ name: 'subject', inputs: [input.stream], outputs: 1, vertex: make });
    return input;
  });
  return { worker, input };
}

describe('typed errors while running', () => {
  it('TIME_REGRESSION: sending at an earlier time than the callback', () => {
    const { worker, input } = single((ctx) => ({ onRecv: (_e, b, t) => ctx.sendBy(0, b as unknown[], Timestamp.of(t.epoch - 1)) }));
    input.advanceTo(2);
    input.send([1]);
    const err = caught(() => worker.run());
    expect(err).toBeInstanceOf(DataflowError);
    expect(err.code).toBe('TIME_REGRESSION');
    expect(err.message).toMatch(/stage 'subject' called sendBy at \(1\) inside a callback at \(2\)/);
  });

  it('TIME_REGRESSION: asking for a notification at an earlier time', () => {
    const { worker, input } = single((ctx) => ({ onRecv: () => ctx.notifyAt(Timestamp.of(0)) }));
    input.advanceTo(1);
    input.send([1]);
    expect(caught(() => worker.run()).code).toBe('TIME_REGRESSION');
  });

  it('NOT_IN_CALLBACK: acting outside onRecv/onNotify', () => {
    let saved: VertexContext | undefined;
    const { worker, input } = single((ctx) => ((saved = ctx), {}));
    input.close();
    worker.run();
    expect(caught(() => saved!.notifyAt(Timestamp.of(0))).code).toBe('NOT_IN_CALLBACK');
  });

  it.each([
    ['DEPTH_MISMATCH', (ctx: VertexContext, t: Timestamp) => ctx.sendBy(0, [1], t.pushed(0)), /called sendBy at \(0, \[0\]\), a time with 1 loop counter\(s\), but its output is in a scope with 0/],
    ['INVALID_PORT', (ctx: VertexContext, t: Timestamp) => ctx.sendBy(3, [1], t), /called sendBy on output 3, but it has 1 output\(s\)/],
    ['INVALID_MESSAGE', (ctx: VertexContext, t: Timestamp) => ctx.sendBy(0, 'nope' as unknown as unknown[], t), /a batch must be an array of records/],
    ['INVALID_TIMESTAMP', (ctx: VertexContext) => ctx.notifyAt(3 as unknown as Timestamp), /called notifyAt with number 3: it takes a Timestamp/],
  ])('%s: what a vertex did wrong, named', (code, act, message) => {
    const { worker, input } = single((ctx) => ({ onRecv: (_e, _b, t) => act(ctx, t) }));
    input.send([1]);
    const err = caught(() => worker.run());
    expect(err).toBeInstanceOf(DataflowError);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
  });

  it('VERTEX_FAILED names the stage, the worker and the time, keeps the cause, and halts the worker', () => {
    const boom = new Error('boom');
    const { worker, input } = single(() => ({
      onRecv: (_e, b) => {
        if ((b as number[]).includes(7)) throw boom;
      },
    }));
    input.advanceTo(3);
    input.send([7]);
    const err = caught(() => worker.run()) as DataflowError;
    expect(err.code).toBe('VERTEX_FAILED');
    expect(err.message).toMatch(/stage 'subject' threw on worker 0 at \(3\): boom/);
    expect(err.details).toMatchObject({ stage: 'subject', worker: 0, time: '(3)' });
    expect(err.cause).toBe(boom);
    expect(caught(() => worker.step()).code).toBe('HALTED');
  });

  it("VERTEX_FAILED from a subscriber's complete callback names the epoch it was completing; a vertex of one's own in onFrontier names none", () => {
    const boom = new Error('no twos');
    const worker = new Worker();
    const input = worker.dataflow((scope) => {
      const input = scope.newInput<number>('in');
      input.stream.subscribe({ complete: (t) => { if (t.epoch === 2) throw boom; } });
      return input;
    });
    input.send([1]);
    input.advanceTo(5);
    const err = caught(() => worker.run());
    expect(err).toMatchObject({ code: 'VERTEX_FAILED', details: { time: '(2)' } });
    expect(err.message).toMatch(/stage 'subscribe' threw on worker 0 at \(2\): no twos/);
    expect(err.cause).toBe(boom);

    const own = single(() => ({ onRecv: () => {}, onFrontier: () => { throw new Error('watching'); } }));
    own.input.advanceTo(1);
    const mine = caught(() => own.worker.run());
    expect(mine).toMatchObject({ code: 'VERTEX_FAILED', details: { stage: 'subject', time: null } });
    expect(mine.message).toMatch(/stage 'subject' threw on worker 0 in onFrontier: watching/);
  });

  it('VERTEX_FAILED when a vertex cannot even be created', () => {
    const worker = new Worker();
    const err = caught(() =>
      worker.dataflow((scope) => {
        scope.newInput<number>('in').stream.map((x) => x);
        scope.stage({ name: 'broken', vertex: () => { throw new Error('no state'); } });
      }),
    );
    expect(err.code).toBe('VERTEX_FAILED');
    expect(err.message).toMatch(/stage 'broken' threw on worker 0 while being created: no state/);
  });

  it('INPUT_CLOSED, EPOCH_REGRESSION and NOT_BUILT on input misuse', () => {
    const { input } = single(() => ({}));
    input.advanceTo(2);
    expect(caught(() => input.advanceTo(1)).code).toBe('EPOCH_REGRESSION');
    expect(caught(() => input.advanceTo(2.5)).code).toBe('EPOCH_REGRESSION');
    input.close();
    expect(caught(() => input.send([1])).code).toBe('INPUT_CLOSED');
    expect(caught(() => input.close()).code).toBe('INPUT_CLOSED');
    const worker = new Worker();
    worker.dataflow((scope) => {
      const early = scope.newInput<number>('early');
      expect(caught(() => early.send([1])).code).toBe('NOT_BUILT');
      early.stream.probe();
    });
  });

  it('STALLED names what is still active when nothing more can happen', () => {
    const { worker, input } = single(() => ({}));
    input.send([1]);
    const err = caught(() => worker.run());
    expect(err.code).toBe('STALLED');
    expect(err.message).toMatch(/vertex 'in' at \(0\)/);
  });
});

describe('typed errors of the progress tracker', () => {
  const topology = lineTopology;

  it('NEGATIVE_COUNT when a count stays negative once every batch is applied', () => {
    const tracker = new ProgressTracker(topology, productOrder);
    tracker.apply([{ location: 1, time: Timestamp.of(0), delta: -1 }]);
    const err = caught(() => tracker.checkNonNegative());
    expect(err).toBeInstanceOf(ProgressError);
    expect(err.code).toBe('NEGATIVE_COUNT');
    expect(err.message).toMatch(/location="a->b", time=\(0\), count=-1/);
    tracker.apply([{ location: 1, time: Timestamp.of(0), delta: +1 }]);
    expect(() => tracker.checkNonNegative()).not.toThrow();
  });

  it('UNKNOWN_LOCATION and DEPTH_MISMATCH for updates that do not fit the graph', () => {
    const tracker = new ProgressTracker(topology, productOrder);
    expect(caught(() => tracker.apply([{ location: 9, time: Timestamp.of(0), delta: 1 }])).code).toBe('UNKNOWN_LOCATION');
    expect(caught(() => tracker.apply([{ location: 0, time: Timestamp.of(0, 1), delta: 1 }])).code).toBe('DEPTH_MISMATCH');
  });

  it('holders() names the active pointstamps that keep a vertex from passing a time', () => {
    const tracker = new ProgressTracker(topology, productOrder);
    tracker.apply([
      { location: 0, time: Timestamp.of(1), delta: 1 },
      { location: 1, time: Timestamp.of(3), delta: 1 },
    ]);
    expect(tracker.passed(2, Timestamp.of(0))).toBe(true);
    expect(tracker.holders(2, Timestamp.of(2)).map((p) => [p.location, p.time.epoch])).toEqual([[0, 1]]);
    expect(tracker.holders(2, Timestamp.of(3)).map((p) => [p.location, p.time.epoch]).sort()).toEqual([[0, 1], [1, 3]]);
    expect(tracker.passed(2, Timestamp.of(2))).toBe(false);
  });

  it('MALFORMED_TOPOLOGY for a link whose summary does not fit the depths', () => {
    const bad = { ...topology, links: [{ source: 0, target: 1, summary: PathSummary.ingress }] };
    expect(caught(() => new ProgressTracker(bad, productOrder)).code).toBe('MALFORMED_TOPOLOGY');
  });
});

describe('probes and stepping', () => {
  it('a probe passes an epoch exactly when its records have all gone by', () => {
    const worker = new Worker();
    const { input, probe, out } = worker.dataflow((scope) => {
      const input = scope.newInput<number>('in');
      const counted = input.stream.count();
      return { input, probe: counted.probe(), out: counted.collect() };
    });
    input.send([1, 2, 3]);
    input.advanceTo(1);
    expect(probe.passed(0)).toBe(false);
    worker.stepUntil(() => probe.passed(0));
    expect(out.byTime().map((g) => [g.time.epoch, g.records])).toEqual([[0, [3]]]);
    expect(probe.passed(1)).toBe(false);
    input.close();
    worker.run();
    expect(probe.done()).toBe(true);
  });
});
