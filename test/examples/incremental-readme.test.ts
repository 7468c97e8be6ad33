import { describe, expect, it } from 'vitest';
import { componentsAsEdgesChange } from '../../examples/incremental.js';
import { readmeShows } from '../helpers.js';

describe('the README incremental example', () => {
  it('is examples/incremental.ts, word for word (but for the import path)', () => {
    expect(readmeShows('examples/incremental.ts')).toBe(true);
  });

  it('reports only the labels that change, epoch by epoch', () => {
    const changed = componentsAsEdgesChange(
      [
        [1, 2],
        [3, 4],
      ],
      [
        { insert: [[2, 3]], remove: [] },
        { insert: [], remove: [[2, 3]] },
        { insert: [[5, 5]], remove: [[1, 2]] },
      ],
    );
    expect(changed[0]).toEqual([[1, 1, 1], [2, 1, 1], [3, 3, 1], [4, 3, 1]]);
    // Joining 3 and 4 to 1's component relabels them; cutting them off again restores their label.
    expect(changed[1]).toEqual([[3, 1, 1], [3, 3, -1], [4, 1, 1], [4, 3, -1]]);
    expect(changed[2]).toEqual([[3, 1, -1], [3, 3, 1], [4, 1, -1], [4, 3, 1]]);
    // Nodes 1 and 2 lose their only edge and vanish; node 5 appears with a self-loop.
    expect(changed[3]).toEqual([[1, 1, -1], [2, 1, -1], [5, 5, 1]]);
  });
});
