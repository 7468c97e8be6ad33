/** WorkerError: the typed error for faults of worker threads, their channels and their launch. */
import { CodedError } from '../timestamps/errors.js';

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

export class WorkerError extends CodedError<WorkerErrorCode> {
  override readonly name = 'WorkerError';
}

/** An error as it crosses a thread: its class name, stable code, message and details survive. */
export interface ErrorRecord {
  readonly name: string;
  readonly code: string | undefined;
  readonly message: string;
  readonly details: Record<string, unknown> | undefined;
  readonly stack: string | undefined;
}

export function toRecord(err: unknown): ErrorRecord {
  const e = (err instanceof Error ? err : new Error(String(err))) as Error & { code?: unknown; details?: Record<string, unknown> };
  let details: Record<string, unknown> | undefined;
  if (e.details !== undefined) {
    details = {};
    for (const [k, v] of Object.entries(e.details)) details[k] = typeof v === 'object' && v !== null ? String(v) : v;
  }
  return { name: e.name, code: typeof e.code === 'string' ? e.code : undefined, message: e.message, details, stack: e.stack };
}
