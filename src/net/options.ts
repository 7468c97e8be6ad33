/** The options of `execute` across processes, and their checks (shared by cluster.ts and processes.ts). */
import type { ExecuteOptions as ThreadOptions } from '../workers/execute.js';
import type { TlsOptions } from './tls.js';
import { NetError } from './errors.js';
import { formatHost, isLoopback, parseHost, type Host } from './hosts.js';

/**
 * `execute`'s options: those of threads (see the workers layer's `ExecuteOptions`), and where this
 * process stands in a computation across processes.
 *
 * @example
 * const options: ExecuteOptions = { workers: 2, processes: 3, process: 1, hosts: ['10.0.0.1:4100', '10.0.0.2:4100', '10.0.0.3:4100'], secret: 's3cret' };
 */
export interface ExecuteOptions extends ThreadOptions {
  /** Worker threads in this process (1 by default); every process of a computation has as many. */
  readonly workers?: number;
  /** Processes in the computation (1 by default). Their workers are numbered process · workers + thread. */
  readonly processes?: number;
  /** This process's index, from 0 to processes − 1: its line of `hosts`, where it listens. */
  readonly process?: number;
  /** Where each process listens, `host:port` in process order (a hostfile's lines; see `parseHosts`). The first `processes` are used. */
  readonly hosts?: readonly (string | Host)[];
  /**
   * The secret every process proves to every other before any of the computation's bytes move (HMAC
   * challenge–response; it never crosses the wire). Required unless every address is loopback, or `insecure`.
   */
  readonly secret?: string | Uint8Array;
  /** Allow listening on a non-loopback address without a secret (anyone who reaches the port could join). */
  readonly insecure?: boolean;
  /** Milliseconds to wait for every process to connect (30,000 by default): then CONNECT_TIMEOUT names those that never came. */
  readonly connectTimeout?: number;
  /** Milliseconds of silence after which a peer is PEER_UNRESPONSIVE (5,000 by default; heartbeats go every quarter of it). */
  readonly heartbeatTimeout?: number;
  /**
   * What identifies the job to its peers. By default a digest of the module's file and of the args: every
   * process must run the same build with the same args. Give a name when the args differ by process on
   * purpose (each process's own share of an input, say).
   */
  readonly job?: string;
  /** Where refused connections are reported (stderr by default). */
  readonly log?: (line: string) => void;
  /** TLS on every link (wss, mutual): this process's certificate and key, and the CA that signed every process's. */
  readonly tls?: TlsOptions;
  /**
   * How workers reach the other processes' workers. 'gateway' (the default): over one link per pair of
   * processes, carried by this (main) thread, which hands messages to and from the worker threads.
   * 'direct': each worker thread carries its own link to each worker of the other processes, so a
   * message crosses no other thread; the workers must then wait with `await worker.runAsync()` or
   * `stepUntilAsync`, never `run()` or `stepUntil()` (INVALID_OPTION), since their thread must stay free
   * to read their links. The process links stay, for the handshake, heartbeats and the end of the run.
   */
  readonly links?: 'gateway' | 'direct';
}

/** The options of a run across processes, checked. */
export interface Cluster {
  readonly process: number;
  readonly hosts: readonly Host[];
  readonly secret: Uint8Array;
  readonly connectTimeout: number;
  readonly heartbeatTimeout: number;
  readonly tls: TlsOptions | undefined;
  readonly links: 'gateway' | 'direct';
}

/**
 * The options of a run of `processes` processes, checked (INVALID_OPTION, BAD_HOSTS or INSECURE naming what to fix).
 *
 * @example
 * const cluster = checkCluster({ processes: 2, process: 0, hosts: ['127.0.0.1:4100', '127.0.0.1:4101'] }, 2);
 */
export function checkCluster(options: ExecuteOptions, processes: number): Cluster {
  const invalid = (message: string) => new NetError('INVALID_OPTION', message);
  if (!Number.isInteger(processes) || processes < 1 || processes > 1024) throw invalid(`processes must be an integer from 1 to 1024, got ${String(processes)}`);
  const me = options.process;
  if (me === undefined) throw invalid(`process (this process's index, 0 to ${processes - 1}) is required with processes`);
  if (!Number.isInteger(me) || me < 0 || me >= processes) throw invalid(`process must be an integer from 0 to ${processes - 1}, got ${String(me)}`);
  if (!Array.isArray(options.hosts)) throw invalid('hosts (one host:port per process, in process order) is required with processes');
  const all = options.hosts.map((h, i) => (typeof h === 'string' ? parseHost(h, `hosts[${i}]`) : checkHostObject(h, i)));
  if (all.length < processes) throw new NetError('BAD_HOSTS', `${processes} processes need ${processes} hosts, but only ${all.length} are listed`);
  const hosts = all.slice(0, processes);
  const seen = new Set(hosts.map((h) => formatHost(h).toLowerCase()));
  if (seen.size < hosts.length) throw new NetError('BAD_HOSTS', 'two processes are listed at the same host:port; every process needs an address of its own');
  const secret = typeof options.secret === 'string' ? Buffer.from(options.secret, 'utf8') : options.secret ?? new Uint8Array(0);
  if (!(secret instanceof Uint8Array)) throw invalid('secret must be a string or bytes');
  if (secret.length === 0 && options.insecure !== true && hosts.some((h) => !isLoopback(h.host))) {
    throw new NetError(
      'INSECURE',
      `without a shared secret, anyone who reaches ${hosts.filter((h) => !isLoopback(h.host)).map(formatHost).join(', ')} could join the computation: give every process the same secret (TIMELY_SECRET, --secret-file, or the secret option), or say insecure`,
    );
  }
  const ms = (name: 'connectTimeout' | 'heartbeatTimeout', fallback: number) => {
    const v = options[name] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 10 || v > 3_600_000) throw invalid(`${name} must be milliseconds from 10 to 3,600,000, got ${String(v)}`);
    return v;
  };
  const tls = options.tls;
  if (tls !== undefined) {
    const pem = (x: unknown) => typeof x === 'string' || Buffer.isBuffer(x);
    if (tls === null || typeof tls !== 'object' || !pem(tls.cert) || !pem(tls.key) || !pem(tls.ca)) throw invalid('tls must be { cert, key, ca }, each PEM text or a Buffer');
  }
  const links = options.links ?? 'gateway';
  if (links !== 'gateway' && links !== 'direct') throw invalid(`links must be 'gateway' or 'direct', got ${JSON.stringify(links)}`);
  return { process: me, hosts, secret, connectTimeout: ms('connectTimeout', 30_000), heartbeatTimeout: ms('heartbeatTimeout', 5_000), tls, links };
}

function checkHostObject(h: unknown, i: number): Host {
  const o = h as Host;
  if (o === null || typeof o !== 'object' || typeof o.host !== 'string' || !Number.isInteger(o.port) || o.port < 1 || o.port > 65535) {
    throw new NetError('BAD_HOSTS', `hosts[${i}] must be 'host:port' or { host, port }, got ${JSON.stringify(h)}`);
  }
  return { host: o.host, port: o.port };
}
