/** Records compared by value: one canonical key per record, and the order records are sorted in. */
import { hashPair } from './dense.js';
import { CollectionError } from './errors.js';

/**
 * What a collection may hold: numbers, strings, and arrays (tuples) of records, nested to any depth.
 * Two records are the same when they have the same key (`recordKey`): numbers compare as `===` does
 * (so `0` and `-0` are one record; `NaN` is one record), strings by their characters, arrays element
 * by element. Anything else (objects, booleans, null, undefined, bigint) is refused with
 * UNKEYABLE_RECORD, never hashed lossily.
 *
 * @example const edge: Data = [1, 2]; const labelled: Data = ['alice', [3, 'x']];
 */
export type Data = number | string | readonly Data[];

/**
 * A record's canonical key: a number (for a number) or a string. Equal keys, and only those, mean equal records.
 *
 * @example const seen = new Map<RecordKey, number>(); seen.set(recordKey([1, 'a']), 1);
 */
export type RecordKey = number | string;

/**
 * The canonical key of a record (see `Data`): the number itself (`'#NaN'` for NaN, so that keys compare
 * with `===`), the string itself (quoted as JSON when it starts with `[`, `"` or `#`, so that no string
 * takes another record's key), or for an array a bracketed list of its elements' keys. Throws UNKEYABLE_RECORD for anything else, naming where inside the record.
 *
 * @example recordKey([1, 'a']); // '[1,"a"]'   recordKey(-0) === recordKey(0); // true
 */
export function recordKey(record: unknown): RecordKey {
  if (typeof record === 'number') return record === 0 ? 0 : record === record ? record : '#NaN';
  if (typeof record === 'string') {
    const c = record.charCodeAt(0);
    return c === 0x5b || c === 0x22 || c === 0x23 ? JSON.stringify(record) : record;
  }
  if (Array.isArray(record)) return arrayKey(record, '');
  throw unkeyable(record, '');
}

/**
 * Checks that `record` is one a collection may hold (see `Data`) without building its key: what an
 * input does with every record it is given. Throws UNKEYABLE_RECORD as `recordKey` does.
 *
 * @example checkData([1, 'a']); // fine;  checkData({}); // throws UNKEYABLE_RECORD
 */
export function checkData(record: unknown, path = ''): void {
  if (typeof record === 'number' || typeof record === 'string') return;
  if (!Array.isArray(record)) throw unkeyable(record, path);
  for (let i = 0; i < record.length; i++) {
    const x = record[i];
    if (typeof x !== 'number' && typeof x !== 'string') checkData(x, `${path}[${i}]`);
  }
}

function arrayKey(items: readonly unknown[], path: string): string {
  let k = '[';
  for (let i = 0; i < items.length; i++) {
    if (i > 0) k += ',';
    const x = items[i];
    if (typeof x === 'number') k += Object.is(x, -0) ? '0' : String(x);
    else if (typeof x === 'string') k += JSON.stringify(x);
    else if (Array.isArray(x)) k += arrayKey(x, `${path}[${i}]`);
    else throw unkeyable(x, `${path}[${i}]`);
  }
  return k + ']';
}

function unkeyable(x: unknown, path: string): CollectionError {
  const what = x === null ? 'null' : Array.isArray(x) ? 'array' : typeof x === 'object' ? (Object.getPrototypeOf(x)?.constructor?.name ?? 'object') : typeof x;
  return new CollectionError(
    'UNKEYABLE_RECORD',
    `a record of a collection ${path === '' ? 'is' : `holds at ${path}`} ${what === 'null' ? what : `${/^[aeiou]/i.test(what) ? 'an' : 'a'} ${what}`}: records are compared by value and must be numbers, strings or arrays of them (write an object as a tuple, e.g. [id, name])`,
    { type: what, ...(path === '' ? {} : { path }) },
  );
}

/**
 * The order records are sorted in (what `min`, `max` and `reduce`'s sorted input use): numbers first,
 * ascending (NaN last among them), then strings by UTF-16 code units, then arrays element by element
 * (a prefix first). Consistent with `recordKey`: 0 when, and only when, the keys are equal.
 *
 * @example [[2, 'b'], [1, 'z'], 'a', 3].sort(compareRecords); // [3, 'a', [1, 'z'], [2, 'b']]
 */
export function compareRecords(a: unknown, b: unknown): number {
  const ta = rank(a);
  const tb = rank(b);
  if (ta !== tb) return ta - tb;
  if (ta === 0) {
    const x = a as number;
    const y = b as number;
    if (x < y) return -1;
    if (x > y) return 1;
    if (x === y) return 0;
    return Number.isNaN(x) ? (Number.isNaN(y) ? 0 : 1) : -1;
  }
  if (ta === 1) return a === b ? 0 : (a as string) < (b as string) ? -1 : 1;
  const xs = a as readonly unknown[];
  const ys = b as readonly unknown[];
  const n = Math.min(xs.length, ys.length);
  for (let i = 0; i < n; i++) {
    const c = compareRecords(xs[i], ys[i]);
    if (c !== 0) return c;
  }
  return xs.length - ys.length;
}

function rank(x: unknown): number {
  if (typeof x === 'number') return 0;
  if (typeof x === 'string') return 1;
  if (Array.isArray(x)) return 2;
  throw unkeyable(x, '');
}

/**
 * Whether a multiplicity that sums or products of safe ones made has left the safe integers, where a
 * double no longer counts exactly (one past them stays past them, however it was rounded).
 *
 * @example if (pastSafe(a * b)) throw overflowed('join', record, a * b);
 */
export function pastSafe(diff: number): boolean {
  return diff > Number.MAX_SAFE_INTEGER || diff < -Number.MAX_SAFE_INTEGER;
}

/**
 * BAD_DIFF for a multiplicity that sums or products took past the safe integers (see `pastSafe`).
 *
 * @example throw overflowed("join 'offer'", [1, 2], 2 ** 60); // "join 'offer': the record [1,2] came to a multiplicity of …"
 */
export function overflowed(where: string, record: unknown, diff: number, what = 'the record'): CollectionError {
  return new CollectionError('BAD_DIFF', `${where}: ${what} ${previewRecord(record)} came to a multiplicity of ${diff}, past the safe integers (where counts are no longer exact)`, {
    record: previewRecord(record),
    diff: String(diff),
  });
}

/**
 * NOT_A_PAIR for an entry that should have been a two-element array (`shape`, e.g. `[value, diff]`):
 * a TypeError from destructuring said only "is not iterable", and a longer array lost its rest. The
 * callers test `isPair` first, so that `where` is only made for the error.
 *
 * @example if (!isPair(entry)) throw notAPair(entry, "reduce 'tally' output for key 3", '[value, diff]');
 */
export function notAPair(entry: unknown, where: string, shape: string): CollectionError {
  return new CollectionError('NOT_A_PAIR', `${where}: ${previewRecord(entry)} is not a ${shape} pair: give two-element arrays`, { entry: previewRecord(entry) });
}

/** Whether `entry` is a two-element array. */
export function isPair(entry: unknown): boolean {
  return Array.isArray(entry) && entry.length === 2;
}

/** Checks a multiplicity: a non-zero safe integer (BAD_DIFF otherwise). */
export function checkDiff(diff: unknown, where: string): number {
  if (typeof diff !== 'number' || !Number.isSafeInteger(diff) || diff === 0) {
    throw new CollectionError('BAD_DIFF', `${where}: a multiplicity must be a non-zero safe integer, got ${String(diff)}`, { diff: String(diff) });
  }
  return diff;
}

/**
 * What routes a record to the worker that owns it: a pair of numbers (but NaN) by a 32-bit hash of its
 * two numbers, with no string made for it; any other record by its canonical key (`recordKey`, which
 * refuses a record that cannot be compared by value). Equal records get equal keys in every worker and
 * process (0 and -0 are one).
 *
 * @example exchangeBy((u: Update<[number, number]>) => ownerKey(u[0]))
 */
export function ownerKey(record: unknown): RecordKey {
  if (Array.isArray(record) && record.length === 2) {
    const a: unknown = record[0];
    const b: unknown = record[1];
    if (typeof a === 'number' && typeof b === 'number' && a === a && b === b) return hashPair(a, b) >>> 0;
  }
  return recordKey(record);
}

/**
 * A record as an error message shows it: its JSON, cut to 60 characters (or `String(x)` where JSON has
 * none).
 *
 * @example previewRecord([1, 'x']); // '[1,"x"]'
 */
export function previewRecord(x: unknown): string {
  try {
    const s = JSON.stringify(x);
    return s === undefined ? String(x) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
  } catch {
    return String(x);
  }
}
