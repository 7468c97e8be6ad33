/** Worker: one worker's step loop over its dataflows — receive progress, run vertices, send progress. */
import { ProgressAccumulator } from '../progress/accumulator.js';
import type { PointstampUpdate } from '../progress/change-batch.js';
import { ProgressError } from '../progress/errors.js';
import { LoopbackExchange, type ProgressExchange } from '../progress/exchange.js';
import type { ProgressTracker } from '../progress/tracker.js';
import { GraphBuilder } from '../graph/builder.js';
import { DataflowError, GraphError } from '../graph/errors.js';
import { shapeOf } from '../graph/logical.js';
import { DataflowRuntime } from '../graph/runtime.js';
import type { Scope } from '../graph/scope.js';
import { orderByName, type OrderName } from '../timestamps/order.js';
import type { TrafficStats } from './mesh.js';
import type { Transport } from './transport.js';
import { tuneYoungGeneration } from './young-generation.js';
import { lowerBackgroundThreads } from './background-threads.js';

export interface WorkerOptions {
  /** This worker's index (0 by default). */
  readonly index?: number;
  /** Number of workers running the same dataflows (1 by default). */
  readonly peers?: number;
  /** Timestamp order for dataflows that do not choose one ('product' by default). */
  readonly order?: OrderName;
  /** Hold progress batches back until they could move a frontier (true by default). */
  readonly accumulate?: boolean;
  /** The peers this worker runs with (worker threads); sets index, peers, exchange and channels. */
  readonly transport?: Transport;
}

export interface DataflowOptions {
  readonly name?: string;
  readonly order?: OrderName;
}

export interface WorkerStats {
  steps: number;
  messages: number;
  records: number;
  notifications: number;
  /** Progress batches this worker broadcast, and the pointstamp updates in them. */
  progressBatches: number;
  progressUpdates: number;
  /** Messages and bytes sent to other workers, data and progress apart (zero on a single worker). */
  traffic: TrafficStats;
}

/** How long a busy `stepUntilAsync` runs before it lets the event loop take a turn. */
const YIELD_MS = 2;
/** How many dataflows let go of a worker keeps the tracker of (see `Worker.late`). */
const RECENT = 16;

/** Resolves after the event loop has served what was waiting (I/O included: `setImmediate` runs after the poll phase). */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

interface Installed {
  /** Its number on every worker (the n-th dataflow built), which its messages carry. */
  readonly id: number;
  readonly name: string;
  readonly runtime: DataflowRuntime;
  readonly exchange: ProgressExchange;
  readonly accumulator: ProgressAccumulator;
}

/**
 * One worker: runs dataflows with a step loop whose phases are `receiveProgress` (apply the batches
 * that arrived, whole), `runActive` (deliver messages, then notifications whose time the input frontier
 * has passed) and `sendProgress` (hold this step's atomic batch, broadcast when it could move a
 * frontier). Made directly, it is one worker in this thread; `execute` makes one per thread. The first
 * one made in a process sets V8's young-generation growth factor for the whole process (16 instead of
 * V8's 2; `TIMELY_YOUNG_GROWTH` chooses, and a process started with a semi-space flag of its own is
 * left alone): short-lived records are then not promoted while the young generation grows. On Linux
 * it also lowers the CPU priority of V8's background threads (nice 19; `TIMELY_V8_NICE` chooses, 0
 * leaves them alone), so that on a machine with few cores V8's compiling never holds a worker back.
 *
 * @example
 * const worker = new Worker();
 * const { input, out } = worker.dataflow((scope) => {
 *   const input = scope.newInput<number>('numbers');
 *   return { input, out: input.stream.map((x) => x * x).collect() };
 * });
 * input.send([1, 2, 3]);
 * input.close();
 * worker.run();
 * out.records(); // [1, 4, 9]
 */
export class Worker {
  readonly index: number;
  readonly peers: number;
  private readonly options: WorkerOptions;
  /** The dataflows not yet complete: one that completes is let go of (see `retire`), with what it holds. */
  private readonly dataflows: Installed[] = [];
  /** Dataflows built so far: the next one's number. */
  private built = 0;
  private failure: Error | undefined;
  private readonly counters = { steps: 0, progressBatches: 0, progressUpdates: 0 };
  /** The message, record and notification counts of the dataflows let go of. */
  private readonly retired = { messages: 0, records: 0, notifications: 0 };
  /**
   * The trackers of the last RECENT dataflows let go of, by number, to name what a progress batch that
   * still comes for one of them (a peer that counts wrong) would make negative.
   */
  private readonly recent = new Map<number, { readonly name: string; readonly tracker: ProgressTracker }>();
  /** When a `stepAsync` or `stepUntilAsync` last let the event loop take a turn. */
  private lastYield = 0;

  constructor(options: WorkerOptions = {}) {
    const index = options.transport?.index ?? options.index ?? 0;
    const peers = options.transport?.peers ?? options.peers ?? 1;
    if (!Number.isInteger(peers) || peers < 1 || !Number.isInteger(index) || index < 0 || index >= peers) {
      throw new GraphError('INVALID_OPTION', `a worker needs 0 ≤ index < peers, got index ${index} of ${peers}`);
    }
    if (peers > 1 && options.transport === undefined) {
      throw new GraphError('INVALID_OPTION', 'several workers need a transport between them (use execute() to start them)');
    }
    tuneYoungGeneration();
    lowerBackgroundThreads();
    options.transport?.setLate((dataflow, from, updates) => this.late(dataflow, from, updates));
    this.index = index;
    this.peers = peers;
    this.options = options;
    options.transport?.setRelief(() => this.relieve());
  }

  /** Delivers queued messages to the vertices not in a callback (a sender held back by backpressure calls this). */
  private relieve(): boolean {
    let delivered = 0;
    for (const df of this.dataflows) delivered += df.runtime.deliverWaiting();
    return delivered > 0;
  }

  /**
   * Builds a dataflow with `build`, checks the graph rules, and starts it on this worker. Every worker
   * builds the same dataflows in the same order. Once complete, a dataflow is let go of: the worker
   * steps only those still running, and what it held goes with the handles the caller drops.
   *
   * @example
   * for (const query of queries) {
   *   const { input, out } = worker.dataflow((scope) => {
   *     const input = scope.newInput<number>('q');
   *     return { input, out: input.stream.map((x) => x * query).collect() };
   *   });
   *   input.send([1, 2, 3]);
   *   input.close();
   *   worker.run();
   *   console.log(out.records());
   * }
   */
  dataflow<R>(build: (scope: Scope) => R, options: DataflowOptions = {}): R {
    const n = this.built++;
    const builder = new GraphBuilder(options.name ?? `dataflow${n}`);
    const result = builder.buildWith(build);
    const graph = builder.build();
    let runtime: DataflowRuntime | undefined;
    const linked = this.options.transport?.attach(n, shapeOf(graph), (edge, time, records) => runtime!.deliverRemote(edge, time, records));
    const channels = linked?.channels;
    runtime = new DataflowRuntime(graph, {
      worker: this.index,
      peers: this.peers,
      order: orderByName(options.order ?? this.options.order ?? 'product'),
      ...(channels === undefined ? {} : { channels }),
    });
    builder.attachAll(runtime);
    this.dataflows.push({
      id: n,
      name: graph.name,
      runtime,
      exchange: linked?.exchange ?? new LoopbackExchange(),
      accumulator: new ProgressAccumulator(),
    });
    return result;
  }

  /**
   * Whether this worker must wait with `runAsync`, `stepUntilAsync` and `stepAsync` (its thread carries
   * its own links to other processes: see the `links: 'direct'` option of execute across processes);
   * `run()` and `stepUntil()` then fail with INVALID_OPTION as soon as they would wait.
   *
   * @example
   * if (worker.waitsAsync) await worker.runAsync();
   * else worker.run();
   */
  get waitsAsync(): boolean {
    return this.options.transport?.direct === true;
  }

  /** One step of every dataflow. Returns whether any work happened (progress applied, messages, notifications, progress sent). */
  step(): boolean {
    if (this.failure !== undefined) throw new DataflowError('HALTED', `worker ${this.index} stopped after an error: ${this.failure.message}`, {}, this.failure);
    this.counters.steps++;
    let active = false;
    const transport = this.options.transport;
    try {
      if (transport !== undefined && transport.poll()) active = true;
      const dataflows = this.dataflows;
      for (let i = 0; i < dataflows.length; i++) {
        const df = dataflows[i]!;
        if (this.receiveProgress(df)) {
          active = true;
          df.runtime.reportFrontiers();
        }
        const work = df.runtime.runActive();
        if (work > 0) active = true;
        if (this.sendProgress(df, work === 0)) active = true;
        if (this.finished(df)) {
          this.retire(i);
          i--;
        }
      }
    } catch (err) {
      this.failure = err instanceof Error ? err : new Error(String(err));
      throw err;
    }
    return active;
  }

  /**
   * Steps until `done()` holds. On one worker, throws STALLED if nothing more can happen before it does;
   * with peers, an idle worker parks until a peer sends something, and once every worker is idle with
   * nothing in flight it throws NEGATIVE_COUNT (a count below zero for good) or STALLED.
   */
  stepUntil(done: () => boolean): void {
    while (!done()) {
      if (this.step() || done()) continue;
      if (this.options.transport === undefined) this.stalled();
      if (!this.options.transport.park()) this.quiescent();
    }
  }

  /**
   * One `step`, for a loop that feeds the worker while its thread keeps its event loop: it then waits
   * while this thread's links hold too much unsent, and lets the event loop take a turn once every few
   * milliseconds (a feed loop of plain `step()` calls would keep its thread from reading its links).
   *
   * @example
   * for (const part of parts) {
   *   input.send(part);
   *   await worker.stepAsync();
   * }
   */
  async stepAsync(): Promise<boolean> {
    const active = this.step();
    await this.breathe();
    return active;
  }

  /** Every YIELD_MS: sends what this thread's links hold, waits for them to drain if they hold too much, else yields to the event loop. */
  private async breathe(): Promise<void> {
    if (performance.now() - this.lastYield < YIELD_MS) return;
    const congested = this.options.transport?.congestion();
    if (congested !== undefined) await congested;
    else await yieldToEventLoop();
    this.lastYield = performance.now();
  }

  /**
   * `stepUntil` that gives the thread's event loop its turns: while idle it waits without blocking the
   * thread (timers, sockets and messages of this thread are served meanwhile), and while busy it yields
   * every few milliseconds. Same answers and errors as `stepUntil`.
   *
   * @example
   * const probe = out.probe();
   * input.advanceTo(1);
   * await worker.stepUntilAsync(() => probe.passed(0)); // the thread's timers still fire meanwhile
   */
  async stepUntilAsync(done: () => boolean): Promise<void> {
    this.lastYield = performance.now();
    while (!done()) {
      if (this.step() || done()) {
        await this.breathe();
        continue;
      }
      const transport = this.options.transport;
      if (transport === undefined) this.stalled();
      if (!(await transport.parkAsync())) this.quiescent();
      this.lastYield = performance.now();
    }
  }

  /** Steps until every dataflow is complete (all inputs closed, all work done, on every worker). */
  run(): void {
    this.checkClosed('run()');
    this.stepUntil(() => this.complete());
  }

  /**
   * `run` that gives the thread's event loop its turns (see `stepUntilAsync`): for a worker that shares
   * its thread with other work, or whose peers are reached over this thread's own sockets.
   *
   * @example
   * input.close();
   * await worker.runAsync();
   */
  async runAsync(): Promise<void> {
    this.checkClosed('runAsync()');
    await this.stepUntilAsync(() => this.complete());
  }

  private checkClosed(call: string): void {
    const open = this.dataflows.filter((df) => df.runtime.openInputs > 0).map((df) => df.name);
    if (open.length > 0 && this.peers > 1) {
      throw new DataflowError('STALLED', `worker ${this.index} cannot finish: dataflow(s) ${open.join(', ')} still have open inputs here; close them before ${call}`, {
        worker: this.index,
      });
    }
  }

  /** Every dataflow on this worker has no pointstamp left. */
  complete(): boolean {
    for (const df of this.dataflows) if (!this.finished(df)) return false;
    return true;
  }

  /** Whether `df` is done here for good: no pointstamp left, nothing held to send or to apply. */
  private finished(df: Installed): boolean {
    return df.runtime.tracker.isComplete() && df.accumulator.isEmpty() && df.runtime.changes.isEmpty() && df.exchange.settled();
  }

  /**
   * Lets go of the finished dataflow at `i`: a worker that builds dataflow after dataflow keeps only
   * those not yet complete, and steps only them. Its handles (inputs, probes, outputs) still answer as
   * for a complete dataflow; its counts stay in `stats()`.
   */
  private retire(i: number): void {
    const df = this.dataflows[i]!;
    this.dataflows.splice(i, 1);
    this.retired.messages += df.runtime.stats.messages;
    this.retired.records += df.runtime.stats.records;
    this.retired.notifications += df.runtime.stats.notifications;
    const transport = this.options.transport;
    if (transport === undefined) return;
    transport.detach(df.id);
    this.recent.set(df.id, { name: df.name, tracker: df.runtime.tracker });
    if (this.recent.size > RECENT) this.recent.delete(this.recent.keys().next().value!);
  }

  /**
   * A progress batch from worker `from` for dataflow `dataflow`, complete here and let go of: no
   * correct peer sends one (the dataflow has no pointstamp left anywhere). NEGATIVE_COUNT if it makes a
   * count negative, as it would have had the dataflow been kept; MALFORMED_BATCH otherwise.
   */
  private late(dataflow: number, from: number, updates: readonly PointstampUpdate[]): void {
    const recent = this.recent.get(dataflow);
    if (recent !== undefined) {
      recent.tracker.applyAll([updates]);
      recent.tracker.checkNonNegative();
    }
    throw new ProgressError('MALFORMED_BATCH', { dataflow, from, worker: this.index }, `worker ${from} sent progress for dataflow ${recent === undefined ? dataflow : `'${recent.name}'`}, which is complete on worker ${this.index}: a count of it would stay above zero for good`);
  }

  stats(): WorkerStats {
    const traffic = this.options.transport?.stats() ?? { dataMessages: 0, dataBytes: 0, progressMessages: 0, progressBytes: 0, networkDataBytes: 0, networkProgressBytes: 0, peakBacklog: 0 };
    const s: WorkerStats = { ...this.counters, ...this.retired, traffic };
    for (const df of this.dataflows) {
      s.messages += df.runtime.stats.messages;
      s.records += df.runtime.stats.records;
      s.notifications += df.runtime.stats.notifications;
    }
    return s;
  }

  /** Applies every progress batch that has arrived, each one whole (together, so frontiers move once). */
  private receiveProgress(df: Installed): boolean {
    const batches = df.exchange.receive();
    if (batches.length === 0) return false;
    df.runtime.tracker.applyAll(batches);
    if (this.peers === 1 && df.exchange.settled() && df.accumulator.isEmpty()) df.runtime.tracker.checkNonNegative();
    return true;
  }

  /** Holds this step's batch; broadcasts what is held once it could move a frontier, or when idle. */
  private sendProgress(df: Installed, idle: boolean): boolean {
    const changes = df.runtime.changes;
    df.accumulator.hold(changes);
    if (df.accumulator.isEmpty()) return false;
    if (this.options.accumulate !== false && !idle && !df.accumulator.mustFlush(df.runtime.tracker)) return false;
    const batch = df.accumulator.take();
    if (batch.length === 0) return false;
    this.counters.progressBatches++;
    this.counters.progressUpdates += batch.length;
    df.exchange.broadcast(batch);
    return true;
  }

  /** Every worker is idle and nothing is in flight, yet `done()` does not hold: a negative count, or a stall. */
  private quiescent(): never {
    for (const df of this.dataflows) if (df.exchange.settled() && df.accumulator.isEmpty()) df.runtime.tracker.checkNonNegative();
    this.stalled();
  }

  private stalled(): never {
    const lines: string[] = [];
    for (const df of this.dataflows) {
      const tracker = df.runtime.tracker;
      for (const p of tracker.active()) lines.push(`${df.name}: ${tracker.describeLocation(p.location)} at ${p.time} (count ${p.count})`);
    }
    throw new DataflowError(
      'STALLED',
      `nothing more can happen on worker ${this.index}, yet the computation is not done; still active: ${lines.join('; ') || 'none'}. ` +
        'Close every input (input.close()) or advance it past the times you wait for.',
      { worker: this.index },
    );
  }
}
