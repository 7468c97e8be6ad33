/**
 * Gateway: the thread (the process's main thread) that carries messages between this process's workers
 * and the other processes — one link per process, batches in both directions with bounded buffers at
 * each hop, heartbeats, quiescence across processes, and the end of a computation (results and "done").
 */
import type { WebSocket, RawData } from 'ws';
import { revive, type ErrorRecord } from '../workers/errors.js';
import { BROADCAST, type GatewayPort } from '../workers/mesh.js';
import { NetError } from './errors.js';
import { DataBatch, decodeFrame, encodeControl, type Control, type FrameContext, type ResultsFrame } from './frames.js';

export interface GatewayOptions {
  readonly port: GatewayPort;
  readonly process: number;
  readonly processes: number;
  /** How to name process `p` in messages, e.g. "process 1 (127.0.0.1:4101)". */
  readonly describe: (p: number) => string;
  /** Milliseconds of silence after which a peer is PEER_UNRESPONSIVE. */
  readonly heartbeatTimeout: number;
  /** The computation must stop: a peer was lost, failed (`fromPeer`: it told us so), or sent what is not a frame. */
  readonly onFailure: (err: Error, fromPeer?: boolean) => void;
  /** The workers carry their own links to the other processes' workers: the gateway trades their ports and carries no data. */
  readonly direct?: boolean;
}

type StateControl = Control & { t: 'state' };

/** Bytes a link may hold unsent before the gateway stops taking workers' messages (backpressure toward the workers). */
export const LINK_LIMIT = 8 << 20;
/** Bytes waiting for room in the workers' rings before the gateway stops reading its links (backpressure toward the peers). */
export const INBOX_LIMIT = 8 << 20;
/** A batch is sent once it holds this many bytes. */
const BATCH_BYTES = 1 << 20;
/** Bytes read from each worker's ring per round. */
const DRAIN_BUDGET = 256 << 10;
/** How often process 0 looks again for quiescence while every process is idle. */
const WAVE_MS = 10;
/**
 * How long a worker's broken direct link waits for its process link to say why (the peer's abort, or
 * its going away) before the gateway stops the computation with PEER_LOST itself.
 */
const LOST_GRACE_MS = 300;

/** One connected peer process. */
class Link {
  readonly batch = new DataBatch();
  lastHeard = performance.now();
  lastSent = performance.now();
  /** The peer said it is done: nothing more comes from it, and its going away is no loss. */
  done = false;
  results: ResultsFrame | undefined;
  closed = false;
  constructor(
    readonly peer: number,
    readonly socket: WebSocket,
    readonly context: FrameContext,
  ) {}

  send(frame: Buffer): void {
    this.lastSent = performance.now();
    this.socket.send(frame, { binary: true });
  }

  flush(): boolean {
    const frame = this.batch.take();
    if (frame === null) return false;
    this.send(frame);
    return true;
  }
}

export class Gateway {
  private readonly options: GatewayOptions;
  private readonly port: GatewayPort;
  private readonly links: (Link | undefined)[];
  private readonly workers: number;
  /** Worker messages handed to links, and taken from them (a broadcast counts once per process). */
  private sent = 0;
  private received = 0;
  private paused = false;
  private stopped = false;
  /** Every local worker finished: what arrives for them is dropped. */
  private localDone = false;
  private closing = false;
  private heartbeat: NodeJS.Timeout | undefined;
  /** Process 0's quiescence waves: the wave in flight, the states it has, the last complete wave's. */
  private wave = 0;
  /** The wave's states by process (process 0's own first), and how many have come. */
  private states: (StateControl | undefined)[] = [];
  private stateCount = 0;
  private previous: string | undefined;
  private nextWave = 0;
  private waiters: (() => void)[] = [];
  /** Direct links: whether this process's ports are to be sent, were sent, and how many processes' ports are known. */
  private portsWanted = false;
  private portsSent = false;
  private portsKnown = 0;
  /** When a worker's direct link was first seen broken. */
  private lostSince = -1;
  /** Process 0, direct links: the key of the waves that found every process idle with messages in flight, and since when. */
  private stuck: string | undefined;
  private stuckSince = 0;
  private readonly outgoing: (route: number, from: number, message: Uint8Array) => void;

  constructor(options: GatewayOptions) {
    this.options = options;
    this.port = options.port;
    this.workers = options.port.workers;
    this.links = new Array<Link | undefined>(options.processes);
    this.outgoing = (route, from, message) => this.route(route, from, message);
  }

  /** Takes over a connection to `peer` that passed the handshake. */
  add(peer: number, socket: WebSocket): void {
    const context: FrameContext = { peer, peerFirst: peer * this.workers, first: this.port.first, workers: this.workers, name: this.options.describe(peer) };
    const link = new Link(peer, socket, context);
    this.links[peer] = link;
    socket.on('message', (data: RawData, binary: boolean) => this.receive(link, data, binary));
    socket.on('close', () => {
      link.closed = true;
      if (!link.done && !this.closing && !this.stopped) {
        this.options.onFailure(
          new NetError('PEER_LOST', `${context.name} closed its connection before the computation ended: it exited, crashed or was killed, or the link was cut`, { process: peer }),
        );
      }
      this.wakeWaiters();
    });
    socket.on('error', () => {}); // a close follows
  }

  /** Starts carrying messages and beating the heart. */
  start(): void {
    const beat = Math.max(10, this.options.heartbeatTimeout / 4);
    this.heartbeat = setInterval(() => this.checkHearts(), beat);
    void this.loop();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let throttled = false;
      let moved = false;
      try {
        moved = this.pump();
        throttled = !this.linksWritable();
        if (!moved && !throttled) this.lookForQuiescence();
      } catch (err) {
        this.options.onFailure(err as Error);
        return;
      }
      if (moved) await new Promise<void>((r) => setImmediate(r));
      else if (throttled) await new Promise<void>((r) => setTimeout(r, 1));
      else await this.port.waitForWorkers(WAVE_MS);
    }
  }

  /**
   * With direct links, once every process is linked: sends this process's workers' ports to every other
   * process as soon as every worker listens (see `pump`); the workers connect once every port is known.
   */
  sharePorts(): void {
    this.portsWanted = true;
  }

  private portsArrived(): void {
    if (++this.portsKnown === this.options.processes) this.port.openLinks();
  }

  /** A worker's direct link broke: unless the process link says why soon, the peer is lost. */
  private watchLinks(): void {
    const lost = this.port.lostLink();
    if (lost < 0) return;
    const now = performance.now();
    if (this.lostSince < 0) this.lostSince = now;
    else if (now - this.lostSince > LOST_GRACE_MS) {
      const peer = Math.floor(lost / this.workers);
      this.options.onFailure(
        new NetError(
          'PEER_LOST',
          `the direct link to worker ${lost} of ${this.options.describe(peer)} broke before the computation ended: that process exited, crashed or was killed, or the link was cut`,
          { process: peer },
        ),
      );
    }
  }

  /** One round: hand held messages to the rings, take the workers' messages, send the batches. */
  private pump(): boolean {
    if (this.portsWanted && !this.portsSent) {
      const ports = this.port.localPorts();
      if (ports !== undefined) {
        this.portsSent = true;
        for (const link of this.links) link?.send(encodeControl({ t: 'ports', ports }));
        this.portsArrived();
      }
    }
    if (this.options.direct === true) this.watchLinks();
    let moved = this.port.flush();
    if (this.paused && this.port.pendingBytes() < INBOX_LIMIT / 2) this.resume();
    if (this.linksWritable() && this.port.drain(this.outgoing, DRAIN_BUDGET) > 0) moved = true;
    for (const link of this.links) if (link !== undefined && link.flush()) moved = true;
    return moved;
  }

  private linksWritable(): boolean {
    for (const link of this.links) if (link !== undefined && link.socket.bufferedAmount > LINK_LIMIT) return false;
    return true;
  }

  private route(route: number, from: number, message: Uint8Array): void {
    if (route === BROADCAST) {
      for (const link of this.links) if (link !== undefined) this.add1(link, route, from, message);
      return;
    }
    const link = this.links[Math.floor(route / this.workers)];
    if (link === undefined) throw new NetError('INVALID_OPTION', `a worker sent a message for worker ${route}, which no link reaches`);
    this.add1(link, route, from, message);
  }

  private add1(link: Link, route: number, from: number, message: Uint8Array): void {
    link.batch.add(route, from, message);
    this.sent++;
    if (link.batch.bytes > BATCH_BYTES) link.flush();
  }

  private receive(link: Link, data: RawData, binary: boolean): void {
    link.lastHeard = performance.now();
    if (this.stopped) return;
    try {
      if (!binary) throw new NetError('MALFORMED_FRAME', `${link.context.name} sent text after the handshake`, { process: link.peer });
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      const frame = decodeFrame(bytes, link.context, (route, from, message) => this.deliver(route, from, message));
      if (frame.type === 'control') this.control(link, frame.control);
      else if (frame.type === 'results') {
        if (this.options.process !== 0 || link.results !== undefined) throw new NetError('MALFORMED_FRAME', `${link.context.name} sent results out of turn`, { process: link.peer });
        link.results = frame.results;
        this.wakeWaiters();
      }
    } catch (err) {
      this.options.onFailure(err as Error);
    }
    if (!this.paused && this.port.pendingBytes() > INBOX_LIMIT) this.pause();
  }

  private deliver(route: number, from: number, message: Uint8Array): void {
    this.received++;
    if (this.localDone) return;
    if (route !== BROADCAST) this.port.deliver(route, from, message);
    else for (let w = 0; w < this.workers; w++) this.port.deliver(this.port.first + w, from, message);
  }

  private control(link: Link, c: Control): void {
    switch (c.t) {
      case 'beat':
        return;
      case 'probe':
        link.send(encodeControl({ t: 'state', wave: c.wave, ...this.localState() }));
        return;
      case 'state':
        if (c.wave === this.wave && this.options.process === 0) this.collect(link.peer, c);
        return;
      case 'quiesce':
        this.port.quiesce();
        return;
      case 'done':
        link.done = true;
        this.wakeWaiters();
        return;
      case 'ports':
        if (this.options.direct !== true) throw new NetError('MALFORMED_FRAME', `${link.context.name} sent its workers' ports, but this process does not use direct links: start every process with the same links setting`, { process: link.peer });
        this.port.setPorts(link.peer * this.workers, c.ports);
        this.portsArrived();
        return;
      case 'abort': {
        link.done = true; // its going away now is the failure it reported, not a loss
        const record = c.error as ErrorRecord;
        if (typeof record.message !== 'string' || typeof record.name !== 'string') throw new NetError('MALFORMED_FRAME', `${link.context.name} sent an abort without an error`, { process: link.peer });
        this.options.onFailure(revive(record, link.context.name, { NetError }), true);
        return;
      }
    }
  }

  /** This process's part of a quiescence wave: idle or not (activity -1), and its message counts. */
  private localState(): { activity: number; sent: number; received: number } {
    let idle = !this.paused;
    for (const link of this.links) if (link !== undefined && link.batch.entries > 0) idle = false;
    const activity = idle ? this.port.quiet() : -1;
    const links = this.port.linkCounts();
    return { activity, sent: this.sent + links.sent, received: this.received + links.received };
  }

  /**
   * Process 0, with nothing to do, asks every process for its state; when two waves in a row find every
   * process idle with the same counts, and as many messages taken from links as handed to them, no
   * worker anywhere can act again (the four-counter method): every process is told to quiesce.
   */
  private lookForQuiescence(): void {
    if (this.options.process !== 0 || this.stateCount > 0 || performance.now() < this.nextWave) return;
    const mine = this.localState();
    if (mine.activity < 0) {
      this.previous = undefined;
      return;
    }
    this.wave++;
    this.states = new Array<StateControl | undefined>(this.options.processes);
    this.states[0] = { t: 'state', wave: this.wave, ...mine };
    this.stateCount = 1;
    for (const link of this.links) if (link !== undefined) link.send(encodeControl({ t: 'probe', wave: this.wave }));
  }

  private collect(from: number, state: StateControl): void {
    if (this.states[from] !== undefined) return; // one state per process and wave
    this.states[from] = state;
    if (++this.stateCount < this.options.processes) return;
    const states = this.states as StateControl[];
    this.states = [];
    this.stateCount = 0;
    this.nextWave = performance.now() + WAVE_MS;
    const idle = states.every((s) => s.activity >= 0);
    const balanced = states.reduce((a, s) => a + s.sent, 0) === states.reduce((a, s) => a + s.received, 0);
    const key = states.map((s) => `${s.activity}/${s.sent}/${s.received}`).join(' ');
    if (idle && balanced && key === this.previous) {
      for (const link of this.links) if (link !== undefined) link.send(encodeControl({ t: 'quiesce' }));
      this.port.quiesce();
      return;
    }
    this.previous = idle && balanced ? key : undefined;
    if (this.options.direct === true) this.watchInFlight(idle && !balanced ? key : undefined, states);
  }

  /**
   * With direct links, messages between workers travel on links no heartbeat watches (their threads may
   * be in long callbacks). Every process idle, with the same counts wave after wave and fewer messages
   * arrived than sent, for longer than the heartbeat timeout, means messages that will not come: a
   * stalled worker link. `stuck` is the waves' key while so, else undefined.
   */
  private watchInFlight(stuck: string | undefined, states: readonly StateControl[]): void {
    const now = performance.now();
    if (stuck === undefined || stuck !== this.stuck) {
      this.stuck = stuck;
      this.stuckSince = now;
      return;
    }
    if (now - this.stuckSince <= this.options.heartbeatTimeout) return;
    const missing = states.reduce((a, s) => a + s.sent - s.received, 0);
    this.options.onFailure(
      new NetError(
        'PEER_UNRESPONSIVE',
        `every process has been idle for ${((now - this.stuckSince) / 1000).toFixed(1)} s (heartbeat timeout ${this.options.heartbeatTimeout / 1000} s) ` +
          `while ${missing} message(s) between workers never arrived: a direct link between two workers is stalled or cut`,
        {},
      ),
    );
  }

  private pause(): void {
    this.paused = true;
    for (const link of this.links) link?.socket.pause();
  }

  private resume(): void {
    this.paused = false;
    const now = performance.now();
    for (const link of this.links) {
      if (link === undefined) continue;
      // Silence while this process did not read is not the peer's.
      link.lastHeard = now;
      link.socket.resume();
    }
  }

  private checkHearts(): void {
    if (this.stopped) return;
    const now = performance.now();
    const timeout = this.options.heartbeatTimeout;
    for (const link of this.links) {
      if (link === undefined || link.done || link.closed) continue;
      if (now - link.lastSent > timeout / 4) link.send(encodeControl({ t: 'beat' }));
      if (!this.paused && now - link.lastHeard > timeout) {
        this.options.onFailure(
          new NetError(
            'PEER_UNRESPONSIVE',
            `${link.context.name} sent nothing for ${((now - link.lastHeard) / 1000).toFixed(1)} s (heartbeat timeout ${timeout / 1000} s): it is stopped, frozen or cut off`,
            { process: link.peer },
          ),
        );
        return;
      }
    }
  }

  /**
   * Every local worker has finished: sends what they wrote last, then this process's results to process
   * 0 (`results`, a results frame made by `encodeResults`; null on process 0) and "done" to every peer;
   * resolves once every peer is done too (and, on process 0, has sent its results). Returns each
   * peer's results on process 0.
   */
  async finish(results: Buffer | null): Promise<(ResultsFrame | undefined)[]> {
    while (this.port.drain(this.outgoing) > 0);
    this.localDone = true;
    for (const link of this.links) link?.flush();
    if (results !== null) this.links[0]!.send(results);
    for (const link of this.links) link?.send(encodeControl({ t: 'done' }));
    const everyone = () => this.links.every((l) => l === undefined || (l.done && (this.options.process !== 0 || l.results !== undefined)));
    while (!everyone() && !this.stopped) await new Promise<void>((r) => this.waiters.push(r));
    return this.links.map((l) => l?.results);
  }

  /** Tells every peer that this process failed with `error` (an ErrorRecord), so that it stops too. */
  abortPeers(error: ErrorRecord): void {
    // A peer that is done waits for this process's "done": it must hear of the failure too.
    for (const link of this.links) {
      if (link === undefined || link.closed) continue;
      link.send(encodeControl({ t: 'abort', error }));
    }
  }

  /** Stops, and closes every link once what is queued on it is written (at most `graceMs`). */
  async close(graceMs = 1000): Promise<void> {
    this.closing = true;
    this.stopped = true;
    clearInterval(this.heartbeat);
    this.wakeWaiters();
    const open = this.links.filter((l): l is Link => l !== undefined && !l.closed);
    await Promise.all(
      open.map(
        (link) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => {
              link.socket.terminate();
              resolve();
            }, graceMs);
            link.socket.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
            link.socket.close(1000);
          }),
      ),
    );
  }

  /** Stops at once: what failed the computation came first. */
  stop(): void {
    this.stopped = true;
    this.wakeWaiters();
  }

  private wakeWaiters(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }
}
