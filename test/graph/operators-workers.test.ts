import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// Threads run built JavaScript: these tests use the build.
import { execute } from '../../dist/src/index.js';

const fixture = join(dirname(fileURLToPath(import.meta.url)), '../workers/fixtures/operators.mjs');
type ByName = Record<string, [number, unknown[]][]>;

/** Every worker's records of each operator, by epoch, each epoch's records sorted: the output of the whole computation. */
function merged(results: ByName[]): Record<string, string[][]> {
  const out: Record<string, string[][]> = {};
  for (const result of results) {
    for (const [name, groups] of Object.entries(result)) {
      const epochs = (out[name] ??= [[], [], [], []]);
      for (const [epoch, records] of groups) epochs[epoch]!.push(...records.map((r) => JSON.stringify(r)));
    }
  }
  for (const epochs of Object.values(out)) for (const e of epochs) e.sort();
  return out;
}

const epochs = [
  Array.from({ length: 10 }, (_, i) => i),
  Array.from({ length: 37 }, (_, i) => (i * 7919) % 101 - 50),
  [5, 5, 5, -5, 0, 12],
];

describe('every operator gives the one-worker answer on 2, 3 and 4 threads', () => {
  it('the same records at the same epochs, and one total per epoch for count and sum', async () => {
    const one = merged((await execute<ByName>(fixture, { workers: 1, args: { epochs } })).results);
    expect(one['count']).toEqual([['10'], ['37'], ['6'], []]);
    expect(one['sum']).toEqual([[String(45)], [String(epochs[1]!.reduce((a, b) => a + b, 0))], ['22'], []]);
    expect(one['accumulate']).toEqual(one['sum']);
    expect(one['broadcastFirst']).toEqual(one['inspect']);
    expect(one['fixpoint']![0]).toHaveLength(10);
    for (const workers of [2, 3, 4]) {
      const { results } = await execute<ByName>(fixture, { workers, args: { epochs } });
      const many = merged(results);
      for (const name of Object.keys(one)) expect({ name, epochs: many[name] }).toEqual({ name, epochs: one[name] });
      // A total is one record on one worker, not a partial on each.
      for (const name of ['count', 'sum']) {
        const holders = results.filter((r) => r[name]!.length > 0);
        expect(holders).toHaveLength(1);
      }
    }
  });
});
