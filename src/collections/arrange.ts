/** Arrangement: a collection of [key, value] pairs exchanged by key and indexed in one trace per worker, shared by its readers. */
import { exchangeBy } from '../graph/vertex.js';
import type { Stream } from '../graph/stream.js';
import { Collection } from './collection.js';
import { dueToConsolidate, type Update } from './consolidate.js';
import { joinArrangements } from './join.js';
import { reduceArrangement, type ReduceLogic } from './reduce.js';
import { CollectionError } from './errors.js';
import { hashPair, pairTable } from './dense.js';
import { previewRecord, recordKey, type RecordKey } from './record-key.js';
import { Trace, type ArrangedBatch } from './trace.js';

/**
 * A collection of `[key, value]` pairs arranged by key: each worker holds the pairs of the keys it owns
 * in one multi-version index (a `Trace`), compacted as the frontier advances. Each time's changes are
 * appended once the time is complete, consolidated, as one batch; a time whose changes barely cancel
 * (a load of distinct records) is appended in consolidated parts as they come instead, so that they do
 * not wait in a second copy. Every operator given the
 * same arrangement reads that one index: two joins against one arrangement keep one copy of it. Made by
 * `collection.arrange()`; read with its own `join`, `joinMap`, `semijoin`, `antijoin` and `reduce`, or
 * given to a collection's `join`, `joinMap`, `semijoin` and `antijoin`; `asCollection()` gives back the
 * collection it indexes.
 *
 * @example
 * const byNode = edges.arrange();                 // edges: Collection<[number, number]>
 * const out1 = labels.join(byNode);               // both joins read the same index
 * const out2 = distances.join(byNode);
 * const live = byNode.semijoin(active);           // and so does this semijoin
 */
export class Arrangement<K, V> {
  /** The batches appended to the trace, in order, each as one message at its time (this worker's keys only). */
  readonly stream: Stream<ArrangedBatch<K, V>>;
  private current: Trace<K, V> | undefined;
  private readonly updates: Stream<Update<[K, V]>>;

  /** @internal Use `collection.arrange()`. */
  constructor(updates: Stream<Update<[K, V]>>, name: string) {
    this.updates = updates;
    this.stream = updates.scope.unary<Update<[K, V]>, ArrangedBatch<K, V>>(updates, name, exchangeBy(keyOfUpdate), (ctx) => {
      const trace = new Trace<K, V>(ctx.order);
      this.current = trace;
      // Each time's changes wait, as columns, until the time is complete; then they are consolidated
      // and appended as one batch (what differential's batcher does): a key offered one value by many
      // senders in one round is one entry, not one per sender. Changes that do not cancel (a pass over
      // many of them took off little) go at once: waiting would only copy them as their columns grow.
      const waiting = new Map<string, Pending<K, V>>();
      return {
        onRecv: (batch, time) => {
          let p = waiting.get(time.key);
          if (p === undefined) {
            waiting.set(time.key, (p = new Pending<K, V>()));
            ctx.notifyAt(time);
          }
          p.take(batch);
          if (p.distinct) {
            const part = p.batch();
            waiting.set(time.key, p.next());
            ctx.send([trace.append(part, time, true)], time);
          }
        },
        onNotify: (time) => {
          const p = waiting.get(time.key);
          if (p === undefined) return;
          waiting.delete(time.key);
          const batch = p.batch();
          if (batch.kks.length > 0) ctx.send([trace.append(batch, time)], time);
          else trace.settle();
        },
      };
    });
  }

  /**
   * `f(key, v, w)` for each pair `[key, v]` here and `[key, w]` in `other`, reading this index.
   * @example byNode.joinMap(labels.arrange(), (_n, next, label) => [next, label])
   */
  joinMap<W, R>(other: Arrangement<K, W> | Collection<[K, W]>, f: (key: K, v: V, w: W) => R, name = 'join'): Collection<R> {
    const right = other instanceof Arrangement ? other : other.arrange(`${name}.right`);
    return new Collection(joinArrangements(this, right, f, name));
  }

  /**
   * `[key, [v, w]]` for each pair `[key, v]` here and `[key, w]` in `other`, reading this index (and
   * `other`'s, if it is an arrangement).
   * @example byNode.join(labels.arrange()) // [node, [neighbour, label]]
   */
  join<W>(other: Arrangement<K, W> | Collection<[K, W]>, name = 'join'): Collection<[K, [V, W]]> {
    return this.joinMap(other, (k, v, w) => [k, [v, w]] as [K, [V, W]], name);
  }

  /**
   * The pairs here whose key is in `keys`, each as often as here times the key's count there: a
   * collection of keys, or an arrangement (each of its pairs counts once for its key). Reads this index.
   * @example byCustomer.semijoin(vip.distinct()) // the orders of VIP customers
   */
  semijoin(keys: Collection<K> | Arrangement<K, unknown>, name = 'semijoin'): Collection<[K, V]> {
    return this.joinMap(arrangedKeys(keys, name), (k, v) => [k, v] as [K, V], name);
  }

  /**
   * The pairs here whose key is not in `keys` (this collection minus `semijoin(keys)`; give distinct keys).
   * @example byCustomer.antijoin(blocked.distinct()) // the orders of customers not blocked
   */
  antijoin(keys: Collection<K> | Arrangement<K, unknown>, name = 'antijoin'): Collection<[K, V]> {
    return this.asCollection().concat(this.semijoin(keys, name).negate(`${name}.negate`));
  }

  /**
   * The collection this arrangement indexes, as it came (its updates, not read back from the index).
   * @example const pairs = byNode.asCollection(); // Collection<[node, neighbour]>
   */
  asCollection(): Collection<[K, V]> {
    return new Collection(this.updates);
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

/**
 * A time's changes waiting to be appended, as columns, consolidated by (key, value) whenever they have
 * doubled since they last were. While every key and value is a number that is its own canonical key,
 * they sit in typed columns (which serve as the canonical keys too); the first other one moves them to
 * plain arrays with their canonical keys.
 */
class Pending<K, V> {
  private n = 0;
  private consolidated = 0;
  /**
   * How many times the changes grow before they are consolidated again: twice, or four times after a
   * consolidation that took off less than a quarter (changes that rarely cancel, such as a large load,
   * are then hashed about 1.3 times each before the last pass rather than twice).
   */
  private factor = 2;
  /** The typed columns, while every key and value is a plain number. */
  private kn: Float64Array<ArrayBuffer> | undefined = EMPTY;
  private vn = EMPTY;
  private dn = EMPTY;
  /** The columns once some key or value is not. */
  private kks: RecordKey[] = [];
  private keys: K[] = [];
  private vks: RecordKey[] = [];
  private values: V[] = [];
  private diffs: number[] = [];

  /**
   * Whether the changes should be appended now rather than when their time is complete: a pass over
   * at least `CONSOLIDATE_AT` of them took off less than a quarter.
   */
  get distinct(): boolean {
    return this.factor === 4;
  }

  /** An empty `Pending` for the same time, its columns sized as these were (`batch()` hands these out). */
  next(): Pending<K, V> {
    const p = new Pending<K, V>();
    if (this.kn !== undefined) p.grow(this.kn.length);
    return p;
  }

  /** Adds a message's updates. */
  take(batch: readonly Update<[K, V]>[]): void {
    // Room for the whole message at once: a time's columns are sized by what comes, not preset.
    if (this.kn !== undefined && this.n + batch.length > this.kn.length) this.grow(this.n + batch.length);
    for (let i = 0; i < batch.length; i++) {
      const u = batch[i]!;
      const pair = u[0];
      const k = pair[0];
      const v = pair[1];
      const kn = this.kn;
      if (kn !== undefined && plainNumber(k) && plainNumber(v)) {
        const at = this.n++;
        this.kn![at] = k as number;
        this.vn[at] = v as number;
        this.dn[at] = u[1];
        continue;
      }
      if (kn !== undefined) this.generic();
      this.kks.push(plainNumber(k) ? (k as RecordKey) : recordKey(k));
      this.keys.push(k);
      this.vks.push(plainNumber(v) ? (v as RecordKey) : recordKey(v));
      this.values.push(v);
      this.diffs.push(u[1]);
      this.n++;
    }
    if (dueToConsolidate(this.n, this.consolidated, this.factor)) this.consolidate();
  }

  /** The changes, consolidated: what `Trace.append` takes. */
  batch(): Omit<ArrangedBatch<K, V>, 'seq'> {
    this.consolidate();
    const n = this.n;
    if (this.kn !== undefined) {
      const keys = this.kn.subarray(0, n);
      const values = this.vn.subarray(0, n);
      return { kks: keys, keys: keys as unknown as ArrayLike<K>, vks: values, values: values as unknown as ArrayLike<V>, diffs: this.dn.subarray(0, n) };
    }
    return { kks: this.kks, keys: this.keys, vks: this.vks, values: this.values, diffs: this.diffs };
  }

  private grow(need: number): void {
    const m = Math.max(need, 2 * this.vn.length, 16);
    const grown = (a: Float64Array<ArrayBuffer>) => {
      const b = new Float64Array(m);
      b.set(a);
      return b;
    };
    this.kn = grown(this.kn!);
    this.vn = grown(this.vn);
    this.dn = grown(this.dn);
  }

  /** Moves the typed columns to plain arrays. */
  private generic(): void {
    const { kn, vn, dn } = this;
    for (let i = 0; i < this.n; i++) {
      this.kks.push(kn![i]!);
      this.keys.push(kn![i]! as K);
      this.vks.push(vn[i]!);
      this.values.push(vn[i]! as V);
      this.diffs.push(dn[i]!);
    }
    this.kn = undefined;
  }

  /** Sums the diffs of equal (key, value) pairs into the first of them, in place, and drops the sums that are zero. */
  private consolidate(): void {
    if (this.n === this.consolidated) return;
    const before = this.n;
    this.n = this.kn !== undefined ? consolidateNumbers(this.kn, this.vn, this.dn, this.n) : this.consolidateGeneric();
    this.consolidated = this.n;
    this.factor = 4 * this.n > 3 * before ? 4 : 2;
  }

  private consolidateGeneric(): number {
    const { kks, keys, vks, values, diffs } = this;
    const firsts = new Map<string, number>();
    let w = 0;
    for (let i = 0; i < kks.length; i++) {
      const kk = kks[i]!;
      const vk = vks[i]!;
      // Each part unambiguous whatever its characters: a number ends at '|', a string is counted.
      const id = `${typeof kk === 'number' ? `n${kk}|` : `s${kk.length}:${kk}`}${typeof vk === 'number' ? `n${vk}|` : `s${vk.length}:${vk}`}`;
      const j = firsts.get(id);
      if (j !== undefined) diffs[j]! += diffs[i]!;
      else {
        firsts.set(id, w);
        kks[w] = kk;
        keys[w] = keys[i]!;
        vks[w] = vk;
        values[w] = values[i]!;
        diffs[w] = diffs[i]!;
        w++;
      }
    }
    let z = 0;
    for (let i = 0; i < w; i++) {
      if (diffs[i] === 0) continue;
      kks[z] = kks[i]!;
      keys[z] = keys[i]!;
      vks[z] = vks[i]!;
      values[z] = values[i]!;
      diffs[z] = diffs[i]!;
      z++;
    }
    kks.length = keys.length = vks.length = values.length = diffs.length = z;
    return z;
  }
}

/**
 * Consolidates `n` changes of numbers in place: `(keys[i], values[i])` with diff `diffs[i]`, equal
 * pairs summed into the first, zero sums dropped, order of first appearance kept; returns how many are
 * left. Pairs are found through an open-addressing table of their first places.
 */
function consolidateNumbers(keys: Float64Array, values: Float64Array, diffs: Float64Array, n: number): number {
  const { table, size } = pairTable(n);
  const mask = size - 1;
  let w = 0;
  try {
    for (let i = 0; i < n; i++) {
      const k = keys[i]!;
      const v = values[i]!;
      let h = hashPair(k, v) & mask;
      for (;;) {
        const at = table[h]!;
        if (at === 0) {
          table[h] = w + 1;
          keys[w] = k;
          values[w] = v;
          diffs[w] = diffs[i]!;
          w++;
          break;
        }
        if (keys[at - 1] === k && values[at - 1] === v) {
          diffs[at - 1]! += diffs[i]!;
          break;
        }
        h = (h + 1) & mask;
      }
    }
  } finally {
    table.fill(0, 0, size);
  }
  let z = 0;
  for (let i = 0; i < w; i++) {
    if (diffs[i] === 0) continue;
    keys[z] = keys[i]!;
    values[z] = values[i]!;
    diffs[z] = diffs[i]!;
    z++;
  }
  return z;
}

/** The columns of a time no change has come for yet. */
const EMPTY = new Float64Array(0);


/** The exchange key of an update of a `[key, value]` pair: its key's canonical key (NOT_KEYED for anything but a pair). */
function keyOfUpdate(u: Update<[unknown, unknown]>): number | string {
  const pair = u[0];
  if (!Array.isArray(pair) || pair.length !== 2) {
    throw new CollectionError(
      'NOT_KEYED',
      `an operator that works by key (arrange, join, reduce, count, min…) was given the record ${previewRecord(pair)}: it needs [key, value] pairs (map records to pairs first, e.g. .map((x) => [x, 0]))`,
      { record: previewRecord(pair) },
    );
  }
  return recordKey(pair[0]);
}

/** Whether `x` is a number that is its own canonical key: any but NaN and -0. */
function plainNumber(x: unknown): boolean {
  return typeof x === 'number' && x === x && !(x === 0 && 1 / x < 0);
}

/**
 * Keys to semijoin with, arranged: an arrangement as it is (each pair counts for its key); a collection
 * of keys as `[key, 0]` pairs.
 */
export function arrangedKeys<K>(keys: Collection<K> | Arrangement<K, unknown>, name: string): Arrangement<K, unknown> {
  return keys instanceof Arrangement ? keys : keys.map((k) => [k, 0] as [K, number], `${name}.keys`).arrange(`${name}.right`);
}
