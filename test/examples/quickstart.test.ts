import { describe, expect, it } from 'vitest';
import { readmeShows } from '../helpers.js';
import { collatzSteps } from '../../examples/quickstart.js';

describe('the README quick start', () => {
  it('is examples/quickstart.ts, word for word (but for the import path)', () => {
    expect(readmeShows('examples/quickstart.ts')).toBe(true);
  });

  it('computes Collatz step counts', () => {
    const plain = (n: number) => {
      let steps = 0;
      for (; n !== 1; steps++) n = n % 2 === 0 ? n / 2 : 3 * n + 1;
      return steps;
    };
    const starts = [2, 3, 6, 7, 27, 97];
    expect(collatzSteps(starts)).toEqual(new Map(starts.map((s) => [s, plain(s)])));
  });
});
