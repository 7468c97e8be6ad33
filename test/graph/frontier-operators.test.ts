import { describe, expect, it } from 'vitest';
import { DataflowError } from '../../src/graph/errors.js';
import type { Collected } from '../../src/graph/handles.js';
import type { Stream } from '../../src/graph/stream.js';
import { pipeline, type VertexContext } from '../../src/graph/vertex.js';
import { Timestamp } from '../../src/timestamps/timestamp.js';
import { Worker } from '../../src/workers/worker.js';

type Walk = [start: number, value: number, steps: number];
const collatz = (n: number) => {
  let steps = 0;
  for (; n !== 1; steps++) n = n % 2 === 0 ? n / 2 : 3 * n + 1;
  return steps;
};

describe('operators that see times', () => {
  it('mapWithTime sees the epoch, and the loop counter inside a loop', () => {
    const worker = new Worker();
    const { input, out, inner } = worker.dataflow((scope) => {
      const input = scope.newInput<number>('n');
      let inner!: Collected<string>;
      input.stream.iterate((v) => {
        inner = v.mapWithTime((x, t) => `${x}@${t}`).collect();
        return v.filter((x) => x > 0).map((x) => x - 1);
      });
      return { input, out: input.stream.mapWithTime((x, t) => [t.epoch, x]).collect(), inner };
    });
    input.advanceTo(3);
    input.send([2]);
    input.close();
    worker.run();
    expect(out.records()).toEqual([[3, 2]]);
    expect(inner.records()).toEqual(['2@(3, [0])', '1@(3, [1])', '0@(3, [2])']);
  });

  it('delay moves records to later epochs; an earlier time is TIME_REGRESSION', () => {
    const worker = new Worker();
    const { input, out } = worker.dataflow((scope) => {
      const input = scope.newInput<number>('n');
      return { input, out: input.stream.delay((x, t) => Timestamp.of(t.epoch + x)).collect() };
    });
    input.send([0, 2, 1, 2]);
    input.close();
    worker.run();
    expect(out.byTime().map((g) => [g.time.epoch, g.records])).toEqual([[0, [0]], [1, [1]], [2, [2, 2]]]);

    const bad = new Worker();
    const back = bad.dataflow((scope) => {
      const input = scope.newInput<number>('n');
      input.stream.delay((_, t) => Timestamp.of(t.epoch - 1)).collect();
      return input;
    });
    back.advanceTo(1);
    back.send([1]);
    expect(() => bad.run()).toThrow(expect.objectContaining({ code: 'TIME_REGRESSION' }));
  });

  it('accumulate folds each time on each worker and sends once the time is complete', () => {
    const worker = new Worker();
    const { input, out } = worker.dataflow((scope) => {
      const input = scope.newInput<number>('n', { batchSize: 2 });
      return { input, out: input.stream.accumulate(() => -Infinity, (m, x) => Math.max(m, x)).collect() };
    });
    input.send([3, 9, 4, 1]);
    input.advanceTo(1);
    input.send([-5]);
    input.close();
    worker.run();
    expect(out.byTime().map((g) => [g.time.epoch, g.records])).toEqual([[0, [9]], [1, [-5]]]);
  });

  it('fixpoint emits each key once, its last value, once the loop is quiet (iterate emits every round)', () => {
    const worker = new Worker();
    const starts = [1, 2, 3, 6, 7, 27];
    const { input, ends, rounds } = worker.dataflow((scope) => {
      const input = scope.newInput<Walk>('walks');
      const step = (w: Stream<Walk>) =>
        w.filter(([, v]) => v !== 1).map(([s, v, n]): Walk => [s, v % 2 === 0 ? v / 2 : 3 * v + 1, n + 1]);
      const ends = input.stream.fixpoint(([s]) => s, step).collect();
      const rounds = input.stream.iterate(step).collect();
      return { input, ends, rounds };
    });
    input.send(starts.map((s): Walk => [s, s, 0]));
    input.close();
    worker.run();
    expect(ends.records().sort((a, b) => a[0] - b[0])).toEqual(starts.map((s) => [s, 1, collatz(s)]));
    expect(rounds.size).toBeGreaterThan(100); // every intermediate walk
  });

  it('broadcast on one worker passes the stream on as it is', () => {
    const worker = new Worker();
    const { input, out } = worker.dataflow((scope) => {
      const input = scope.newInput<number>('n');
      return { input, out: input.stream.broadcast().collect() };
    });
    input.send([1, 2, 3]);
    input.close();
    worker.run();
    expect(out.records()).toEqual([1, 2, 3]);
  });
});

describe('frontier-aware vertices', () => {
  it('a vertex reads its input frontier, and onFrontier sees each change, in order', () => {
    const worker = new Worker();
    const seen: string[] = [];
    const inCallback: string[] = [];
    const input = worker.dataflow((scope) => {
      const input = scope.newInput<number>('n');
      scope.stage<number, never>({
        name: 'watcher',
        inputs: [input.stream],
        outputs: 0,
        vertex: (ctx) => ({
          onRecv: (_port, _batch, time) => inCallback.push(`${time} sees ${ctx.frontier().join(' ')}`),
          onFrontier: (frontier) => seen.push(frontier.join(' ') || 'empty'),
        }),
      });
      return input;
    });
    input.send([1]);
    worker.step();
    for (const e of [1, 2, 5]) {
      input.advanceTo(e);
      worker.step();
      worker.step();
    }
    input.close();
    worker.run();
    expect(inCallback).toEqual(['(0) sees (0)']);
    expect(seen).toEqual(['(1)', '(2)', '(5)', 'empty']);
  });

  it('a vertex that holds a time acts at it from onFrontier, and downstream waits for the release', () => {
    const worker = new Worker();
    const { input, out, probe } = worker.dataflow((scope) => {
      const input = scope.newInput<number>('n');
      // Sums each epoch's numbers and sends the sum when the frontier passes the epoch: no notifications.
      const sums = scope
        .stage<number, number>({
          name: 'frontier-sum',
          inputs: [input.stream],
          vertex: (ctx) => {
            const open = new Map<number, { time: Timestamp; sum: number }>();
            return {
              onRecv: (_p, batch, time) => {
                let s = open.get(time.epoch);
                if (s === undefined) open.set(time.epoch, (s = { time, sum: 0 })), ctx.hold(time);
                for (const x of batch) s.sum += x;
              },
              onFrontier: (frontier) => {
                for (const [epoch, s] of [...open].sort((a, b) => a[0] - b[0])) {
                  if (frontier.some((f) => f.epoch <= epoch)) continue;
                  // Sent one epoch later than received: allowed, since the held time is ≤ it.
                  ctx.sendBy(0, [s.sum], Timestamp.of(epoch + 1));
                  ctx.release(s.time);
                  open.delete(epoch);
                }
              },
            };
          },
        })
        .output<number>();
      return { input, out: sums.collect(), probe: sums.probe() };
    });
    input.send([1, 2]);
    input.advanceTo(1);
    input.send([10]);
    input.advanceTo(3);
    worker.step();
    worker.step();
    // Epoch 0's sum is held until the frontier passes it, and the probe waits for it.
    expect(probe.passed(1)).toBe(false);
    worker.stepUntil(() => probe.passed(1));
    expect(out.byTime().map((g) => [g.time.epoch, g.records])).toEqual([[1, [3]], [2, [10]]]);
    input.close();
    worker.run();
  });

  it('release of a time not held is NOT_HELD; acting below every held time in onFrontier is TIME_REGRESSION', () => {
    const run = (onFrontier: (ctx: VertexContext<number>, frontier: readonly Timestamp[]) => void) => {
      const worker = new Worker();
      const input = worker.dataflow((scope) => {
        const input = scope.newInput<number>('n');
        scope.stage<number, number>({
          name: 'holder',
          inputs: [input.stream],
          vertex: (ctx) => ({ onRecv: (_p, _b, t) => ctx.hold(t.epoch === 0 ? Timestamp.of(2) : t), onFrontier: (f) => onFrontier(ctx, f) }),
        });
        return input;
      });
      input.send([1]);
      input.advanceTo(1);
      try {
        worker.run();
      } catch (e) {
        return (e as DataflowError).code;
      }
      return 'no error';
    };
    expect(run((ctx) => ctx.release(Timestamp.of(1)))).toBe('NOT_HELD');
    expect(run((ctx) => ctx.sendBy(0, [1], Timestamp.of(1)))).toBe('TIME_REGRESSION');
    expect(run((ctx) => ctx.sendBy(0, [1], Timestamp.of(3)))).toBe('STALLED');
  });

  it('onFrontier without a held time may only look: sending from it is NOT_IN_CALLBACK', () => {
    const worker = new Worker();
    const input = worker.dataflow((scope) => {
      const input = scope.newInput<number>('n');
      scope.stage<number, number>({ name: 'eager', inputs: [input.stream], vertex: (ctx) => ({ onFrontier: (f) => ctx.sendBy(0, [1], f[0] ?? Timestamp.of(0)) }) });
      return input;
    });
    input.advanceTo(1);
    let err: unknown;
    try {
      worker.run();
    } catch (e) {
      err = e;
    }
    input.close();
    expect(err).toBeInstanceOf(DataflowError);
    expect((err as DataflowError).code).toBe('NOT_IN_CALLBACK');
  });

  it("subscribe's complete fires for every epoch, in order, with or without data", () => {
    const worker = new Worker();
    const events: string[] = [];
    const { input, probe } = worker.dataflow((scope) => {
      const input = scope.newInput<number>('n');
      input.stream.subscribe({ data: (rs, t) => events.push(`data ${t.epoch}: ${rs.join(',')}`), complete: (t) => events.push(`complete ${t.epoch}`) });
      return { input, probe: input.stream.probe() };
    });
    for (let e = 0; e < 5; e++) {
      if (e === 1 || e === 3) input.send([e * 10]);
      input.advanceTo(e + 1);
      worker.stepUntil(() => probe.passed(e));
    }
    input.close();
    worker.run();
    expect(events).toEqual(['complete 0', 'data 1: 10', 'complete 1', 'complete 2', 'data 3: 30', 'complete 3', 'complete 4', 'complete 5']);
  });

  it('raw vertices are typed by the records they receive and send (tsc checks the wrong send below)', () => {
    const worker = new Worker();
    const { input, out } = worker.dataflow((scope) => {
      const input = scope.newInput<number>('n');
      const typed = scope.stage<number, string>({
        name: 'typed',
        inputs: [input.stream],
        vertex: (ctx) => ({
          onRecv: (_port, batch, time) => {
            const n: number = batch[0]!;
            ctx.sendBy(0, [`#${n}`], time);
            if (n < 0) {
              // @ts-expect-error: this stage sends strings, not numbers
              ctx.sendBy(0, [n], time);
            }
          },
        }),
      });
      return { input, out: typed.output<string>().collect() };
    });
    input.send([7]);
    input.close();
    worker.run();
    expect(out.records()).toEqual(['#7']);
  });
});

describe('flush', () => {
  // A stage that turns each record into `pieces` pieces, sending and flushing after each; the stages
  // after it log what they receive together with how many pieces the sender had made by then.
  const run = (flushing: boolean) => {
    const worker = new Worker();
    const log: [stage: string, record: number, made: number][] = [];
    let made = 0;
    const input = worker.dataflow((scope) => {
      const input = scope.newInput<number>('n');
      const pieces = scope.unary<number, number>(input.stream, 'pieces', pipeline, (ctx) => ({
        onRecv(batch, time) {
          for (const x of batch) {
            for (let p = 0; p < 3; p++) {
              made++;
              ctx.send([10 * x + p], time);
              if (flushing) ctx.flush();
            }
          }
        },
      }));
      const doubled = pieces.map((y) => 2 * y);
      for (const [name, s] of [['pieces', pieces], ['doubled', doubled]] as const) {
        scope.sink(s, `log-${name}`, pipeline, () => ({ onRecv: (batch) => batch.forEach((y) => log.push([name, y, made])) }));
      }
      return input;
    });
    input.send([1, 2]);
    input.close();
    worker.run();
    return log;
  };

  it('lets the stages downstream take each piece before the sender goes on, through every stage after it', () => {
    const log = run(true);
    expect(log.filter(([s]) => s === 'pieces')).toEqual([10, 11, 12, 20, 21, 22].map((y, i) => ['pieces', y, i + 1]));
    expect(log.filter(([s]) => s === 'doubled')).toEqual([10, 11, 12, 20, 21, 22].map((y, i) => ['doubled', 2 * y, i + 1]));
  });

  it('from onFrontier, never delivers to the flushing stage itself: what comes back to it waits until the callback is over', () => {
    // A stage in a loop holds round 0's time and, once it is complete, sends three pieces from
    // onFrontier, flushing after each; the feedback brings each back to it at round 1.
    const worker = new Worker();
    let inside = false;
    const seen: [record: number, duringOnFrontier: boolean][] = [];
    const input = worker.dataflow((scope) => {
      const input = scope.newInput<number>('n');
      const loop = scope.loop('round');
      const back = loop.feedback<number>();
      const echo = loop.stage({
        name: 'echo',
        inputs: [loop.enter(input.stream), back.stream],
        vertex: (ctx: VertexContext<number>) => {
          const held: Timestamp[] = [];
          return {
            onRecv(_port: number, batch: readonly unknown[], time: Timestamp) {
              for (const x of batch as number[]) seen.push([x, inside]);
              if (time.iteration === 0 && held.length === 0) {
                ctx.hold(time);
                held.push(time);
              }
            },
            onFrontier(frontier: readonly Timestamp[]) {
              const t = held[0];
              if (t === undefined || frontier.some((f) => ctx.order.lessEqual(f, t))) return;
              inside = true;
              for (let p = 0; p < 3; p++) {
                ctx.sendBy(0, [100 + p], t);
                ctx.flush();
              }
              inside = false;
              held.pop();
              ctx.release(t);
            },
          };
        },
      });
      back.connect(echo.output());
      return input;
    });
    input.send([1]);
    input.close();
    worker.run();
    expect(seen).toEqual([
      [1, false],
      [100, false],
      [101, false],
      [102, false],
    ]);
  });

  it('without it, they take the pieces once the callback is over (the same records)', () => {
    const log = run(false);
    expect(log.filter(([s]) => s === 'pieces')).toEqual([10, 11, 12, 20, 21, 22].map((y) => ['pieces', y, 6]));
  });
});
