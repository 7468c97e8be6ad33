/** Reading a collection's answer: its consolidated changes per completed epoch, or its accumulated value at an epoch. */
import type { ProbeHandle } from '../graph/handles.js';
import type { Stream } from '../graph/stream.js';
import { exchangeBy, pipeline } from '../graph/vertex.js';
import { consolidateUpdates, type Update } from './consolidate.js';
import { GraphError } from '../graph/errors.js';
import { CollectionError } from './errors.js';
import { byCompleteTime, consolidateStream } from './linear.js';
import { compareRecords, ownerKey, previewRecord } from './record-key.js';

/**
 * What `collection.subscribe` calls once per completed epoch that changed: the epoch's consolidated
 * changes of the records this worker owns, sorted by record.
 *
 * @example const print: ChangeSubscriber<[number, number]> = (changes, epoch) => console.log(epoch, changes.length);
 */
export type ChangeSubscriber<T> = (changes: Update<T>[], epoch: number) => void;

/**
 * Consolidates by record, then hands each complete epoch's changes to `f`: the consolidation sends each
 * worker one batch per epoch, once the epoch is complete, and epochs in order.
 */
export function subscribeChanges<T>(s: Stream<Update<T>>, f: ChangeSubscriber<T>, name: string): ProbeHandle {
  rootOnly(s, name);
  const owned = consolidateStream(s, `${name}.consolidate`, true, undefined, true);
  const done = owned.scope.unary<Update<T>, never>(owned, name, pipeline, () => ({
    onRecv(batch, time) {
      f((batch as Update<T>[]).slice().sort((a, b) => compareRecords(a[0], b[0])), time.epoch);
    },
  }));
  return done.probe(`${name}.done`);
}

/**
 * What `collection.subscribePairs` calls once per completed epoch that changed: the epoch's
 * consolidated changes of the pairs this worker owns, change i being the pair `[firsts[i], seconds[i]]`
 * with multiplicity `diffs[i]`, in no particular order. The columns are the callee's to keep.
 *
 * @example const count: PairSubscriber = (epoch, firsts) => console.log(epoch, firsts.length);
 */
export type PairSubscriber = (epoch: number, firsts: Float64Array, seconds: Float64Array, diffs: Float64Array) => void;

/**
 * `subscribeChanges` for a collection of pairs of numbers, without an object per change: each time's
 * updates wait as columns (consolidated whenever they have doubled) and `f` gets each complete epoch's
 * as columns. A record that is not a pair of numbers (or holds NaN) is a NOT_KEYED error.
 */
export function subscribePairChanges(s: Stream<Update<[number, number]>>, f: PairSubscriber, name: string): ProbeHandle {
  rootOnly(s, name);
  const done = s.scope.unary<Update<[number, number]>, never>(s, name, exchangeBy((u: Update<[number, number]>) => ownerKey(u[0])), (ctx) =>
    byCompleteTime<[number, number]>(ctx, (sink, time) => {
      const { firsts, seconds, diffs, others } = sink.takePairs();
      if (others.length > 0) {
        const record = previewRecord(others[0]![0]);
        throw new CollectionError('NOT_KEYED', `'${name}' (subscribePairs) takes pairs of numbers, and was given the record ${record}: use subscribe for other records`, { stage: name, record });
      }
      if (firsts.length > 0) f(time.epoch, firsts, seconds, diffs);
    }),
  );
  return done.probe(`${name}.done`);
}

/**
 * A collection's value on this worker, epoch by epoch: `at(epoch)` is the multiset of the records this
 * worker owns, accumulated over every epoch ≤ `epoch`, once `probe` has passed it. Made by `collection.view()`.
 *
 * @example
 * const view = degrees.view();
 * input.advanceTo(2);
 * worker.stepUntil(() => view.probe.passed(1));
 * view.at(1); // [[record, count], …] sorted by record
 */
export class CollectionView<T> {
  /** Passes an epoch once the view holds everything of it. */
  readonly probe: ProbeHandle;
  private readonly deltas: { epoch: number; changes: Update<T>[] }[] = [];

  /** @internal Use `collection.view()`. */
  constructor(s: Stream<Update<T>>, name: string) {
    rootOnly(s, name);
    const owned = consolidateStream(s, `${name}.consolidate`, true);
    owned.subscribe({ data: (batch, time) => this.deltas.push({ epoch: time.epoch, changes: batch as Update<T>[] }) }, name);
    this.probe = owned.probe(`${name}.probe`);
  }

  /** The accumulated records at `epoch` with their (non-zero) counts, sorted by record. */
  at(epoch: number): Update<T>[] {
    if (!this.probe.passed(epoch)) {
      throw new CollectionError('NOT_COMPLETE', `view.at(${epoch}) was asked before the view's probe passed epoch ${epoch}: step the worker until view.probe.passed(${epoch})`, { epoch });
    }
    const all: Update<T>[] = [];
    for (const d of this.deltas) if (d.epoch <= epoch) for (const u of d.changes) all.push(u);
    return consolidateUpdates(all).sort((a, b) => compareRecords(a[0], b[0]));
  }
}

function rootOnly(s: Stream<unknown>, name: string): void {
  if (s.scope.parent !== null) {
    throw new GraphError('SCOPE_MISMATCH', `'${name}' reads a collection by epoch, so it belongs outside loops: leave the iteration first (iterate returns the collection outside)`, { stage: name });
  }
}
