/**
 * execute across processes: this process's worker threads, joined to the other processes' by TCP links
 * (one per pair of processes, carried by this thread), as one computation of N × W workers.
 */
import { statSync } from 'node:fs';
import { toRecord, WorkerError } from '../workers/errors.js';
import { cancelled, checkExecuteOptions, execute as executeThreads, launch, moduleUrl, type ExecuteOptions as ThreadOptions, type ExecuteResult } from '../workers/execute.js';
import { allocateMesh, GatewayPort } from '../workers/mesh.js';
import { defaultCompilation } from '../workers/pool.js';
import type { WorkerStats } from '../workers/worker.js';
import { Connector } from './connect.js';
import type { LinkConfig } from './worker-links.js';
import type { TlsOptions } from './tls.js';
import { NetError } from './errors.js';
import { encodeResults } from './frames.js';
import { Gateway } from './gateway.js';
import { jobOf, type JobIdentity } from './handshake.js';
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

/**
 * The module each worker thread makes its direct links with: the bundle the build makes of
 * worker-links.ts (`ws` inside it: a thread loads it in some 20 ms, the modules one by one in some 50),
 * or the module itself where there is no bundle or the bundle is older (a build by `tsc` alone).
 */
export function linksModule(dir: URL = new URL('.', import.meta.url)): URL {
  const bundle = new URL('./worker-links.bundle.js', dir);
  const module = new URL('./worker-links.js', dir);
  try {
    return statSync(bundle).mtimeMs >= statSync(module).mtimeMs ? bundle : module;
  } catch {
    return module;
  }
}

/** The largest frame a peer may send (a batch is some MiB at most). */
const MAX_PAYLOAD = 256 << 20;

/**
 * Runs the module on this process's workers as part of a computation of `processes` processes, each
 * started with the same module, args and hosts and its own `process` index. Without `processes` (or
 * with 1), the same as the workers layer's execute: threads of this process only.
 *
 * Results: on process 0, every worker's result, by global index; on the others, their own workers'
 * (the rest of the array is empty). The first failure anywhere stops every process: each rejects with
 * it (a vertex that throws in process 1 is the same VERTEX_FAILED on process 0), or with PEER_LOST /
 * PEER_UNRESPONSIVE naming the process that went away.
 *
 * @example
 * // on machine A:  await execute('job.js', { workers: 2, processes: 2, process: 0, hosts, secret });
 * // on machine B:  await execute('job.js', { workers: 2, processes: 2, process: 1, hosts, secret });
 * const hosts = ['10.0.0.1:4100', '10.0.0.2:4100'];
 */
export async function execute<R>(module: string | URL, options: ExecuteOptions = {}): Promise<ExecuteResult<R>> {
  const processes = options.processes ?? 1;
  if (processes === 1 && options.process === undefined && options.hosts === undefined) return executeThreads<R>(module, options);
  const { workers, ringBytes, signal, pool } = checkExecuteOptions(module, options);
  const cluster = checkCluster(options, processes);
  // One process is the whole computation: nothing to connect to (its host line is only checked).
  if (processes === 1) return executeThreads<R>(module, options);
  if (signal?.aborted) throw cancelled(signal);
  const url = moduleUrl(module);
  const me = cluster.process;
  const describe = (p: number) => `process ${p} (${formatHost(cluster.hosts[p]!)})`;
  if (options.job !== undefined && (typeof options.job !== 'string' || options.job === '')) throw new NetError('INVALID_OPTION', 'job must be a non-empty string');
  const job: JobIdentity = { ...jobOf(url, options.args, options.job), processes, workers };

  const direct = cluster.links === 'direct';
  const mesh = allocateMesh(workers, ringBytes, { peers: processes * workers, first: me * workers, direct });
  const port = new GatewayPort(mesh);
  let failure: Error | undefined;
  /** Failures the peers know of already (they sent them). */
  let told = false;
  const linkConfig: LinkConfig = {
    hosts: cluster.hosts,
    secret: cluster.secret,
    job,
    connectTimeout: cluster.connectTimeout,
    maxPayload: MAX_PAYLOAD,
    ...(cluster.tls === undefined ? {} : { tls: cluster.tls }),
  };
  const launched = launch<R>(url, {
    mesh,
    args: options.args,
    pool,
    compilation: options.concurrentCompilation ?? defaultCompilation(workers),
    ...(direct ? { links: { module: linksModule().href, config: linkConfig } } : {}),
  });
  const fail = (err: Error, fromPeer = false) => {
    if (failure !== undefined) return;
    failure = err;
    told = fromPeer;
    gateway.stop();
    launched.fail(err);
  };
  const gateway: Gateway = new Gateway({
    port,
    process: me,
    processes,
    describe,
    heartbeatTimeout: cluster.heartbeatTimeout,
    onFailure: (err, fromPeer) => fail(err, fromPeer),
    direct,
  });
  const connector = new Connector({
    process: me,
    hosts: cluster.hosts,
    secret: cluster.secret,
    job,
    connectTimeout: cluster.connectTimeout,
    log: options.log ?? ((line) => process.stderr.write(`timely: ${line}\n`)),
    onLink: (peer, socket) => gateway.add(peer, socket),
    maxPayload: MAX_PAYLOAD,
    ...(cluster.tls === undefined ? {} : { tls: cluster.tls }),
  });
  const onAbort = () => fail(cancelled(signal!));
  signal?.addEventListener('abort', onAbort, { once: true });
  gateway.start();
  connector.connect().then(
    () => {
      if (direct) gateway.sharePorts();
      port.arrive();
    },
    (err: Error) => fail(err),
  );
  try {
    const local = await launched.done;
    const remote = await gateway.finish(me === 0 ? null : resultsFrame(local, me));
    if (failure !== undefined) throw failure;
    const results: R[] = new Array(processes * workers);
    const stats: WorkerStats[] = new Array(processes * workers);
    for (let p = 0; p < processes; p++) {
      const part = p === me ? local : (remote[p] as { results: R[]; stats: WorkerStats[] } | undefined);
      if (part === undefined) continue;
      for (let w = 0; w < workers; w++) {
        results[p * workers + w] = part.results[w]!;
        stats[p * workers + w] = part.stats[w]!;
      }
    }
    connector.close();
    await gateway.close();
    return { results, stats };
  } catch (err) {
    const e = failure ?? (err as Error);
    failure ??= e;
    gateway.stop();
    if (!told) gateway.abortPeers(toRecord(e));
    connector.close();
    await gateway.close(500);
    throw e;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** This process's results as a frame for process 0; BAD_RESULT if they cannot cross to another process. */
function resultsFrame(local: ExecuteResult<unknown>, me: number): Buffer {
  try {
    return encodeResults({ results: local.results, stats: local.stats });
  } catch (err) {
    throw new WorkerError(
      'BAD_RESULT',
      `process ${me}'s worker results cannot be sent to process 0: ${(err as Error).message}. Across processes a result must be data that can be copied (a SharedArrayBuffer cannot)`,
      { process: me },
      err,
    );
  }
}

interface Cluster {
  readonly process: number;
  readonly hosts: readonly Host[];
  readonly secret: Uint8Array;
  readonly connectTimeout: number;
  readonly heartbeatTimeout: number;
  readonly tls: TlsOptions | undefined;
  readonly links: 'gateway' | 'direct';
}

function checkCluster(options: ExecuteOptions, processes: number): Cluster {
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
