/** Helpers for tests that start real processes on 127.0.0.1: free ports, hostfiles, and `timely` runs bounded in time. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { freePorts } from '../../src/cli/cluster.js';

export { freePorts };

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const cli = join(root, 'dist/src/cli/main.js');
export const fixture = (name: string) => join(root, 'test/net/fixtures', name);
export const graphs = resolve(root, '../shared/data/graphs');

const scratch: string[] = [];
// Registered as the test file that imports these helpers is collected: runs once its tests are done.
afterAll(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
  certificates = undefined;
});

/** A new folder under the system's temporary one, removed once the test file's tests are done. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

/** A hostfile of `n` free loopback ports; its path and lines. */
export async function hostfile(n: number): Promise<{ path: string; hosts: string[] }> {
  const hosts = (await freePorts(n)).map((p) => `127.0.0.1:${p}`);
  const path = join(scratchDir('timely-test-'), 'hosts');
  writeFileSync(path, hosts.join('\n') + '\n');
  return { path, hosts };
}

export interface Finished {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

const running = new Set<ChildProcess>();

/** Starts `node dist/src/cli/main.js ...args`; `done` settles when it exits (it is killed after `limitMs`). */
export function timely(args: readonly string[], options: { env?: NodeJS.ProcessEnv; limitMs?: number } = {}): { child: ChildProcess; done: Promise<Finished> } {
  const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const limit = setTimeout(() => child.kill('SIGKILL'), options.limitMs ?? 60_000);
  const done = new Promise<Finished>((resolve) => {
    child.on('close', (status, signal) => {
      clearTimeout(limit);
      running.delete(child);
      resolve({ status, signal, stdout, stderr });
    });
  });
  return { child, done };
}

/** Kills whatever a test left running (call in afterEach). */
export function killAll(): void {
  for (const c of running) {
    c.kill('SIGCONT');
    c.kill('SIGKILL');
  }
  running.clear();
}

/** Whether process `pid` is still alive. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

let certificates: string | undefined;

/**
 * A folder of test certificates (made once per test process with openssl): CAs `ca` and `other`, and for
 * each a certificate for 127.0.0.1 it signed — `ca.pem`, `ca-node.pem`, `ca-node.key`, `other.pem`, ….
 */
export function testCertificates(): string {
  if (certificates !== undefined) return certificates;
  const dir = scratchDir('timely-tls-');
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  writeFileSync(join(dir, 'san.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  for (const ca of ['ca', 'other']) {
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${ca}.key`, '-out', `${ca}.pem`, '-days', '2', '-subj', `/CN=${ca}`);
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${ca}-node.key`, '-out', `${ca}-node.csr`, '-subj', '/CN=127.0.0.1');
    ssl('x509', '-req', '-in', `${ca}-node.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${ca}-node.pem`, '-days', '2', '-extfile', 'san.cnf');
  }
  certificates = dir;
  return dir;
}
