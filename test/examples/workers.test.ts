import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// Worker threads run the build, so this test uses it too.
import { readEdgeList } from '../../dist/examples/iterative/edge-list.js';
import { formatNodeValues, runExample } from '../../dist/examples/iterative/run.js';
import { graphsDir } from './reference.js';

describe.each(['karate.txt', 'email-Eu-core.txt', 'ca-GrQc.txt'])('examples on %s with 1, 2, 3 and 4 workers', (file) => {
  const edges = readEdgeList(join(graphsDir(), file));
  const source = edges.src[0]!;

  it.each([
    ['wcc', {}],
    ['pagerank', { iterations: 20 }],
    ['bfs', { source }],
  ] as const)('%s output is byte-identical', async (algorithm, options) => {
    const outputs: string[] = [];
    for (const workers of [1, 2, 3, 4]) outputs.push(formatNodeValues(await runExample(algorithm, edges, { ...options, workers })));
    expect(outputs[0]!.length).toBeGreaterThan(0);
    for (const o of outputs.slice(1)) expect(o).toBe(outputs[0]);
  });
});
