/**
 * The command line's side of computations across processes: the options and environment variables that
 * place this process in one (-w -n -p -h, TIMELY_*), and the local launcher (--local) that starts them all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:os';
import { parseHosts, readHostfile, type Host } from '../net/hosts.js';
import type { ExecuteOptions } from '../net/cluster.js';
import { UsageError, type OptionSpec } from './args.js';

/** The options every command that runs a computation takes, besides its own. */
export const CLUSTER_OPTIONS: OptionSpec = {
  workers: 'count',
  processes: 'count',
  process: 'int',
  hostfile: 'string',
  local: 'flag',
  'secret-file': 'string',
  insecure: 'flag',
  'connect-timeout': 'seconds',
  'heartbeat-timeout': 'seconds',
  'tls-cert': 'string',
  'tls-key': 'string',
  'tls-ca': 'string',
  links: 'string',
};

/** Where this process stands: its workers, and (across processes) its index, the hosts, the secret. */
export interface Placement {
  readonly workers: number;
  readonly processes: number;
  /** Start every process here (--local) instead of being one. */
  readonly local: boolean;
  /** For execute, when processes > 1 and not local. */
  readonly cluster: Pick<ExecuteOptions, 'processes' | 'process' | 'hosts' | 'secret' | 'insecure' | 'connectTimeout' | 'heartbeatTimeout' | 'tls' | 'links'> | undefined;
}

/**
 * The placement from the command's options, then the environment (TIMELY_WORKERS, TIMELY_PROCESSES,
 * TIMELY_PROCESS, TIMELY_HOSTS: a hostfile or a comma-separated host:port list, TIMELY_SECRET); an
 * option beats its variable.
 */
export function placement(options: ReadonlyMap<string, string | number | true>, command: string, env: NodeJS.ProcessEnv = process.env): Placement {
  const fromEnv = (name: string, what: 'count' | 'int'): number | undefined => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    if (!/^\d+$/.test(v) || (what === 'count' && Number(v) < 1)) throw new UsageError(`${command}: ${name} must be ${what === 'count' ? 'a positive' : 'a non-negative'} integer, got '${v}'`);
    return Number(v);
  };
  const workers = (options.get('workers') as number | undefined) ?? fromEnv('TIMELY_WORKERS', 'count') ?? 1;
  const hostfile = options.get('hostfile') as string | undefined;
  const hostsVar = env['TIMELY_HOSTS'];
  let hosts: Host[] | undefined;
  if (hostfile !== undefined) hosts = readHostfile(hostfile);
  else if (hostsVar !== undefined && hostsVar !== '') hosts = /^[^,]+:\d+(,[^,]+:\d+)*$/.test(hostsVar.trim()) && !hostsVar.includes('/') ? parseHosts(hostsVar.split(',').join('\n'), 'TIMELY_HOSTS') : readHostfile(hostsVar);
  const processes = (options.get('processes') as number | undefined) ?? fromEnv('TIMELY_PROCESSES', 'count') ?? hosts?.length ?? 1;
  const local = options.get('local') === true;
  const index = (options.get('process') as number | undefined) ?? fromEnv('TIMELY_PROCESS', 'int');
  if (local) {
    if (processes < 2) throw new UsageError(`${command}: --local starts -n N processes here; give -n 2 or more`);
    if (index !== undefined || hosts !== undefined) throw new UsageError(`${command}: --local chooses the process indices and ports itself; leave out -p and -h (and TIMELY_PROCESS, TIMELY_HOSTS)`);
    return { workers, processes, local, cluster: undefined };
  }
  // One process and no hosts: this process is the whole computation (a TIMELY_PROCESS of 0 left in the environment changes nothing).
  if (processes === 1 && hosts === undefined && (index ?? 0) === 0) return { workers, processes, local, cluster: undefined };
  if (index === undefined) throw new UsageError(`${command}: ${processes} processes: give this process's index with -p P (or TIMELY_PROCESS), or --local to start them all here`);
  if (hosts === undefined) throw new UsageError(`${command}: ${processes} processes: give a hostfile with -h FILE (one host:port per process; or TIMELY_HOSTS)`);
  if (index >= processes) throw new UsageError(`${command}: -p ${index} is not a process of ${processes} (0 to ${processes - 1})`);
  if (hosts.length < processes) throw new UsageError(`${command}: ${processes} processes, but the hostfile lists ${hosts.length} host${hosts.length === 1 ? '' : 's'}`);
  const secretFile = options.get('secret-file') as string | undefined;
  let secret: string | undefined = env['TIMELY_SECRET'] === '' ? undefined : env['TIMELY_SECRET'];
  if (secretFile !== undefined) {
    try {
      secret = readFileSync(secretFile, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new UsageError(`${command}: cannot read the secret file ${secretFile}: ${(err as Error).message}`);
    }
    if (secret === '') throw new UsageError(`${command}: the secret file ${secretFile} is empty`);
  }
  const tlsFiles = ['tls-cert', 'tls-key', 'tls-ca'].map((k) => options.get(k) as string | undefined);
  let tls: ExecuteOptions['tls'];
  if (tlsFiles.some((f) => f !== undefined)) {
    if (tlsFiles.some((f) => f === undefined)) throw new UsageError(`${command}: TLS needs all three of --tls-cert, --tls-key and --tls-ca`);
    const [cert, key, ca] = tlsFiles.map((f) => {
      try {
        return readFileSync(f!);
      } catch (err) {
        throw new UsageError(`${command}: cannot read ${f}: ${(err as Error).message}`);
      }
    });
    tls = { cert: cert!, key: key!, ca: ca! };
  }
  const links = (options.get('links') as string | undefined) ?? (env['TIMELY_LINKS'] === '' ? undefined : env['TIMELY_LINKS']);
  if (links !== undefined && links !== 'direct' && links !== 'gateway') throw new UsageError(`${command}: --links must be direct or gateway, got '${links}'`);
  const seconds = (name: string) => (options.get(name) === undefined ? undefined : 1000 * (options.get(name) as number));
  const cluster: Placement['cluster'] = {
    processes,
    process: index,
    hosts,
    ...(secret === undefined ? {} : { secret }),
    ...(options.get('insecure') === true ? { insecure: true } : {}),
    ...(seconds('connect-timeout') === undefined ? {} : { connectTimeout: seconds('connect-timeout') }),
    ...(seconds('heartbeat-timeout') === undefined ? {} : { heartbeatTimeout: seconds('heartbeat-timeout') }),
    ...(tls === undefined ? {} : { tls }),
    ...(links === undefined ? {} : { links }),
  };
  return { workers, processes, local, cluster };
}

/** The command's arguments without --local and -n/--processes (the launcher gives each process its own). */
function forEachProcess(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--local' || a.startsWith('--processes=')) continue;
    if (a === '-n' || a === '--processes') {
      i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

/**
 * Starts `processes` copies of this command (its arguments `args`, less --local and -n), each with its own
 * `-p` and a hostfile of free loopback ports, and a fresh secret in TIMELY_SECRET. Their output is this
 * command's. When one fails, the others get a moment to stop on their own (they see the peer go), then
 * are killed; Ctrl-C stops them all. Resolves with the first failure's exit status, or 0.
 */
export async function launchLocal(args: readonly string[], processes: number): Promise<number> {
  const ports = await freePorts(processes);
  const dir = mkdtempSync(join(tmpdir(), 'timely-'));
  const hostfile = join(dir, 'hosts');
  writeFileSync(hostfile, ports.map((p) => `127.0.0.1:${p}\n`).join(''));
  // TIMELY_LOCAL_LINES: where the processes mark the failure lines printed already (see `printOnce`).
  const env: NodeJS.ProcessEnv = { ...process.env, TIMELY_SECRET: randomBytes(16).toString('hex'), [PRINTED_LINES]: dir };
  delete env['TIMELY_PROCESS'];
  delete env['TIMELY_HOSTS'];
  const children: ChildProcess[] = [];
  let status: number | undefined;
  let exited = 0;
  let killer: NodeJS.Timeout | undefined;
  const stopAll = (signal: NodeJS.Signals) => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill(signal);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    status ??= 128 + (constants.signals[signal] ?? 2);
    stopAll('SIGTERM');
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  try {
    return await new Promise<number>((resolve) => {
      for (let i = 0; i < processes; i++) {
        const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...forEachProcess(args), '-n', String(processes), '-p', String(i), '-h', hostfile], { stdio: ['ignore', 'inherit', 'inherit'], env });
        children.push(child);
        child.on('exit', (code, signal) => {
          const s = code ?? 128 + (constants.signals[signal as NodeJS.Signals] ?? 0);
          if (s !== 0 && status === undefined) {
            status = s;
            // The others see the peer go (PEER_LOST) and stop within a second; kill what is left after 3.
            killer = setTimeout(() => stopAll('SIGKILL'), 3000);
          }
          if (++exited === processes) resolve(status ?? 0);
        });
        child.on('error', (err) => {
          process.stderr.write(`timely: cannot start process ${i}: ${err.message}\n`);
          status ??= 1;
          stopAll('SIGTERM');
        });
      }
    });
  } finally {
    clearTimeout(killer);
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The environment variable through which the local launcher's processes print a failure line once. */
export const PRINTED_LINES = 'TIMELY_LOCAL_LINES';

/**
 * Whether this process is to print failure line `line`. `dir` is what the local launcher put in
 * TIMELY_LOCAL_LINES for the processes it started (undefined otherwise: then always). The processes of
 * one computation stop with the same error, so only the first to reach a line prints it, and a process
 * that fails otherwise still prints its own. `dir` holds a file per line printed, created exclusively,
 * so that two processes at the same moment cannot both print it.
 *
 * @example
 * if (printOnce(line, process.env.TIMELY_LOCAL_LINES)) process.stderr.write(line);
 */
export function printOnce(line: string, dir: string | undefined): boolean {
  if (dir === undefined || dir === '') return true;
  try {
    closeSync(openSync(join(dir, `printed-${createHash('sha256').update(line).digest('hex')}`), 'wx'));
    return true;
  } catch (err) {
    // Printed by another process; if the directory is gone or unwritable, print rather than lose the line.
    return (err as NodeJS.ErrnoException).code !== 'EEXIST';
  }
}

/** `n` distinct free TCP ports on 127.0.0.1 (held together while chosen, so they differ). */
export async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()));
    }
    return servers.map((s) => (s.address() as { port: number }).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}
