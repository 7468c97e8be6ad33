/**
 * Worker links: with direct links, each worker thread carries its own connection to every worker of the
 * other processes (one per pair), so a message crosses no other thread on either side. Made in the
 * worker's thread before its job starts: it listens on a free port of its process's host, the
 * launchers trade the ports over their process links, and each pair runs the same handshake as two
 * processes do (the secret proved, the job checked; see connect.ts).
 */
import type { Socket } from 'node:net';
import type { WebSocket, RawData } from 'ws';
import type { LinkSlot, RemoteLinks } from '../workers/mesh.js';
import { Connector } from './connect.js';
import { NetError } from './errors.js';
import { digest, type JobIdentity } from './handshake.js';
import type { Host } from './hosts.js';
import type { TlsOptions } from './tls.js';

/** What a worker thread needs to make its links: every process's host, and what proves it belongs. */
export interface LinkConfig {
  readonly hosts: readonly Host[];
  readonly secret: Uint8Array;
  readonly job: JobIdentity;
  readonly connectTimeout: number;
  readonly maxPayload: number;
  readonly tls?: TlsOptions;
}

/** Bytes arrived and not yet taken by the worker before the links stop reading their sockets. */
const INBOX_LIMIT = 8 << 20;
/** Bytes held back for a flush before they are written anyway. */
const HOLD_BYTES = 64 << 10;

/** What a taken message's place is cleared to. */
const EMPTY = new Uint8Array(0);

/** One worker's links: each message is a binary frame; a text frame says "done". */
class WorkerLinks implements RemoteLinks {
  private readonly sockets: (WebSocket | undefined)[];
  /** Whether each peer said it is done (its link may then close). */
  private readonly done: boolean[];
  /** Messages sent to each peer, and taken from each: what "done" reconciles (see `peerDone`). */
  private readonly sentTo: number[];
  private readonly arrivedFrom: number[];
  private readonly inFrom: number[] = [];
  private readonly inData: Uint8Array[] = [];
  private head = 0;
  private closing = false;
  /** What a peer sent that breaks the links' protocol: thrown at the next poll. */
  private failure: NetError | undefined;
  private broken = false;
  private connector: Connector | undefined;
  /** Peers whose socket holds this step's messages back (see `flush`). */
  private readonly corked: boolean[];
  private readonly corkedList: number[] = [];
  private heldBytes = 0;
  /** Bytes arrived and not yet polled; past INBOX_LIMIT the sockets are paused. */
  private inBytes = 0;
  private paused = false;

  constructor(
    private readonly slot: LinkSlot,
    private readonly config: LinkConfig,
  ) {
    this.sockets = new Array<WebSocket | undefined>(slot.peers);
    this.done = new Array<boolean>(slot.peers).fill(false);
    this.sentTo = new Array<number>(slot.peers).fill(0);
    this.arrivedFrom = new Array<number>(slot.peers).fill(0);
    this.corked = new Array<boolean>(slot.peers).fill(false);
  }

  async connect(): Promise<void> {
    const { slot, config } = this;
    const processOf = (w: number) => Math.floor(w / slot.workers);
    const me = processOf(slot.index);
    const placeholder = Array.from({ length: slot.peers }, (_, w) => ({ host: config.hosts[processOf(w)]!.host, port: 0 }));
    const skip = new Set<number>();
    for (let w = slot.first; w < slot.first + slot.workers; w++) if (w !== slot.index) skip.add(w);
    // The links' proofs are bound to another job identity than the processes' (a proof seen on one cannot pass on the other).
    const job = { ...config.job, module: digest(`${config.job.module}/worker-links`) };
    const connector = new Connector({
      process: slot.index,
      hosts: placeholder,
      secret: config.secret,
      job,
      connectTimeout: config.connectTimeout,
      log: (line) => process.stderr.write(`timely: process ${me}: ${line}\n`),
      onLink: (peer, socket) => this.add(peer, socket),
      maxPayload: config.maxPayload,
      sides: {
        skip,
        noun: 'worker',
        resolve: async (port) => {
          slot.publishPort(port);
          const ports = await slot.ports();
          return placeholder.map((h, w) => ({ host: h.host, port: ports[w]! }));
        },
      },
      ...(config.tls === undefined ? {} : { tls: config.tls }),
    });
    this.connector = connector;
    await connector.connect();
  }

  private add(peer: number, socket: WebSocket): void {
    this.sockets[peer] = socket;
    socket.binaryType = 'nodebuffer';
    socket.on('message', (data: RawData, binary: boolean) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : (data as Buffer);
      if (!binary) return this.peerDone(peer, bytes);
      // This worker is done: what comes now is dropped, and not counted (its "done" told the sender
      // how many it took, and the sender uncounts the rest).
      if (this.closing) return;
      this.arrivedFrom[peer]!++;
      this.slot.arrived();
      this.inFrom.push(peer);
      this.inData.push(bytes);
      this.inBytes += bytes.length;
      // Backpressure: past the limit the links stop reading, so TCP holds the senders back.
      if (this.inBytes > INBOX_LIMIT && !this.paused) this.pauseAll(true);
      this.slot.wake();
    });
    socket.on('close', () => {
      this.sockets[peer] = undefined;
      if (!this.done[peer] && !this.closing) {
        this.broken = true;
        this.slot.lost(peer);
      }
    });
    socket.on('error', () => {}); // a close follows
  }

  send(to: number, message: Uint8Array): boolean {
    const socket = this.sockets[to];
    // A peer that is done reads nothing more; a link that broke stops the computation (the launcher
    // learns why over its process link). Either way what goes to it now is dropped.
    if (socket === undefined || socket.readyState !== 1 || this.done[to]) return false;
    this.sentTo[to]!++;
    // Held until `flush` (or until they are many): a busy worker's messages to one peer leave in one write.
    if (!this.corked[to]) {
      this.corked[to] = true;
      this.corkedList.push(to);
      (socket as unknown as { _socket: Socket })._socket.cork();
    }
    // ws writes the bytes as given (no mask to apply): they must not change after this call.
    socket.send(Buffer.from(message), { binary: true });
    this.heldBytes += message.length;
    if (this.heldBytes > HOLD_BYTES) this.flush();
    return true;
  }

  flush(): void {
    const list = this.corkedList;
    for (let i = 0; i < list.length; i++) {
      const to = list[i]!;
      this.corked[to] = false;
      const socket = this.sockets[to];
      if (socket !== undefined) (socket as unknown as { _socket: Socket })._socket.uncork();
    }
    list.length = 0;
    this.heldBytes = 0;
  }

  poll(receive: (from: number, message: Uint8Array) => void, budget: number): number {
    if (this.failure !== undefined) throw this.failure;
    let n = 0;
    let bytes = 0;
    while (this.head < this.inData.length && bytes < budget) {
      const data = this.inData[this.head]!;
      const from = this.inFrom[this.head]!;
      this.inData[this.head] = EMPTY;
      this.head++;
      n++;
      bytes += data.length;
      receive(from, data);
    }
    this.inBytes -= bytes;
    if (this.paused && this.inBytes < INBOX_LIMIT / 2) this.pauseAll(false);
    if (this.head === this.inData.length) {
      this.inData.length = 0;
      this.inFrom.length = 0;
      this.head = 0;
    }
    return n;
  }

  /**
   * `peer` is done and took `arrived` of the messages this worker sent it: the others it will never take,
   * so they are uncounted (for quiescence, sent and arrived must match), and nothing more goes to it.
   */
  private peerDone(peer: number, text: Buffer): void {
    let arrived: unknown;
    try {
      arrived = (JSON.parse(text.toString('utf8')) as { done?: unknown }).done;
    } catch {
      arrived = undefined;
    }
    if (typeof arrived !== 'number' || !Number.isSafeInteger(arrived) || arrived < 0 || arrived > this.sentTo[peer]! || this.done[peer]) {
      // Raised at this worker's next poll (an event handler has no one to throw to).
      this.failure ??= new NetError('MALFORMED_FRAME', `worker ${peer} sent worker ${this.slot.index} a text frame that is not its "done": ${text.toString('utf8').slice(0, 80)}`, { worker: peer });
      this.slot.wake();
      return;
    }
    this.done[peer] = true;
    this.slot.unsent(this.sentTo[peer]! - arrived);
  }

  private pauseAll(pause: boolean): void {
    this.paused = pause;
    for (const s of this.sockets) if (s !== undefined) pause ? s.pause() : s.resume();
  }

  hasArrivals(): boolean {
    return this.head < this.inData.length || this.failure !== undefined;
  }

  backlog(): number {
    let n = 0;
    for (const s of this.sockets) if (s !== undefined) n += s.bufferedAmount;
    return n;
  }

  async drained(bytes: number): Promise<void> {
    while (!this.broken && this.backlog() > bytes) await new Promise<void>((r) => setTimeout(r, 1));
  }

  async close(): Promise<void> {
    this.closing = true;
    // What waits is never taken now; reading goes on (arrivals are counted and dropped), so that a
    // peer held back by this worker's pause gets its last messages through.
    this.inData.length = 0;
    this.inFrom.length = 0;
    this.head = 0;
    this.inBytes = 0;
    if (this.paused) this.pauseAll(false);
    this.flush();
    // "Done", as text (data goes as binary), with how many messages came from that peer: what it sent
    // since, this worker never takes, and the peer uncounts (see `peerDone`).
    for (let peer = 0; peer < this.sockets.length; peer++) {
      const s = this.sockets[peer];
      if (s !== undefined && s.readyState === 1) s.send(JSON.stringify({ done: this.arrivedFrom[peer] }));
    }
    await this.drained(0);
    this.connector?.close();
    await Promise.all(
      this.sockets.map(
        (s) =>
          s &&
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => {
              s.terminate();
              resolve();
            }, 1000);
            s.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
            s.close(1000);
          }),
      ),
    );
  }
}

/**
 * Makes this worker's links to the workers of every other process (see the module's comment): resolves
 * once every one is up. The launcher names this module in its threads' jobs; users do not call it.
 */
export default async function makeLinks(slot: LinkSlot, config: LinkConfig): Promise<RemoteLinks> {
  const links = new WorkerLinks(slot, config);
  await links.connect();
  return links;
}
