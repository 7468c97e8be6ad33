/** Collection: a multiset that changes over time, as a stream of (record, diff) updates, with the differential operators. */
import type { ProbeHandle } from '../graph/handles.js';
import type { Scope } from '../graph/scope.js';
import type { Stream } from '../graph/stream.js';
import type { Timestamp } from '../timestamps/timestamp.js';
import { Arrangement, arrangedKeys } from './arrange.js';
import { concat } from '../graph/operators/concat.js';
import type { Update } from './consolidate.js';
import { iterate, type Iteration } from './iterate.js';
import { joinArrangements } from './join.js';
import { consolidateStream, explodeUpdates, filterUpdates, flatMapUpdates, inspectUpdates, mapUpdates, negateUpdates } from './linear.js';
import { CollectionView, subscribeChanges, subscribePairChanges, type ChangeSubscriber, type PairSubscriber } from './output.js';
import { reduceArrangement, type ReduceLogic } from './reduce.js';
import { CollectionError } from './errors.js';
import { previewRecord } from './record-key.js';

/**
 * A collection of records of type `T` that changes over time: a stream of updates `[record, diff]`
 * whose times are the stream's times. Its value at time t is the multiset summing every update at a
 * time ≤ t. Operators keep their output equal to their function of the input at every time, doing work
 * only for what changed: feed an input new edges and the connected components update.
 *
 * Records are compared by value (see `Data`, `recordKey`). Keyed operators (`join`, `reduce`, `count`,
 * `min`…) take `[key, value]` pairs and move each key to one worker, so every answer is the same on any
 * number of workers. Every operator takes an optional `name` last.
 *
 * @example
 * worker.dataflow((scope) => {
 *   const edges = newCollection<[number, number]>(scope, 'edges');
 *   const degrees = edges.collection.map(([src]) => src).count();   // [node, out-degree]
 *   degrees.subscribe((changes, epoch) => console.log(epoch, changes));
 *   return edges;
 * });
 */
export class Collection<T> {
  /** The updates, each at its stream time. */
  readonly stream: Stream<Update<T>>;

  constructor(stream: Stream<Update<T>>) {
    this.stream = stream;
  }

  /** The scope (the root, or a loop of `iterate`) whose times the updates carry. */
  get scope(): Scope {
    return this.stream.scope;
  }

  /**
   * `f(record)` for each record.
   * @example edges.map(([a, b]) => [b, a]) // reversed
   */
  map<U>(f: (record: T) => U, name = 'map'): Collection<U> {
    return new Collection(mapUpdates(this.stream, f, name));
  }

  /**
   * The records for which `keep(record)` is true.
   * @example numbers.filter((x) => x % 2 === 0)
   */
  filter(keep: (record: T) => boolean, name = 'filter'): Collection<T> {
    return new Collection(filterUpdates(this.stream, keep, name));
  }

  /**
   * Every record of `f(record)`, each as often as the record it came from.
   * @example edges.flatMap(([a, b]) => [a, b]) // both endpoints
   */
  flatMap<U>(f: (record: T) => Iterable<U>, name = 'flatMap'): Collection<U> {
    return new Collection(flatMapUpdates(this.stream, f, name));
  }

  /**
   * Every `[record, weight]` of `f(record)`, `weight` times as often as the record it came from (a
   * negative weight removes copies, 0 adds nothing): differential dataflow's `explode`, for weighted
   * counts and sums. A weight that is not a safe integer, or a multiplicity past the safe integers, is
   * BAD_DIFF (the cause of the VERTEX_FAILED that stops the dataflow).
   * @example orders.explode(([customer, amount]) => [[customer, amount]]).count() // [customer, total amount]
   */
  explode<U>(f: (record: T) => Iterable<readonly [U, number]>, name = 'explode'): Collection<U> {
    return new Collection(explodeUpdates(this.stream, f, name));
  }

  /**
   * The sum of this collection and `others` (multiplicities add).
   * @example roots.concat(neighbours)
   */
  concat(...others: Collection<T>[]): Collection<T> {
    if (others.length === 0) return this;
    return new Collection(concat([this.stream, ...others.map((o) => o.stream)]));
  }

  /**
   * Every multiplicity negated: `a.concat(b.negate())` is a minus b.
   * @example all.concat(removed.negate())
   */
  negate(name = 'negate'): Collection<T> {
    return new Collection(negateUpdates(this.stream, name));
  }

  /**
   * The same collection, with each time's updates summed per record on the worker that owns the record,
   * and those that cancel dropped (sent once the time is complete).
   * @example changes.consolidate().inspect((r, t, d) => console.log(r, t.epoch, d))
   */
  consolidate(name = 'consolidate'): Collection<T> {
    return new Collection(consolidateStream(this.stream, name, true));
  }

  /**
   * Calls `f(record, time, diff)` for each update as it passes.
   * @example labels.inspect((r, t, d) => console.log(`${t}: ${JSON.stringify(r)} ${d > 0 ? '+' : ''}${d}`))
   */
  inspect(f: (record: T, time: Timestamp, diff: number) => void, name = 'inspect'): Collection<T> {
    return new Collection(inspectUpdates(this.stream, f, name));
  }

  /**
   * The pairs arranged by key: an index per worker, shared by every operator given it.
   * @example const byNode = edges.arrange(); labels.join(byNode); distances.join(byNode);
   */
  arrange<K, V>(this: Collection<[K, V]>, name = 'arrange'): Arrangement<K, V> {
    return new Arrangement<K, V>(this.stream, name);
  }

  /**
   * `[key, [v, w]]` for each pair `[key, v]` here and `[key, w]` in `other` (multiplicities multiply).
   * @example labels.join(edges) // [node, [label, neighbour]]
   */
  join<K, V, W>(this: Collection<[K, V]>, other: Collection<[K, W]> | Arrangement<K, W>, name = 'join'): Collection<[K, [V, W]]> {
    return this.joinMap(other, (k, v, w) => [k, [v, w]] as [K, [V, W]], name);
  }

  /**
   * `f(key, v, w)` for each pair `[key, v]` here and `[key, w]` in `other`.
   * @example labels.joinMap(edges, (_node, label, next) => [next, label]) // each label offered to the neighbours
   */
  joinMap<K, V, W, R>(this: Collection<[K, V]>, other: Collection<[K, W]> | Arrangement<K, W>, f: (key: K, v: V, w: W) => R, name = 'join'): Collection<R> {
    const left = this.arrange(`${name}.left`);
    const right = other instanceof Arrangement ? other : other.arrange(`${name}.right`);
    return new Collection(joinArrangements(left, right, f, name));
  }

  /**
   * The pairs whose key is in `keys`, each as often as here times the key's count there (for a filter,
   * give distinct keys). `keys` may be an arrangement, which several semijoins then share (each of its
   * pairs counts once for its key).
   * @example visits.semijoin(members.distinct())
   */
  semijoin<K, V>(this: Collection<[K, V]>, keys: Collection<K> | Arrangement<K, unknown>, name = 'semijoin'): Collection<[K, V]> {
    return this.joinMap(arrangedKeys(keys, name), (k, v) => [k, v] as [K, V], name);
  }

  /**
   * The pairs whose key is not in `keys` (this minus `semijoin(keys)`; give distinct keys, or an
   * arrangement with one pair per key).
   * @example users.antijoin(banned.distinct())
   */
  antijoin<K, V>(this: Collection<[K, V]>, keys: Collection<K> | Arrangement<K, unknown>, name = 'antijoin'): Collection<[K, V]> {
    return this.concat(this.semijoin(keys, name).negate(`${name}.negate`));
  }

  /**
   * For each key, the output multiset `logic(key, input, output)` makes from the key's input values
   * (sorted, with their counts; never empty), as `[key, r]` pairs. Kept up to date as the input changes,
   * with work only for the keys that changed.
   * @example labels.reduce((_node, offers, out) => out.push([offers[0]![0], 1])) // the smallest label per node
   */
  reduce<K, V, R>(this: Collection<[K, V]>, logic: ReduceLogic<K, V, R>, name = 'reduce'): Collection<[K, R]> {
    return new Collection(reduceArrangement(this.arrange(`${name}.arrange`), logic, name));
  }

  /**
   * `[record, count]` for each record present (count > 0).
   * @example words.count() // [['a', 2], ['b', 1]]
   */
  count(name = 'count'): Collection<[T, number]> {
    return this.map((x) => [x, 0] as [T, number], `${name}.pair`).reduce<T, number, number>((_k, input, out) => {
      const n = input[0]![1];
      if (n > 0) out.push([n, 1]);
    }, name);
  }

  /**
   * `[key, sum]` for each key: the sum of its values times their multiplicities, as a double (a value
   * that is not a number stops the dataflow with NOT_A_NUMBER as the cause of VERTEX_FAILED).
   * @example sales.sum() // sales: Collection<[shop, amount]>
   */
  sum<K>(this: Collection<[K, number]>, name = 'sum'): Collection<[K, number]> {
    return this.reduce<K, number, number>((k, input, out) => {
      let s = 0;
      for (const [v, n] of input) {
        if (typeof v !== 'number') throw notANumber(name, k, v);
        s += v * n;
      }
      out.push([s, 1]);
    }, name);
  }

  /**
   * Each record present once.
   * @example visits.map((v) => v[0]).distinct() // the visitors
   */
  distinct(name = 'distinct'): Collection<T> {
    return this.threshold((n) => (n > 0 ? 1 : 0), name);
  }

  /**
   * Each record `f(count)` times, from its count (`distinct` is `threshold((n) => n > 0 ? 1 : 0)`).
   * @example votes.threshold((n) => (n >= 3 ? 1 : 0)) // the records with at least three copies
   */
  threshold(f: (count: number) => number, name = 'threshold'): Collection<T> {
    return this.map((x) => [x, 0] as [T, number], `${name}.pair`)
      .reduce<T, number, number>((_k, input, out) => {
        const m = f(input[0]![1]);
        if (m !== 0) out.push([0, m]);
      }, name)
      .map(([x]) => x, `${name}.unpair`);
  }

  /**
   * `[key, smallest value]` for each key (values with a positive count, in `compareRecords` order).
   * @example offers.min() // offers: Collection<[node, label]>
   */
  min<K, V>(this: Collection<[K, V]>, name = 'min'): Collection<[K, V]> {
    const logic: ReduceLogic<K, V, V> = (_k, input, out) => {
      for (let i = 0; i < input.length; i++) if (input[i]![1] > 0) return void out.push([input[i]![0], 1]);
    };
    return new Collection(reduceArrangement(this.arrange(`${name}.arrange`), logic, name, 'min'));
  }

  /**
   * `[key, largest value]` for each key (values with a positive count, in `compareRecords` order).
   * @example scores.max() // scores: Collection<[player, points]>
   */
  max<K, V>(this: Collection<[K, V]>, name = 'max'): Collection<[K, V]> {
    const logic: ReduceLogic<K, V, V> = (_k, input, out) => {
      for (let i = input.length - 1; i >= 0; i--) if (input[i]![1] > 0) return void out.push([input[i]![0], 1]);
    };
    return new Collection(reduceArrangement(this.arrange(`${name}.arrange`), logic, name, 'max'));
  }

  /**
   * The fixpoint of `body` for every epoch: `body(variable, iteration)` sees this collection at round
   * 0 and its own result from the round before after that; what leaves is the result once nothing
   * changes. Collections from outside the loop come in with `iteration.enter`. When the input changes,
   * the loop does work for what changes in its result. Loops nest.
   * @example
   * // Nodes reachable from the roots along edges.
   * roots.iterate((reached, it) => reached.concat(reached.map((n) => [n, 0] as [number, number]).joinMap(it.enter(edges), (_n, _z, next) => next)).distinct())
   */
  iterate(body: (variable: Collection<T>, iteration: Iteration) => Collection<T>, name = 'iterate'): Collection<T> {
    return iterate(this, body, name);
  }

  /**
   * Calls `f(changes, epoch)` on each worker once each epoch is complete, with the consolidated changes
   * of the records this worker owns (root scope only): `[record, diff]` pairs, sorted by record. An
   * epoch without changes makes no call. Returns a probe that passes an epoch once every worker's `f`
   * has been given everything of it: wait on it, rather than on a probe of the collection, to know that
   * the callbacks of an epoch have run.
   * @example
   * const done = labels.subscribe((changes, epoch) => console.log(epoch, changes));
   * input.advanceTo(2);
   * worker.stepUntil(() => done.passed(1)); // epoch 1's changes were printed
   */
  subscribe(f: ChangeSubscriber<T>, name = 'subscribe'): ProbeHandle {
    return subscribeChanges(this.stream, f, name);
  }

  /**
   * `subscribe` for a collection of pairs of numbers, without an object per change: calls
   * `f(epoch, firsts, seconds, diffs)` on each worker once each epoch is complete, with the consolidated
   * changes of the pairs this worker owns as three columns, in no particular order. For answers of
   * millions of pairs (node labels, distances), where an array per change costs the collector more than
   * the computation. A record that is not a pair of numbers (or holds NaN) stops the job with NOT_KEYED.
   * Returns a probe that passes an epoch once every worker's `f` has been given everything of it, as
   * `subscribe`'s does.
   * @example
   * const done = distances.subscribePairs((epoch, nodes, dists, diffs) => {
   *   for (let i = 0; i < nodes.length; i++) console.log(epoch, nodes[i], dists[i], diffs[i]);
   * });
   * worker.stepUntil(() => done.passed(0));
   */
  subscribePairs(this: Collection<[number, number]>, f: PairSubscriber, name = 'subscribe'): ProbeHandle {
    return subscribePairChanges(this.stream, f, name);
  }

  /**
   * A view of this collection on this worker: `at(epoch)` is the accumulated multiset of the records
   * this worker owns, once the view's probe has passed the epoch.
   * @example const view = counts.view(); worker.stepUntil(() => view.probe.passed(3)); view.at(3);
   */
  view(name = 'view'): CollectionView<T> {
    return new CollectionView(this.stream, name);
  }

  /**
   * A probe after this collection: `passed(t)` once nothing at or before `t` can still change it here.
   * @example const p = result.probe(); worker.stepUntil(() => p.passed(epoch));
   */
  probe(name = 'probe'): ProbeHandle {
    return this.stream.probe(name);
  }
}

/** What `sum` throws for a value that is not a number. */
function notANumber(name: string, key: unknown, value: unknown): CollectionError {
  return new CollectionError('NOT_A_NUMBER', `sum '${name}': key ${previewRecord(key)} has the value ${previewRecord(value)}, which is not a number: sum adds numbers (map the values to numbers first)`, {
    key: previewRecord(key),
    value: previewRecord(value),
  });
}
