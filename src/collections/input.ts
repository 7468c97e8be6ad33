/** CollectionInput: an input session that feeds a collection with inserts, removals and epochs. */
import { DataflowError } from '../graph/errors.js';
import type { InputHandle } from '../graph/handles.js';
import type { Scope } from '../graph/scope.js';
import { Collection } from './collection.js';
import type { Update } from './consolidate.js';
import { checkData, checkDiff } from './record-key.js';

/**
 * Changes a collection epoch by epoch: `insert`, `remove` and `update` at the current epoch,
 * `advanceTo` a later one, `close` when there is no more. Records are checked as they are given
 * (UNKEYABLE_RECORD, BAD_DIFF), and a change after `close` is refused (INPUT_CLOSED). Each worker
 * feeds its own share; the collection is the sum of all.
 *
 * @example
 * const edges = newCollection<[number, number]>(scope, 'edges');
 * edges.insert([1, 2]);
 * edges.advanceTo(1);
 * edges.remove([1, 2]);   // at epoch 1 the edge is gone
 * edges.close();
 */
export class CollectionInput<T> {
  /** The collection this input changes. */
  readonly collection: Collection<T>;
  private readonly input: InputHandle<Update<T>>;
  private buffer: Update<T>[] = [];
  private readonly batchSize: number;

  /** @internal Use `newCollection`. */
  constructor(input: InputHandle<Update<T>>, batchSize: number) {
    this.input = input;
    this.batchSize = batchSize;
    this.collection = new Collection<T>(input.stream);
  }

  /** The epoch that changes given now belong to. */
  get epoch(): number {
    return this.input.epoch;
  }

  /** One more copy of `record` from the current epoch on. */
  insert(record: T): void {
    this.update(record, 1);
  }

  /** One copy fewer of `record` from the current epoch on. */
  remove(record: T): void {
    this.update(record, -1);
  }

  /** `diff` more copies of `record` (fewer when negative) from the current epoch on (INPUT_CLOSED once closed). */
  update(record: T, diff: number): void {
    // Checked here, not when the buffer is sent: after close nothing sends it, and the change would be lost.
    if (this.input.closed) throw new DataflowError('INPUT_CLOSED', `input '${this.input.name}' is closed: a change can no longer be given`, { input: this.input.name });
    checkData(record);
    if (diff !== 1 && diff !== -1) checkDiff(diff, `input '${this.input.name}'`);
    this.buffer.push([record, diff]);
    if (this.buffer.length >= this.batchSize) this.flush();
  }

  /** Sends what was given so far (done by `advanceTo` and `close`; call it to let a step see changes early). */
  flush(): void {
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    this.input.send(batch);
  }

  /** Moves to a later epoch: changes given from now on belong to it (EPOCH_REGRESSION for an earlier one). */
  advanceTo(epoch: number): void {
    this.flush();
    this.input.advanceTo(epoch);
  }

  /** Promises no more changes. */
  close(): void {
    this.flush();
    this.input.close();
  }
}

/**
 * A new input collection of the dataflow (root scope), with its session.
 *
 * @example
 * worker.dataflow((scope) => {
 *   const words = newCollection<string>(scope, 'words');
 *   words.collection.count().subscribe((changes, epoch) => console.log(epoch, changes));
 *   return words;
 * });
 */
export function newCollection<T>(scope: Scope, name = 'collection', options: { batchSize?: number } = {}): CollectionInput<T> {
  const batchSize = options.batchSize ?? 4096;
  return new CollectionInput<T>(scope.newInput<Update<T>>(name, { batchSize }), batchSize);
}
