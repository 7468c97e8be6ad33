/** WorkerError: the typed error for faults of worker threads, their channels and their launch. */
import { DataflowError, GraphError } from '../graph/errors.js';
import { checkRecord, RecordRefusal } from '../graph/records.js';
import { ProgressError } from '../progress/errors.js';
import { CodedError, TimestampError } from '../timestamps/errors.js';

/**
 * The stable codes of `WorkerError` (see the README's error table for the case behind each).
 *
 * @example if (err instanceof WorkerError && err.code === WorkerErrorCode.WORKER_DIED) handle(err);
 */
export const WorkerErrorCode = {
  MALFORMED_FRAME: 'MALFORMED_FRAME',
  DATAFLOW_MISMATCH: 'DATAFLOW_MISMATCH',
  WORKER_DIED: 'WORKER_DIED',
  WORKER_FAILED: 'WORKER_FAILED',
  BAD_MODULE: 'BAD_MODULE',
  BAD_RESULT: 'BAD_RESULT',
  ABORTED: 'ABORTED',
  CANCELLED: 'CANCELLED',
  INVALID_OPTION: 'INVALID_OPTION',
} as const;
export type WorkerErrorCode = (typeof WorkerErrorCode)[keyof typeof WorkerErrorCode];

/**
 * A fault of worker threads, their channels or their launch (codes: WorkerErrorCode).
 *
 * @example
 * await execute('job.js', { workers: 2 }).catch((err) => { if (err instanceof WorkerError && err.code === 'WORKER_DIED') restart(); });
 */
export class WorkerError extends CodedError<WorkerErrorCode> {
  override readonly name = 'WorkerError';
}

/** An error as it crosses a thread: its class name, stable code, message, details, stack and cause survive. */
export interface ErrorRecord {
  readonly name: string;
  readonly code: string | undefined;
  readonly message: string;
  readonly details: Record<string, unknown> | undefined;
  readonly stack: string | undefined;
  /** The error's `cause`, an error in turn, or a thrown value that is not an Error. */
  readonly cause?: ErrorRecord | { readonly thrown: string | number | boolean | null | undefined };
}

/** How deep a chain of causes is kept. */
const CAUSE_DEPTH = 8;

/** `err` as plain data that can be cloned to another thread, with its chain of causes. */
export function toRecord(err: unknown, depth = 0): ErrorRecord {
  const e = (err instanceof Error ? err : new Error(String(err))) as Error & { code?: unknown; details?: Record<string, unknown> };
  let details: Record<string, unknown> | undefined;
  if (e.details !== undefined) {
    details = {};
    for (const [k, v] of Object.entries(e.details)) details[k] = typeof v === 'object' && v !== null ? String(v) : v;
  }
  const record: ErrorRecord = { name: e.name, code: typeof e.code === 'string' ? e.code : undefined, message: e.message, details, stack: e.stack };
  if (!('cause' in e) || depth >= CAUSE_DEPTH) return record;
  const cause: unknown = e.cause;
  if (cause instanceof Error) return { ...record, cause: toRecord(cause, depth + 1) };
  const plain = cause === null || ['string', 'number', 'boolean', 'undefined'].includes(typeof cause);
  return { ...record, cause: { thrown: plain ? (cause as string | number | boolean | null | undefined) : describeThrown(cause) } };
}

/** The runtime's error classes, and JavaScript's own, by name: an error that crossed a thread is rebuilt as one of them. */
const CLASSES: Record<string, { prototype: Error }> = {
  DataflowError,
  GraphError,
  WorkerError,
  ProgressError,
  TimestampError,
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
  AggregateError,
};

/**
 * Rebuilds an error that crossed from worker `worker`'s thread (or from `where` it names, another
 * process say): the same class where it is one of the runtime's, JavaScript's or `classes` (else an
 * Error with the same `name`), code, message, details, stack (marked with where it came from) and causes.
 */
export function revive(record: ErrorRecord, worker: number | string, classes: Readonly<Record<string, { prototype: Error }>> = {}): Error {
  const err = Object.create((classes[record.name] ?? CLASSES[record.name] ?? Error).prototype) as Error;
  Object.defineProperty(err, 'message', { value: record.message, writable: true, configurable: true });
  if (err.name !== record.name) Object.defineProperty(err, 'name', { value: record.name, writable: true, configurable: true });
  if (record.code !== undefined) Object.defineProperty(err, 'code', { value: record.code, enumerable: true });
  if (record.details !== undefined || err instanceof CodedError) Object.defineProperty(err, 'details', { value: record.details ?? {}, enumerable: true });
  const frames = (record.stack ?? '').split('\n').slice(1).join('\n');
  const where = typeof worker === 'number' ? `worker ${worker}` : worker;
  Object.defineProperty(err, 'stack', { value: `${record.name}: ${record.message}\n    [in ${where}]${frames === '' ? '' : `\n${frames}`}`, writable: true, configurable: true });
  const cause = record.cause;
  if (cause !== undefined) {
    const value = 'thrown' in cause ? cause.thrown : revive(cause, worker, classes);
    Object.defineProperty(err, 'cause', { value, writable: true, configurable: true });
  }
  return err;
}

/**
 * What a job's failure becomes: the runtime's own typed errors pass as they are; anything else a job
 * throws (or rejects with) is WORKER_FAILED naming the worker, the original as its `cause` — the same
 * on one worker as on threads.
 */
export function jobFailure(worker: number, err: unknown): Error {
  if (err instanceof CodedError) return err;
  const what = err instanceof Error ? `${err.name}: ${err.message}` : `threw ${describeThrown(err)} (throw an Error to get a stack trace)`;
  return new WorkerError('WORKER_FAILED', `worker ${worker} failed: ${what}`, { worker }, err);
}

/** A thrown value that is not an Error, for a message. */
export function describeThrown(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)}`;
  if (typeof value === 'object') return `an object (${Object.prototype.toString.call(value)})`;
  return `the ${typeof value} ${String(value)}`;
}

/**
 * Refuses a worker's result that would not arrive whole from a thread: the record rules (see
 * `checkRecord`; SharedArrayBuffers are allowed, and stay shared; a Buffer is not, since it would arrive as a Uint8Array). Checked on every worker count, one
 * included, so that a job that works on one worker works on N.
 */
export function checkResult(result: unknown, worker: number): void {
  try {
    checkRecord(result, { result: true });
  } catch (err) {
    if (!(err instanceof RecordRefusal)) throw err;
    throw new WorkerError(
      'BAD_RESULT',
      `worker ${worker}'s result cannot be sent back to the caller: ${err.describe()}. Return data (numbers, strings, arrays, plain objects, Map, Set, Date, typed arrays), not functions, symbols or class instances`,
      { worker, type: err.what, path: err.path },
    );
  }
}
