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

export class Stream<T> {
  readonly scope: Scope;
  readonly stage: number;
  readonly port: number;

  constructor(scope: Scope, stage: number, port: number) {
    this.scope = scope;
    this.stage = stage;
    this.port = port;
  }

  map<U>(f: (record: T) => U, name?: string): Stream<U> {
    return map(this, f, name);
  }

  mapWithTime<U>(f: (record: T, time: Timestamp) => U, name?: string): Stream<U> {
    return mapWithTime(this, f, name);
  }

  delay(later: (record: T, time: Timestamp) => Timestamp, name?: string): Stream<T> {
    return delay(this, later, name);
  }

  broadcast(name?: string): Stream<T> {
    return broadcast(this, name);
  }

  accumulate<A>(init: () => A, fold: (aggregate: A, record: T) => A, name?: string): Stream<A> {
    return accumulate(this, init, fold, name);
  }

  fixpoint<K extends Key>(key: (record: T) => K, body: (variable: Stream<T>, loop: LoopScope) => Stream<T>, options?: IterateOptions): Stream<T> {
    return fixpoint(this, key, body, options);
  }

  filter(keep: (record: T) => boolean, name?: string): Stream<T> {
    return filter(this, keep, name);
  }

  flatMap<U>(f: (record: T) => Iterable<U>, name?: string): Stream<U> {
    return flatMap(this, f, name);
  }

  concat(...others: Stream<T>[]): Stream<T> {
    return concat([this, ...others]);
  }

  exchange(key: (record: T) => number | string, name?: string): Stream<T> {
    return exchange(this, key, name);
  }

  partition(parts: number, part: (record: T) => number, name?: string): Stream<T>[] {
    return partition(this, parts, part, name);
  }

  inspect(f: (record: T, time: Timestamp) => void, name?: string): Stream<T> {
    return inspect(this, f, name);
  }

  count(name?: string): Stream<number> {
    return count(this, name);
  }

  sum(value: (record: T) => number, name?: string): Stream<number> {
    return sum(this, value, name);
  }

  reduceByKey<K extends Key, A>(key: (record: T) => K, init: () => A, fold: (aggregate: A, record: T) => A, name?: string): Stream<[K, A]> {
    return reduceByKey(this, key, init, fold, name);
  }

  countByKey<K extends Key>(key: (record: T) => K, name?: string): Stream<[K, number]> {
    return countByKey(this, key, name);
  }

  sumByKey<K extends Key>(key: (record: T) => K, value: (record: T) => number, name?: string): Stream<[K, number]> {
    return sumByKey(this, key, value, name);
  }

  distinct(key?: (record: T) => Key, name?: string): Stream<T> {
    return distinct(this, key, name);
  }

  join<B, K extends Key>(other: Stream<B>, key: (record: T) => K, otherKey: (record: B) => K, name?: string): Stream<[T, B]> {
    return join(this, other, key, otherKey, name);
  }

  iterate(body: (variable: Stream<T>, loop: LoopScope) => Stream<T>, options?: IterateOptions): Stream<T> {
    return iterate(this, body, options);
  }

  probe(name?: string): ProbeHandle {
    return probe(this, name);
  }

  collect(name?: string): Collected<T> {
    return collect(this, name);
  }

  subscribe(subscriber: Subscriber<T>, name?: string): void {
    subscribe(this, subscriber, name);
  }
}
