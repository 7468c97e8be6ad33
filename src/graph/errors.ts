/** GraphError (a graph that breaks the rules, refused at build time) and DataflowError (a fault while running). */
import { describe } from '../timestamps/errors.js';

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

export class GraphError extends Error {
  override readonly name = 'GraphError';
  readonly code: GraphErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: GraphErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(`${code}: ${message}${Object.keys(details).length > 0 ? ` (${describe(details)})` : ''}`);
    this.code = code;
    this.details = details;
  }
}

export const DataflowErrorCode = {
  VERTEX_FAILED: 'VERTEX_FAILED',
  TIME_REGRESSION: 'TIME_REGRESSION',
  NOT_IN_CALLBACK: 'NOT_IN_CALLBACK',
  INVALID_MESSAGE: 'INVALID_MESSAGE',
  INPUT_CLOSED: 'INPUT_CLOSED',
  EPOCH_REGRESSION: 'EPOCH_REGRESSION',
  NOT_BUILT: 'NOT_BUILT',
  STALLED: 'STALLED',
  HALTED: 'HALTED',
} as const;
export type DataflowErrorCode = (typeof DataflowErrorCode)[keyof typeof DataflowErrorCode];

export class DataflowError extends Error {
  override readonly name = 'DataflowError';
  readonly code: DataflowErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: DataflowErrorCode, message: string, details: Record<string, unknown> = {}, cause?: unknown) {
    super(`${code}: ${message}${Object.keys(details).length > 0 ? ` (${describe(details)})` : ''}`, cause === undefined ? undefined : { cause });
    this.code = code;
    this.details = details;
  }
}
