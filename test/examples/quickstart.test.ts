import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { collatzSteps } from '../../examples/quickstart.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('the README quick start', () => {
  it('is examples/quickstart.ts, word for word (but for the import path)', () => {
    const code = readFileSync(resolve(root, 'examples/quickstart.ts'), 'utf8').replace("from '../src/index.js'", "from 'timely-dataflow'");
    expect(readFileSync(resolve(root, 'README.md'), 'utf8')).toContain(code.trim());
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
