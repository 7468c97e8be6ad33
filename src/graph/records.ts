/**
 * The record rules: which values may travel on an exchange edge (and so cross to another worker), checked
 * the same way on every worker count so that a job that works on one worker works on N.
 */

/**
 * A value that cannot be carried to another worker as it is: what it is (`a function`, `an instance of
 * class Point`), where it sits in the record (`[2].points`, empty for the record itself), and a hint.
 *
 * @example
 * try { checkRecord({ at: new Point(1, 2) }); } catch (err) { if (err instanceof RecordRefusal) err.describe(); }
 * // 'an instance of class Point at .at (send its data as a plain object or array, and rebuild it on arrival)'
 */
export class RecordRefusal {
  constructor(
    readonly what: string,
    readonly path: string,
    /** What to do instead, if there is more to say than "send data". */
    readonly hint = '',
    /** The record's position in its batch, when a batch was checked. */
    readonly index?: number,
  ) {}

  /** `what`, placed within its record, and the hint: "a function at .f", "an instance of class P at [1] (send ...)". */
  describe(): string {
    return `${this.what}${this.path === '' ? '' : ` at ${this.path}`}${this.hint === '' ? '' : ` (${this.hint})`}`;
  }
}

/**
 * `checkRecord`'s answer: the record is carried by the fast encoding (msgpackr), or needs the exact one
 * (V8's serializer: `-0`, holes, lone surrogates, `__proto__` keys, invalid Dates, Buffers).
 *
 * @example checkRecord([1, -0]) === Carry.exact; // true
 */
export const Carry = { fast: 0, exact: 1 } as const;
export type Carry = (typeof Carry)[keyof typeof Carry];

/** Nesting deeper than this is refused (the encoders recurse). */
export const MAX_DEPTH = 512;

const TYPED_ARRAYS: readonly unknown[] = [
  Int8Array.prototype,
  Uint8Array.prototype,
  Uint8ClampedArray.prototype,
  Int16Array.prototype,
  Uint16Array.prototype,
  Int32Array.prototype,
  Uint32Array.prototype,
  Float32Array.prototype,
  Float64Array.prototype,
  BigInt64Array.prototype,
  BigUint64Array.prototype,
  DataView.prototype,
];

/**
 * Whether `record` can travel to another worker and arrive equal to what was sent, and how: values made
 * of `undefined`, `null`, booleans, numbers (`-0` and `NaN` included), bigints, strings, arrays, plain
 * objects, `Map`, `Set`, `Date`, `ArrayBuffer` and typed arrays (and `Buffer`, `DataView`), nested to any
 * depth up to MAX_DEPTH. The same object twice arrives as two equal copies. Throws a RecordRefusal for a
 * function, a symbol (as a value or a key), a class instance (anything whose prototype is not one of
 * those), an object with a null prototype, a `SharedArrayBuffer`, or a cycle.
 *
 * @example
 * checkRecord([1, 'a', new Map([[1, -0]])]); // Carry.exact: -0 needs the exact encoding
 * checkRecord({ f: () => 1 }); // throws RecordRefusal: a function at .f
 */
export function checkRecord(record: unknown, options: RecordCheckOptions = {}): Carry {
  return new Checker(options.result === true).value(record, 0);
}

/** How `checkRecord` looks at a value. */
export interface RecordCheckOptions {
  /**
   * Check a worker's result rather than a record: results cross back by structured clone, which keeps
   * a SharedArrayBuffer shared (allowed) and turns a Buffer into a plain Uint8Array (refused).
   */
  readonly result?: boolean;
}

/**
 * `checkRecord` for every record of a batch: Carry.exact if any record needs it. A refusal gives the
 * record's place in the batch as its `index`.
 */
export function checkBatch(batch: readonly unknown[]): Carry {
  let exact = false;
  for (let i = 0; i < batch.length; i++) {
    const r = batch[i];
    if (typeof r === 'number') {
      if (r === 0 && 1 / r < 0) exact = true;
      continue;
    }
    // A plain array of numbers (the common record), told by `constructor`: Object.getPrototypeOf made
    // this loop four times slower, and the full check (checkRest) looks at the prototype itself.
    // One level deeper too: arrays of numbers and arrays of numbers (a collection's [[a, b], diff]).
    if (Array.isArray(r) && r.constructor === Array) {
      const n = r.length;
      let j = 0;
      for (; j < n; j++) {
        const x: unknown = r[j];
        if (typeof x === 'number') {
          if (x === 0 && 1 / x < 0) exact = true;
          continue;
        }
        if (!Array.isArray(x) || x.constructor !== Array) break;
        const m = numbersOnly(x);
        if (m === 0) break;
        if (m === 2) exact = true;
      }
      if (j === n) continue;
    }
    return checkRest(batch, i, exact);
  }
  return exact ? Carry.exact : Carry.fast;
}

/** 0 if `a` holds anything but numbers (or has holes), else 2 if one of them is -0, else 1. */
function numbersOnly(a: readonly unknown[]): 0 | 1 | 2 {
  let m: 1 | 2 = 1;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (typeof x !== 'number') return 0;
    if (x === 0 && 1 / x < 0) m = 2;
  }
  return m;
}

/** `checkBatch` from record `from` on, each record checked whole. */
function checkRest(batch: readonly unknown[], from: number, exact: boolean): Carry {
  const checker = new Checker(false);
  let carry: Carry = exact ? Carry.exact : Carry.fast;
  for (let i = from; i < batch.length; i++) {
    try {
      if (checker.value(batch[i], 0) === Carry.exact) carry = Carry.exact;
    } catch (err) {
      if (err instanceof RecordRefusal) throw new RecordRefusal(err.what, err.path, err.hint, i);
      throw err;
    }
  }
  return carry;
}

class Checker {
  /** The objects from the record down to the one being looked at (a cycle leads back to one of them). */
  private readonly ancestors: object[] = [];
  private carry: Carry = Carry.fast;

  constructor(private readonly result: boolean) {}

  value(v: unknown, depth: number): Carry {
    switch (typeof v) {
      case 'number':
        if (v === 0 && 1 / v < 0) this.carry = Carry.exact;
        return this.carry;
      case 'string':
        if (!isWellFormed(v)) this.carry = Carry.exact;
        return this.carry;
      case 'boolean':
      case 'undefined':
      case 'bigint':
        return this.carry;
      case 'function':
        throw new RecordRefusal('a function', '', v.name === '' ? '' : `named ${v.name}`);
      case 'symbol':
        throw new RecordRefusal('a symbol', '', String(v));
    }
    if (v === null) return this.carry;
    this.object(v as object, depth);
    return this.carry;
  }

  private object(o: object, depth: number): void {
    if (depth >= MAX_DEPTH) throw new RecordRefusal(`nesting deeper than ${MAX_DEPTH} levels`, '');
    if (this.ancestors.includes(o)) throw new RecordRefusal('a cycle', '', 'an object that contains itself');
    const proto: unknown = Object.getPrototypeOf(o);
    if (proto === Object.prototype) return this.within(o, () => this.plainObject(o as Record<string, unknown>, depth));
    if (proto === Array.prototype) return this.within(o, () => this.array(o as unknown[], depth));
    if (TYPED_ARRAYS.includes(proto) || proto === ArrayBuffer.prototype) return;
    if (proto === Buffer.prototype) {
      if (this.result) throw new RecordRefusal('a Buffer', '', 'a result crosses back as a plain Uint8Array: return new Uint8Array(buffer)');
      this.carry = Carry.exact; // msgpackr would give back a Uint8Array
      return;
    }
    if (proto === Map.prototype) return this.within(o, () => this.map(o as Map<unknown, unknown>, depth));
    if (proto === Set.prototype) return this.within(o, () => this.set(o as Set<unknown>, depth));
    if (proto === Date.prototype) {
      if (Number.isNaN((o as Date).getTime())) this.carry = Carry.exact;
      return;
    }
    if (proto === SharedArrayBuffer.prototype) {
      if (this.result) return;
      throw new RecordRefusal('a SharedArrayBuffer', '', 'shared memory is not copied into records: pass it in the args of execute');
    }
    if (proto === null) throw new RecordRefusal('an object with a null prototype', '', 'make it with {} or new Map()');
    const name = (o as { constructor?: { name?: string } }).constructor?.name;
    throw new RecordRefusal(`an instance of class ${name === undefined || name === '' ? '(anonymous)' : name}`, '', 'send its data as a plain object or array, and rebuild it on arrival');
  }

  private within(o: object, look: () => void): void {
    this.ancestors.push(o);
    look();
    this.ancestors.pop();
  }

  private plainObject(o: Record<string, unknown>, depth: number): void {
    for (const key in o) {
      if (key === '__proto__') this.carry = Carry.exact;
      this.at(o[key], depth, key);
    }
    const symbols = Object.getOwnPropertySymbols(o);
    if (symbols.length > 0) throw new RecordRefusal('an object with a symbol key', '', String(symbols[0]));
  }

  private array(a: unknown[], depth: number): void {
    for (let i = 0; i < a.length; i++) {
      const x = a[i];
      if (x === undefined && !(i in a)) this.carry = Carry.exact;
      else this.at(x, depth, i);
    }
  }

  private map(m: Map<unknown, unknown>, depth: number): void {
    let i = 0;
    for (const [k, x] of m) {
      this.at(k, depth, `<key ${i}>`);
      this.at(x, depth, `<value ${i}>`);
      i++;
    }
  }

  private set(s: Set<unknown>, depth: number): void {
    let i = 0;
    for (const x of s) this.at(x, depth, `<member ${i++}>`);
  }

  /** Looks at a member of a container, adding its place to the path of a refusal. */
  private at(x: unknown, depth: number, key: string | number): void {
    if (typeof x === 'number') {
      if (x === 0 && 1 / x < 0) this.carry = Carry.exact;
      return;
    }
    try {
      this.value(x, depth + 1);
    } catch (err) {
      if (!(err instanceof RecordRefusal)) throw err;
      const step = typeof key === 'number' ? `[${key}]` : key.startsWith('<') ? key : /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
      throw new RecordRefusal(err.what, step + err.path, err.hint);
    }
  }
}

const wellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;

/** Whether a string has no lone surrogate (UTF-8 encoders would replace one). */
function isWellFormed(s: string): boolean {
  if (wellFormed !== undefined) return wellFormed.call(s);
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}
