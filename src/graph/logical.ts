/** The logical graph: stages, edges and loop scopes as built, and their projection onto progress locations. */
import { PathSummary } from '../timestamps/summary.js';
import type { Link, LocationInfo, ProgressTopology } from '../progress/topology.js';
import type { Pact, Vertex, VertexContext } from './vertex.js';

export const StageKind = {
  vertex: 'vertex',
  input: 'input',
  ingress: 'ingress',
  egress: 'egress',
  feedback: 'feedback',
} as const;
export type StageKind = (typeof StageKind)[keyof typeof StageKind];

/** A loop context (or the root scope): its depth is the number of loop counters its times carry. */
export interface ScopeInfo {
  readonly id: number;
  readonly name: string;
  readonly parent: ScopeInfo | null;
  readonly depth: number;
}

export interface StageDef {
  readonly index: number;
  readonly name: string;
  readonly kind: StageKind;
  /** Scope of the times the stage receives. */
  readonly inScope: ScopeInfo;
  /** Scope of the times the stage sends. */
  readonly outScope: ScopeInfo;
  readonly inputs: number;
  readonly outputs: number;
  /** Builds this stage's vertex on one worker. */
  readonly factory: (ctx: VertexContext) => Vertex;
  /** For a feedback stage: records leaving iteration `maxIterations - 1` are dropped. */
  readonly maxIterations?: number;
}

export interface EdgeDef {
  readonly index: number;
  readonly source: number;
  readonly sourcePort: number;
  readonly target: number;
  readonly targetPort: number;
  readonly pact: Pact;
}

/** A validated graph, the same on every worker. */
export interface LogicalGraph {
  readonly name: string;
  readonly stages: readonly StageDef[];
  readonly edges: readonly EdgeDef[];
  /** Stages in an order where every edge not leaving a feedback stage points forward. */
  readonly schedule: readonly number[];
  readonly topology: ProgressTopology;
}

/** Location of stage `s` is `s`; location of edge `e` is `stages.length + e`. */
export function edgeLocation(graph: { readonly stages: readonly unknown[] }, edge: number): number {
  return graph.stages.length + edge;
}

export function stageSummary(stage: StageDef): PathSummary {
  switch (stage.kind) {
    case 'ingress':
      return PathSummary.ingress;
    case 'egress':
      return PathSummary.egress;
    case 'feedback':
      return PathSummary.feedback(1);
    default:
      return PathSummary.identity;
  }
}

/** Projects the graph onto progress locations: each stage and each edge is one location. */
export function toTopology(stages: readonly StageDef[], edges: readonly EdgeDef[]): ProgressTopology {
  const locations: LocationInfo[] = stages.map((s) => ({ name: s.name, kind: 'vertex', depth: s.inScope.depth }));
  const links: Link[] = [];
  for (const e of edges) {
    const src = stages[e.source]!;
    const loc = stages.length + e.index;
    locations.push({ name: `${src.name}[${e.sourcePort}] -> ${stages[e.target]!.name}[${e.targetPort}]`, kind: 'edge', depth: src.outScope.depth });
    links.push({ source: e.source, target: loc, summary: stageSummary(src) });
    links.push({ source: loc, target: e.target, summary: PathSummary.identity });
  }
  return { locations, links };
}

export function scopePath(scope: ScopeInfo): string {
  const names: string[] = [];
  for (let s: ScopeInfo | null = scope; s !== null; s = s.parent) names.push(s.name);
  return names.reverse().join('/');
}

export function isAncestor(ancestor: ScopeInfo, scope: ScopeInfo): boolean {
  for (let s: ScopeInfo | null = scope; s !== null; s = s.parent) if (s === ancestor) return true;
  return false;
}

/** What every worker's copy of a dataflow must agree on: its name and sizes, and a hash of its whole shape. */
export interface GraphShape {
  readonly name: string;
  readonly stages: number;
  readonly edges: number;
  /** FNV-1a over every stage's kind, inputs, outputs and loop depth, and every edge's ends, ports and pact. */
  readonly hash: number;
}

/** The shape of a graph, compared across workers when a dataflow is built (DATAFLOW_MISMATCH if they differ). */
export function shapeOf(graph: Pick<LogicalGraph, 'name' | 'stages' | 'edges'>): GraphShape {
  const parts: string[] = [graph.name];
  for (const s of graph.stages) parts.push(`${s.kind}:${s.inputs}:${s.outputs}:${s.inScope.depth}:${s.outScope.depth}`);
  for (const e of graph.edges) parts.push(`${e.source}.${e.sourcePort}>${e.target}.${e.targetPort}:${e.pact.kind}`);
  const text = parts.join('|');
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return { name: graph.name, stages: graph.stages.length, edges: graph.edges.length, hash: h >>> 0 };
}

/** A shape in words, for error messages. */
export function describeShape(shape: GraphShape): string {
  return `'${shape.name}' with ${shape.stages} stages and ${shape.edges} edges (shape ${shape.hash.toString(16).padStart(8, '0')})`;
}
