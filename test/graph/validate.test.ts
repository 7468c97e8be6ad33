import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/graph/builder.js';
import { GraphError } from '../../src/graph/errors.js';
import { Worker } from '../../src/workers/worker.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof GraphError) return e.code;
    throw e;
  }
  return undefined;
}

const pass = () => ({});

describe('graph rules at build time', () => {
  it('refuses a cycle outside every loop, naming the cycle', () => {
    const b = new GraphBuilder('g');
    const input = b.root.newInput<number>('in');
    const a = b.root.stage({ name: 'a', inputs: [input.stream], inputCount: 2, vertex: pass });
    const c = b.root.stage({ name: 'c', inputs: [a.output()], vertex: pass });
    a.connect(1, c.output());
    expect(() => b.build()).toThrowError(/CYCLE_WITHOUT_FEEDBACK: cycle '(a|c)' -> '(a|c)' -> '(a|c)' lies outside every loop/);
  });

  it('refuses a cycle inside a loop that skips its feedback', () => {
    const b = new GraphBuilder('g');
    const input = b.root.newInput<number>('in');
    const loop = b.root.loop('L');
    const fb = loop.feedback<number>();
    const x = loop.stage({ name: 'x', inputs: [loop.enter(input.stream), fb.stream], inputCount: 3, vertex: pass });
    const y = loop.stage({ name: 'y', inputs: [x.output()], vertex: pass });
    fb.connect(y.output());
    x.connect(2, y.output()); // y -> x without the feedback
    expect(() => b.build()).toThrowError(/CYCLE_WITHOUT_FEEDBACK: .*in loop 'g\/L' without passing its feedback/);
  });

  it('refuses a cycle that leaves a loop and comes back at the same outer time', () => {
    const b = new GraphBuilder('g');
    const input = b.root.newInput<number>('in');
    const merge = b.root.stage({ name: 'merge', inputs: [input.stream], inputCount: 2, vertex: pass });
    const loop = b.root.loop('L');
    const fb = loop.feedback<number>();
    const body = loop.stage({ name: 'body', inputs: [loop.enter(merge.output()), fb.stream], vertex: pass });
    fb.connect(body.output());
    merge.connect(1, loop.leave(body.output()));
    expect(codeOf(() => b.build())).toBe('CYCLE_WITHOUT_FEEDBACK');
  });

  it('accepts loops nested two deep, each cycle through its own feedback', () => {
    const b = new GraphBuilder('g');
    const input = b.root.newInput<number>('in');
    const result = input.stream.iterate((outer) => outer.iterate((inner) => inner.filter((x) => x < 3).map((x) => x + 1)).filter((x) => x < 5));
    result.probe();
    expect(() => b.build()).not.toThrow();
  });

  it('refuses an edge that enters a loop without ingress, naming the edge', () => {
    const b = new GraphBuilder('g');
    const input = b.root.newInput<number>('in');
    const loop = b.root.loop('L');
    const fb = loop.feedback<number>();
    const x = loop.stage({ name: 'x', inputs: [input.stream, fb.stream], vertex: pass });
    fb.connect(x.output());
    expect(() => b.build()).toThrowError(/SCOPE_MISMATCH: edge 'in' -> 'x' enters loop 'g\/L' without ingress/);
  });

  it('refuses an edge that leaves a loop without egress', () => {
    const b = new GraphBuilder('g');
    const input = b.root.newInput<number>('in');
    const loop = b.root.loop('L');
    const fb = loop.feedback<number>();
    const x = loop.stage({ name: 'x', inputs: [loop.enter(input.stream), fb.stream], vertex: pass });
    fb.connect(x.output());
    b.root.stage({ name: 'outside', inputs: [x.output()], vertex: pass });
    expect(() => b.build()).toThrowError(/SCOPE_MISMATCH: edge 'x' -> 'outside' leaves loop 'g\/L' without egress/);
  });

  it('refuses an unconnected feedback and an unconnected input port', () => {
    const b1 = new GraphBuilder('g');
    const loop = b1.root.loop('L');
    loop.feedback<number>();
    expect(() => b1.build()).toThrowError(/UNCONNECTED_INPUT: the feedback 'L.feedback' of loop 'g\/L' was never connected/);
    const b2 = new GraphBuilder('g');
    b2.root.stage({ name: 'lonely', inputCount: 1, vertex: pass });
    expect(codeOf(() => b2.build())).toBe('UNCONNECTED_INPUT');
  });

  it("a stream of another Worker's dataflow is FOREIGN_STREAM, saying so when both dataflows have the same name", () => {
    const old = new Worker().dataflow((scope) => scope.newInput<number>('in').stream);
    expect(() => new Worker().dataflow(() => old.map((x) => x))).toThrow(
      "a stream of another dataflow also named 'dataflow0' (built earlier, or by another Worker) was used while building dataflow 'dataflow0'",
    );
    const worker = new Worker();
    const first = worker.dataflow((scope) => scope.newInput<number>('in').stream, { name: 'first' });
    expect(() => worker.dataflow(() => first.map((x) => x), { name: 'second' })).toThrow("a stream of dataflow 'first', built earlier, was used while building dataflow 'second'");
  });

  it('refuses bad ports, double connections, foreign streams, bad options and changes after build', () => {
    const b = new GraphBuilder('g');
    const input = b.root.newInput<number>('in');
    const s = b.root.stage({ name: 's', inputs: [input.stream], vertex: pass });
    expect(codeOf(() => s.connect(0, input.stream))).toBe('INPUT_CONNECTED_TWICE');
    expect(codeOf(() => s.connect(5, input.stream))).toBe('INVALID_PORT');
    expect(codeOf(() => s.output(3))).toBe('INVALID_PORT');
    const other = new GraphBuilder('h');
    expect(codeOf(() => other.root.stage({ name: 't', inputs: [input.stream], vertex: pass }))).toBe('FOREIGN_STREAM');
    expect(codeOf(() => b.root.loop('L').feedback({ maxIterations: 0 }))).toBe('INVALID_OPTION');
    expect(codeOf(() => b.root.loop('M').newInput('x'))).toBe('INVALID_OPTION');
    expect(codeOf(() => b.root.stage({ name: '', vertex: pass }))).toBe('INVALID_OPTION');
    b.root.loop('L2');
    const c = new GraphBuilder('c');
    c.root.newInput('i').stream.probe();
    c.build();
    expect(codeOf(() => c.root.newInput('late'))).toBe('ALREADY_BUILT');
  });
});
