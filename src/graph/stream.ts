/** Stream: one output port of a stage, with the operator library as chainable methods. */
import type { Timestamp } from '../timestamps/timestamp.js';
import type { Collected, ProbeHandle } from './handles.js';
import { concat } from './operators/concat.js';
import { count, sum } from './operators/count.js';
import { distinct } from './operators/distinct.js';
import { exchange } from './operators/exchange.js';
import { filter } from './operators/filter.js';
import { flatMap } from './operators/flat-map.js';
import { inspect } from './operators/inspect.js';
import { iterate, type IterateOptions } from './operators/iterate.js';
import { join } from './operators/join.js';
import { map } from './operators/map.js';
import { accumulate } from './operators/accumulate.js';
import { broadcast } from './operators/broadcast.js';
import { delay } from './operators/delay.js';
import { fixpoint } from './operators/fixpoint.js';
import { mapWithTime } from './operators/map-with-time.js';
import { partition } from './operators/partition.js';
import { countByKey, reduceByKey, sumByKey, type Key } from './operators/reduce.js';
import { collect, probe, subscribe, type Subscriber } from './operators/sinks.js';
import type { LoopScope, Scope } from './scope.js';

/**
 * One output of a stage: the records of type `T` it sends, with their times. The operators are its
 * methods; each adds a stage to the stream's scope and returns that stage's output. Every operator
 * takes an optional `name` last (the stage's name in errors and diagnostics).
 *
 * @example
 * const { input, out } = worker.dataflow((scope) => {
 *   const input = scope.newInput<string>('lines');
 *   const out = input.stream.flatMap((line) => line.split(' ')).countByKey((w) => w).collect();
 *   return { input, out };
 * });
 */
export class Stream<T> {
  /** The scope (the root, or a loop) whose times this stream's records carry. */
  readonly scope: Scope;
  /** The index of the stage that sends it. */
  readonly stage: number;
  /** Which output of that stage it is. */
  readonly port: number;

  constructor(scope: Scope, stage: number, port: number) {
    this.scope = scope;
    this.stage = stage;
    this.port = port;
  }

  /**
   * `f(record)` for every record, at the record's time (pipelined: nothing moves between workers).
   * @example stream.map((x: number) => x * 2)
   */
  map<U>(f: (record: T) => U, name?: string): Stream<U> {
    return map(this, f, name);
  }

  /**
   * `f(record, time)` for every record: the function also sees the time (epoch and loop counters).
   * @example stream.mapWithTime((x, time) => [time.epoch, x])
   */
  mapWithTime<U>(f: (record: T, time: Timestamp) => U, name?: string): Stream<U> {
    return mapWithTime(this, f, name);
  }

  /**
   * Each record again at `later(record, time)`, a time ≥ its own (TIME_REGRESSION otherwise).
   * @example stream.delay((_, time) => Timestamp.of(time.epoch + 1)) // everything one epoch later
   */
  delay(later: (record: T, time: Timestamp) => Timestamp, name?: string): Stream<T> {
    return delay(this, later, name);
  }

  /**
   * Every record to every worker (a copy each). Records follow the record rules (see `checkRecord`).
   * @example const rules = ruleInput.stream.broadcast(); // each worker sees all rules
   */
  broadcast(name?: string): Stream<T> {
    return broadcast(this, name);
  }

  /**
   * One value per time per worker: `fold` over the time's records from `init()`, sent once the time is complete.
   * @example stream.accumulate(() => 0, (n, x: number) => n + x) // each worker's sum per epoch
   */
  accumulate<A>(init: () => A, fold: (aggregate: A, record: T) => A, name?: string): Stream<A> {
    return accumulate(this, init, fold, name);
  }

  /**
   * A loop that emits only its fixpoint: `body`'s result is fed back until nothing circulates for an
   * input time; then each key's records from the last round that had the key leave, once. See also `iterate`.
   * @example
   * // Collatz walks [start, value, steps]: each start's walk once, at value 1.
   * walks.fixpoint(([s]) => s, (w) => w.filter(([, v]) => v !== 1).map(([s, v, n]) => [s, v % 2 ? 3 * v + 1 : v / 2, n + 1]))
   */
  fixpoint<K extends Key>(key: (record: T) => K, body: (variable: Stream<T>, loop: LoopScope) => Stream<T>, options?: IterateOptions): Stream<T> {
    return fixpoint(this, key, body, options);
  }

  /**
   * The records for which `keep(record)` is true.
   * @example stream.filter((x: number) => x % 2 === 0)
   */
  filter(keep: (record: T) => boolean, name?: string): Stream<T> {
    return filter(this, keep, name);
  }

  /**
   * Every record of `f(record)` (any iterable), at the record's time.
   * @example lines.flatMap((line: string) => line.split(' '))
   */
  flatMap<U>(f: (record: T) => Iterable<U>, name?: string): Stream<U> {
    return flatMap(this, f, name);
  }

  /**
   * This stream and `others` (of the same scope) as one.
   * @example evens.concat(odds)
   */
  concat(...others: Stream<T>[]): Stream<T> {
    return concat([this, ...others]);
  }

  /**
   * Each record moved to the worker `hash(key(record)) mod peers` (a key is a number or a string;
   * records and keys are checked on every worker count: BAD_RECORD, BAD_KEY).
   * @example edges.exchange(([src]) => src) // each edge to the worker that owns its source
   */
  exchange(key: (record: T) => number | string, name?: string): Stream<T> {
    return exchange(this, key, name);
  }

  /**
   * `parts` streams; each record goes to stream `part(record)` (an integer in [0, parts)).
   * @example const [small, large] = stream.partition(2, (x: number) => (x < 100 ? 0 : 1));
   */
  partition(parts: number, part: (record: T) => number, name?: string): Stream<T>[] {
    return partition(this, parts, part, name);
  }

  /**
   * Calls `f(record, time)` for every record and passes the stream on unchanged.
   * @example stream.inspect((x, time) => console.log(`${time}: ${x}`))
   */
  inspect(f: (record: T, time: Timestamp) => void, name?: string): Stream<T> {
    return inspect(this, f, name);
  }

  /**
   * The number of records at each time that had any: one record per such time, on one worker.
   * @example stream.count() // at epoch e: [records sent at e]
   */
  count(name?: string): Stream<number> {
    return count(this, name);
  }

  /**
   * The sum of `value(record)` at each time that had records: one record per such time, on one worker.
   * @example orders.sum((o: { total: number }) => o.total)
   */
  sum(value: (record: T) => number, name?: string): Stream<number> {
    return sum(this, value, name);
  }

  /**
   * `[key, aggregate]` for each key at each time, folded from `init()` on the worker that owns the key,
   * sent once the time is complete.
   * @example words.reduceByKey((w: string) => w, () => 0, (n) => n + 1) // the same as countByKey
   */
  reduceByKey<K extends Key, A>(key: (record: T) => K, init: () => A, fold: (aggregate: A, record: T) => A, name?: string): Stream<[K, A]> {
    return reduceByKey(this, key, init, fold, name);
  }

  /**
   * `[key, count]` for each key at each time.
   * @example words.countByKey((w: string) => w) // [['a', 2], ['b', 1]]
   */
  countByKey<K extends Key>(key: (record: T) => K, name?: string): Stream<[K, number]> {
    return countByKey(this, key, name);
  }

  /**
   * `[key, sum of value(record)]` for each key at each time.
   * @example sales.sumByKey((s: Sale) => s.shop, (s) => s.amount)
   */
  sumByKey<K extends Key>(key: (record: T) => K, value: (record: T) => number, name?: string): Stream<[K, number]> {
    return sumByKey(this, key, value, name);
  }

  /**
   * The first record of each key at each time (by default the key is the record itself, or its JSON
   * text), sent as soon as it is seen.
   * @example visits.distinct((v: Visit) => v.user)
   */
  distinct(key?: (record: T) => Key, name?: string): Stream<T> {
    return distinct(this, key, name);
  }

  /**
   * `[a, b]` for each record `a` of this stream and `b` of `other` at the same time with
   * `key(a) === otherKey(b)`, sent as soon as both have arrived (state is kept per time).
   * @example orders.join(customers, (o: Order) => o.customer, (c: Customer) => c.id) // [order, customer] pairs
   */
  join<B, K extends Key>(other: Stream<B>, key: (record: T) => K, otherKey: (record: B) => K, name?: string): Stream<[T, B]> {
    return join(this, other, key, otherKey, name);
  }

  /**
   * A loop: `body(variable, loop)` sees this stream (at round 0) merged with its own result from the
   * round before; its result at every round is fed back and also leaves the loop (every intermediate
   * record; see `fixpoint` for the final ones only). `maxIterations` bounds the rounds.
   * @example
   * // Halve until odd: every intermediate value leaves.
   * numbers.iterate((v) => v.filter((x: number) => x % 2 === 0).map((x) => x / 2))
   */
  iterate(body: (variable: Stream<T>, loop: LoopScope) => Stream<T>, options?: IterateOptions): Stream<T> {
    return iterate(this, body, options);
  }

  /**
   * A probe on this stream: `passed(t)` tells when nothing at or before `t` can still arrive here.
   * @example const probe = out.probe(); worker.stepUntil(() => probe.passed(3));
   */
  probe(name?: string): ProbeHandle {
    return probe(this, name);
  }

  /**
   * This worker's records of the stream, kept with their times (`records()`, `byTime()`).
   * @example const out = stream.collect(); worker.run(); out.records();
   */
  collect(name?: string): Collected<T> {
    return collect(this, name);
  }

  /**
   * Calls `subscriber.data(records, time)` for each batch reaching this worker and
   * `subscriber.complete(time)` once each time is done (outside loops: every epoch, with or without data).
   * @example stream.subscribe({ data: (rs, t) => console.log(t.epoch, rs), complete: (t) => console.log(`epoch ${t.epoch} done`) })
   */
  subscribe(subscriber: Subscriber<T>, name?: string): void {
    subscribe(this, subscriber, name);
  }
}
