/** GraphError (a graph that breaks the rules, refused at build time) and DataflowError (a fault while running). */
import { CodedError } from '../timestamps/errors.js';
import type { Timestamp } from '../timestamps/timestamp.js';

/**
 * The stable codes of `GraphError` (see the README's error table for the case behind each).
 *
 * @example if (err instanceof GraphError && err.code === GraphErrorCode.SCOPE_MISMATCH) handle(err);
 */
export const GraphErrorCode = {
  CYCLE_WITHOUT_FEEDBACK: 'CYCLE_WITHOUT_FEEDBACK',
  SCOPE_MISMATCH: 'SCOPE_MISMATCH',
  UNCONNECTED_INPUT: 'UNCONNECTED_INPUT',
  INPUT_CONNECTED_TWICE: 'INPUT_CONNECTED_TWICE',
  INVALID_PORT: 'INVALID_PORT',
  INVALID_OPTION: 'INVALID_OPTION',
  ALREADY_BUILT: 'ALREADY_BUILT',
  FOREIGN_STREAM: 'FOREIGN_STREAM',
} as const;
export type GraphErrorCode = (typeof GraphErrorCode)[keyof typeof GraphErrorCode];

/**
 * A graph that breaks the rules, refused when the dataflow is built (codes: GraphErrorCode).
 *
 * @example
 * try { worker.dataflow(build); } catch (err) { if (err instanceof GraphError && err.code === 'SCOPE_MISMATCH') console.error(err.details); }
 */
export class GraphError extends CodedError<GraphErrorCode> {
  override readonly name = 'GraphError';
}

/**
 * The stable codes of `DataflowError` (see the README's error table for the case behind each).
 *
 * @example if (err instanceof DataflowError && err.code === DataflowErrorCode.VERTEX_FAILED) handle(err);
 */
export const DataflowErrorCode = {
  VERTEX_FAILED: 'VERTEX_FAILED',
  TIME_REGRESSION: 'TIME_REGRESSION',
  NOT_IN_CALLBACK: 'NOT_IN_CALLBACK',
  NOT_HELD: 'NOT_HELD',
  INVALID_MESSAGE: 'INVALID_MESSAGE',
  INVALID_PORT: 'INVALID_PORT',
  INVALID_TIMESTAMP: 'INVALID_TIMESTAMP',
  DEPTH_MISMATCH: 'DEPTH_MISMATCH',
  BAD_RECORD: 'BAD_RECORD',
  BAD_KEY: 'BAD_KEY',
  INPUT_CLOSED: 'INPUT_CLOSED',
  EPOCH_REGRESSION: 'EPOCH_REGRESSION',
  NOT_BUILT: 'NOT_BUILT',
  STALLED: 'STALLED',
  HALTED: 'HALTED',
} as const;
export type DataflowErrorCode = (typeof DataflowErrorCode)[keyof typeof DataflowErrorCode];

/**
 * A fault while a dataflow runs (codes: DataflowErrorCode); VERTEX_FAILED carries what the vertex threw as `cause`.
 *
 * @example
 * try { worker.run(); } catch (err) { if (err instanceof DataflowError && err.code === 'VERTEX_FAILED') console.error(err.cause); }
 */
export class DataflowError extends CodedError<DataflowErrorCode> {
  override readonly name = 'DataflowError';
}

/**
 * What a vertex's `onFrontier` threw while it worked at `time` (a library operator settling one time
 * after another wraps its user code's error in it), so that the VERTEX_FAILED it becomes names that
 * time rather than none. Internal: not exported from the package.
 */
export class ThrownAt {
  constructor(
    readonly time: Timestamp,
    readonly error: unknown,
  ) {}
}
