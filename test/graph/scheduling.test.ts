import { describe, expect, it } from 'vitest';
import { pipeline } from '../../src/graph/vertex.js';
import { Worker } from '../../src/workers/worker.js';

describe('scheduling', () => {
  it('a long inbox is taken in parts: the stage downstream runs before the upstream has taken it all, and every record arrives once, in order', () => {
    const n = 300_000;
    const worker = new Worker();
    let taken = 0;
    let takenWhenFirstSeen = -1;
    const seen: number[] = [];
    const { input } = worker.dataflow((scope) => {
      const input = scope.newInput<number>('numbers', { batchSize: 1000 });
      const passed = scope.unary<number, number>(input.stream, 'pass', pipeline, (ctx) => ({
        onRecv(batch, time) {
          taken += batch.length;
          ctx.send(batch as number[], time);
        },
      }));
      scope.sink<number>(passed, 'seen', pipeline, () => ({
        onRecv(batch) {
          if (takenWhenFirstSeen < 0) takenWhenFirstSeen = taken;
          for (const x of batch) seen.push(x);
        },
      }));
      return { input };
    });
    const sent = Array.from({ length: n }, (_, i) => i);
    input.send(sent);
    input.close();
    worker.run();
    expect(taken).toBe(n);
    expect(takenWhenFirstSeen).toBeGreaterThan(0);
    expect(takenWhenFirstSeen).toBeLessThan(n);
    expect(seen).toEqual(sent);
  });

  it('in a loop whose stage takes its inbox in parts, each round reaches the stage whole and in the order it was sent', () => {
    // Each record goes round the loop until it reaches 0; the stage in the loop sees the records of
    // each round in the order they were sent.
    const n = 200_000;
    const worker = new Worker();
    const rounds: number[][] = [];
    const { input } = worker.dataflow((scope) => {
      const input = scope.newInput<number>('numbers', { batchSize: 1000 });
      input.stream.iterate((v) => {
        const seen = v.scope.unary<number, number>(v, 'seen', pipeline, (ctx) => ({
          onRecv(batch, time) {
            const round = time.iteration;
            for (const x of batch) (rounds[round] ??= []).push(x);
            ctx.send(batch as number[], time);
          },
        }));
        return seen.filter((x) => x % 2 === 0).map((x) => x / 2).filter((x) => x > 0);
      });
      return { input };
    });
    const sent = Array.from({ length: n }, (_, i) => i + 1);
    input.send(sent);
    input.close();
    worker.run();
    let expected = sent;
    for (let r = 0; expected.length > 0; r++) {
      expect(rounds[r], `round ${r}`).toEqual(expected);
      expected = expected.filter((x) => x % 2 === 0).map((x) => x / 2);
    }
  });
});
