/** Mesh: the shared memory joining N worker threads — a ring per ordered pair, a wake word per worker, an abort flag. */
import { WorkerError } from './errors.js';
import { allocateRing, RingReader, RingWriter, ROUTE_HEADER, routeOf, type RingMemory } from './ring.js';

export interface MeshMemory {
  /** Workers in the whole computation (every process's). */
  readonly peers: number;
  /** Worker threads of this process: global workers `first .. first + workers - 1`. */
  readonly workers: number;
  readonly first: number;
  /**
   * Members of this mesh: the worker threads, then, when the computation spans processes, the gateway
   * (member `workers`): the thread that carries messages to and from workers of other processes.
   */
  readonly members: number;
  /** rings[from][to] between members, null on the diagonal. */
  readonly rings: readonly (readonly (RingMemory | null)[])[];
  /** Int32 words: one wake counter per member, the abort flag, one "asleep" flag per member, an activity counter, the count of members ready to start. */
  readonly signals: SharedArrayBuffer;
  /** With direct links (each worker thread carries its own links to the workers of other processes): their shared words. */
  readonly links?: LinkMemory;
}

/**
 * What a process's threads share about their direct links: Int32 `words` — the flag that every port is
 * known, the worker whose link was lost (+1, 0 if none), then each worker's listening port by global
 * index — and BigInt64 `counts`: messages each local worker sent over its links and took from them.
 */
export interface LinkMemory {
  readonly words: SharedArrayBuffer;
  readonly counts: SharedArrayBuffer;
}

const LINKS_READY = 0;
const LINK_LOST = 1;
const FIRST_PORT = 2;

/**
 * A worker's links to the workers of other processes, carried by its own thread (the net layer makes
 * them: see its worker links). Messages to each peer arrive in the order they were sent.
 */
export interface RemoteLinks {
  /**
   * Queues `message` for worker `to` (a global index in another process); the caller may reuse `message`
   * afterwards. Returns false if the message was dropped: that worker said it is done (it reads nothing
   * more), or its link broke.
   */
  send(to: number, message: Uint8Array): boolean;
  /** Hands what arrived to `receive`, with its sender's global index, up to about `budget` bytes. Returns how many messages. */
  poll(receive: (from: number, message: Uint8Array) => void, budget: number): number;
  /** Whether something arrived that `poll` has not handed over. */
  hasArrivals(): boolean;
  /**
   * Writes what `send` held back since the last flush: a busy worker's messages to one peer leave
   * together, when it is about to wait or yield, or once they are many bytes.
   */
  flush(): void;
  /** Bytes queued on the links and not yet written to their sockets. */
  backlog(): number;
  /** Resolves once the backlog is at most `bytes`, or the links are broken. */
  drained(bytes: number): Promise<void>;
  /** Writes what is queued, tells every peer this worker is done, and closes the links. */
  close(): Promise<void>;
}

/** What the net layer's link maker gets from a worker thread: where it stands, and how to reach the launcher. */
export interface LinkSlot {
  readonly index: number;
  readonly peers: number;
  /** This process's workers: global `first .. first + workers - 1`. */
  readonly first: number;
  readonly workers: number;
  /** Tells the launcher the port this worker listens on. */
  publishPort(port: number): void;
  /** Every worker's port by global index, once the launcher has them all (this process's and the others'). */
  ports(): Promise<number[]>;
  /**
   * A message arrived on a link (counted for quiescence as it arrives): called on the worker's thread,
   * before the message can be polled. The worker counts as awake from then until it parks again.
   */
  arrived(): void;
  /** `n` messages this worker counted as sent will never be taken: their receiver is done. */
  unsent(n: number): void;
  /** Wakes this worker (something arrived on a link). */
  wake(): void;
  /** The link to worker `peer` broke before it said it was done: the launcher decides what failed. */
  lost(peer: number): void;
}

/** The link memory of a computation of `peers` workers, `workers` of them in this process. */
function allocateLinks(peers: number, workers: number): LinkMemory {
  return { words: new SharedArrayBuffer(4 * (FIRST_PORT + peers)), counts: new SharedArrayBuffer(16 * workers) };
}

/** Where this process's workers sit among all of a computation's: `workers` threads from global index `first`, of `peers`. */
export interface MeshPlace {
  readonly peers: number;
  readonly first: number;
  /** Each worker thread carries its own links to the other processes' workers (see `RemoteLinks`). */
  readonly direct?: boolean;
}

/**
 * The shared memory of `workers` threads. With `place` naming more workers than these (other processes'),
 * the mesh gets a gateway member too (see `GatewayPort`).
 */
export function allocateMesh(workers: number, ringBytes: number, place: MeshPlace = { peers: workers, first: 0 }): MeshMemory {
  const members = place.peers > workers ? workers + 1 : workers;
  const direct = place.direct === true && members > workers;
  // With direct links the gateway carries no data: its rings are token-sized.
  const ring = (from: number, to: number) => (from === to ? null : allocateRing(direct && (from === workers || to === workers) ? 64 : ringBytes));
  const rings = Array.from({ length: members }, (_, from) => Array.from({ length: members }, (_, to) => ring(from, to)));
  const memory = { peers: place.peers, workers, first: place.first, members, rings, signals: new SharedArrayBuffer(4 * (2 * members + 3)) };
  return direct ? { ...memory, links: allocateLinks(place.peers, workers) } : memory;
}

/** Sets the abort flag and wakes every member (used by the launcher and by a failing worker). */
export function abortMesh(memory: MeshMemory): void {
  const signals = new Int32Array(memory.signals);
  Atomics.store(signals, memory.members, 1);
  for (let m = 0; m < memory.members; m++) {
    Atomics.add(signals, m, 1);
    Atomics.notify(signals, m);
  }
}

/**
 * Messages between a worker and the gateway carry a route header (see `RingWriter.writeRouted`): toward
 * the gateway, the global index of the worker they are for, or BROADCAST for every worker of every other
 * process; from the gateway, the global index of the worker that sent them.
 */
export const BROADCAST = 0xffffffff;

/**
 * What `lieDown` says instead of a wake counter's value (an Int32, which may wrap to any value: these
 * lie outside its range): go on at once, or nothing can ever arrive.
 */
const NO_WAIT = 2 ** 32;
const QUIET = 2 ** 32 + 1;

/** States of a member's "asleep" word. */
const AWAKE = 0;
const ASLEEP = 1;
const FINISHED = 2;

/** Traffic counters, by kind of message. */
export interface TrafficStats {
  /** Messages and bytes sent to other workers, in this process or another. */
  dataMessages: number;
  dataBytes: number;
  progressMessages: number;
  progressBytes: number;
  /**
   * Of those, the bytes handed to the network for workers of other processes (zero in one process). A
   * progress batch for every other process counts once here, however many workers they have.
   */
  networkDataBytes: number;
  networkProgressBytes: number;
  /** The most bytes ever waiting for room in the rings to other workers. */
  peakBacklog: number;
}

/** The words of a mesh's `signals` and what every member does with them. */
class Signals {
  readonly memory: MeshMemory;
  readonly words: Int32Array;
  readonly members: number;
  /** Where the activity counter and the count of members at the start line are. */
  readonly activity: number;
  readonly startLine: number;

  constructor(memory: MeshMemory) {
    this.memory = memory;
    this.words = new Int32Array(memory.signals);
    this.members = memory.members;
    this.activity = 2 * this.members + 1;
    this.startLine = 2 * this.members + 2;
  }

  /** Where member `m`'s AWAKE / ASLEEP / FINISHED word is. */
  asleepWord(m: number): number {
    return this.members + 1 + m;
  }

  bumpActivity(): void {
    Atomics.add(this.words, this.activity, 1);
  }

  /**
   * Bumps `to`'s wake counter, and wakes it if it sleeps. A worker about to sleep raises its flag before
   * it reads the counter and looks for arrivals, so either it sees this bump or this sees its flag. The
   * gateway is always notified: it waits asynchronously, with no flag of its own (see `GatewayPort`);
   * so is a worker woken by its own links (`always`), whose flag their arrival has already lowered.
   */
  wake(to: number, always = false): void {
    Atomics.add(this.words, to, 1);
    if (always || to === this.memory.workers || Atomics.load(this.words, this.asleepWord(to)) === ASLEEP) Atomics.notify(this.words, to);
  }

  aborted(): boolean {
    return Atomics.load(this.words, this.members) !== 0;
  }

  /** Counts `m` at the start line, and wakes those who wait there once every member is. */
  arrive(): void {
    if (Atomics.add(this.words, this.startLine, 1) + 1 === this.members) Atomics.notify(this.words, this.startLine);
  }

  /**
   * Every member asleep (or finished) and every ring empty, with no writer holding bytes back: no worker
   * of this process can act again, since only arrivals make an idle worker act. A worker raises its
   * flag only after an idle step that broadcast what it held. The activity counter, bumped by every send
   * and by every poll that finds arrivals, must not move while this looks, so that a worker that woke
   * and took a message between the two looks is not missed. `everyRing` lists each ring and the member
   * it leads to. Returns the activity counter's value when quiet, or -1.
   */
  quiet(everyRing: readonly { readonly to: number; readonly ring: RingReader }[], members: number): number {
    const before = Atomics.load(this.words, this.activity);
    for (let m = 0; m < members; m++) if (Atomics.load(this.words, this.asleepWord(m)) === AWAKE) return -1;
    for (const { to, ring } of everyRing) {
      // What waits for a finished worker will never be read (it saw its computation complete).
      if (Atomics.load(this.words, this.asleepWord(to)) !== FINISHED && (ring.hasData() || ring.writerStuck())) return -1;
    }
    const after = Atomics.load(this.words, this.activity);
    return after === before ? after : -1;
  }
}

function everyRingOf(memory: MeshMemory): { readonly to: number; readonly ring: RingReader }[] {
  return memory.rings.flatMap((row) => row.flatMap((r, to) => (r === null ? [] : [{ to, ring: new RingReader(r) }])));
}

/** One worker's end of the mesh. Workers are named by their global index; those of other processes are reached through the gateway. */
export class Mesh {
  /** This worker's global index, and the number of workers in the computation. */
  readonly index: number;
  readonly peers: number;
  readonly stats: TrafficStats = { dataMessages: 0, dataBytes: 0, progressMessages: 0, progressBytes: 0, networkDataBytes: 0, networkProgressBytes: 0, peakBacklog: 0 };
  private readonly signals: Signals;
  private readonly words: Int32Array;
  /** This worker's member number, the local workers' first global index and their count. */
  private readonly member: number;
  private readonly first: number;
  private readonly workers: number;
  /** Writers and readers by member (the gateway's last, when there is one). */
  private readonly writers: (RingWriter | null)[];
  private readonly readers: (RingReader | null)[];
  private readonly gateway: number;
  /** Every ring of the mesh and the member it leads to, to look at (never to read from): quiescence needs them empty. */
  private readonly everyRing: { readonly to: number; readonly ring: RingReader }[];
  private finished = false;
  /** The direct links to other processes' workers, once made (see `setLinks`). */
  private links: RemoteLinks | undefined;
  private linkCounts: BigInt64Array | undefined;
  private linkSent = 0;
  private linkReceived = 0;
  /** While a lone worker with direct links waits in `parkAsync`: ends the wait (see `linkSlot().wake`). */
  private wakeHere: (() => void) | undefined;
  /** Global indexes of the workers of other processes. */
  private readonly remote: number[] = [];

  /** Worker `index` (global) of the computation, a thread of the process whose mesh `memory` is. */
  constructor(memory: MeshMemory, index: number) {
    this.signals = new Signals(memory);
    this.words = this.signals.words;
    this.index = index;
    this.peers = memory.peers;
    this.first = memory.first;
    this.workers = memory.workers;
    this.member = index - memory.first;
    if (this.member < 0 || this.member >= memory.workers) throw new RangeError(`worker ${index} is not one of this mesh's (${memory.first} to ${memory.first + memory.workers - 1})`);
    this.gateway = memory.members > memory.workers ? memory.workers : -1;
    this.writers = memory.rings[this.member]!.map((r) => (r === null ? null : new RingWriter(r)));
    this.readers = memory.rings.map((row) => (row[this.member] === null ? null : new RingReader(row[this.member]!)));
    this.everyRing = everyRingOf(memory);
    for (let w = 0; w < memory.peers; w++) if (w < memory.first || w >= memory.first + memory.workers) this.remote.push(w);
  }

  /** Whether this worker's mesh wants direct links (see `MeshPlace.direct`) and what they must know. */
  linkSlot(): LinkSlot | undefined {
    const memory = this.signals.memory.links;
    if (memory === undefined) return undefined;
    const words = new Int32Array(memory.words);
    // Counted from the slot's making: a peer quick to start may send before this worker has all its links.
    this.linkCounts = new BigInt64Array(memory.counts, 16 * this.member, 2);
    return {
      index: this.index,
      peers: this.peers,
      first: this.first,
      workers: this.workers,
      publishPort: (port) => {
        Atomics.store(words, FIRST_PORT + this.index, port);
        this.signals.wake(this.gateway);
      },
      ports: async () => {
        for (;;) {
          if (Atomics.load(words, LINKS_READY) !== 0 || this.aborted()) break;
          const waited = Atomics.waitAsync(words, LINKS_READY, 0, 50);
          const keepAlive = setTimeout(() => {}, 51);
          if (waited.async) await waited.value;
          clearTimeout(keepAlive);
        }
        return Array.from(words.subarray(FIRST_PORT, FIRST_PORT + this.peers));
      },
      wake: () => {
        const here = this.wakeHere;
        if (here !== undefined) here();
        else if (this.workers > 1) this.signals.wake(this.member, true);
        // Else this lone worker is busy: it polls its links at its next step.
      },
      arrived: () => {
        // Counted as arrived, the message is no longer in flight for the gateway's waves: until this
        // worker has taken it, it must count as awake, or its process could look idle (and the
        // whole computation quiescent) while the message waits to be read. The link's handler runs
        // on this worker's thread while it waits in parkAsync, with its flag raised: lowered here,
        // before the count moves (a finished worker's flag stays).
        Atomics.compareExchange(this.words, this.signals.asleepWord(this.member), ASLEEP, AWAKE);
        this.signals.bumpActivity();
        Atomics.store(this.linkCounts!, 1, BigInt(++this.linkReceived));
      },
      unsent: (n) => {
        if (n === 0) return;
        this.signals.bumpActivity();
        Atomics.store(this.linkCounts!, 0, BigInt((this.linkSent -= n)));
      },
      lost: (peer) => {
        Atomics.compareExchange(words, LINK_LOST, 0, peer + 1);
        this.signals.wake(this.gateway);
      },
    };
  }

  /** From now on, messages for other processes' workers go over `links`, and what they bring is polled with the rings. */
  setLinks(links: RemoteLinks): void {
    if (this.linkCounts === undefined) throw new RangeError('setLinks needs the links made through this mesh\'s linkSlot()');
    this.links = links;
  }

  /** Queues a message for worker `to` (global index) and wakes it. With `transient`, the caller reuses `message` afterwards. */
  send(to: number, message: Uint8Array, progress: boolean, transient = false): void {
    const local = to - this.first;
    if (local >= 0 && local < this.workers) this.sendTo(local, message, progress, transient);
    else if (this.links !== undefined) this.sendOnLink(to, message, progress);
    else this.sendTo(this.gateway, message, progress, transient, to);
  }

  /** Queues a message for every other worker: one copy per local worker, and one for the gateway to carry to every other process (or one per worker there, over direct links). */
  broadcast(message: Uint8Array, progress: boolean, transient = false): void {
    for (let m = 0; m < this.workers; m++) if (m !== this.member) this.sendTo(m, message, progress, transient);
    if (this.links !== undefined) for (const to of this.remote) this.sendOnLink(to, message, progress);
    else if (this.gateway >= 0) this.sendTo(this.gateway, message, progress, transient, BROADCAST);
  }

  private sendOnLink(to: number, message: Uint8Array, progress: boolean): void {
    const stats = this.stats;
    if (progress) {
      stats.progressMessages++;
      stats.progressBytes += message.length;
      stats.networkProgressBytes += message.length;
    } else {
      stats.dataMessages++;
      stats.dataBytes += message.length;
      stats.networkDataBytes += message.length;
    }
    this.signals.bumpActivity();
    // Counted for quiescence only if it goes: a peer that is done will not count it as arrived.
    if (this.links!.send(to, message)) Atomics.store(this.linkCounts!, 0, BigInt(++this.linkSent));
  }

  /** Queues `message` for `member`; for the gateway, with `route` (the worker it is for, or BROADCAST) in front. */
  private sendTo(member: number, message: Uint8Array, progress: boolean, transient: boolean, route = -1): void {
    const stats = this.stats;
    if (progress) {
      stats.progressMessages++;
      stats.progressBytes += message.length;
      if (route !== -1) stats.networkProgressBytes += message.length;
    } else {
      stats.dataMessages++;
      stats.dataBytes += message.length;
      if (route !== -1) stats.networkDataBytes += message.length;
    }
    const writer = this.writers[member]!;
    this.signals.bumpActivity();
    if (route === -1) writer.write(message, transient);
    else writer.writeRouted(route, message);
    this.signals.wake(member);
    if (writer.pendingBytes > 0) stats.peakBacklog = Math.max(stats.peakBacklog, this.backlog());
  }

  /**
   * Writes what is queued, then hands arrived messages to `receive` with their sender's global index:
   * up to `budget` bytes from each member, so that a worker handles what it decoded before decoding
   * more. `own` is true for a message in memory of its own, which `receive` may keep (see
   * `RingReader.drain`); links never say so. Returns whether anything moved.
   */
  poll(receive: (from: number, message: Uint8Array, own?: boolean) => void, budget = Infinity): boolean {
    let moved = false;
    const writers = this.writers;
    for (let m = 0; m < writers.length; m++) {
      const writer = writers[m];
      if (writer !== null && writer !== undefined && writer.hasPending && writer.flush()) {
        moved = true;
        this.signals.wake(m);
      }
    }
    if (this.hasArrivals()) this.signals.bumpActivity();
    const readers = this.readers;
    for (let m = 0; m < readers.length; m++) {
      const reader = readers[m];
      if (reader === null || reader === undefined) continue;
      if (m === this.gateway) reader.drain((bytes, own) => receive(routeOf(bytes), bytes.subarray(ROUTE_HEADER), own), budget);
      else reader.drain((bytes, own) => receive(this.first + m, bytes, own), budget);
      // Frames taken, whole messages or not (those of a long message make room before it is whole):
      // the writer may be waiting for that room.
      if (reader.framesTaken > 0) {
        moved = true;
        if (reader.writerStuck()) this.signals.wake(m);
      }
    }
    const links = this.links;
    if (links !== undefined && links.hasArrivals() && links.poll(receive, budget) > 0) moved = true;
    return moved;
  }

  /** Bytes queued for other members that their rings could not take yet. */
  backlog(): number {
    let n = 0;
    for (const w of this.writers) if (w !== null) n += w.pendingBytes;
    return n;
  }

  /** Whether a member has written something this worker has not read yet. */
  hasArrivals(): boolean {
    // Indexed, not for-of: the spin before parking calls this in a loop, and V8 threw this function's
    // compiled code away at the for-of, for want of type feedback there.
    const readers = this.readers;
    for (let m = 0; m < readers.length; m++) {
      const r = readers[m]!;
      if (r !== null && r.hasData()) return true;
    }
    return this.links !== undefined && this.links.hasArrivals();
  }

  /**
   * Sleeps until another member writes to or reads from this worker's rings, or `timeoutMs` passes.
   * Returns false instead if the whole mesh is quiescent: nothing more can ever arrive. With a gateway,
   * that is so only once the gateway has found every process quiescent (see `GatewayPort.quiesce`).
   */
  park(timeoutMs: number): boolean {
    if (this.links !== undefined) {
      throw new WorkerError(
        'INVALID_OPTION',
        `worker ${this.index} reaches the other processes over links its own thread carries (direct links), so it cannot block that thread to wait: ` +
          'wait with await worker.runAsync() or await worker.stepUntilAsync(…), not run() or stepUntil(…)',
        { worker: this.index },
      );
    }
    return this.waitHere(timeoutMs);
  }

  /** Blocks until a local member writes to or reads from this worker's rings, or `timeoutMs` passes (direct links or not: for room in a ring). */
  waitForRoom(timeoutMs: number): void {
    this.waitHere(timeoutMs);
  }

  private waitHere(timeoutMs: number): boolean {
    const seen = this.lieDown();
    if (seen < NO_WAIT) Atomics.wait(this.words, this.member, seen, timeoutMs);
    this.getUp();
    return seen !== QUIET;
  }

  /** `park` that waits with `Atomics.waitAsync`: the thread's event loop runs meanwhile. */
  async parkAsync(timeoutMs: number): Promise<boolean> {
    this.links?.flush();
    // While its links still hold bytes to write, this worker counts as awake: what it sent is not yet
    // on its way, and quiescence (or a stall) must not be judged meanwhile.
    const seen = this.lieDown(this.links !== undefined && this.links.backlog() > 0);
    if (seen < NO_WAIT && this.links !== undefined && this.workers === 1) {
      // A lone worker of its process hears only its links, on this thread: their arrival ends the
      // wait at once (a resolved promise, no cross-thread wake). The gateway's word (quiescence, an
      // abort) is looked at again after timeoutMs.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.wakeHere = undefined;
          resolve();
        }, timeoutMs);
        this.wakeHere = () => {
          this.wakeHere = undefined;
          clearTimeout(timer);
          resolve();
        };
      });
    } else if (seen < NO_WAIT) {
      const waited = Atomics.waitAsync(this.words, this.member, seen, timeoutMs);
      if (waited.async) {
        // A pending waitAsync does not keep the event loop alive: without a timer the thread would end here.
        const keepAlive = setTimeout(() => {}, timeoutMs + 1);
        await waited.value;
        clearTimeout(keepAlive);
      }
    }
    this.getUp();
    return seen !== QUIET;
  }

  /**
   * The first half of parking: raises this worker's "asleep" flag (unless `stayAwake`), then reads its wake counter and looks
   * for arrivals (in that order, so that a sender either sees the flag or is seen: see `Signals.wake`).
   * Returns the counter's value to wait on, NO_WAIT if something arrived (or the mesh was aborted), or
   * QUIET if nothing can ever arrive.
   */
  private lieDown(stayAwake = false): number {
    if (!stayAwake) Atomics.store(this.words, this.signals.asleepWord(this.member), ASLEEP);
    const seen = Atomics.load(this.words, this.member);
    if (this.hasArrivals() || this.aborted()) return NO_WAIT;
    return this.signals.quiet(this.everyRing, this.signals.members) >= 0 ? QUIET : seen;
  }

  /** The second half: lowers the flag again, unless this worker has finished. */
  private getUp(): void {
    if (!this.finished) Atomics.store(this.words, this.signals.asleepWord(this.member), AWAKE);
  }

  /**
   * Waits until every member has called this (each once): the start line, so that no worker's job
   * begins while another thread is still loading (or, with a gateway, before every process is
   * connected). Returns early if the mesh is aborted meanwhile.
   */
  arrive(): void {
    this.signals.arrive();
    const word = this.signals.startLine;
    for (;;) {
      const n = Atomics.load(this.words, word);
      if (n >= this.signals.members || this.aborted()) return;
      Atomics.wait(this.words, word, n, 10);
    }
  }

  /** This worker will not act again (its computation is complete): it counts as asleep from now on. */
  finish(): void {
    this.finished = true;
    Atomics.store(this.words, this.signals.asleepWord(this.member), FINISHED);
  }

  aborted(): boolean {
    return this.signals.aborted();
  }

  abort(): void {
    abortMesh(this.signals.memory);
  }
}

/** A message a worker handed to the gateway: its route (a global worker index, or BROADCAST), its sender, its bytes. */
export type Outgoing = (route: number, from: number, message: Uint8Array) => void;

/**
 * The gateway's end of a mesh, for the thread that carries messages between this process's workers and
 * other processes (it runs an event loop, so it never blocks: it waits with `Atomics.waitAsync`).
 * The gateway counts as awake until `quiesce`: only it can tell that no other process can act either.
 */
export class GatewayPort {
  readonly workers: number;
  readonly first: number;
  readonly peers: number;
  private readonly signals: Signals;
  private readonly words: Int32Array;
  private readonly member: number;
  private readonly writers: RingWriter[];
  private readonly readers: RingReader[];
  private readonly everyRing: { readonly to: number; readonly ring: RingReader }[];
  private arrived = false;

  constructor(memory: MeshMemory) {
    if (memory.members === memory.workers) throw new RangeError('this mesh has no gateway: its workers are the whole computation');
    this.signals = new Signals(memory);
    this.words = this.signals.words;
    this.workers = memory.workers;
    this.first = memory.first;
    this.peers = memory.peers;
    this.member = memory.workers;
    this.writers = memory.rings[this.member]!.slice(0, this.workers).map((r) => new RingWriter(r!));
    this.readers = memory.rings.slice(0, this.workers).map((row) => new RingReader(row[this.member]!));
    this.everyRing = everyRingOf(memory);
  }

  /**
   * Hands what the workers wrote for other processes to `out`, up to `budget` bytes from each worker.
   * The message bytes may be a view of a ring, valid only until `out` returns. Returns how many messages.
   */
  drain(out: Outgoing, budget = Infinity): number {
    let n = 0;
    for (let w = 0; w < this.workers; w++) {
      const reader = this.readers[w]!;
      const from = this.first + w;
      const got = reader.drain((bytes) => out(routeOf(bytes), from, bytes.subarray(ROUTE_HEADER)), budget);
      n += got;
      // Frames of a long message make room before it is whole: the worker may be waiting for it.
      if (reader.framesTaken > 0 && reader.writerStuck()) this.signals.wake(w);
    }
    return n;
  }

  /** Queues a message from worker `from` (of another process) for local worker `to` (global index), and wakes it. */
  deliver(to: number, from: number, message: Uint8Array): void {
    const w = to - this.first;
    this.signals.bumpActivity();
    this.writers[w]!.writeRouted(from, message);
    this.signals.wake(w);
  }

  /** Writes what the rings could not take before. Returns whether anything moved. */
  flush(): boolean {
    let moved = false;
    for (let w = 0; w < this.workers; w++) {
      const writer = this.writers[w]!;
      if (writer.hasPending && writer.flush()) {
        moved = true;
        this.signals.wake(w);
      }
    }
    return moved;
  }

  /** Bytes waiting for room in the rings to this process's workers. */
  pendingBytes(): number {
    let n = 0;
    for (const w of this.writers) n += w.pendingBytes;
    return n;
  }

  /** Resolves when a worker writes to the gateway or reads from it, or `timeoutMs` passes. */
  async waitForWorkers(timeoutMs: number): Promise<void> {
    const seen = Atomics.load(this.words, this.member);
    if (this.readers.some((r) => r.hasData())) return;
    const waited = Atomics.waitAsync(this.words, this.member, seen, timeoutMs);
    if (waited.async) await waited.value;
  }

  /** With direct links: the ports this process's workers listen on, by local index, once every one has said (else undefined). */
  localPorts(): number[] | undefined {
    const words = this.linkWords();
    const ports = Array.from(words.subarray(FIRST_PORT + this.first, FIRST_PORT + this.first + this.workers));
    return ports.every((p) => p > 0) ? ports : undefined;
  }

  /** With direct links: the ports of another process's workers, global `first ..`. */
  setPorts(first: number, ports: readonly number[]): void {
    const words = this.linkWords();
    if (first < 0 || first + ports.length > this.peers) throw new RangeError(`ports for workers ${first}.. do not fit a computation of ${this.peers}`);
    for (let i = 0; i < ports.length; i++) Atomics.store(words, FIRST_PORT + first + i, ports[i]!);
  }

  /** With direct links: every worker's port is known; the workers may connect. */
  openLinks(): void {
    const words = this.linkWords();
    Atomics.store(words, LINKS_READY, 1);
    Atomics.notify(words, LINKS_READY);
  }

  /** With direct links: the worker (global index) whose link broke before it said it was done, or -1. */
  lostLink(): number {
    const memory = this.signals.memory.links;
    return memory === undefined ? -1 : Atomics.load(new Int32Array(memory.words), LINK_LOST) - 1;
  }

  /** With direct links: messages this process's workers sent over their links, and took from them. */
  linkCounts(): { sent: number; received: number } {
    const memory = this.signals.memory.links;
    if (memory === undefined) return { sent: 0, received: 0 };
    const counts = new BigInt64Array(memory.counts);
    let sent = 0;
    let received = 0;
    for (let w = 0; w < this.workers; w++) {
      sent += Number(Atomics.load(counts, 2 * w));
      received += Number(Atomics.load(counts, 2 * w + 1));
    }
    return { sent, received };
  }

  private linkWords(): Int32Array {
    const memory = this.signals.memory.links;
    if (memory === undefined) throw new RangeError('this mesh has no direct links');
    return new Int32Array(memory.words);
  }

  /** Every worker of this process is connected to its peers: they may start (see `Mesh.arrive`). */
  arrive(): void {
    if (this.arrived) return;
    this.arrived = true;
    this.signals.arrive();
  }

  /**
   * Whether no worker of this process can act, with nothing in its rings: the activity counter's value
   * then (it moves with every message), or -1. The gateway's own queues must be looked at apart.
   */
  quiet(): number {
    if (this.pendingBytes() > 0) return -1;
    return this.signals.quiet(this.everyRing, this.workers);
  }

  /** Every worker has finished its computation. */
  finished(): boolean {
    for (let w = 0; w < this.workers; w++) if (Atomics.load(this.words, this.signals.asleepWord(w)) !== FINISHED) return false;
    return true;
  }

  /**
   * No worker of any process can act again: the gateway counts as asleep from now on, and wakes the
   * workers, which then find the mesh quiescent and stop (STALLED, or NEGATIVE_COUNT).
   */
  quiesce(): void {
    Atomics.store(this.words, this.signals.asleepWord(this.member), ASLEEP);
    for (let w = 0; w < this.workers; w++) {
      Atomics.add(this.words, w, 1);
      Atomics.notify(this.words, w);
    }
  }

  aborted(): boolean {
    return this.signals.aborted();
  }

  abort(): void {
    abortMesh(this.signals.memory);
  }
}
