/** NetError: the typed error for faults between processes — connecting, proving who a peer is, and peers lost. */
import { CodedError } from '../timestamps/errors.js';

/**
 * The stable codes of `NetError` (see the README's error table for the case behind each).
 *
 * @example if (err instanceof NetError && err.code === NetErrorCode.PEER_LOST) restartAll();
 */
export const NetErrorCode = {
  /** A process closed its connection (it exited, crashed or was killed) before the computation ended. */
  PEER_LOST: 'PEER_LOST',
  /** A process kept its connection open but sent nothing, not even a heartbeat, for longer than the heartbeat timeout. */
  PEER_UNRESPONSIVE: 'PEER_UNRESPONSIVE',
  /** Some processes never connected within the connect timeout. */
  CONNECT_TIMEOUT: 'CONNECT_TIMEOUT',
  /** This process could not listen on its hostfile line's address. */
  LISTEN_FAILED: 'LISTEN_FAILED',
  /** A peer did not prove the shared secret (or this process's proof was refused). */
  BAD_SECRET: 'BAD_SECRET',
  /** A TLS handshake failed: a certificate not signed by the CA, or not naming its host. */
  TLS_REFUSED: 'TLS_REFUSED',
  /** The two sides speak different protocol versions (different releases of this package). */
  VERSION_MISMATCH: 'VERSION_MISMATCH',
  /** The two sides run different jobs: module, args, process count or workers per process differ. */
  JOB_MISMATCH: 'JOB_MISMATCH',
  /** A second connection claimed a process index already connected (or an index that cannot dial this one). */
  DUPLICATE_PROCESS: 'DUPLICATE_PROCESS',
  /** Bytes from a peer that are not a frame of this protocol. */
  MALFORMED_FRAME: 'MALFORMED_FRAME',
  /** Listening on a non-loopback address without a shared secret (give one, or say insecure). */
  INSECURE: 'INSECURE',
  /** A hostfile or host list that cannot be used. */
  BAD_HOSTS: 'BAD_HOSTS',
  /** An option of a computation across processes is missing or wrong. */
  INVALID_OPTION: 'INVALID_OPTION',
} as const;
export type NetErrorCode = (typeof NetErrorCode)[keyof typeof NetErrorCode];

/**
 * A fault between processes (codes: NetErrorCode). Its `details` name the peer process and its address
 * where there is one.
 *
 * @example
 * await execute('job.js', { processes: 2, process: 0, hosts: ['127.0.0.1:4100', '127.0.0.1:4101'] })
 *   .catch((err) => { if (err instanceof NetError && err.code === 'PEER_LOST') console.error(err.details.process); });
 */
export class NetError extends CodedError<NetErrorCode> {
  override readonly name = 'NetError';
}
