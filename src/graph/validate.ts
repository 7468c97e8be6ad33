/** Graph rules, checked at build time: ports connected, loops entered and left properly, every cycle through a feedback. */
import { GraphError } from './errors.js';
import { isAncestor, scopePath, type EdgeDef, type ScopeInfo, type StageDef } from './logical.js';

export function validate(stages: readonly StageDef[], edges: readonly EdgeDef[], scopes: readonly ScopeInfo[]): void {
  checkPorts(stages, edges);
  for (const e of edges) checkEdgeScope(stages, e);
  for (const scope of scopes) checkCycles(stages, edges, scope);
}

function describeEdge(stages: readonly StageDef[], e: EdgeDef): string {
  return `'${stages[e.source]!.name}' -> '${stages[e.target]!.name}'`;
}

function checkPorts(stages: readonly StageDef[], edges: readonly EdgeDef[]): void {
  const seen = stages.map((s) => new Array<number>(s.inputs).fill(0));
  for (const e of edges) seen[e.target]![e.targetPort]!++;
  for (const s of stages) {
    for (let port = 0; port < s.inputs; port++) {
      if (seen[s.index]![port] === 0) {
        const what =
          s.kind === 'feedback'
            ? `the feedback '${s.name}' of loop '${scopePath(s.inScope)}' was never connected: call feedback.connect(stream) with the loop's result`
            : `input ${port} of stage '${s.name}' has no incoming stream: connect one before building`;
        throw new GraphError('UNCONNECTED_INPUT', what, { stage: s.name, port });
      }
    }
  }
}

function checkEdgeScope(stages: readonly StageDef[], e: EdgeDef): void {
  const from = stages[e.source]!.outScope;
  const to = stages[e.target]!.inScope;
  if (from === to) return;
  const edge = describeEdge(stages, e);
  let hint: string;
  if (isAncestor(from, to)) {
    hint =
      `enters loop '${scopePath(to)}' without ingress: if '${stages[e.target]!.name}' belongs in the loop, pass the stream through loop.enter(stream) first; ` +
      `if it was meant for after the loop, it was made from a stream of the loop: take that one out with loop.leave(stream)`;
  }
  else if (isAncestor(to, from)) hint = `leaves loop '${scopePath(from)}' without egress: pass the stream through loop.leave(stream) first`;
  else hint = `crosses from loop '${scopePath(from)}' into loop '${scopePath(to)}': leave the one and enter the other`;
  throw new GraphError('SCOPE_MISMATCH', `edge ${edge} ${hint}`, { edge });
}

/**
 * A cycle whose outermost scope is S must pass through a feedback stage of S. Take the edges inside S
 * (at any depth), drop those leaving S's feedback stages; an edge whose own scope is S and whose ends lie
 * in one strongly connected component then closes a forbidden cycle.
 */
function checkCycles(stages: readonly StageDef[], edges: readonly EdgeDef[], scope: ScopeInfo): void {
  const inside = (e: EdgeDef) => isAncestor(scope, stages[e.source]!.outScope);
  const kept = edges.filter((e) => inside(e) && !(stages[e.source]!.kind === 'feedback' && stages[e.source]!.outScope === scope));
  const succ: number[][] = stages.map(() => []);
  for (const e of kept) succ[e.source]!.push(e.target);
  const comp = components(stages.length, succ);
  for (const e of kept) {
    if (stages[e.source]!.outScope !== scope || comp[e.source] !== comp[e.target]) continue;
    const path = findPath(succ, e.target, e.source, comp);
    const cycle = [e.source, ...path].map((s) => `'${stages[s]!.name}'`).join(' -> ');
    const where = scope.parent === null ? 'outside every loop' : `in loop '${scopePath(scope)}' without passing its feedback`;
    throw new GraphError(
      'CYCLE_WITHOUT_FEEDBACK',
      `cycle ${cycle} lies ${where}: every cycle must go through the feedback of its loop (closing edge ${describeEdge(stages, e)})`,
      { edge: describeEdge(stages, e) },
    );
  }
}

/** Strongly connected components (iterative Tarjan); returns a component id per node. */
function components(n: number, succ: readonly number[][]): number[] {
  const index = new Array<number>(n).fill(-1);
  const low = new Array<number>(n).fill(0);
  const comp = new Array<number>(n).fill(-1);
  const onStack = new Array<boolean>(n).fill(false);
  const stack: number[] = [];
  let counter = 0;
  let compCount = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    const frames: [number, number][] = [[root, 0]];
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = true;
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!;
      const [v, i] = frame;
      const next = succ[v]!;
      if (i < next.length) {
        frame[1]++;
        const w = next[i]!;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = true;
          frames.push([w, 0]);
        } else if (onStack[w]) low[v] = Math.min(low[v]!, index[w]!);
        continue;
      }
      frames.pop();
      if (frames.length > 0) {
        const parent = frames[frames.length - 1]![0];
        low[parent] = Math.min(low[parent]!, low[v]!);
      }
      if (low[v] === index[v]) {
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = false;
          comp[w] = compCount;
        } while (w !== v);
        compCount++;
      }
    }
  }
  return comp;
}

/** A path from `from` to `to` inside one component (breadth first); `from` itself first. */
function findPath(succ: readonly number[][], from: number, to: number, comp: readonly number[]): number[] {
  const prev = new Map<number, number>([[from, -1]]);
  const queue = [from];
  for (let q = 0; q < queue.length && !prev.has(to); q++) {
    const v = queue[q]!;
    for (const w of succ[v]!) {
      if (comp[w] !== comp[from] || prev.has(w)) continue;
      prev.set(w, v);
      queue.push(w);
    }
  }
  const path: number[] = [];
  for (let v = to; v !== -1; v = prev.get(v)!) path.push(v);
  return path.reverse();
}
