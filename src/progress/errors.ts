/** ProgressError: the typed error for broken progress-tracking invariants and malformed progress input. */
import { CodedError } from '../timestamps/errors.js';

/**
 * The stable codes of `ProgressError` (see the README's error table for the case behind each).
 *
 * @example if (err instanceof ProgressError && err.code === ProgressErrorCode.NEGATIVE_COUNT) handle(err);
 */
export const ProgressErrorCode = {
  NEGATIVE_COUNT: 'NEGATIVE_COUNT',
  UNKNOWN_LOCATION: 'UNKNOWN_LOCATION',
  DEPTH_MISMATCH: 'DEPTH_MISMATCH',
  MALFORMED_TOPOLOGY: 'MALFORMED_TOPOLOGY',
  MALFORMED_BATCH: 'MALFORMED_BATCH',
} as const;
export type ProgressErrorCode = (typeof ProgressErrorCode)[keyof typeof ProgressErrorCode];

const HINTS: Record<ProgressErrorCode, string> = {
  NEGATIVE_COUNT:
    'a pointstamp count is negative after every sent batch was applied: some message or notification was consumed more often than it was produced',
  UNKNOWN_LOCATION: 'a progress update names a location the logical graph does not have',
  DEPTH_MISMATCH: "a progress update's time does not have the loop depth of its location",
  MALFORMED_TOPOLOGY: 'a link of the logical graph does not fit the loop depths of its ends',
  MALFORMED_BATCH: 'a progress batch could not be decoded',
};

/**
 * A broken invariant of progress tracking (codes: ProgressErrorCode), such as NEGATIVE_COUNT.
 *
 * @example
 * try { tracker.checkNonNegative(); } catch (err) { if (err instanceof ProgressError) console.error(err.details); }
 */
export class ProgressError extends CodedError<ProgressErrorCode> {
  override readonly name = 'ProgressError';

  constructor(code: ProgressErrorCode, details: Record<string, unknown>, message?: string) {
    super(code, message ?? HINTS[code], details);
  }
}
