/** Hosts: where each process of a computation listens — hostfiles, host lists, and whether an address is loopback. */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { NetError } from './errors.js';

/**
 * Where one process listens: its line of the hostfile.
 *
 * @example const host: Host = { host: '10.0.0.2', port: 4100 }; // the line 10.0.0.2:4100
 */
export interface Host {
  readonly host: string;
  readonly port: number;
}

/**
 * Parses a host list: one `host:port` per line (IPv6 in brackets, `[::1]:4100`); blank lines and `#`
 * comments are skipped. BAD_HOSTS names the first line that is wrong, or a port listed twice on one host.
 *
 * @example
 * parseHosts('127.0.0.1:4100\n127.0.0.1:4101\n'); // [{ host: '127.0.0.1', port: 4100 }, { host: '127.0.0.1', port: 4101 }]
 */
export function parseHosts(text: string, name = 'the host list'): Host[] {
  const hosts: Host[] = [];
  const seen = new Set<string>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/#.*/, '').trim();
    if (line === '') continue;
    const host = parseHost(line, `${name}, line ${i + 1}`);
    const key = `${host.host.toLowerCase()}:${host.port}`;
    if (seen.has(key)) throw new NetError('BAD_HOSTS', `${name}, line ${i + 1}: ${line} is listed twice; every process needs an address of its own`);
    seen.add(key);
    hosts.push(host);
  }
  return hosts;
}

/** One `host:port` (IPv6 in brackets). */
export function parseHost(text: string, where = 'host'): Host {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):(\d{1,5})$/.exec(text.trim());
  if (m === null) throw new NetError('BAD_HOSTS', `${where}: expected host:port (for example 127.0.0.1:4100 or [::1]:4100), got '${text}'`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new NetError('BAD_HOSTS', `${where}: port ${port} is not from 1 to 65535`);
  const host = m[1]!.startsWith('[') ? m[1]!.slice(1, -1) : m[1]!;
  return { host, port };
}

/**
 * Reads a hostfile (see `parseHosts`); BAD_HOSTS if it cannot be read.
 *
 * @example await execute('job.js', { processes: 2, process: 0, hosts: readHostfile('hosts') });
 */
export function readHostfile(path: string): Host[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new NetError('BAD_HOSTS', `cannot read the hostfile ${path}: ${(err as Error).message}`, {}, err);
  }
  return parseHosts(text, path);
}

/** Whether listening on `host` reaches this machine only. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/** `host:port` as a URL's authority. */
export function formatHost(h: Host): string {
  return isIP(h.host) === 6 ? `[${h.host}]:${h.port}` : `${h.host}:${h.port}`;
}
