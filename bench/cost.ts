/**
 * COST on a generated graph: the plain single-threaded baseline against the dataflow on 1 and 2 worker
 * threads, on a seeded random graph (default 16 M edges over 4 M nodes). Every answer is checked against
 * the baseline's. Usage: node dist/bench/cost.js [EDGES] [NODES]
 */
import { generateEdgeList } from '../examples/iterative/edge-list.js';
import { runExample, type NodeValues } from '../examples/iterative/run.js';
import { baselinePagerank, baselineWcc } from './baseline.js';

function same(a: NodeValues, b: NodeValues): boolean {
  if (a.nodes.length !== b.nodes.length) return false;
  for (let i = 0; i < a.nodes.length; i++) if (a.nodes[i] !== b.nodes[i] || !Object.is(a.values[i], b.values[i])) return false;
  return true;
}

async function main(): Promise<void> {
  const edgesWanted = Number(process.argv[2] ?? 16_000_000);
  const nodes = Number(process.argv[3] ?? Math.floor(edgesWanted / 4));
  const edges = generateEdgeList(nodes, edgesWanted, 7);
  const rows: string[] = ['| job | plain JS | 1 worker | 2 workers | COST (2 workers / plain) |', '|---|---|---|---|---|'];
  for (const algorithm of ['wcc', 'pagerank'] as const) {
    const seconds: number[] = [];
    let reference: NodeValues | undefined;
    for (const workers of [0, 1, 2]) {
      const t0 = performance.now();
      const result = workers === 0 ? (algorithm === 'wcc' ? baselineWcc(edges) : baselinePagerank(edges, 20)) : await runExample(algorithm, edges, { workers });
      seconds.push((performance.now() - t0) / 1000);
      if (reference === undefined) reference = result;
      else if (!same(reference, result)) throw new Error(`${algorithm} on ${workers} worker(s) disagrees with the baseline`);
      process.stderr.write(`${algorithm} ${workers === 0 ? 'plain' : `${workers} worker(s)`}: ${seconds[seconds.length - 1]!.toFixed(2)} s\n`);
    }
    rows.push(`| ${algorithm}, ${edges.count} edges | ${seconds[0]!.toFixed(2)} s | ${seconds[1]!.toFixed(2)} s | ${seconds[2]!.toFixed(2)} s | ${(seconds[2]! / seconds[0]!).toFixed(2)} |`);
  }
  process.stdout.write(`${rows.join('\n')}\n\nCompute only (the graph is generated in memory first). Command: \`npm run bench:cost\`.\n`);
}

await main();
