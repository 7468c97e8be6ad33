/** fast-check generators shared by the property tests. */
import fc from 'fast-check';
import { Timestamp } from '../src/timestamps/timestamp.js';
import { PathSummary } from '../src/timestamps/summary.js';

export const coordinate = fc.integer({ min: 0, max: 4 });

export function timestampOfDepth(depth: number): fc.Arbitrary<Timestamp> {
  return fc.tuple(coordinate, fc.array(coordinate, { minLength: depth, maxLength: depth })).map(([e, c]) => Timestamp.of(e, ...c));
}

export const depthAndTimes = (count: number) =>
  fc.integer({ min: 0, max: 3 }).chain((d) => fc.tuple(fc.constant(d), fc.array(timestampOfDepth(d), { minLength: count, maxLength: count })));

/** A summary applicable at `depth`. */
export function summaryAt(depth: number): fc.Arbitrary<PathSummary> {
  return fc.integer({ min: 0, max: depth }).chain((pop) =>
    fc
      .tuple(pop < depth ? fc.integer({ min: 0, max: 3 }) : fc.constant(0), fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 2 }))
      .map(([add, push]) => new PathSummary(pop, add, push)),
  );
}

export const orders = ['product', 'lexicographic'] as const;
