import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { orderByName } from '../../src/timestamps/order.js';
import { PathSummary } from '../../src/timestamps/summary.js';
import { Timestamp } from '../../src/timestamps/timestamp.js';
import { orders, summaryAt, timestampOfDepth } from '../arbitraries.js';

/** A depth, a summary applicable there, a second one applicable to its output, and a time. */
const chain = fc.integer({ min: 0, max: 3 }).chain((depth) =>
  summaryAt(depth).chain((first) =>
    fc.tuple(fc.constant(depth), fc.constant(first), summaryAt(first.outputDepth(depth)), timestampOfDepth(depth)),
  ),
);

describe('PathSummary', () => {
  it('composition: (a then b)(t) = b(a(t))', () => {
    fc.assert(fc.property(chain, ([, a, b, t]) => a.followedBy(b).apply(t).equals(b.apply(a.apply(t)))));
  });

  it('composition is associative', () => {
    const three = chain.chain(([depth, a, b, t]) => fc.tuple(fc.constant([depth, a, b, t] as const), summaryAt(b.outputDepth(a.outputDepth(depth)))));
    fc.assert(fc.property(three, ([[, a, b, t], c]) => a.followedBy(b).followedBy(c).apply(t).equals(a.followedBy(b.followedBy(c)).apply(t))));
  });

  it.each(orders)('is monotone under the %s order: t1 ≤ t2 implies s(t1) ≤ s(t2)', (name) => {
    const order = orderByName(name);
    const arb = fc.integer({ min: 0, max: 3 }).chain((d) => fc.tuple(summaryAt(d), timestampOfDepth(d), timestampOfDepth(d)));
    fc.assert(fc.property(arb, ([s, t1, t2]) => !order.lessEqual(t1, t2) || order.lessEqual(s.apply(t1), s.apply(t2))));
  });

  it.each(orders)('summary order under %s: s1 ≤ s2 exactly when s1(t) ≤ s2(t) for every t (checked on a grid)', (name) => {
    const order = orderByName(name);
    const arb = fc.integer({ min: 0, max: 2 }).chain((d) => fc.tuple(fc.constant(d), summaryAt(d), summaryAt(d)));
    fc.assert(
      fc.property(arb, ([d, s1, s2]) => {
        if (s1.outputDepth(d) !== s2.outputDepth(d)) return !s1.lessEqual(s2, d, name);
        // Coordinates 0 and 9 stand for "small" and "larger than any constant" (constants are < 9 here).
        let all = true;
        for (const t of grid(d)) if (!order.lessEqual(s1.apply(t), s2.apply(t))) all = false;
        return s1.lessEqual(s2, d, name) === all;
      }),
    );
  });

  it('ingress, feedback and egress do what their names say', () => {
    const t = Timestamp.of(2, 3);
    expect(PathSummary.ingress.apply(t).toArray()).toEqual([2, 3, 0]);
    expect(PathSummary.feedback().apply(t).toArray()).toEqual([2, 4]);
    expect(PathSummary.egress.apply(t).toArray()).toEqual([2]);
    expect(PathSummary.ingress.followedBy(PathSummary.feedback()).followedBy(PathSummary.egress).isIdentity).toBe(true);
  });

  it('refuses to pop counters that are not there (INVALID_SUMMARY)', () => {
    expect(() => PathSummary.egress.apply(Timestamp.of(1))).toThrowError(/INVALID_SUMMARY/);
    expect(() => PathSummary.feedback(0)).toThrowError(/INVALID_SUMMARY/);
    expect(() => new PathSummary(-1, 0)).toThrowError(/INVALID_SUMMARY/);
  });
});

function* grid(depth: number): Generator<Timestamp> {
  const values = [0, 1, 9];
  const total = values.length ** depth;
  for (let i = 0; i < total; i++) {
    const c: number[] = [];
    let k = i;
    for (let j = 0; j < depth; j++) {
      c.push(values[k % values.length]!);
      k = Math.floor(k / values.length);
    }
    yield Timestamp.of(0, ...c);
  }
}
