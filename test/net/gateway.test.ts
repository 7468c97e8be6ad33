/**
 * Process 0's quiescence waves, driven by hand: the gateway against a stand-in for its workers' mesh and
 * for its link to process 1 (an interface test: the real ones are in protocol.test.ts and faults.test.ts).
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { encodeControl } from '../../src/net/frames.js';
import { Gateway } from '../../src/net/gateway.js';
import type { GatewayPort } from '../../src/workers/mesh.js';

/** Process 0 of 2 (one worker each) whose own worker is idle, having sent `sent` messages over its direct links. */
function processZero(sent: number, direct = true) {
  const failures: Error[] = [];
  let quiesced = false;
  const port = {
    workers: 1,
    first: 0,
    peers: 2,
    quiet: () => 7,
    pendingBytes: () => 0,
    linkCounts: () => ({ sent, received: 0 }),
    quiesce: () => (quiesced = true),
  } as unknown as GatewayPort;
  const gateway = new Gateway({ port, process: 0, processes: 2, describe: (p) => `process ${p}`, heartbeatTimeout: 40, onFailure: (err) => failures.push(err), direct });
  const socket = Object.assign(new EventEmitter(), { bufferedAmount: 0, send: () => {} });
  gateway.add(1, socket as never);
  let wave = 0;
  /** One wave: process 0 asks, process 1 answers `state` (its activity counter, and its counts). */
  const waveWith = (state: { activity: number; sent: number; received: number }) => {
    (gateway as unknown as { nextWave: number }).nextWave = 0;
    (gateway as unknown as { lookForQuiescence(): void }).lookForQuiescence();
    socket.emit('message', encodeControl({ t: 'state', wave: ++wave, ...state }), true);
  };
  return { failures, waveWith, quiesced: () => quiesced };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('quiescence across processes with direct links', () => {
  it('every process idle, the same counts wave after wave, messages sent that never arrive: past the heartbeat timeout, PEER_UNRESPONSIVE', async () => {
    const p0 = processZero(3);
    p0.waveWith({ activity: 5, sent: 0, received: 0 });
    p0.waveWith({ activity: 5, sent: 0, received: 0 });
    expect(p0.failures).toEqual([]); // not yet: the timeout (40 ms) has not passed
    await pause(60);
    p0.waveWith({ activity: 5, sent: 0, received: 0 });
    expect(p0.failures.map((e) => e.message)).toEqual([
      expect.stringMatching(/^PEER_UNRESPONSIVE: every process has been idle for [\d.]+ s \(heartbeat timeout 0\.04 s\) while 3 message\(s\) between workers never arrived: a direct link between two workers is stalled or cut$/),
    ]);
    expect(p0.quiesced()).toBe(false);
  });

  it('counts that move (messages still arriving) are no stall, however long', async () => {
    const p0 = processZero(3);
    for (let received = 0; received < 3; received++) {
      p0.waveWith({ activity: 5 + received, sent: 0, received });
      await pause(30);
    }
    expect(p0.failures).toEqual([]);
  });

  it('balanced counts are quiescence, not a stall', async () => {
    const p0 = processZero(3);
    p0.waveWith({ activity: 5, sent: 0, received: 3 });
    await pause(60);
    p0.waveWith({ activity: 5, sent: 0, received: 3 });
    expect(p0.failures).toEqual([]);
    expect(p0.quiesced()).toBe(true);
  });

  it('through the main threads (no direct links), the heartbeats watch every message: no such check', async () => {
    const p0 = processZero(3, false);
    p0.waveWith({ activity: 5, sent: 0, received: 0 });
    await pause(60);
    p0.waveWith({ activity: 5, sent: 0, received: 0 });
    expect(p0.failures).toEqual([]);
  });
});
