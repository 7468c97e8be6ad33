/** Reachability: the minimal path summaries between locations (could-result-in), computed once per graph. */
import { Antichain } from '../timestamps/antichain.js';
import type { TimestampOrder } from '../timestamps/order.js';
import type { PathSummary } from '../timestamps/summary.js';
import type { Timestamp } from '../timestamps/timestamp.js';
import { ProgressError } from './errors.js';
import type { ProgressTopology } from './topology.js';

export interface Reach {
  readonly target: number;
  /** Minimal summaries over non-empty paths from the source to `target`. */
  readonly summaries: readonly PathSummary[];
}

/**
 * Could-result-in over a progress topology: the minimal path summaries from every location to every
 * location it reaches, computed once when the graph is built.
 *
 * @example
 * const reach = new Reachability(graph.topology, productOrder);
 * reach.summaries(inputStage, sinkStage); // the minimal summaries of the paths between them
 * reach.couldResultIn(Timestamp.of(0), inputStage, Timestamp.of(1), sinkStage); // true
 */
export class Reachability {
  readonly topology: ProgressTopology;
  readonly order: TimestampOrder;
  /** For each source location, every location reachable by a non-empty path, with minimal summaries. */
  readonly from: readonly (readonly Reach[])[];
  /** For each source location, only the vertex locations it reaches (what input frontiers need). */
  readonly toVertices: readonly (readonly Reach[])[];
  private readonly table: readonly Map<number, readonly PathSummary[]>[];

  constructor(topology: ProgressTopology, order: TimestampOrder) {
    this.topology = topology;
    this.order = order;
    checkLinks(topology);
    const outgoing: { target: number; summary: PathSummary }[][] = topology.locations.map(() => []);
    for (const l of topology.links) outgoing[l.source]!.push({ target: l.target, summary: l.summary });

    const from: Reach[][] = [];
    const table: Map<number, readonly PathSummary[]>[] = [];
    for (let source = 0; source < topology.locations.length; source++) {
      const depth = topology.locations[source]!.depth;
      const le = (a: PathSummary, b: PathSummary) => a.lessEqual(b, depth, order.name);
      const found = new Map<number, Antichain<PathSummary>>();
      const work: { target: number; summary: PathSummary }[] = outgoing[source]!.slice();
      while (work.length > 0) {
        const { target, summary } = work.pop()!;
        let chain = found.get(target);
        if (chain === undefined) found.set(target, (chain = new Antichain(le)));
        if (!chain.insert(summary)) continue;
        for (const next of outgoing[target]!) work.push({ target: next.target, summary: summary.followedBy(next.summary) });
      }
      const reaches: Reach[] = [];
      const row = new Map<number, readonly PathSummary[]>();
      for (const [target, chain] of [...found].sort((a, b) => a[0] - b[0])) {
        const summaries = chain.elements().slice();
        reaches.push({ target, summaries });
        row.set(target, summaries);
      }
      from.push(reaches);
      table.push(row);
    }
    this.from = from;
    this.table = table;
    this.toVertices = from.map((row) => row.filter((r) => topology.locations[r.target]!.kind === 'vertex'));
  }

  /** Minimal summaries over non-empty paths from `source` to `target` (empty when unreachable). */
  summaries(source: number, target: number): readonly PathSummary[] {
    return this.table[source]!.get(target) ?? [];
  }

  /** `(t1, l1)` could-result-in `(t2, l2)`: some path ψ from l1 to l2 (possibly empty) has ψ(t1) ≤ t2. */
  couldResultIn(t1: Timestamp, l1: number, t2: Timestamp, l2: number): boolean {
    if (l1 === l2 && this.order.lessEqual(t1, t2)) return true;
    for (const s of this.summaries(l1, l2)) if (this.order.lessEqual(s.apply(t1), t2)) return true;
    return false;
  }
}

function checkLinks(topology: ProgressTopology): void {
  const n = topology.locations.length;
  for (const link of topology.links) {
    const { source, target, summary } = link;
    if (!(source >= 0 && source < n && target >= 0 && target < n)) {
      throw new ProgressError('MALFORMED_TOPOLOGY', { source, target, locations: n }, 'a link names a location that does not exist');
    }
    const from = topology.locations[source]!;
    const to = topology.locations[target]!;
    if (!summary.appliesAt(from.depth) || summary.outputDepth(from.depth) !== to.depth) {
      throw new ProgressError('MALFORMED_TOPOLOGY', { from: from.name, to: to.name, summary: String(summary) });
    }
  }
}
