/**
 * Direct links (`--links direct`): each worker thread carries its own link to every worker of the other
 * processes. Faults over them, with real processes on 127.0.0.1 (the protocol and backpressure over
 * them are in protocol.test.ts, the examples in examples.test.ts); and the links themselves, in this
 * process, with real sockets.
 */
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { digest, jobOf } from '../../src/net/handshake.js';
import makeLinks, { type LinkConfig } from '../../src/net/worker-links.js';
import type { LinkSlot, RemoteLinks } from '../../src/workers/mesh.js';
import { linksModule } from '../../src/net/processes.js';
import { fixture, freePorts, hostfile, killAll, root, scratchDir, testCertificates, timely } from './processes.js';

afterEach(killAll);

const direct = ['--links', 'direct'];

/** Runs `timely run MODULE` as process `p` of 2 with hostfile `path` and direct links. */
function proc(p: number, path: string, module: string, args: unknown, extra: string[] = []) {
  return timely(['run', module, '-n', '2', '-p', String(p), '-h', path, ...direct, '--args', JSON.stringify(args), ...extra], { limitMs: 30_000 });
}

const firstLine = (s: string) => s.split('\n').find((l) => l.startsWith('timely: '));

describe('faults with direct links', () => {
  const long = { epochs: 1_000_000, n: 100, ms: 0 };

  it('a peer killed mid-run (SIGKILL): the survivor stops with PEER_LOST naming it, status 1, within seconds', async () => {
    const { path } = await hostfile(2);
    const p0 = proc(0, path, fixture('ticks.mjs'), long);
    const p1 = proc(1, path, fixture('ticks.mjs'), long);
    await new Promise<void>((resolve) => {
      let seen = '';
      p1.child.stderr!.on('data', (d: Buffer) => {
        seen += String(d);
        if (seen.includes('running')) resolve();
      });
    });
    const killed = performance.now();
    p1.child.kill('SIGKILL');
    const r0 = await p0.done;
    expect(r0.status).toBe(1);
    expect(firstLine(r0.stderr)).toMatch(/^timely: PEER_LOST: process 1 \(127\.0\.0\.1:\d+\) /);
    // Fail-stop, promptly: the process link's close is seen at once (its exit includes stopping the threads).
    expect(performance.now() - killed).toBeLessThan(5_000);
  });

  it('a vertex that throws in process 1 stops both processes with the same VERTEX_FAILED, its cause kept', async () => {
    const { path } = await hostfile(2);
    const throws = join(root, 'test/workers/fixtures/throws.mjs');
    const [r0, r1] = await Promise.all([proc(0, path, throws, {}).done, proc(1, path, throws, {}).done]);
    expect([r0.status, r1.status]).toEqual([1, 1]);
    expect(firstLine(r0.stderr)).toMatch(/VERTEX_FAILED: .*'picky'.*worker 1.*seven is not allowed/);
    expect(firstLine(r1.stderr)).toBe(firstLine(r0.stderr));
  });

  it('a computation that cannot finish stops with STALLED on every process, never hangs', async () => {
    const { path } = await hostfile(2);
    const stalls = join(root, 'test/workers/fixtures/stalls.mjs');
    const [r0, r1] = await Promise.all([proc(0, path, stalls, {}).done, proc(1, path, stalls, {}).done]);
    expect([r0.status, r1.status]).toEqual([1, 1]);
    const line = (r: { stderr: string }) => firstLine(r.stderr)?.replace(/worker[ =]\d/g, 'worker N');
    expect(line(r0)).toMatch(/^timely: STALLED: nothing more can happen on worker N/);
    expect(line(r1)).toBe(line(r0));
  });

  it('a job that waits with run() is INVALID_OPTION on every process, naming runAsync', async () => {
    const { path } = await hostfile(2);
    const blocking = join(root, 'test/workers/fixtures/exchange.mjs');
    const args = { n: 100, epochs: 2 };
    const [r0, r1] = await Promise.all([proc(0, path, blocking, args).done, proc(1, path, blocking, args).done]);
    expect([r0.status, r1.status]).toEqual([1, 1]);
    expect(firstLine(r0.stderr)).toMatch(/^timely: INVALID_OPTION: worker \d reaches the other processes over links its own thread carries .*await worker\.runAsync\(\)/);
    // Each worker meets the misuse itself: a process names whichever of them reported first.
    const same = (s: string) => firstLine(s)?.replace(/worker[ =]\d/g, 'worker N');
    expect(same(r1.stderr)).toBe(same(r0.stderr));
  });

  it('processes started with different links settings both stop, saying so', async () => {
    const { path } = await hostfile(2);
    const args = { epochs: 5, n: 10, ms: 0 };
    const [r0, r1] = await Promise.all([proc(0, path, fixture('ticks.mjs'), args).done, timely(['run', fixture('ticks.mjs'), '-n', '2', '-p', '1', '-h', path, '--args', JSON.stringify(args)], { limitMs: 30_000 }).done]);
    expect([r0.status, r1.status]).toEqual([1, 1]);
    for (const r of [r0, r1]) expect(firstLine(r.stderr)).toMatch(/MALFORMED_FRAME: process 0 \(127\.0\.0\.1:\d+\) sent its workers' ports, but this process does not use direct links: start every process with the same links setting/);
  });

  it('--links takes direct or gateway only', async () => {
    const r = await timely(['run', fixture('ticks.mjs'), '-n', '2', '--local', '--links', 'fast'], { limitMs: 20_000 }).done;
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--links must be direct or gateway, got 'fast'/);
  });
});

/** Worker `index` of 2 (one per process) in this thread: its slot, fed the other's port once both listen. */
function slots(): { slot: (index: number) => LinkSlot; woken: number[]; arrived: number[]; unsent: number[]; lost: string[] } {
  const ports = [0, 0];
  const waiting: (() => void)[] = [];
  const woken = [0, 0];
  const arrived = [0, 0];
  const unsent = [0, 0];
  /** `w->peer`: worker w saw its link to peer break. */
  const lost: string[] = [];
  const slot = (index: number): LinkSlot => ({
    index,
    peers: 2,
    first: index,
    workers: 1,
    publishPort: (port) => {
      ports[index] = port;
      if (ports.every((p) => p > 0)) waiting.splice(0).forEach((r) => r());
    },
    ports: () => (ports.every((p) => p > 0) ? Promise.resolve([...ports]) : new Promise<number[]>((r) => waiting.push(() => r([...ports])))),
    arrived: () => arrived[index]!++,
    unsent: (n) => (unsent[index]! += n),
    wake: () => woken[index]!++,
    lost: (peer) => lost.push(`${index}->${peer}`),
  });
  return { slot, woken, arrived, unsent, lost };
}

describe('direct links between two workers (this process, real sockets)', () => {
  const job = { ...jobOf('file:///nowhere/job.js', {}, 'links-test'), processes: 2, workers: 1 };
  const config = async (secret: string): Promise<LinkConfig> => ({
    hosts: (await freePorts(2)).map((port) => ({ host: '127.0.0.1', port })),
    secret: Buffer.from(secret),
    job,
    connectTimeout: 2_000,
    maxPayload: 1 << 20,
  });

  it('carry messages both ways in order, each whole; an empty frame is no message', async () => {
    const { slot, woken, arrived } = slots();
    const c = await config('s3cret');
    const [a, b] = (await Promise.all([makeLinks(slot(0), c), makeLinks(slot(1), c)])) as [RemoteLinks, RemoteLinks];
    const sent = Array.from({ length: 50 }, (_, i) => Uint8Array.from({ length: 1 + i * 37 }, (_, j) => (i + j) % 251));
    for (const m of sent) expect(a.send(1, m)).toBe(true);
    a.flush();
    b.send(0, Uint8Array.of(9, 9));
    b.flush();
    const got: { from: number; bytes: number[] }[] = [];
    const deadline = Date.now() + 5_000;
    while (got.length < 50 && Date.now() < deadline) {
      b.poll((from, m) => got.push({ from, bytes: [...m] }), Infinity);
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(got).toEqual(sent.map((m) => ({ from: 0, bytes: [...m] })));
    expect(woken[1]).toBeGreaterThan(0);
    expect(arrived[1]).toBe(50);
    const back: number[][] = [];
    while (back.length < 1 && Date.now() < deadline) {
      a.poll((_from, m) => back.push([...m]), Infinity);
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(back).toEqual([[9, 9]]);
    await Promise.all([a.close(), b.close()]);
  });

  it('for quiescence, the messages a sender counts as sent, less those its receiver\'s "done" says never came, are those counted as arrived', async () => {
    const { slot, arrived, unsent } = slots();
    const c = await config('s3cret');
    const [a, b] = (await Promise.all([makeLinks(slot(0), c), makeLinks(slot(1), c)])) as [RemoteLinks, RemoteLinks];
    let sent = 0;
    const send = (x: number) => (a.send(1, Uint8Array.of(x)) ? (sent++, true) : false);
    for (let i = 0; i < 20; i++) send(0);
    a.flush();
    const deadline = Date.now() + 5_000;
    while (arrived[1]! < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    expect(arrived[1]).toBe(20);
    // b is done: it says so and closes, while a goes on sending until it hears of it.
    const closing = b.close();
    while (send(1) && Date.now() < deadline) {
      a.flush();
      await new Promise((r) => setTimeout(r, 1));
    }
    await closing;
    expect(send(2)).toBe(false); // dropped, and not counted as sent
    expect(sent).toBeGreaterThan(20);
    expect(sent - unsent[0]!).toBe(arrived[1]);
    expect(b.hasArrivals()).toBe(false); // what came to b once it was done was dropped
    await a.close();
  });

  it('a text frame that is not a proper "done" is MALFORMED_FRAME at the receiver\'s next poll', async () => {
    const { slot } = slots();
    const c = await config('s3cret');
    const [a, b] = (await Promise.all([makeLinks(slot(0), c), makeLinks(slot(1), c)])) as [RemoteLinks, RemoteLinks];
    (b as unknown as { sockets: { send(text: string): void }[] }).sockets[0]!.send(JSON.stringify({ done: 5 })); // a sent b nothing: 5 cannot have come
    const deadline = Date.now() + 5_000;
    while (!a.hasArrivals() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    expect(() => a.poll(() => {}, Infinity)).toThrow(/MALFORMED_FRAME: worker 1 sent worker 0 a text frame that is not its "done"/);
    await Promise.all([a.close(), b.close()]);
  });

  it('a link whose peer goes away before saying it is done is reported lost; one that said so is not', async () => {
    const { slot, lost } = slots();
    const c = await config('s3cret');
    const [a, b] = await Promise.all([makeLinks(slot(0), c), makeLinks(slot(1), c)]);
    await b.close(); // says done, then closes
    await new Promise((r) => setTimeout(r, 100));
    expect(lost).toEqual([]);
    await a.close();

    const again = slots();
    const c2 = await config('s3cret');
    const [x, y] = await Promise.all([makeLinks(again.slot(0), c2), makeLinks(again.slot(1), c2)]);
    // y's socket torn down without a word: x must report worker 1 lost.
    (y as unknown as { sockets: { terminate(): void }[] }).sockets.forEach((s) => s?.terminate());
    const deadline = Date.now() + 5_000;
    while (!again.lost.includes('0->1') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(again.lost).toContain('0->1');
    await x.close();
  });

  it('with TLS, both ends of a link are TLS sockets (wss)', async () => {
    const { slot } = slots();
    const certs = testCertificates();
    const pem = (f: string) => readFileSync(join(certs, f));
    const c = { ...(await config('s3cret')), tls: { cert: pem('ca-node.pem'), key: pem('ca-node.key'), ca: pem('ca.pem') } };
    const [a, b] = await Promise.all([makeLinks(slot(0), c), makeLinks(slot(1), c)]);
    const encrypted = (l: RemoteLinks, peer: number) => (l as unknown as { sockets: { _socket: { encrypted?: boolean } }[] }).sockets[peer]!._socket.encrypted;
    expect([encrypted(a, 1), encrypted(b, 0)]).toEqual([true, true]);
    await Promise.all([a.close(), b.close()]);
  });

  it('a side with another secret is refused; with another job, too (the proofs are bound to both)', async () => {
    for (const [mine, theirs] of [
      [{ secret: 'right', job }, { secret: 'wrong', job }],
      [{ secret: 'right', job }, { secret: 'right', job: { ...job, args: digest('other') } }],
    ] as const) {
      const { slot } = slots();
      const c = await config(mine.secret);
      const other = { ...c, secret: Buffer.from(theirs.secret), job: theirs.job };
      const outcomes = await Promise.allSettled([makeLinks(slot(0), c), makeLinks(slot(1), other)]);
      // The dialer (worker 1) is refused; the acceptor times out waiting for a peer that never proves itself.
      expect(outcomes[1]!.status).toBe('rejected');
      expect(((outcomes[1] as PromiseRejectedResult).reason as { code: string }).code).toMatch(/^(BAD_SECRET|JOB_MISMATCH)$/);
      expect(outcomes[0]!.status).toBe('rejected');
      expect(((outcomes[0] as PromiseRejectedResult).reason as { code: string }).code).toBe('CONNECT_TIMEOUT');
    }
  }, 20_000);
});

describe('the module worker threads make their links with', () => {
  it('is the bundle when it is at least as new as worker-links.js, else the module itself', () => {
    const dir = scratchDir('timely-links-');
    const at = pathToFileURL(dir + '/');
    writeFileSync(join(dir, 'worker-links.js'), '');
    expect(linksModule(at).href).toBe(new URL('./worker-links.js', at).href);
    writeFileSync(join(dir, 'worker-links.bundle.js'), '');
    utimesSync(join(dir, 'worker-links.js'), 1_000, 1_000);
    expect(linksModule(at).href).toBe(new URL('./worker-links.bundle.js', at).href);
    utimesSync(join(dir, 'worker-links.bundle.js'), 500, 500);
    expect(linksModule(at).href).toBe(new URL('./worker-links.js', at).href);
  });

  it('after the build, the bundle, with ws inside it', async () => {
    const built = (await import(join(root, 'dist/src/net/processes.js'))) as { linksModule: () => URL };
    expect(built.linksModule().pathname).toMatch(/dist\/src\/net\/worker-links\.bundle\.js$/);
    expect(readFileSync(built.linksModule(), 'utf8')).not.toMatch(/from ['"]ws['"]/);
  });
});
