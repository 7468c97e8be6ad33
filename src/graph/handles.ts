/** Handles a caller holds on a running dataflow: inputs to feed, probes to watch, outputs to collect. */
import { compareTotal } from '../timestamps/order.js';
import { Timestamp } from '../timestamps/timestamp.js';
import { DataflowError } from './errors.js';
import type { DataflowRuntime } from './runtime.js';
import type { Stream } from './stream.js';

/**
 * Feeds records into a dataflow, one epoch at a time: `send` at the current epoch, `advanceTo` a later
 * one, `close` when there is no more. Made by `scope.newInput`.
 *
 * @example
 * input.send(['a', 'b']);   // epoch 0
 * input.advanceTo(1);       // nothing more at epoch 0
 * input.send(['c']);        // epoch 1
 * input.close();            // nothing more at all
 */
export class InputHandle<T> {
  readonly name: string;
  readonly stream: Stream<T>;
  private readonly stageIndex: number;
  private runtime: DataflowRuntime | undefined;
  private epochNow = 0;
  private isClosed = false;
  private readonly batchSize: number;

  constructor(name: string, stream: Stream<T>, batchSize: number) {
    this.name = name;
    this.stream = stream;
    this.stageIndex = stream.stage;
    this.batchSize = batchSize;
  }

  /** Connects the handle to this worker's running instance (done when the dataflow is built). */
  attach(runtime: DataflowRuntime): void {
    this.runtime = runtime;
  }

  /** The epoch that records sent now belong to. */
  get epoch(): number {
    return this.epochNow;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Sends `records` at the current epoch, in batches of at most `batchSize` records. */
  send(records: readonly T[]): void {
    const rt = this.live('send');
    if (!Array.isArray(records)) throw new DataflowError('INVALID_MESSAGE', `input '${this.name}': send takes an array of records`);
    const v = rt.vertices[this.stageIndex]!;
    const time = Timestamp.epochOnly(this.epochNow);
    const n = records.length;
    if (n <= this.batchSize) {
      if (n > 0) v.sendBy(0, records as T[], time);
      return;
    }
    for (let i = 0; i < n; i += this.batchSize) v.sendBy(0, records.slice(i, i + this.batchSize), time);
  }

  /** Moves to a later epoch: no record will be sent at earlier epochs any more. */
  advanceTo(epoch: number): void {
    const rt = this.live('advanceTo');
    if (!Number.isSafeInteger(epoch) || epoch < this.epochNow) {
      throw new DataflowError('EPOCH_REGRESSION', `input '${this.name}' is at epoch ${this.epochNow}; advanceTo needs an integer epoch ≥ that`, {
        input: this.name,
        epoch,
      });
    }
    if (epoch === this.epochNow) return;
    rt.changes.update(this.stageIndex, Timestamp.epochOnly(epoch), +1);
    rt.changes.update(this.stageIndex, Timestamp.epochOnly(this.epochNow), -1);
    this.epochNow = epoch;
  }

  /** Promises no more records at all; the computation can finish once every input is closed. */
  close(): void {
    const rt = this.live('close');
    rt.changes.update(this.stageIndex, Timestamp.epochOnly(this.epochNow), -1);
    rt.openInputs--;
    this.isClosed = true;
  }

  private live(action: string): DataflowRuntime {
    if (this.runtime === undefined) throw new DataflowError('NOT_BUILT', `input '${this.name}': ${action} is possible only once the dataflow is built`);
    if (this.isClosed) throw new DataflowError('INPUT_CLOSED', `input '${this.name}' is closed: ${action} is no longer possible`, { input: this.name });
    return this.runtime;
  }
}

/**
 * Watches the input frontier of a point in the graph: whether a time can still arrive there. Made by
 * `stream.probe()`.
 *
 * @example
 * const probe = out.probe();
 * input.advanceTo(4);
 * worker.stepUntil(() => probe.passed(3)); // everything of epochs 0..3 has gone by
 */
export class ProbeHandle {
  readonly stage: number;
  private runtime: DataflowRuntime | undefined;

  constructor(stage: number) {
    this.stage = stage;
  }

  attach(runtime: DataflowRuntime): void {
    this.runtime = runtime;
  }

  /** No record at any time ≤ `time` (an epoch number, for the root scope) can reach this probe any more. */
  passed(time: Timestamp | number): boolean {
    const t = typeof time === 'number' ? Timestamp.of(time) : time;
    return this.live().tracker.passed(this.stage, t);
  }

  /** The minimal times that could still reach this probe; empty once everything is done. */
  frontier(): readonly Timestamp[] {
    return this.live().tracker.inputFrontier(this.stage);
  }

  /** Nothing can reach this probe any more. */
  done(): boolean {
    return this.frontier().length === 0;
  }

  private live(): DataflowRuntime {
    if (this.runtime === undefined) throw new DataflowError('NOT_BUILT', 'a probe can be read only once the dataflow is built');
    return this.runtime;
  }
}

/**
 * Records gathered from a stream on this worker, with the times they carried. Made by `stream.collect()`.
 *
 * @example
 * const out = stream.collect();
 * worker.run();
 * out.records();                               // every record, in arrival order
 * out.byTime().map((g) => [g.time.epoch, g.records]); // grouped by time, in time order
 */
export class Collected<T> {
  private readonly batches: { time: Timestamp; records: readonly T[] }[] = [];

  /** Called by the collecting vertex. */
  push(records: readonly T[], time: Timestamp): void {
    this.batches.push({ time, records });
  }

  /** Every record, in arrival order. */
  records(): T[] {
    const out: T[] = [];
    for (const b of this.batches) for (const r of b.records) out.push(r);
    return out;
  }

  /** Records grouped by time, times in ascending order. */
  byTime(): { time: Timestamp; records: T[] }[] {
    const groups = new Map<string, { time: Timestamp; records: T[] }>();
    for (const b of this.batches) {
      let g = groups.get(b.time.key);
      if (g === undefined) groups.set(b.time.key, (g = { time: b.time, records: [] }));
      for (const r of b.records) g.records.push(r);
    }
    return [...groups.values()].sort((a, b) => compareTotal(a.time, b.time));
  }

  get size(): number {
    let n = 0;
    for (const b of this.batches) n += b.records.length;
    return n;
  }
}
