/**
 * The stable codes of `TimestampError` (see the README's error table for the case behind each).
 *
 * @example if (err instanceof TimestampError && err.code === TimestampErrorCode.INVALID_TIMESTAMP) handle(err);
 */
export const TimestampErrorCode = {
  INVALID_TIMESTAMP: 'INVALID_TIMESTAMP',
  DEPTH_MISMATCH: 'DEPTH_MISMATCH',
  INVALID_SUMMARY: 'INVALID_SUMMARY',
} as const;
export type TimestampErrorCode = (typeof TimestampErrorCode)[keyof typeof TimestampErrorCode];

/**
 * The base of the runtime's typed errors: a stable `code`, a message that says what to fix, and the
 * facts (`details`) needed to fix it; the message starts with the code.
 */
export class CodedError<C extends string> extends Error {
  readonly code: C;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: C, message: string, details: Record<string, unknown> = {}, cause?: unknown) {
    super(`${code}: ${message}${Object.keys(details).length > 0 ? ` (${describe(details)})` : ''}`, cause === undefined ? undefined : { cause });
    this.code = code;
    this.details = details;
  }
}

const HINTS: Record<TimestampErrorCode, string> = {
  INVALID_TIMESTAMP: 'epochs and loop counters must be non-negative safe integers',
  DEPTH_MISMATCH: 'timestamps must have one loop counter per enclosing loop at the place they are used',
  INVALID_SUMMARY: 'a path summary can only pop counters that exist and increment a counter that remains',
};

/**
 * A malformed timestamp or a misapplied path summary (codes: TimestampErrorCode).
 *
 * @example
 * try { Timestamp.of(-1); } catch (err) { (err as TimestampError).code; } // 'INVALID_TIMESTAMP'
 */
export class TimestampError extends CodedError<TimestampErrorCode> {
  override readonly name = 'TimestampError';

  constructor(code: TimestampErrorCode, details: Record<string, unknown>, message?: string) {
    super(code, message ?? HINTS[code], details);
  }
}

/** Renders error details as `key=value` pairs, using each value's own `toString` where it has one. */
export function describe(details: Record<string, unknown>): string {
  return Object.entries(details)
    .map(([k, v]) => `${k}=${typeof v === 'object' && v !== null && !Array.isArray(v) ? String(v) : JSON.stringify(v)}`)
    .join(', ');
}
