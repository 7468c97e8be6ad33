import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { simulate } from './simulation.js';

const RUNS = Number(process.env['TIMELY_ORACLE_RUNS'] ?? 10_000);

describe('progress tracking against a from-scratch oracle', () => {
  it(`never notifies early and always notifies once inputs close (${RUNS} random graphs and schedules)`, () => {
    let notifications = 0;
    let checks = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 0x7fffffff }),
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom('product' as const, 'lexicographic' as const),
        fc.boolean(),
        (seed, workers, order, accumulate) => {
          const r = simulate({ seed, workers, order, maxDepth: 2, events: 60, accumulate });
          notifications += r.notifications;
          checks += r.checks;
        },
      ),
      { numRuns: RUNS },
    );
    // The runs must actually exercise notifications, or the law above says nothing.
    expect(notifications).toBeGreaterThan(RUNS);
    expect(checks).toBeGreaterThan(RUNS * 10);
  });

  it('the oracle itself catches a tracker that ignores could-result-in', () => {
    // Sanity check of the checker: with every notification treated as deliverable, some schedule is early.
    let caught = false;
    for (let seed = 1; seed < 200 && !caught; seed++) {
      try {
        simulate({ seed, workers: 1, order: 'product', maxDepth: 2, events: 60, accumulate: false, ignoreFrontier: true });
      } catch (e) {
        caught = /early notification/.test((e as Error).message);
      }
    }
    expect(caught).toBe(true);
  });
});
