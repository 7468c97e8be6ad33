/** TLS on the links between processes: mutual, with certificates a test CA signed for 127.0.0.1. */
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixture, hostfile, killAll, testCertificates, timely } from './processes.js';

afterEach(killAll);

let dir = '';
beforeAll(() => {
  dir = testCertificates();
});

const tlsArgs = (signer: string) => ['--tls-cert', join(dir, `${signer}-node.pem`), '--tls-key', join(dir, `${signer}-node.key`), '--tls-ca', join(dir, 'ca.pem')];
const args = JSON.stringify({ epochs: 10, n: 100, ms: 0 });

describe('TLS between processes', () => {
  it('with certificates the CA signed, a computation runs over wss and answers as without TLS', async () => {
    const plain = await timely(['run', fixture('ticks.mjs'), '-n', '2', '-w', '2', '--local', '--args', args]).done;
    const tls = await timely(['run', fixture('ticks.mjs'), '-n', '2', '-w', '2', '--local', '--args', args, ...tlsArgs('ca')]).done;
    expect([plain.status, tls.status]).toEqual([0, 0]);
    expect(tls.stdout).toBe(plain.stdout);
  });

  it('with direct links too: every worker link is wss, and the answers are as without TLS', async () => {
    const plain = await timely(['run', fixture('ticks.mjs'), '-n', '2', '-w', '2', '--local', '--args', args]).done;
    const tls = await timely(['run', fixture('ticks.mjs'), '-n', '2', '-w', '2', '--local', '--links', 'direct', '--args', args, ...tlsArgs('ca')]).done;
    expect([plain.status, tls.status, tls.stderr]).toEqual([0, 0, expect.not.stringMatching(/timely:/)]);
    expect(tls.stdout).toBe(plain.stdout);
  });

  it('a process whose certificate another CA signed is refused: TLS_REFUSED on it, logged by the other', async () => {
    const { path } = await hostfile(2);
    const p0 = timely(['run', fixture('ticks.mjs'), '-n', '2', '-p', '0', '-h', path, '--args', args, '--connect-timeout', '3', ...tlsArgs('ca')], { limitMs: 30_000 });
    const r1 = await timely(['run', fixture('ticks.mjs'), '-n', '2', '-p', '1', '-h', path, '--args', args, ...tlsArgs('other')], { limitMs: 30_000 }).done;
    const r0 = await p0.done;
    expect(r1.status).toBe(1);
    expect(r1.stderr).toMatch(/TLS_REFUSED: process 0 \(127\.0\.0\.1:\d+\) refused process 1: its TLS certificate is not accepted/);
    expect(r0.stderr).toMatch(/process 0 refused a connection from 127\.0\.0\.1:\d+: TLS_REFUSED/);
  });
});

describe('TLS between processes, the other way round', () => {
  it('a process that does not trust the certificate of the process it dials stops with TLS_REFUSED', async () => {
    const { path } = await hostfile(2);
    // Process 1 trusts only the other CA; process 0's certificate is signed by the first.
    const distrust = ['--tls-cert', join(dir, 'other-node.pem'), '--tls-key', join(dir, 'other-node.key'), '--tls-ca', join(dir, 'other.pem')];
    const p0 = timely(['run', fixture('ticks.mjs'), '-n', '2', '-p', '0', '-h', path, '--args', args, '--connect-timeout', '3', ...tlsArgs('ca')], { limitMs: 30_000 });
    const r1 = await timely(['run', fixture('ticks.mjs'), '-n', '2', '-p', '1', '-h', path, '--args', args, ...distrust], { limitMs: 30_000 }).done;
    await p0.done;
    expect(r1.status).toBe(1);
    expect(r1.stderr).toMatch(/TLS_REFUSED: process 0 \(127\.0\.0\.1:\d+\) and process 1 do not trust each other's TLS certificate/);
  });
});
