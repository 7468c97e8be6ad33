/** Arrangement: a collection of [key, value] pairs exchanged by key and indexed in one trace per worker, shared by its readers. */
import { exchangeBy } from '../graph/vertex.js';
import type { Stream } from '../graph/stream.js';
import { Collection } from './collection.js';
import type { Update } from './consolidate.js';
import { joinArrangements } from './join.js';
import { reduceArrangement, type ReduceLogic } from './reduce.js';
import { CollectionError } from './errors.js';
import { recordKey, type RecordKey } from './record-key.js';
import { Trace, type ArrangedBatch } from './trace.js';

/**
 * A collection of `[key, value]` pairs arranged by key: each worker holds the pairs of the keys it owns
 * in one multi-version index (a `Trace`), compacted as the frontier advances. Every operator given the
 * same arrangement reads that one index: two joins against one arrangement keep one copy of it. Made by
 * `collection.arrange()`; read with `join`, `joinMap`, `semijoin`, `antijoin` and `reduce`.
 *
 * @example
 * const byNode = edges.arrange();                 // edges: Collection<[number, number]>
 * const out1 = labels.join(byNode);               // both joins read the same index
 * const out2 = distances.join(byNode);
 */
export class Arrangement<K, V> {
  /** The batches appended to the trace, in order, each as one message at its time (this worker's keys only). */
  readonly stream: Stream<ArrangedBatch<K, V>>;
  private current: Trace<K, V> | undefined;

  /** @internal Use `collection.arrange()`. */
  constructor(updates: Stream<Update<[K, V]>>, name: string) {
    this.stream = updates.scope.unary<Update<[K, V]>, ArrangedBatch<K, V>>(updates, name, exchangeBy(keyOfUpdate), (ctx) => {
      const trace = new Trace<K, V>(ctx.order);
      this.current = trace;
      return {
        onRecv: (batch, time) => {
          const n = batch.length;
          const keys = new Array<K>(n);
          const values = new Array<V>(n);
          const diffs = new Array<number>(n);
          // A number is its own canonical key (but -0 and NaN): while every key and value is such a
          // number, the keys' and values' columns are their canonical keys' too.
          let plainKeys = true;
          let plainValues = true;
          for (let i = 0; i < n; i++) {
            const u = batch[i]!;
            const pair = u[0];
            const k = pair[0];
            const v = pair[1];
            keys[i] = k;
            values[i] = v;
            diffs[i] = u[1];
            if (plainKeys && !plainNumber(k)) plainKeys = false;
            if (plainValues && !plainNumber(v)) plainValues = false;
          }
          const kks = plainKeys ? (keys as RecordKey[]) : keys.map(recordKey);
          const vks = plainValues ? (values as RecordKey[]) : values.map(recordKey);
          ctx.send([trace.append({ kks, keys, vks, values, diffs }, time)], time);
        },
      };
    });
  }

  /**
   * `f(key, v, w)` for each pair `[key, v]` here and `[key, w]` in `other`, reading this index.
   * @example byNode.joinMap(labels.arrange(), (_n, next, label) => [next, label])
   */
  joinMap<W, R>(other: Arrangement<K, W>, f: (key: K, v: V, w: W) => R, name = 'join'): Collection<R> {
    return new Collection(joinArrangements(this, other, f, name));
  }

  /**
   * For each key, `logic(key, input, output)` over this index (see `Collection.reduce`).
   * @example byNode.reduce((_n, neighbours, out) => out.push([neighbours.length, 1])) // distinct out-neighbours per node
   */
  reduce<R>(logic: ReduceLogic<K, V, R>, name = 'reduce'): Collection<[K, R]> {
    return new Collection(reduceArrangement(this, logic, name));
  }

  /** This worker's trace (it exists once the dataflow is built). */
  trace(): Trace<K, V> {
    if (this.current === undefined) throw new CollectionError('NOT_KEYED', 'an arrangement is read only once its dataflow is built');
    return this.current;
  }
}

/** The exchange key of an update of a `[key, value]` pair: its key's canonical key (NOT_KEYED for anything but a pair). */
function keyOfUpdate(u: Update<[unknown, unknown]>): number | string {
  const pair = u[0];
  if (!Array.isArray(pair) || pair.length !== 2) {
    throw new CollectionError(
      'NOT_KEYED',
      `an operator that works by key (arrange, join, reduce, count, min…) was given the record ${preview(pair)}: it needs [key, value] pairs (map records to pairs first, e.g. .map((x) => [x, 0]))`,
      { record: preview(pair) },
    );
  }
  return recordKey(pair[0]);
}

function preview(x: unknown): string {
  try {
    const s = JSON.stringify(x);
    return s === undefined ? String(x) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
  } catch {
    return String(x);
  }
}

/** Whether `x` is a number that is its own canonical key: any but NaN and -0. */
function plainNumber(x: unknown): boolean {
  return typeof x === 'number' && x === x && !(x === 0 && 1 / x < 0);
}
