/** CollectionError: a record that cannot be compared by value, or an update that is not one. */
import { CodedError } from '../timestamps/errors.js';

/**
 * The stable codes of `CollectionError` (see the README's error table for the case behind each).
 *
 * @example if (err instanceof CollectionError && err.code === CollectionErrorCode.UNKEYABLE_RECORD) handle(err);
 */
export const CollectionErrorCode = {
  UNKEYABLE_RECORD: 'UNKEYABLE_RECORD',
  BAD_DIFF: 'BAD_DIFF',
  NOT_KEYED: 'NOT_KEYED',
  NOT_COMPLETE: 'NOT_COMPLETE',
  TRACE_FULL: 'TRACE_FULL',
  BAD_ROUND: 'BAD_ROUND',
  NOT_A_NUMBER: 'NOT_A_NUMBER',
  NOT_ITERABLE: 'NOT_ITERABLE',
  NOT_A_PAIR: 'NOT_A_PAIR',
} as const;
export type CollectionErrorCode = (typeof CollectionErrorCode)[keyof typeof CollectionErrorCode];

/**
 * A record of a collection that cannot be compared by value, a multiplicity that is not a non-zero
 * safe integer, a record that is not a `[key, value]` pair where a keyed operator needs one (or not a
 * pair of numbers, for `subscribePairs`), a round for `enterAt` that is not a non-negative safe
 * integer, a value given to `sum` that is not a number, a `flatMap` or `explode` function that
 * returned something that cannot be iterated, an entry of a `reduce`'s output or of an `explode`
 * function's result that is not a two-element array, or an index grown past what one worker's columns
 * can hold (codes: CollectionErrorCode).
 * Inside a running dataflow it is the `cause` of the VERTEX_FAILED that stops it.
 *
 * @example
 * try { input.insert({ id: 1 }); } catch (err) { (err as CollectionError).code; } // 'UNKEYABLE_RECORD'
 */
export class CollectionError extends CodedError<CollectionErrorCode> {
  override readonly name = 'CollectionError';
}
