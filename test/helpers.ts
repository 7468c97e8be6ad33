/** Helpers shared by the tests: awaiting an expected failure, and a small progress topology. */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PathSummary } from '../src/timestamps/summary.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Whether the README shows `file` (a path from the root) word for word, but for its import of the package by name. */
export function readmeShows(file: string): boolean {
  const code = readFileSync(resolve(root, file), 'utf8').replace("from '../src/index.js'", "from 'timely-dataflow'");
  return readFileSync(resolve(root, 'README.md'), 'utf8').includes(code.trim());
}

/** The error a promise rejects with; fails the test if it resolves. */
export async function rejection(p: Promise<unknown>): Promise<Error & { code?: string; details?: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

/** Two vertices joined by an edge: locations a (0), a->b (1), b (2), all at depth 0. */
export const lineTopology = {
  locations: [
    { name: 'a', kind: 'vertex' as const, depth: 0 },
    { name: 'a->b', kind: 'edge' as const, depth: 0 },
    { name: 'b', kind: 'vertex' as const, depth: 0 },
  ],
  links: [
    { source: 0, target: 1, summary: PathSummary.identity },
    { source: 1, target: 2, summary: PathSummary.identity },
  ],
};
