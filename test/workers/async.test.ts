import { describe, expect, it } from 'vitest';
import { DataflowError } from '../../src/graph/errors.js';
import type { Scope } from '../../src/graph/scope.js';
import { Worker } from '../../src/workers/worker.js';

/** A loop of `rounds` iterations, one notification each; returns the iterations it saw. */
function counter(worker: Worker, rounds: number): { seen: number[] } {
  const seen: number[] = [];
  const input = worker.dataflow((scope: Scope) => {
    const input = scope.newInput<number>('start');
    const loop = scope.loop('rounds');
    const feedback = loop.feedback<number>();
    const stage = loop.stage({
      name: 'round',
      inputs: [loop.enter(input.stream), feedback.stream],
      vertex: (ctx) => ({
        onRecv: (_edge, _batch, time) => ctx.notifyAt(time),
        onNotify: (time) => {
          seen.push(time.iteration);
          if (time.iteration + 1 < rounds) ctx.notifyAt(time.incremented());
        },
      }),
    });
    feedback.connect(stage.output());
    return input;
  });
  input.send([0]);
  input.close();
  return { seen };
}

describe('runAsync on one worker', () => {
  it('gives what run() gives, and lets the event loop run while it works', async () => {
    const blocking = new Worker();
    const { seen: expected } = counter(blocking, 20_000);
    let firedDuringRun = false;
    let running = true;
    setTimeout(() => (firedDuringRun = running), 0);
    blocking.run();
    running = false;
    expect(firedDuringRun).toBe(false);

    const worker = new Worker();
    const { seen } = counter(worker, 20_000);
    firedDuringRun = false;
    running = true;
    setTimeout(() => (firedDuringRun = running), 0);
    await worker.runAsync();
    running = false;
    expect(seen).toEqual(expected);
    expect(seen).toHaveLength(20_000);
    // 20,000 rounds take well over the 2 ms after which a busy worker yields.
    expect(firedDuringRun).toBe(true);
  });

  it('stops with the same STALLED as run() when nothing more can happen', async () => {
    const build = (worker: Worker) =>
      worker.dataflow((scope: Scope) => {
        const input = scope.newInput<number>('open');
        return input.stream.probe();
      });
    const a = new Worker();
    const pa = build(a);
    const b = new Worker();
    const pb = build(b);
    let syncError: unknown;
    try {
      a.stepUntil(() => pa.passed(0));
    } catch (err) {
      syncError = err;
    }
    const asyncError = await b.stepUntilAsync(() => pb.passed(0)).then(() => undefined, (err: unknown) => err);
    expect(syncError).toBeInstanceOf(DataflowError);
    expect(asyncError).toBeInstanceOf(DataflowError);
    expect((asyncError as DataflowError).code).toBe('STALLED');
    expect((asyncError as DataflowError).message).toBe((syncError as DataflowError).message);
  });
});
