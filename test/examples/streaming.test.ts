import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { wordCountsByEpoch } from '../../examples/streaming.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('the README streaming example', () => {
  it('is examples/streaming.ts, word for word (but for the import path)', () => {
    const code = readFileSync(resolve(root, 'examples/streaming.ts'), 'utf8').replace("from '../src/index.js'", "from 'timely-dataflow'");
    expect(readFileSync(resolve(root, 'README.md'), 'utf8')).toContain(code.trim());
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
