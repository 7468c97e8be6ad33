/**
 * A run across processes: this process's worker threads, joined to the other processes' by TCP links
 * (one per pair of processes, carried by this thread, or one per pair of workers with direct links).
 * Loaded by `execute` (cluster.ts) only when a run spans processes.
 */
import { statSync } from 'node:fs';
import { toRecord, WorkerError } from '../workers/errors.js';
import { cancelled, launch, moduleUrl, type checkExecuteOptions, type ExecuteResult } from '../workers/execute.js';
import { allocateMesh, GatewayPort } from '../workers/mesh.js';
import { defaultCompilation } from '../workers/pool.js';
import type { WorkerStats } from '../workers/worker.js';
import type { Cluster, ExecuteOptions } from './options.js';
import { Connector } from './connect.js';
import type { LinkConfig } from './worker-links.js';
import { NetError } from './errors.js';
import { encodeResults } from './frames.js';
import { Gateway } from './gateway.js';
import { jobOf, type JobIdentity } from './handshake.js';
import { formatHost } from './hosts.js';

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
 * Runs the module on this process's workers as part of a computation of `cluster`'s processes (the
 * body of `execute` across processes; see it for the results and the failures).
 *
 * @example
 * // execute(module, options) does, once the options are checked:
 * return executeProcesses(module, options, checkExecuteOptions(module, options), checkCluster(options, processes));
 */
export async function executeProcesses<R>(
  module: string | URL,
  options: ExecuteOptions,
  checked: ReturnType<typeof checkExecuteOptions>,
  cluster: Cluster,
): Promise<ExecuteResult<R>> {
  const { workers, ringBytes, signal, pool } = checked;
  const processes = cluster.hosts.length;
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

