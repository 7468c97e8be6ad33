import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Timestamp } from '../../src/timestamps/timestamp.js';
import { Worker } from '../../src/workers/worker.js';

describe('notifications', () => {
  it('law: however often and in whatever order a vertex asks for a time, it is notified once per time, in time order', () => {
    // Each record names the epoch (0..5) the vertex asks to be notified at; records arrive in batches of any size over several steps.
    const requests = fc.array(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(requests, (batches) => {
        const worker = new Worker();
        const notified: number[] = [];
        const input = worker.dataflow((scope) => {
          const input = scope.newInput<number>('asks', { batchSize: 3 });
          scope.stage({
            name: 'asker',
            inputs: [input.stream],
            outputs: 0,
            vertex: (ctx) => ({
              onRecv: (_e, batch) => {
                for (const e of batch as number[]) ctx.notifyAt(Timestamp.of(e));
              },
              onNotify: (t) => notified.push(t.epoch),
            }),
          });
          return input;
        });
        for (const b of batches) {
          input.send(b);
          worker.step();
        }
        input.close();
        worker.run();
        const asked = [...new Set(batches.flat())].sort((a, b) => a - b);
        expect(notified).toEqual(asked);
      }),
      { numRuns: 200 },
    );
  });

  it('about 20 epochs in flight at one place: every epoch counted right, no false NEGATIVE_COUNT', () => {
    const worker = new Worker();
    const { input, counts } = worker.dataflow((scope) => {
      const input = scope.newInput<number>('numbers');
      return { input, counts: input.stream.map((x) => x).count().collect() };
    });
    // Twenty-four epochs sent before a single step: their times are all outstanding at once at each edge.
    for (let e = 0; e < 24; e++) {
      input.advanceTo(e);
      input.send(Array.from({ length: e + 1 }, (_, i) => i));
    }
    input.close();
    worker.run();
    expect(counts.byTime().map((g) => [g.time.epoch, g.records])).toEqual(Array.from({ length: 24 }, (_, e) => [e, [e + 1]]));
  });
});
