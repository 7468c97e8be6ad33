import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocateMesh, GatewayPort, Mesh, type MeshMemory } from '../../src/workers/mesh.js';
import { RingReader } from '../../src/workers/ring.js';

/**
 * Member 0 has written `message` into the ring to member `to`; `read` takes from that ring (pushing
 * what arrives whole into `got`) and `write` lets member 0 write what it holds back, in turns, until the
 * message has arrived. At every turn, a read from a ring that held frames while its writer was stuck
 * must have woken member 0 (its wake counter moved). Returns what arrived.
 */
function inTurns(memory: MeshMemory, to: number, turns: number, read: (got: Uint8Array[]) => void, write: () => void): Uint8Array[] {
  const ring = new RingReader(memory.rings[0]![to]!);
  const wakeWords = new Int32Array(memory.signals);
  const got: Uint8Array[] = [];
  for (let turn = 0; got.length === 0; turn++) {
    if (turn > turns) throw new Error('the message never arrived');
    const stuck = ring.writerStuck();
    const waiting = ring.hasData();
    const before = Atomics.load(wakeWords, 0);
    read(got);
    if (stuck && waiting) expect(Atomics.load(wakeWords, 0)).toBeGreaterThan(before);
    write();
  }
  return got;
}

/** Ring capacities (in 8-byte words), messages of `times` capacities and `extra` bytes. */
const sizes = [fc.integer({ min: 8, max: 128 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 64 })] as const;

describe('Mesh', () => {
  // A message longer than a ring's frame goes in several frames; the reader took them without waking
  // the writer stuck on the rest, because no message was whole yet. Two workers sending each other
  // such messages (PageRank's shares on a large graph) then waited out their 50 ms park every iteration.
  it('law: a poll that takes frames from a ring whose writer is stuck wakes that writer, whole message or not', () => {
    fc.assert(
      fc.property(...sizes, (words, times, extra) => {
        const capacity = 8 * words;
        const memory = allocateMesh(2, capacity);
        const [writer, reader] = [new Mesh(memory, 0), new Mesh(memory, 1)];
        const message = new Uint8Array(times * capacity + extra).map((_, i) => i & 0xff);
        writer.send(1, message, false);
        const got = inTurns(
          memory,
          1,
          10 * (times + 2),
          (got) => reader.poll((_from, bytes) => got.push(bytes.slice())),
          () => writer.poll(() => {}),
        );
        expect(got).toEqual([message]);
      }),
    );
  });

  it('law: a gateway that takes frames from a worker stuck on a long message for another process wakes that worker', () => {
    fc.assert(
      fc.property(...sizes, (words, times, extra) => {
        const capacity = 8 * words;
        // One worker here (global 0) and one in another process (global 1), reached through the gateway.
        const memory = allocateMesh(1, capacity, { peers: 2, first: 0 });
        const worker = new Mesh(memory, 0);
        const port = new GatewayPort(memory);
        const message = new Uint8Array(times * capacity + extra).map((_, i) => (3 * i) & 0xff);
        worker.send(1, message, false);
        const got = inTurns(
          memory,
          1,
          10 * (times + 2),
          (got) =>
            port.drain((route, _from, bytes) => {
              expect(route).toBe(1);
              got.push(bytes.slice());
            }),
          () => worker.poll(() => {}),
        );
        expect(got).toEqual([message]);
      }),
    );
  });
});
