/** Scope and LoopScope: where stages live; a loop scope adds ingress, egress and feedback stages. */
import type { TimestampOrder } from '../timestamps/order.js';
import type { Timestamp } from '../timestamps/timestamp.js';
import type { GraphBuilder } from './builder.js';
import { GraphError } from './errors.js';
import { InputHandle } from './handles.js';
import type { ScopeInfo, StageKind } from './logical.js';
import { Stream } from './stream.js';
import { pipeline, type Pact, type Vertex, type VertexContext } from './vertex.js';

type Connection = Stream<any> | { readonly stream: Stream<any>; readonly pact: Pact };

/**
 * A stage of your own vertices, receiving records of type `In` and sending `Out`.
 *
 * @example
 * const doubled = scope
 *   .stage<number, number>({
 *     name: 'double',
 *     inputs: [numbers],
 *     vertex: (ctx) => ({ onRecv: (_port, batch, time) => ctx.sendBy(0, batch.map((x) => 2 * x), time) }),
 *   })
 *   .output<number>();
 */
export interface StageSpec<In = any, Out = any> {
  readonly name: string;
  /** Streams for the first input ports, each optionally with its pact (pipeline by default). */
  readonly inputs?: readonly Connection[];
  /** Number of input ports when some are connected later with `StageHandle.connect` (cycles). */
  readonly inputCount?: number;
  /** Number of output ports (1 by default). */
  readonly outputs?: number;
  /** Makes this stage's vertex on one worker. */
  readonly vertex: (ctx: VertexContext<Out>) => Vertex<In>;
}

/** Typed actions for a one-output operator. */
export interface OperatorContext<O> {
  readonly stage: string;
  readonly worker: number;
  readonly peers: number;
  /** Sends `batch` on the stage's output at `time` (≥ the callback's time). */
  send(batch: O[], time: Timestamp): void;
  /** Asks for `onNotify(time)` once nothing at or before `time` can arrive. */
  notifyAt(time: Timestamp): void;
  /** The input frontier (see `VertexContext.frontier`). */
  frontier(): readonly Timestamp[];
  /** The dataflow's timestamp order (see `VertexContext.order`). */
  readonly order: TimestampOrder;
  /** Holds a time, to act at it later, `onFrontier` included (see `VertexContext.hold`). */
  hold(time: Timestamp): void;
  /** Gives back one hold (see `VertexContext.release`). */
  release(time: Timestamp): void;
  /** Lets the vertices downstream take what was sent so far (see `VertexContext.flush`). */
  flush(): void;
}

/** The callbacks of a one-input operator (`scope.unary`, `scope.sink`). */
export interface UnaryLogic<I> {
  onRecv?(batch: readonly I[], time: Timestamp): void;
  onNotify?(time: Timestamp): void;
  /** The input frontier changed (see `Vertex.onFrontier`): act only at times ≥ a held one. */
  onFrontier?(frontier: readonly Timestamp[]): void;
}

/** The callbacks of a two-input operator (`scope.binary`). */
export interface BinaryLogic<A, B> {
  onLeft?(batch: readonly A[], time: Timestamp): void;
  onRight?(batch: readonly B[], time: Timestamp): void;
  onNotify?(time: Timestamp): void;
  /** The input frontier changed (see `Vertex.onFrontier`): act only at times ≥ a held one. */
  onFrontier?(frontier: readonly Timestamp[]): void;
}

/**
 * A stage added with `scope.stage`: its outputs as streams, and its inputs to connect later (for a
 * stage fed from later in the graph, inside a loop).
 *
 * @example
 * const h = scope.stage<number, number>({ name: 'relay', inputCount: 1, vertex: (ctx) => ({ onRecv: (_p, b, t) => ctx.sendBy(0, [...b], t) }) });
 * h.connect(0, numbers);
 * const relayed = h.output<number>();
 */
export class StageHandle {
  /** The scope of the times the stage sends (for ingress and egress, not the scope it was added from). */
  readonly scope: Scope;
  readonly index: number;

  constructor(scope: Scope, index: number) {
    this.scope = scope;
    this.index = index;
  }

  output<T>(port = 0): Stream<T> {
    const def = this.scope.builder.stageDef(this.index);
    if (!(port >= 0 && port < def.outputs)) throw new GraphError('INVALID_PORT', `stage '${def.name}' has no output ${port}`, { stage: def.name });
    return new Stream<T>(this.scope, this.index, port);
  }

  /** Connects `stream` to input `port`; the stream may come from later in the graph (inside a loop). */
  connect(port: number, stream: Stream<any>, pact: Pact = pipeline): void {
    this.scope.builder.addEdge(stream.stage, stream.port, this.index, port, pact);
  }
}

/**
 * Where stages live: the root scope of a dataflow (times are epochs) or a loop inside it (times carry
 * one more counter). Given to the build function of `worker.dataflow`.
 *
 * @example
 * worker.dataflow((scope) => {
 *   const input = scope.newInput<number>('numbers');
 *   const loop = scope.loop('halve');
 *   const fb = loop.feedback<number>();
 *   const halved = loop.enter(input.stream).concat(fb.stream).filter((x) => x > 1).map((x) => x / 2);
 *   fb.connect(halved);
 *   return { input, out: loop.leave(halved).collect() };
 * });
 */
export class Scope implements ScopeInfo {
  readonly builder: GraphBuilder;
  readonly id: number;
  readonly name: string;
  readonly parent: Scope | null;
  readonly depth: number;

  constructor(builder: GraphBuilder, id: number, name: string, parent: Scope | null) {
    this.builder = builder;
    this.id = id;
    this.name = name;
    this.parent = parent;
    this.depth = parent === null ? 0 : parent.depth + 1;
  }

  /** Adds a stage of user vertices, one per worker, living in this scope. */
  stage<In = any, Out = any>(spec: StageSpec<In, Out>): StageHandle {
    return this.addStage(spec as StageSpec, 'vertex', this, this);
  }

  /** @internal Adds a stage of any kind; ingress, egress and feedback stages span two scopes. */
  addStage(spec: StageSpec, kind: StageKind, inScope: Scope, outScope: Scope, maxIterations?: number): StageHandle {
    const inputs = spec.inputs ?? [];
    const inputCount = spec.inputCount ?? inputs.length;
    const outputs = spec.outputs ?? 1;
    if (typeof spec.name !== 'string' || spec.name.length === 0) throw new GraphError('INVALID_OPTION', 'a stage needs a non-empty name');
    if (!Number.isInteger(inputCount) || inputCount < inputs.length || !Number.isInteger(outputs) || outputs < 0) {
      throw new GraphError('INVALID_OPTION', `stage '${spec.name}': inputCount must cover the given inputs and outputs must be a non-negative integer`);
    }
    for (const c of inputs) this.own(c instanceof Stream ? c : c.stream, spec.name);
    const index = this.builder.addStage({
      name: spec.name,
      kind,
      inScope,
      outScope,
      inputs: inputCount,
      outputs,
      factory: spec.vertex,
      ...(maxIterations === undefined ? {} : { maxIterations }),
    });
    const handle = new StageHandle(outScope, index);
    inputs.forEach((c, port) => (c instanceof Stream ? handle.connect(port, c) : handle.connect(port, c.stream, c.pact)));
    return handle;
  }

  /** A stage with one input and one output, with typed callbacks. */
  unary<I, O>(input: Stream<I>, name: string, pact: Pact, logic: (ctx: OperatorContext<O>) => UnaryLogic<I>): Stream<O> {
    return this.stage({
      name,
      inputs: [{ stream: input, pact }],
      vertex: (ctx) => {
        const l = logic(operatorContext<O>(ctx));
        return {
          onRecv: l.onRecv === undefined ? undefined : (_edge, batch, time) => l.onRecv!(batch as readonly I[], time),
          onNotify: l.onNotify?.bind(l),
          onFrontier: l.onFrontier?.bind(l),
        };
      },
    }).output<O>();
  }

  /** A stage with two inputs and one output, with typed callbacks. */
  binary<A, B, O>(left: Stream<A>, right: Stream<B>, name: string, pacts: readonly [Pact, Pact], logic: (ctx: OperatorContext<O>) => BinaryLogic<A, B>): Stream<O> {
    return this.stage({
      name,
      inputs: [
        { stream: left, pact: pacts[0] },
        { stream: right, pact: pacts[1] },
      ],
      vertex: (ctx) => {
        const l = logic(operatorContext<O>(ctx));
        return {
          onRecv: (edge, batch, time) => (edge === 0 ? l.onLeft?.(batch as readonly A[], time) : l.onRight?.(batch as readonly B[], time)),
          onNotify: l.onNotify?.bind(l),
          onFrontier: l.onFrontier?.bind(l),
        };
      },
    }).output<O>();
  }

  /** A stage with one input and no output. */
  sink<I>(input: Stream<I>, name: string, pact: Pact, logic: (ctx: OperatorContext<never>) => UnaryLogic<I>): StageHandle {
    return this.stage({
      name,
      inputs: [{ stream: input, pact }],
      outputs: 0,
      vertex: (ctx) => {
        const l = logic(operatorContext<never>(ctx));
        return {
          onRecv: l.onRecv === undefined ? undefined : (_edge, batch, time) => l.onRecv!(batch as readonly I[], time),
          onNotify: l.onNotify?.bind(l),
          onFrontier: l.onFrontier?.bind(l),
        };
      },
    });
  }

  /** A nested loop context: its times carry one more counter than this scope's. */
  loop(name?: string): LoopScope {
    return this.builder.addScope((id) => new LoopScope(this.builder, id, name ?? `loop${id}`, this)) as LoopScope;
  }

  /** A new input of the dataflow (root scope only): records sent through it enter at its current epoch. */
  newInput<T>(name = 'input', options: { batchSize?: number } = {}): InputHandle<T> {
    if (this.parent !== null) throw new GraphError('INVALID_OPTION', `inputs belong to the root scope, not to loop '${this.name}'`);
    const batchSize = options.batchSize ?? 4096;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new GraphError('INVALID_OPTION', `input '${name}': batchSize must be a positive integer`);
    const stage = this.addStage({ name, outputs: 1, vertex: () => ({}) }, 'input', this, this);
    const handle = new InputHandle<T>(name, stage.output<T>(), batchSize);
    this.builder.onAttach((rt) => handle.attach(rt));
    return handle;
  }

  /** Checks that `stream` was built by this scope's builder. */
  own(stream: Stream<any>, user: string): void {
    if (!(stream instanceof Stream) || stream.scope.builder !== this.builder) {
      throw new GraphError('FOREIGN_STREAM', `stage '${user}' was given a stream that is not part of dataflow '${this.builder.name}'`);
    }
  }
}

/**
 * A loop context: streams come in through `enter` (a counter at 0 is appended to their times), go round
 * through a `feedback` (the counter goes up by one), and out through `leave` (the counter is dropped).
 * Every cycle must pass through the loop's feedback.
 *
 * @example
 * const loop = scope.loop('rounds');
 * const fb = loop.feedback<number>({ maxIterations: 10 });
 * const next = loop.enter(start).concat(fb.stream).map((x) => x + 1);
 * fb.connect(next);
 * const done = loop.leave(next);
 */
export class LoopScope extends Scope {
  declare readonly parent: Scope;

  /** Ingress: the stream's records, inside this loop, with a loop counter starting at 0. */
  enter<T>(stream: Stream<T>): Stream<T> {
    return this.addStage(
      { name: `${this.name}.enter`, inputs: [stream], vertex: (ctx) => ({ onRecv: (_e, batch, time) => ctx.sendBy(0, batch as unknown[], time.pushed(0)) }) },
      'ingress',
      this.parent,
      this,
    ).output<T>();
  }

  /** Egress: the stream's records, outside this loop, with the loop counter dropped. */
  leave<T>(stream: Stream<T>): Stream<T> {
    return this.addStage(
      { name: `${this.name}.leave`, inputs: [stream], vertex: (ctx) => ({ onRecv: (_e, batch, time) => ctx.sendBy(0, batch as unknown[], time.popped()) }) },
      'egress',
      this,
      this.parent,
    ).output<T>();
  }

  /**
   * A feedback edge: what is connected to it comes back out of `stream` at the next iteration. With
   * `maxIterations`, records that would start iteration `maxIterations` are dropped.
   */
  feedback<T>(options: { maxIterations?: number; name?: string } = {}): Feedback<T> {
    const max = options.maxIterations;
    if (max !== undefined && !(Number.isSafeInteger(max) && max >= 1)) {
      throw new GraphError('INVALID_OPTION', `loop '${this.name}': maxIterations must be a positive integer, got ${max}`);
    }
    const handle = this.addStage(
      {
        name: options.name ?? `${this.name}.feedback`,
        inputCount: 1,
        vertex: (ctx) => ({
          onRecv: (_e, batch, time) => {
            if (max !== undefined && time.iteration + 1 >= max) return;
            ctx.sendBy(0, batch as unknown[], time.incremented(1));
          },
        }),
      },
      'feedback',
      this,
      this,
      max,
    );
    return new Feedback<T>(handle);
  }
}

/**
 * A loop's feedback: `stream` carries what was connected, one round later. Made by `loop.feedback()`;
 * connect the loop's result with `connect` before the dataflow is built (UNCONNECTED_INPUT otherwise).
 *
 * @example
 * const fb = loop.feedback<number>();
 * const body = loop.enter(numbers).concat(fb.stream).filter((x) => x > 0).map((x) => x - 1);
 * fb.connect(body);
 */
export class Feedback<T> {
  readonly stream: Stream<T>;
  private readonly handle: StageHandle;

  constructor(handle: StageHandle) {
    this.handle = handle;
    this.stream = handle.output<T>();
  }

  /** Feeds `stream` back to the start of the next iteration. */
  connect(stream: Stream<T>): void {
    this.handle.scope.own(stream, 'feedback');
    this.handle.connect(0, stream);
  }
}

function operatorContext<O>(ctx: VertexContext): OperatorContext<O> {
  return {
    stage: ctx.stage,
    worker: ctx.worker,
    peers: ctx.peers,
    send: (batch, time) => ctx.sendBy(0, batch, time),
    notifyAt: (time) => ctx.notifyAt(time),
    frontier: () => ctx.frontier(),
    order: ctx.order,
    hold: (time) => ctx.hold(time),
    release: (time) => ctx.release(time),
    flush: () => ctx.flush(),
  };
}
