/**
 * Faults between real processes on 127.0.0.1: a peer killed, stopped, cut off or never started; peers
 * that do not belong (wrong secret, protocol, job, index); a failing vertex; a hostile frame; a stall.
 * Every one ends every process with a typed error, bounded in time, nothing left running.
 */
import { createServer, Socket, type Server } from 'node:net';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Connector, MAX_HANDSHAKES } from '../../src/net/connect.js';
import { jobOf, PROTOCOL_VERSION } from '../../src/net/handshake.js';
import { parseHost } from '../../src/net/hosts.js';
import { alive, fixture, freePorts, hostfile, killAll, root, scratchDir, timely } from './processes.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocket as WebSocketClient, type WebSocket } from 'ws';

afterEach(killAll);

const long = JSON.stringify({ epochs: 1_000_000, n: 100, ms: 0 });
const short = JSON.stringify({ epochs: 20, n: 100, ms: 0 });
const ticks = fixture('ticks.mjs');

/** Resolves once `child`'s stderr has said `text`; rejects if it exits first. */
function said(run: ReturnType<typeof timely>, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    run.done.then((r) => reject(new Error(`exited (${r.status}) before saying '${text}': ${r.stderr}`)));
    let seen = '';
    const look = (d: Buffer | string) => {
      seen += String(d);
      if (seen.includes(text)) {
        run.child.stderr!.off('data', look);
        resolve();
      }
    };
    run.child.stderr!.on('data', look);
  });
}

/** Runs `timely run MODULE` as process `p` of `n` with hostfile `path`. */
function proc(p: number, n: number, path: string, args: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}, module = ticks) {
  return timely(['run', module, '-n', String(n), '-p', String(p), '-h', path, '--args', args, ...extra], { env, limitMs: 30_000 });
}

/** Resolves once something accepts TCP connections on 127.0.0.1:`port` (within 10 s). */
async function listening(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const s = new Socket();
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => (s.destroy(), resolve(false)));
      s.connect(port, '127.0.0.1');
    });
    if (up) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A TCP proxy on a free port to `target`, that can cut or stall every connection through it. */
async function proxy(target: number): Promise<{ port: number; cut(): void; stall(): void; close(): void }> {
  const pairs: [Socket, Socket][] = [];
  const server: Server = createServer((a) => {
    const b = new Socket();
    b.connect(target, '127.0.0.1');
    a.pipe(b).pipe(a);
    a.on('error', () => b.destroy());
    b.on('error', () => a.destroy()); // the target is not up yet: refuse, as a closed port would
    pairs.push([a, b]);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as { port: number }).port,
    cut: () => pairs.forEach(([a, b]) => (a.destroy(), b.destroy())),
    stall: () => pairs.forEach(([a, b]) => (a.unpipe(), b.unpipe(), a.pause(), b.pause())),
    close: () => server.close(),
  };
}

describe('faults across processes', () => {
  it('a peer killed mid-run (SIGKILL): the survivor stops with PEER_LOST naming it, status 1', async () => {
    const { path } = await hostfile(2);
    const p0 = proc(0, 2, path, long, ['-w', '2']);
    const p1 = proc(1, 2, path, long, ['-w', '2']);
    await said(p1, 'running');
    p1.child.kill('SIGKILL');
    const r0 = await p0.done;
    expect(r0.status).toBe(1);
    expect(r0.stderr).toMatch(/^timely: PEER_LOST: process 1 \(127\.0\.0\.1:\d+\) closed its connection/m);
    expect(alive(p0.child.pid!)).toBe(false);
  });

  it('a peer stopped mid-run (SIGSTOP): the other finds it PEER_UNRESPONSIVE by its heartbeat timeout', async () => {
    const { path } = await hostfile(2);
    const p0 = proc(0, 2, path, long, ['--heartbeat-timeout', '1']);
    const p1 = proc(1, 2, path, long);
    await said(p1, 'running');
    p1.child.kill('SIGSTOP');
    const r0 = await p0.done;
    expect(r0.status).toBe(1);
    expect(r0.stderr).toMatch(/PEER_UNRESPONSIVE: process 1 \(127\.0\.0\.1:\d+\) sent nothing for [\d.]+ s \(heartbeat timeout 1 s\)/);
  });

  it('a worker thread busy for longer than the heartbeat timeout is not a dead peer: heartbeats come from the thread that runs no dataflow', async () => {
    const { path } = await hostfile(2);
    // Worker 1 (process 1) blocks its thread 1.5 s per epoch; the heartbeat timeout is 1 s.
    const args = JSON.stringify({ epochs: 4, n: 10, ms: 1500, slow: 1 });
    const [r0, r1] = await Promise.all([proc(0, 2, path, args, ['--heartbeat-timeout', '1']).done, proc(1, 2, path, args, ['--heartbeat-timeout', '1']).done]);
    expect([r0.status, r1.status, r0.stderr + r1.stderr]).toEqual([0, 0, expect.not.stringMatching(/timely:/)]);
  });

  it('a connection cut mid-run (a proxy drops it): both sides stop with PEER_LOST', async () => {
    const [a, b] = await freePorts(2);
    const p = await proxy(a!);
    const dir = scratchDir('timely-test-');
    writeFileSync(join(dir, 'h0'), `127.0.0.1:${a}\n127.0.0.1:${b}\n`);
    writeFileSync(join(dir, 'h1'), `127.0.0.1:${p.port}\n127.0.0.1:${b}\n`); // process 1 reaches process 0 through the proxy
    const p0 = proc(0, 2, join(dir, 'h0'), long);
    const p1 = proc(1, 2, join(dir, 'h1'), long);
    await said(p1, 'running');
    p.cut();
    const [r0, r1] = await Promise.all([p0.done, p1.done]);
    p.close();
    expect([r0.status, r1.status]).toEqual([1, 1]);
    expect(r0.stderr).toMatch(/PEER_LOST: process 1/);
    expect(r1.stderr).toMatch(/PEER_LOST: process 0/);
  });

  it('a link that stalls (a proxy stops forwarding, sockets open): PEER_UNRESPONSIVE on both sides', async () => {
    const [a, b] = await freePorts(2);
    const p = await proxy(a!);
    const dir = scratchDir('timely-test-');
    writeFileSync(join(dir, 'h0'), `127.0.0.1:${a}\n127.0.0.1:${b}\n`);
    writeFileSync(join(dir, 'h1'), `127.0.0.1:${p.port}\n127.0.0.1:${b}\n`);
    const p0 = proc(0, 2, join(dir, 'h0'), long, ['--heartbeat-timeout', '1']);
    const p1 = proc(1, 2, join(dir, 'h1'), long, ['--heartbeat-timeout', '1']);
    await said(p1, 'running');
    p.stall();
    const [r0, r1] = await Promise.all([p0.done, p1.done]);
    p.cut();
    p.close();
    expect([r0.status, r1.status]).toEqual([1, 1]);
    expect(r0.stderr).toMatch(/PEER_UNRESPONSIVE: process 1/);
    expect(r1.stderr).toMatch(/PEER_UNRESPONSIVE: process 0/);
  });

  it('a peer that never starts: CONNECT_TIMEOUT names it and its address', async () => {
    const { path, hosts } = await hostfile(3);
    const p2 = proc(2, 3, path, short, ['--connect-timeout', '1']);
    const p0 = proc(0, 3, path, short, ['--connect-timeout', '1']);
    const [r0, r2] = await Promise.all([p0.done, p2.done]);
    expect([r0.status, r2.status]).toEqual([1, 1]);
    expect(r0.stderr).toContain(`these processes never connected: 1 (${hosts[1]})`);
    expect(r2.stderr).toContain(`these processes never connected: 1 (${hosts[1]})`);
  });

  it('a peer with the wrong secret is refused and logged; the right one joins later and the job completes', async () => {
    const { path } = await hostfile(2);
    const p0 = proc(0, 2, path, short, [], { TIMELY_SECRET: 'right' });
    const intruder = await proc(1, 2, path, short, [], { TIMELY_SECRET: 'wrong' }).done;
    expect(intruder.status).toBe(1);
    expect(intruder.stderr).toMatch(/BAD_SECRET: process 0 \(127\.0\.0\.1:\d+\) refused process 1: it did not prove the shared secret/);
    const p1 = await proc(1, 2, path, short, [], { TIMELY_SECRET: 'right' }).done;
    const r0 = await p0.done;
    expect([r0.status, p1.status]).toEqual([0, 0]);
    expect(r0.stderr).toMatch(/process 0 refused a connection from 127\.0\.0\.1:\d+: BAD_SECRET/);
    expect(r0.stdout.trim().split('\n')).toHaveLength(2);
  });

  it(`connections that never introduce themselves: past ${MAX_HANDSHAKES} at once they are closed at once and logged; the real peer still joins`, async () => {
    const { path, hosts } = await hostfile(2);
    const p0 = proc(0, 2, path, short);
    await listening(parseHost(hosts[0]!, 'hosts[0]').port);
    const url = `ws://${hosts[0]}/timely`;
    const flood = Array.from({ length: MAX_HANDSHAKES + 8 }, () => new WebSocketClient(url));
    try {
      // Each says nothing after the greeting. Those past the limit are closed long before the handshake's 5 s.
      const closedSoon = await Promise.all(
        flood.map((ws) => new Promise<boolean>((resolve) => {
          const t = setTimeout(() => resolve(false), 2_000);
          ws.on('close', () => (clearTimeout(t), resolve(true)));
          ws.on('error', () => {});
        })),
      );
      expect(closedSoon.filter(Boolean).length).toBeGreaterThanOrEqual(8);
    } finally {
      for (const ws of flood) ws.terminate();
    }
    const p1 = await proc(1, 2, path, short).done;
    const r0 = await p0.done;
    expect([r0.status, p1.status]).toEqual([0, 0]);
    expect(r0.stderr).toMatch(new RegExp(`process 0 refused a connection from 127\\.0\\.0\\.1:\\d+: ${MAX_HANDSHAKES} connections are in their handshake already`));
  });

  it('a peer of another job (other args) is refused with JOB_MISMATCH saying what differs', async () => {
    const { path } = await hostfile(2);
    const p0 = proc(0, 2, path, short, ['--connect-timeout', '2']);
    const r1 = await proc(1, 2, path, JSON.stringify({ epochs: 21, n: 100, ms: 0 })).done;
    expect(r1.status).toBe(1);
    expect(r1.stderr).toMatch(/JOB_MISMATCH: .*the args differ/);
    const r0 = await p0.done;
    expect(r0.stderr).toMatch(/refused a connection from .*JOB_MISMATCH/);
    expect(r0.stderr).toMatch(/CONNECT_TIMEOUT/);
  });

  it('a peer of another protocol version is refused with VERSION_MISMATCH', async () => {
    const { path, hosts } = await hostfile(2);
    const fake = new Connector({
      process: 0,
      hosts: hosts.map((h) => parseHost(h)),
      secret: new Uint8Array(0),
      job: { ...jobOf(pathToFileURL(ticks).href, JSON.parse(short)), processes: 2, workers: 1 },
      connectTimeout: 5000,
      log: () => {},
      onLink: () => {},
      maxPayload: 1 << 20,
      protocol: PROTOCOL_VERSION + 1,
    });
    const waiting = fake.connect().catch(() => {});
    const r1 = await proc(1, 2, path, short).done;
    fake.close();
    await waiting;
    expect(r1.status).toBe(1);
    expect(r1.stderr).toMatch(new RegExp(`VERSION_MISMATCH: process 0 \\(${hosts[0]!.replace(/\./g, '\\.')}\\) speaks protocol version ${PROTOCOL_VERSION + 1}, process 1 version ${PROTOCOL_VERSION}`));
  });

  it('a second process claiming an index already connected is refused (DUPLICATE_PROCESS); the computation goes on', async () => {
    const { path, hosts } = await hostfile(2);
    const args = JSON.stringify({ epochs: 40, n: 10, ms: 50 });
    const p0 = proc(0, 2, path, args);
    const p1 = proc(1, 2, path, args);
    await said(p1, 'running');
    const [spare] = await freePorts(1);
    let refusal: Error | undefined;
    const impostor = new Connector({
      process: 1,
      hosts: [parseHost(hosts[0]!), { host: '127.0.0.1', port: spare! }],
      secret: new Uint8Array(0),
      job: { ...jobOf(pathToFileURL(ticks).href, JSON.parse(args)), processes: 2, workers: 1 },
      connectTimeout: 5000,
      log: () => {},
      onLink: (_p: number, s: WebSocket) => s.terminate(),
      maxPayload: 1 << 20,
    });
    await impostor.connect().catch((err: Error) => (refusal = err));
    impostor.close();
    expect(refusal?.message).toMatch(/DUPLICATE_PROCESS: .*process 1 is already connected/);
    const [r0, r1] = await Promise.all([p0.done, p1.done]);
    expect([r0.status, r1.status]).toEqual([0, 0]);
    expect(r0.stderr).toMatch(/refused a connection from .*DUPLICATE_PROCESS/);
  });

  it('a vertex that throws in process 1 stops both processes with the same VERTEX_FAILED, its cause kept', async () => {
    const { path } = await hostfile(2);
    const throws = join(root, 'test/workers/fixtures/throws.mjs');
    const [r0, r1] = await Promise.all([proc(0, 2, path, '{}', [], {}, throws).done, proc(1, 2, path, '{}', [], {}, throws).done]);
    expect([r0.status, r1.status]).toEqual([1, 1]);
    const line = (s: string) => s.split('\n').find((l) => l.startsWith('timely: '));
    expect(line(r0.stderr)).toMatch(/VERTEX_FAILED: .*'picky'.*worker 1.*seven is not allowed/);
    expect(line(r0.stderr)).toBe(line(r1.stderr));
  });

  it('a computation that cannot finish on any process stops with STALLED on every one, never hangs', async () => {
    const { path } = await hostfile(2);
    const stalls = join(root, 'test/workers/fixtures/stalls.mjs');
    const [r0, r1] = await Promise.all([proc(0, 2, path, '{}', [], {}, stalls).done, proc(1, 2, path, '{}', [], {}, stalls).done]);
    expect([r0.status, r1.status]).toEqual([1, 1]);
    // Both workers wait for what cannot come, and every process finds it at once: each names its own
    // worker, and otherwise says the same.
    const line = (r: { stderr: string }) => r.stderr.split('\n').find((l) => l.startsWith('timely: '))?.replace(/worker[ =]\d/g, 'worker N');
    expect(line(r0)).toMatch(/^timely: STALLED: nothing more can happen on worker N, yet the computation is not done; still active: dataflow0: vertex 'numbers'/);
    expect(line(r1)).toBe(line(r0));
  });

  it('a result that cannot be copied to process 0 (a SharedArrayBuffer) is BAD_RESULT on every process', async () => {
    const { path } = await hostfile(2);
    const module = fixture('shared-result.mjs');
    const [r0, r1] = await Promise.all([proc(0, 2, path, '{}', [], {}, module).done, proc(1, 2, path, '{}', [], {}, module).done]);
    expect([r0.status, r1.status]).toEqual([1, 1]);
    expect(r0.stderr).toMatch(/BAD_RESULT: process 1's worker results cannot be sent to process 0/);
    expect(r1.stderr).toMatch(/BAD_RESULT: process 1's worker results cannot be sent to process 0/);
  });

  it('a hostile frame after a proper handshake: MALFORMED_FRAME naming the peer, one line, no stack trace', async () => {
    const { path, hosts } = await hostfile(2);
    const p0 = proc(0, 2, path, short, [], { TIMELY_SECRET: 's3' });
    const attacker = new Connector({
      process: 1,
      hosts: hosts.map((h) => parseHost(h)),
      secret: Buffer.from('s3'),
      job: { ...jobOf(pathToFileURL(ticks).href, JSON.parse(short)), processes: 2, workers: 1 },
      connectTimeout: 10_000,
      log: () => {},
      onLink: (_p: number, s: WebSocket) => s.send(Buffer.from([1, 0, 0, 0, 0, 9, 9, 9, 9, 255, 255, 255, 255])),
      maxPayload: 1 << 20,
    });
    await attacker.connect();
    const r0 = await p0.done;
    attacker.close();
    expect(r0.status).toBe(1);
    expect(r0.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^timely: MALFORMED_FRAME: process 1 \(127\.0\.0\.1:\d+\) sent a message from worker 151587081, which is not one of the sender.s/)]);
  });
});
