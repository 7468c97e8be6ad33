import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { grownInPlace, reservedColumn } from '../../src/collections/dense.js';

describe('columns grown in place', () => {
  it('keep every element written, with zeros after, whether grown within their reservation or past it', () => {
    const kinds = [Int32Array, Uint8Array, Float64Array] as const;
    // Steps: write a value at a place (within the column), or grow it to hold a larger length.
    const step = fc.oneof(fc.record({ write: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), fc.record({ grow: fc.integer({ min: 0, max: 600 }) }));
    fc.assert(
      fc.property(fc.constantFrom(0, 1, 2), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 100 }), fc.array(step, { maxLength: 60 }), (k, length, reserve, steps) => {
        let column = reservedColumn(kinds[k] as typeof Int32Array, length, reserve);
        const model: number[] = new Array<number>(length).fill(0);
        for (const s of steps) {
          if ('grow' in s) {
            column = grownInPlace(column, s.grow);
            expect(column.length).toBeGreaterThanOrEqual(s.grow);
            while (model.length < column.length) model.push(0);
          } else if (column.length > 0) {
            const at = s.write % column.length;
            column[at] = s.value;
            model[at] = s.value;
          }
          expect(Array.from(column)).toEqual(model);
        }
      }),
      { numRuns: 300 },
    );
  });
});
