import { describe, expect, it } from 'vitest';
import { readmeShows } from '../helpers.js';
import { wordCountsByEpoch } from '../../examples/streaming.js';

describe('the README streaming example', () => {
  it('is examples/streaming.ts, word for word (but for the import path)', () => {
    expect(readmeShows('examples/streaming.ts')).toBe(true);
  });

  it('gives each epoch its own counts, an empty epoch included, each final once its epoch has passed', () => {
    const batches = [['a', 'b', 'a'], [], ['b', 'c', 'c', 'c'], ['a']];
    const plain = batches.map((words) => {
      const m = new Map<string, number>();
      for (const w of words) m.set(w, (m.get(w) ?? 0) + 1);
      return m;
    });
    expect(wordCountsByEpoch(batches)).toEqual(plain);
  });
});
