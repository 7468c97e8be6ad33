/** Mesh: the shared memory joining N worker threads — a ring per ordered pair, a wake word per worker, an abort flag. */
import { allocateRing, RingReader, RingWriter, type RingMemory } from './ring.js';

export interface MeshMemory {
  readonly peers: number;
  /** rings[from][to], null on the diagonal. */
  readonly rings: readonly (readonly (RingMemory | null)[])[];
  /** Int32 words: one wake counter per worker, the abort flag, one "asleep" flag per worker, an activity counter, the count of workers ready to start. */
  readonly signals: SharedArrayBuffer;
}

export function allocateMesh(peers: number, ringBytes: number): MeshMemory {
  const rings = Array.from({ length: peers }, (_, from) => Array.from({ length: peers }, (_, to) => (from === to ? null : allocateRing(ringBytes))));
  return { peers, rings, signals: new SharedArrayBuffer(4 * (2 * peers + 3)) };
}

/** Sets the abort flag and wakes every worker (used by the launcher and by a failing worker). */
export function abortMesh(memory: MeshMemory): void {
  const signals = new Int32Array(memory.signals);
  Atomics.store(signals, memory.peers, 1);
  for (let w = 0; w < memory.peers; w++) {
    Atomics.add(signals, w, 1);
    Atomics.notify(signals, w);
  }
}

/** States of a worker's "asleep" word. */
const AWAKE = 0;
const ASLEEP = 1;
const FINISHED = 2;

/** Traffic counters, by kind of message. */
export interface TrafficStats {
  dataMessages: number;
  dataBytes: number;
  progressMessages: number;
  progressBytes: number;
  /** The most bytes ever waiting for room in the rings to other workers. */
  peakBacklog: number;
}

/** One worker's end of the mesh. */
export class Mesh {
  readonly index: number;
  readonly peers: number;
  readonly stats: TrafficStats = { dataMessages: 0, dataBytes: 0, progressMessages: 0, progressBytes: 0, peakBacklog: 0 };
  private readonly memory: MeshMemory;
  private readonly signals: Int32Array;
  private readonly writers: (RingWriter | null)[];
  private readonly readers: (RingReader | null)[];
  /** Every ring of the mesh and the worker it leads to, to look at (never to read from): quiescence needs them empty. */
  private readonly everyRing: { readonly to: number; readonly ring: RingReader }[];
  /** Where the activity counter and the count of workers at the start line are in `signals`. */
  private readonly activity: number;
  private readonly startLine: number;
  private finished = false;

  constructor(memory: MeshMemory, index: number) {
    this.memory = memory;
    this.index = index;
    this.peers = memory.peers;
    this.signals = new Int32Array(memory.signals);
    this.writers = memory.rings[index]!.map((r) => (r === null ? null : new RingWriter(r)));
    this.readers = memory.rings.map((row) => (row[index] === null ? null : new RingReader(row[index]!)));
    this.everyRing = memory.rings.flatMap((row) => row.flatMap((r, to) => (r === null ? [] : [{ to, ring: new RingReader(r) }])));
    this.activity = 2 * this.peers + 1;
    this.startLine = 2 * this.peers + 2;
  }

  /** Queues a message for worker `to` and wakes it. With `transient`, the caller reuses `message` afterwards. */
  send(to: number, message: Uint8Array, progress: boolean, transient = false): void {
    if (progress) {
      this.stats.progressMessages++;
      this.stats.progressBytes += message.length;
    } else {
      this.stats.dataMessages++;
      this.stats.dataBytes += message.length;
    }
    const writer = this.writers[to]!;
    Atomics.add(this.signals, this.activity, 1);
    writer.write(message, transient);
    this.wake(to);
    if (writer.pendingBytes > 0) this.stats.peakBacklog = Math.max(this.stats.peakBacklog, this.backlog());
  }

  /**
   * Writes what is queued, then hands arrived messages to `receive`: up to `budget` bytes from each
   * peer, so that a worker handles what it decoded before decoding more. Returns whether anything moved.
   */
  poll(receive: (from: number, message: Uint8Array) => void, budget = Infinity): boolean {
    let moved = false;
    for (let w = 0; w < this.peers; w++) {
      const writer = this.writers[w];
      if (writer !== null && writer !== undefined && writer.hasPending && writer.flush()) {
        moved = true;
        this.wake(w);
      }
    }
    if (this.hasArrivals()) Atomics.add(this.signals, this.activity, 1);
    for (let w = 0; w < this.peers; w++) {
      const reader = this.readers[w];
      if (reader !== null && reader !== undefined && reader.drain((m) => receive(w, m), budget) > 0) {
        moved = true;
        if (reader.writerStuck()) this.wake(w);
      }
    }
    return moved;
  }

  /** Bytes queued for other workers that their rings could not take yet. */
  backlog(): number {
    let n = 0;
    for (const w of this.writers) if (w !== null) n += w.pendingBytes;
    return n;
  }

  /** Whether a peer has written something this worker has not read yet. */
  hasArrivals(): boolean {
    // Indexed, not for-of: the spin before parking calls this in a loop, and V8 threw this function's
    // compiled code away at the for-of, for want of type feedback there.
    const readers = this.readers;
    for (let w = 0; w < readers.length; w++) {
      const r = readers[w]!;
      if (r !== null && r.hasData()) return true;
    }
    return false;
  }

  /**
   * Sleeps until another worker writes to or reads from this worker's rings, or `timeoutMs` passes.
   * Returns false instead if the whole mesh is quiescent: nothing more can ever arrive.
   */
  park(timeoutMs: number): boolean {
    const asleep = this.asleepWord(this.index);
    Atomics.store(this.signals, asleep, ASLEEP);
    const seen = Atomics.load(this.signals, this.index);
    let live = true;
    if (!this.hasArrivals() && !this.aborted()) {
      if (this.quiescent()) live = false;
      else Atomics.wait(this.signals, this.index, seen, timeoutMs);
    }
    if (!this.finished) Atomics.store(this.signals, asleep, AWAKE);
    return live;
  }

  /**
   * Every worker is asleep (or finished) and every ring is empty, with no writer holding bytes back:
   * no worker can act again, since only arrivals make an idle worker act. A worker raises its flag only
   * after an idle step that broadcast what it held. The activity counter, bumped by every send and by
   * every poll that finds arrivals, must not move while this looks, so that a worker that woke and took
   * a message between the two looks is not missed.
   */
  private quiescent(): boolean {
    const before = Atomics.load(this.signals, this.activity);
    for (let w = 0; w < this.peers; w++) if (Atomics.load(this.signals, this.asleepWord(w)) === AWAKE) return false;
    for (const { to, ring } of this.everyRing) {
      // What waits for a finished worker will never be read (it saw its computation complete).
      if (Atomics.load(this.signals, this.asleepWord(to)) !== FINISHED && (ring.hasData() || ring.writerStuck())) return false;
    }
    return Atomics.load(this.signals, this.activity) === before;
  }

  /**
   * Waits until every worker has called this (each once): the start line, so that no worker's job
   * begins while another thread is still loading. Returns early if the mesh is aborted meanwhile.
   */
  arrive(): void {
    const word = this.startLine;
    if (Atomics.add(this.signals, word, 1) + 1 === this.peers) Atomics.notify(this.signals, word);
    for (;;) {
      const n = Atomics.load(this.signals, word);
      if (n >= this.peers || this.aborted()) return;
      Atomics.wait(this.signals, word, n, 10);
    }
  }

  /** This worker will not act again (its computation is complete): it counts as asleep from now on. */
  finish(): void {
    this.finished = true;
    Atomics.store(this.signals, this.asleepWord(this.index), FINISHED);
  }

  aborted(): boolean {
    return Atomics.load(this.signals, this.peers) !== 0;
  }

  abort(): void {
    abortMesh(this.memory);
  }

  /** Where worker `w`'s AWAKE / ASLEEP / FINISHED word is in `signals`. */
  private asleepWord(w: number): number {
    return this.peers + 1 + w;
  }

  /**
   * Bumps `to`'s wake counter, and wakes it if it sleeps. A worker about to sleep raises its flag before
   * it reads the counter and looks for arrivals, so either it sees this bump or this sees its flag.
   */
  private wake(to: number): void {
    Atomics.add(this.signals, to, 1);
    if (Atomics.load(this.signals, this.asleepWord(to)) === ASLEEP) Atomics.notify(this.signals, to);
  }
}
