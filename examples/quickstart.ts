import { Worker } from '../src/index.js';

type Walk = [start: number, value: number, steps: number];

/** How many Collatz steps each start needs to reach 1, computed in a dataflow loop. */
export function collatzSteps(starts: number[]): Map<number, number> {
  const worker = new Worker();
  const { input, done } = worker.dataflow((scope) => {
    const input = scope.newInput<Walk>('starts');
    const done = input.stream
      .iterate((walks) =>
        walks
          .filter(([, value]) => value !== 1)
          .map(([start, v, steps]): Walk => [start, v % 2 === 0 ? v / 2 : 3 * v + 1, steps + 1]),
      )
      .filter(([, value]) => value === 1)
      .collect();
    return { input, done };
  });
  input.send(starts.map((s): Walk => [s, s, 0]));
  input.close();
  worker.run();
  return new Map(done.records().map(([start, , steps]) => [start, steps]));
}
