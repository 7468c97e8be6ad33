/**
 * Label propagation's order of work: `leastFirst` only reorders the nodes to offer, so the passes
 * that follow reach the same labels whatever it does, and only a lost or repeated node could change
 * the answer. Its one law is therefore about the order itself.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { leastFirst } from '../../examples/iterative/labels.js';

describe('leastFirst', () => {
  it('puts the nodes with the least label first and the others after, each part in its order, losing none', () => {
    fc.assert(
      fc.property(
        // Labels over a few nodes, then a list of distinct changed nodes with room past its end.
        fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 60 }).chain((labels) =>
          fc.tuple(fc.constant(labels), fc.uniqueArray(fc.integer({ min: 0, max: labels.length - 1 })), fc.nat({ max: 5 })),
        ),
        ([labels, nodes, spare]) => {
          const label = Int32Array.from(labels);
          const changed = new Int32Array(nodes.length + spare).fill(-7);
          changed.set(nodes);
          const scratch = new Int32Array(changed.length);
          leastFirst(changed, nodes.length, label, scratch);
          const least = Math.min(...nodes.map((n) => labels[n]!));
          const expected = [...nodes.filter((n) => labels[n] === least), ...nodes.filter((n) => labels[n] !== least)];
          expect(Array.from(changed.subarray(0, nodes.length))).toEqual(expected);
          // Past the count nothing is written.
          expect(Array.from(changed.subarray(nodes.length))).toEqual(new Array(spare).fill(-7));
        },
      ),
    );
  });
});
