/** `timely` across processes from the command line: options, environment variables, the local launcher. */
import { execSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { fixture, hostfile, killAll, root, timely } from './processes.js';
import { join } from 'node:path';

afterEach(killAll);

const ticks = fixture('ticks.mjs');

/** Processes whose command line holds `marker`. */
function running(marker: string): string[] {
  return execSync('ps -eo pid,args', { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(marker) && !l.includes('ps -eo'));
}

describe('timely across processes', () => {
  it('TIMELY_PROCESS, TIMELY_HOSTS (a host list), TIMELY_WORKERS place a process as -p, -h, -w do', async () => {
    const { path, hosts } = await hostfile(2);
    const args = JSON.stringify({ epochs: 5, n: 50, ms: 0 });
    const byOptions = await Promise.all([0, 1].map((p) => timely(['run', ticks, '-w', '2', '-n', '2', '-p', String(p), '-h', path, '--args', args]).done));
    const env = (p: number) => ({ TIMELY_PROCESS: String(p), TIMELY_HOSTS: hosts.join(','), TIMELY_WORKERS: '2', TIMELY_PROCESSES: '2' });
    const byEnv = await Promise.all([0, 1].map((p) => timely(['run', ticks, '--args', args], { env: env(p) }).done));
    expect(byOptions.map((r) => r.status)).toEqual([0, 0]);
    expect(byEnv.map((r) => r.status)).toEqual([0, 0]);
    expect(byEnv[0]!.stdout).toBe(byOptions[0]!.stdout);
    expect(byEnv[0]!.stdout.trim().split('\n')).toHaveLength(4);
    // Process 0 writes every worker's line; the others write nothing.
    expect(byEnv[1]!.stdout).toBe('');
  });

  it('--local: one process fails, the launcher stops the others and exits with its status, the error printed once; nothing is left running', async () => {
    const marker = `marker-${process.pid}-${Date.now()}`;
    const run = await timely(['run', join(root, 'test/workers/fixtures/throws.mjs'), '-n', '3', '--local', '--args', JSON.stringify({ marker })]).done;
    expect(run.status).toBe(1);
    // Every process stops with the same error: the user reads it once, not once per process.
    expect(run.stderr.split('\n').filter((l) => l.includes('VERTEX_FAILED'))).toHaveLength(1);
    expect(running(marker)).toEqual([]);
  });

  it('--local: Ctrl-C (SIGINT) stops every process; the launcher exits 130 and leaves none behind', async () => {
    const marker = `marker-${process.pid}-${Date.now()}`;
    const launcher = timely(['run', ticks, '-n', '2', '--local', '--args', JSON.stringify({ epochs: 1e9, n: 10, ms: 0, marker })]);
    await new Promise<void>((resolve) => launcher.child.stderr!.on('data', (d: Buffer) => String(d).includes('running') && resolve()));
    expect(running(marker).length).toBeGreaterThanOrEqual(3);
    launcher.child.kill('SIGINT');
    const r = await launcher.done;
    expect(r.status).toBe(130);
    expect(running(marker)).toEqual([]);
  });

  it('usage: several processes without -p or -h, --local with -p, a short hostfile are exit 2 with what to give', async () => {
    const { path } = await hostfile(2);
    const cases: [string[], RegExp][] = [
      [['-n', '2'], /give this process's index with -p P/],
      [['-n', '2', '-p', '0'], /give a hostfile with -h FILE/],
      [['-n', '2', '--local', '-p', '0'], /--local chooses the process indices/],
      [['-n', '3', '-p', '0', '-h', path], /3 processes, but the hostfile lists 2 hosts/],
      [['-n', '2', '-p', '2', '-h', path], /-p 2 is not a process of 2/],
      [['--local'], /--local starts -n N processes here/],
    ];
    for (const [args, message] of cases) {
      const r = await timely(['run', ticks, ...args, '--args', '{}']).done;
      expect({ args, status: r.status }).toEqual({ args, status: 2 });
      expect(r.stderr).toMatch(message);
    }
  });

  it('a hostfile off loopback without a secret is refused (INSECURE) before any socket opens', async () => {
    const dir = (await hostfile(1)).path.replace(/hosts$/, '');
    const path = join(dir, 'far');
    writeFileSync(path, 'node-a.example:4100\nnode-b.example:4100\n');
    const r = await timely(['run', ticks, '-n', '2', '-p', '0', '-h', path, '--args', '{}']).done;
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/INSECURE: without a shared secret, anyone who reaches node-a\.example:4100, node-b\.example:4100 could join/);
  });

  it('a malformed hostfile line is BAD_HOSTS naming the line', async () => {
    const dir = (await hostfile(1)).path.replace(/hosts$/, '');
    const path = join(dir, 'bad');
    writeFileSync(path, '127.0.0.1:4100\n127.0.0.1\n');
    const r = await timely(['run', ticks, '-n', '2', '-p', '0', '-h', path, '--args', '{}']).done;
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/BAD_HOSTS: .*bad, line 2: expected host:port/);
  });
});
