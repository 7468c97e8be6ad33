/**
 * Process 0's quiescence waves, driven by hand: the gateway against a stand-in for its workers' mesh and
 * for its link to process 1, and a process's part of a wave read from a real mesh whose direct links are
 * stand-ins (interface tests: the real ones are in protocol.test.ts and faults.test.ts).
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { encodeControl } from '../../src/net/frames.js';
import { Gateway } from '../../src/net/gateway.js';
import { allocateMesh, GatewayPort, Mesh, type RemoteLinks } from '../../src/workers/mesh.js';

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

/** Links that hold what the test hands them, as a worker's links hold what arrived until it polls. */
function heldLinks(): RemoteLinks & { inbox: Uint8Array[] } {
  const inbox: Uint8Array[] = [];
  return {
    inbox,
    send: () => true,
    poll: (receive) => {
      const n = inbox.length;
      for (const m of inbox.splice(0)) receive(2, m);
      return n;
    },
    hasArrivals: () => inbox.length > 0,
    flush: () => {},
    backlog: () => 0,
    drained: async () => {},
    close: async () => {},
  };
}

describe("a process's part of a wave, from its mesh", () => {
  /** Process 0 of two, two workers each, with direct links: its two workers' meshes, their slots and links, and its gateway's port. */
  function twoWorkers() {
    const memory = allocateMesh(2, 4096, { peers: 4, first: 0, direct: true });
    const meshes = [new Mesh(memory, 0), new Mesh(memory, 1)];
    const slots = meshes.map((m) => m.linkSlot()!);
    const links = meshes.map((m) => {
      const l = heldLinks();
      m.setLinks(l);
      return l;
    });
    return { meshes, slots, links, port: new GatewayPort(memory) };
  }

  // A worker woken by a link message stays flagged asleep until its thread runs again, which on a busy
  // host may take longer than the waves' interval: two waves then found the process idle with the same
  // counts, the message counted as arrived, and the computation was declared quiescent (STALLED) with
  // the message unread.
  it('a message counted as arrived on a parked worker\'s link makes its process busy until the worker has taken it and parked again', async () => {
    const { meshes, slots, links, port } = twoWorkers();
    const parked = meshes.map((m) => m.parkAsync(60_000));
    const idle = port.quiet();
    expect(idle).toBeGreaterThanOrEqual(0);
    // What worker 0's link does with a message from worker 2 (see worker-links.ts): count, hold, wake.
    slots[0]!.arrived();
    links[0]!.inbox.push(Uint8Array.of(1, 2, 3));
    slots[0]!.wake();
    expect(port.linkCounts()).toEqual({ sent: 0, received: 1 });
    expect(port.quiet()).toBe(-1); // the worker has not run yet: its process is not idle
    expect(port.quiet()).toBe(-1);
    // The wake ends the wait (not its minute-long timeout), though the flag was already lowered.
    expect(await Promise.race([parked[0], pause(2000).then(() => 'still waiting')])).toBe(true);
    const got: number[][] = [];
    meshes[0]!.poll((from, m) => got.push([from, ...m]));
    expect(got).toEqual([[2, 1, 2, 3]]);
    const again = meshes[0]!.parkAsync(60_000);
    const idleAgain = port.quiet();
    expect(idleAgain).toBeGreaterThanOrEqual(0);
    expect(idleAgain).not.toBe(idle); // the arrival moved the activity counter: a wave tells the two apart
    port.quiesce();
    expect(await Promise.all([again, parked[1]])).toEqual([true, true]);
  });

  it('a message arriving for a worker that has finished leaves it finished', () => {
    const { meshes, slots, port } = twoWorkers();
    for (const m of meshes) m.finish();
    slots[1]!.arrived();
    expect(port.finished()).toBe(true);
  });
});
