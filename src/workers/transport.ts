/** Transport: how a Worker reaches its peers — declared here; ThreadTransport implements it over a Mesh. */
import { availableParallelism } from 'node:os';
import { describeShape, type GraphShape } from '../graph/logical.js';
import type { RemoteChannels } from '../graph/runtime.js';
import type { PointstampUpdate } from '../progress/change-batch.js';
import { BatchInbox, type ProgressExchange } from '../progress/exchange.js';
import type { Timestamp } from '../timestamps/timestamp.js';
import { decode, encodeData, encodeShape, ProgressEncoder, type WireMessage } from './codec.js';
import { WorkerError } from './errors.js';
import { Mesh, type LinkSlot, type MeshMemory, type RemoteLinks, type TrafficStats } from './mesh.js';

export interface Transport {
  readonly index: number;
  readonly peers: number;
  /**
   * The exchange and channels of dataflow `dataflow`, built with `shape` (every worker must build the
   * same: DATAFLOW_MISMATCH otherwise); its batches from other workers go to `deliver`.
   */
  attach(dataflow: number, shape: GraphShape, deliver: (edge: number, time: Timestamp, records: unknown[]) => void): { exchange: ProgressExchange; channels: RemoteChannels };
  /**
   * Lets go of dataflow `dataflow`, complete on this worker: nothing of it is in flight any more (a
   * message or progress batch in flight would hold a pointstamp, and its tracker has none), but a peer's
   * announcement of its shape may still come, and is dropped. A progress batch that comes all the same
   * (a peer that counts wrong) goes to `late` (see `setLate`); data, to a DATAFLOW_MISMATCH.
   */
  detach(dataflow: number): void;
  /** Where progress batches for a dataflow let go of go (the worker raises the error they make). */
  setLate(late: (dataflow: number, from: number, updates: readonly PointstampUpdate[]) => void): void;
  /** Moves queued and arrived messages. Returns whether anything moved. */
  poll(): boolean;
  /**
   * Waits (without spinning) until a peer sends something, or a short while passes. Returns false at
   * once if no worker can act again (every one idle, nothing in flight): waiting would be forever.
   */
  park(): boolean;
  /** Whether this worker's thread carries its own links (it must then wait with `parkAsync`). */
  readonly direct: boolean;
  /** `park` without blocking the thread: its event loop runs while it waits. */
  parkAsync(): Promise<boolean>;
  /**
   * Sends what links of this thread hold back; then, if they hold too much unsent, a promise to wait on
   * before the next step (else undefined).
   */
  congestion(): Promise<void> | undefined;
  /** This worker's computation is complete; it will not act again. */
  finish(): void;
  /** Throws ABORTED once another worker has failed. */
  checkAbort(): void;
  /**
   * How a sender held back by slow peers consumes what arrives meanwhile: `relieve` delivers queued
   * messages to vertices that are not in a callback, and returns whether it delivered any.
   */
  setRelief(relieve: () => boolean): void;
  stats(): TrafficStats;
}

/** Progress batches of one dataflow, FIFO per sender, applied whole. */
class MeshExchange implements ProgressExchange {
  readonly inbox = new BatchInbox();
  private readonly encoder = new ProgressEncoder();
  constructor(
    private readonly mesh: Mesh,
    private readonly dataflow: number,
  ) {}

  broadcast(updates: PointstampUpdate[]): void {
    if (updates.length === 0) return;
    const bytes = this.encoder.encode(this.dataflow, updates);
    this.mesh.broadcast(bytes, true, true);
    this.inbox.push(updates);
  }

  receive(): readonly (readonly PointstampUpdate[])[] {
    return this.inbox.take();
  }

  settled(): boolean {
    return this.inbox.isEmpty();
  }
}

/** Bytes that may wait for slow peers before a producer yields (on top of what the rings hold). */
export const BACKLOG_LIMIT = 8 << 20;
const PARK_MS = 50;
/**
 * Bytes read from each peer per poll. Records decoded in one go stay alive until the vertices run; a
 * bounded read keeps them young (a whole ring decoded at once made the garbage collector copy and
 * promote them, and doubled the time of an exchange).
 */
const POLL_BUDGET = 256 << 10;
/**
 * Polls of the rings before sleeping: some tens of microseconds. None when the process has more worker
 * threads than cores: a spinning thread then holds the core that the thread it waits for needs (karate,
 * PageRank on 3 threads of 2 cores: compute 65–74 ms spinning, 53–56 ms not; 5 alternating runs).
 */
const SPINS = 2000;

export class ThreadTransport implements Transport {
  readonly index: number;
  readonly peers: number;
  private readonly mesh: Mesh;
  private readonly exchanges: MeshExchange[] = [];
  private readonly delivers: ((edge: number, time: Timestamp, records: unknown[]) => void)[] = [];
  /** The shape of each dataflow as this worker built it. */
  private readonly shapes: GraphShape[] = [];
  /**
   * How many dataflows were attached (their numbers, from the worker's counter, are 0 to this − 1): one
   * below it whose exchange is gone was let go of (see `detach`). And where progress for those goes.
   */
  private attached = 0;
  private late: (dataflow: number, from: number, updates: readonly PointstampUpdate[]) => void = () => {};
  /**
   * Messages for dataflows this worker has not built yet, in arrival order: a peer that finished a
   * dataflow may already be sending for its next one. They are handed over once this worker builds it.
   */
  private early: { readonly from: number; readonly message: WireMessage }[] = [];
  /** A dataflow was built since the held-back messages were last looked at. */
  private built = false;
  private relieve: () => boolean = () => false;
  /** Polls before sleeping (see SPINS). */
  private readonly spins: number;
  private links: RemoteLinks | undefined;

  /** Worker `index` (global) of the computation, a thread of the process whose mesh `memory` is. */
  constructor(memory: MeshMemory, index: number) {
    this.mesh = new Mesh(memory, index);
    this.index = index;
    this.peers = memory.peers;
    this.spins = memory.workers > availableParallelism() ? 0 : SPINS;
  }

  attach(dataflow: number, shape: GraphShape, deliver: (edge: number, time: Timestamp, records: unknown[]) => void) {
    // Every peer learns this dataflow's shape before any of its data or progress (each ring is FIFO).
    const frame = encodeShape(dataflow, shape);
    this.mesh.broadcast(frame, true);
    this.shapes[dataflow] = shape;
    this.attached = Math.max(this.attached, dataflow + 1);
    const exchange = new MeshExchange(this.mesh, dataflow);
    this.exchanges[dataflow] = exchange;
    this.built = true;
    this.delivers[dataflow] = deliver;
    const channels: RemoteChannels = {
      send: (edge, worker, time, batch) => {
        this.mesh.send(worker, encodeData(dataflow, edge, time, batch), false);
        if (this.mesh.backlog() > BACKLOG_LIMIT) this.yieldToConsumers();
      },
    };
    return { exchange, channels };
  }

  setRelief(relieve: () => boolean): void {
    this.relieve = relieve;
  }

  /**
   * Backpressure: the sender waits, right inside its send, until the slow peers have taken enough. It
   * keeps reading its own rings meanwhile, so two workers sending to each other cannot block each
   * other, and hands what it read to the vertices that are not in a callback (see `setRelief`), so that
   * what arrives is consumed rather than piled up: two workers flooding each other stay within their
   * rings and backlogs. Arrivals for the vertex that is sending (or one below it in the call stack)
   * can only queue until it returns.
   */
  private yieldToConsumers(): void {
    while (this.mesh.backlog() > BACKLOG_LIMIT / 2) {
      const moved = this.poll();
      if (!this.relieve() && !moved) this.mesh.waitForRoom(1);
    }
  }

  poll(): boolean {
    this.checkAbort();
    let moved = false;
    if (this.built && this.early.length > 0) moved = this.handOverEarly();
    this.built = false;
    return this.mesh.poll((from, bytes, own) => this.receive(from, decode(bytes, own)), POLL_BUDGET) || moved;
  }

  detach(dataflow: number): void {
    delete this.exchanges[dataflow];
    delete this.delivers[dataflow];
    delete this.shapes[dataflow];
  }

  setLate(late: (dataflow: number, from: number, updates: readonly PointstampUpdate[]) => void): void {
    this.late = late;
  }

  private receive(from: number, m: WireMessage): void {
    if (m.dataflow < this.attached && this.exchanges[m.dataflow] === undefined) {
      if (m.kind === 'shape') return;
      if (m.kind === 'progress') return this.late(m.dataflow, from, m.updates);
      throw new WorkerError('DATAFLOW_MISMATCH', `worker ${from} sent data for dataflow ${m.dataflow}, which is complete on worker ${this.index}: the workers disagree on the dataflow`, {
        worker: this.index,
        from,
        dataflow: m.dataflow,
      });
    }
    if (this.exchanges[m.dataflow] === undefined) {
      this.early.push({ from, message: m });
      return;
    }
    if (m.kind === 'data') this.delivers[m.dataflow]!(m.edge, m.time, m.records);
    else if (m.kind === 'progress') this.exchanges[m.dataflow]!.inbox.push(m.updates);
    else this.checkShape(from, m.dataflow, m.shape);
  }

  /** DATAFLOW_MISMATCH if worker `from` built dataflow `dataflow` otherwise than this worker did. */
  private checkShape(from: number, dataflow: number, theirs: GraphShape): void {
    const mine = this.shapes[dataflow]!;
    if (mine.hash === theirs.hash && mine.name === theirs.name && mine.stages === theirs.stages && mine.edges === theirs.edges) return;
    throw new WorkerError(
      'DATAFLOW_MISMATCH',
      `worker ${from} built dataflow ${dataflow} as ${describeShape(theirs)}, worker ${this.index} as ${describeShape(mine)}: ` +
        'every worker must build the same dataflows, in the same order (build them the same way on every worker, whatever its index)',
      { worker: this.index, from, dataflow },
    );
  }

  /**
   * Hands over the held-back messages of dataflows built since, before anything newer arrives for them
   * (so each sender's messages to a dataflow keep their order); the rest stay held.
   */
  private handOverEarly(): boolean {
    const held = this.early;
    this.early = [];
    for (const e of held) this.receive(e.from, e.message);
    return this.early.length < held.length;
  }

  /** Spins on the rings for a few microseconds (a peer's answer often comes that fast), then sleeps. */
  park(): boolean {
    if (spinForArrivals(this.mesh, this.spins)) return true;
    const live = this.mesh.park(PARK_MS);
    this.checkAbort();
    return live;
  }

  /** What `makeLinks` needs, when this worker's mesh wants direct links to other processes. */
  linkSlot(): LinkSlot | undefined {
    return this.mesh.linkSlot();
  }

  /** Sends to other processes' workers over `links` from now on (see `Mesh.setLinks`). */
  setLinks(links: RemoteLinks): void {
    this.links = links;
    this.mesh.setLinks(links);
  }

  /** Whether this worker's links are carried by its own thread: it must then wait with `parkAsync`. */
  get direct(): boolean {
    return this.links !== undefined;
  }

  congestion(): Promise<void> | undefined {
    const links = this.links;
    if (links === undefined) return undefined;
    links.flush();
    if (links.backlog() <= BACKLOG_LIMIT) return undefined;
    return links.drained(BACKLOG_LIMIT / 2).then(() => this.checkAbort());
  }

  /** `finish`, then what the links still hold is written and every peer told this worker is done. */
  async finishAsync(): Promise<void> {
    this.finish();
    await this.links?.close();
  }

  async parkAsync(): Promise<boolean> {
    // A spin sees only the rings: what the links bring comes with the event loop, which waiting lets run.
    if (this.links === undefined && spinForArrivals(this.mesh, this.spins)) return true;
    const live = await this.mesh.parkAsync(PARK_MS);
    this.checkAbort();
    return live;
  }

  /** Waits for every worker to be ready to start its job (see `Mesh.arrive`); throws ABORTED if one failed first. */
  ready(): void {
    this.mesh.arrive();
    this.checkAbort();
  }

  /** Throws DATAFLOW_MISMATCH if a peer sent (or is sending) for a dataflow this worker never built. */
  finish(): void {
    this.poll();
    const stray = this.early[0];
    if (stray !== undefined) {
      const { from, message } = stray;
      throw new WorkerError(
        'DATAFLOW_MISMATCH',
        `worker ${from} ${message.kind === 'shape' ? 'built' : `sent ${message.kind} for`} dataflow ${message.dataflow}, which worker ${this.index} never built: ` +
          'every worker must build the same dataflows, in the same order',
        { worker: this.index, from, dataflow: message.dataflow },
      );
    }
    // What this worker sent last (its final progress, say) may still wait for room in a ring: it must
    // reach its peers before this thread stops. What arrives meanwhile is dropped: this worker is done.
    while (this.mesh.backlog() > 0) {
      this.checkAbort();
      if (!this.mesh.poll(() => {})) this.mesh.waitForRoom(1);
    }
    this.mesh.finish();
  }

  checkAbort(): void {
    if (this.mesh.aborted()) throw new WorkerError('ABORTED', `worker ${this.index} stopped because another worker failed`, { worker: this.index });
  }

  stats(): TrafficStats {
    return { ...this.mesh.stats };
  }

  /** Tells every worker to stop (this one has failed). */
  abort(): void {
    this.mesh.abort();
  }
}

/**
 * Whether something arrives within `spins` looks. A loop alone in its function: V8 compiles a hot loop
 * in place, and code after it that has not run yet would throw the compiled loop away on every call.
 */
function spinForArrivals(mesh: Mesh, spins: number): boolean {
  for (let i = 0; i < spins; i++) if (mesh.hasArrivals()) return true;
  return false;
}
