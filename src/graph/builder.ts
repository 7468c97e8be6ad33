/** GraphBuilder: collects stages, edges and loop scopes, then validates them into a LogicalGraph. */
import { GraphError } from './errors.js';
import { toTopology, type EdgeDef, type LogicalGraph, type StageDef } from './logical.js';
import type { DataflowRuntime } from './runtime.js';
import { Scope } from './scope.js';
import { validate } from './validate.js';
import type { Pact } from './vertex.js';

/**
 * Collects stages, edges and loop scopes, then validates them into a logical graph (`build`).
 * `worker.dataflow` uses one per dataflow; use one directly to check a graph without running it.
 *
 * @example
 * const builder = new GraphBuilder('check');
 * builder.root.newInput<number>('in').stream.map((x) => x).probe();
 * const graph = builder.build(); // throws a GraphError naming the offending edge or cycle
 */
export class GraphBuilder {
  readonly name: string;
  readonly root: Scope;
  private readonly stages: StageDef[] = [];
  private readonly edges: EdgeDef[] = [];
  private readonly scopes: Scope[] = [];
  private readonly attachments: ((runtime: DataflowRuntime) => void)[] = [];
  private built = false;

  constructor(name = 'dataflow') {
    this.name = name;
    this.root = new Scope(this, 0, name, null);
    this.scopes.push(this.root);
  }

  /** @internal Registers a scope created by `Scope.loop`. */
  addScope(make: (id: number) => Scope): Scope {
    this.open();
    const scope = make(this.scopes.length);
    this.scopes.push(scope);
    return scope;
  }

  /** @internal */
  addStage(def: Omit<StageDef, 'index'>): number {
    this.open();
    const index = this.stages.length;
    this.stages.push({ ...def, index });
    return index;
  }

  /** @internal */
  stageDef(index: number): StageDef {
    const s = this.stages[index];
    if (s === undefined) throw new GraphError('INVALID_PORT', `stage ${index} does not exist`);
    return s;
  }

  /** @internal */
  addEdge(source: number, sourcePort: number, target: number, targetPort: number, pact: Pact): void {
    this.open();
    const src = this.stageDef(source);
    const dst = this.stageDef(target);
    if (!(sourcePort >= 0 && sourcePort < src.outputs)) {
      throw new GraphError('INVALID_PORT', `stage '${src.name}' has ${src.outputs} output(s); there is no output ${sourcePort}`, { stage: src.name });
    }
    if (!(targetPort >= 0 && targetPort < dst.inputs)) {
      throw new GraphError('INVALID_PORT', `stage '${dst.name}' has ${dst.inputs} input(s); there is no input ${targetPort}`, { stage: dst.name });
    }
    if (this.edges.some((e) => e.target === target && e.targetPort === targetPort)) {
      throw new GraphError('INPUT_CONNECTED_TWICE', `input ${targetPort} of stage '${dst.name}' is already connected: merge streams with concat first`, {
        stage: dst.name,
        port: targetPort,
      });
    }
    this.edges.push({ index: this.edges.length, source, sourcePort, target, targetPort, pact });
  }

  /** @internal Runs `attach` on each worker's running instance once it exists (how handles find their runtime). */
  onAttach(attach: (runtime: DataflowRuntime) => void): void {
    this.attachments.push(attach);
  }

  /** @internal */
  attachAll(runtime: DataflowRuntime): void {
    for (const a of this.attachments) a(runtime);
  }

  /** Checks the graph rules and freezes the graph. */
  build(): LogicalGraph {
    this.open();
    validate(this.stages, this.edges, this.scopes);
    this.built = true;
    return {
      name: this.name,
      stages: this.stages,
      edges: this.edges,
      schedule: scheduleOrder(this.stages, this.edges),
      topology: toTopology(this.stages, this.edges),
    };
  }

  /** The builder whose dataflow is being built right now (by `Worker.dataflow` or `buildWith`), if any. */
  private static building: GraphBuilder | undefined;

  /** Runs `build` as this builder's build function: a stream of another, finished dataflow used meanwhile is FOREIGN_STREAM. */
  buildWith<R>(build: (scope: Scope) => R): R {
    const outer = GraphBuilder.building;
    GraphBuilder.building = this;
    try {
      return build(this.root);
    } finally {
      GraphBuilder.building = outer;
    }
  }

  private open(): void {
    if (!this.built) return;
    const now = GraphBuilder.building;
    if (now !== undefined && now !== this) {
      throw new GraphError(
        'FOREIGN_STREAM',
        `${this.name === now.name ? `a stream of another dataflow also named '${this.name}' (built earlier, or by another Worker)` : `a stream of dataflow '${this.name}', built earlier,`} was used while building dataflow '${now.name}': a stream belongs to the dataflow that made it; feed its records to the new dataflow through an input`,
        { dataflow: now.name, from: this.name },
      );
    }
    throw new GraphError('ALREADY_BUILT', `dataflow '${this.name}' is already built: stages and edges can no longer be added`);
  }
}

/** A topological order of the stages once edges leaving feedback stages are set aside (valid graphs only). */
function scheduleOrder(stages: readonly StageDef[], edges: readonly EdgeDef[]): number[] {
  const indegree = stages.map(() => 0);
  const succ: number[][] = stages.map(() => []);
  for (const e of edges) {
    if (stages[e.source]!.kind === 'feedback') continue;
    succ[e.source]!.push(e.target);
    indegree[e.target]!++;
  }
  const order: number[] = [];
  const ready = stages.filter((s) => indegree[s.index] === 0).map((s) => s.index);
  while (ready.length > 0) {
    const s = ready.shift()!;
    order.push(s);
    for (const t of succ[s]!) if (--indegree[t]! === 0) ready.push(t);
  }
  return order;
}
