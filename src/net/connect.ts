/**
 * Connect: joins this process to every other of the computation — it listens on its hostfile line and
 * dials every process listed before it, retrying with backoff until they are up, and runs the handshake
 * (see handshake.ts) on each connection before handing it over as a link.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { NetError } from './errors.js';
import type { TlsOptions } from './tls.js';
import { formatHost, type Host } from './hosts.js';
import { jobDifferences, nonce, parseHandshake, PROTOCOL_VERSION, proof, proves, type HandshakeMessage, type JobIdentity } from './handshake.js';

export interface ConnectOptions {
  readonly process: number;
  readonly hosts: readonly Host[];
  readonly secret: Uint8Array;
  readonly job: JobIdentity;
  /** Milliseconds to wait for every process to connect. */
  readonly connectTimeout: number;
  /** Where refused connections are reported. */
  readonly log: (line: string) => void;
  /** A connection that passed the handshake, to process `peer`. */
  readonly onLink: (peer: number, socket: WebSocket) => void;
  /** The largest frame a peer may send. */
  readonly maxPayload: number;
  /** For tests: the protocol version this process claims. */
  readonly protocol?: number;
  /** TLS on every link (wss): this process's certificate and key, and the CA that signed every process's (see `TlsOptions`). */
  readonly tls?: TlsOptions;
  /**
   * For links between workers rather than processes: `hosts[process]` is where this side listens (port
   * 0: any free one), and once it listens, `resolve(port)` gives every side's address (its own included).
   * Sides in `skip` are not linked to; sides are named by `noun` ('process' by default).
   */
  readonly sides?: { readonly resolve: (port: number) => Promise<readonly Host[]>; readonly skip: ReadonlySet<number>; readonly noun: string };
}

/** OpenSSL's codes for a certificate the other side refused, or this side cannot accept. */
const TLS_REFUSALS = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ECONNRESET_TLS)/;

/** How long a connection may take over its handshake. */
const HANDSHAKE_MS = 5_000;
/**
 * Connections at most in their handshake at once, as acceptor: past it a new one is closed at once and
 * logged, so that connections that never introduce themselves cannot pile up (each lives at most
 * HANDSHAKE_MS in any case). A computation's own peers dial once each, and retry if turned away.
 */
export const MAX_HANDSHAKES = 32;
const FIRST_RETRY_MS = 10;
const LAST_RETRY_MS = 1000;


/** Masks of zeros: a client's frames go unmasked in effect (masking guards browsers' proxies; peers of a computation have none). */
function zeroMask(mask: Buffer): void {
  mask.fill(0);
}

/** The connections of one process: listening, dialing, and the handshake on each. */
export class Connector {
  private readonly options: ConnectOptions;
  private readonly protocol: number;
  private server: WebSocketServer | undefined;
  private https: HttpsServer | undefined;
  private readonly linked = new Set<number>();
  private readonly pending = new Set<WebSocket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** The deadlines of connections still in their handshake, as acceptor. */
  private readonly handshakes = new Set<NodeJS.Timeout>();
  private settle: { resolve: () => void; reject: (err: Error) => void } | undefined;
  private closed = false;
  /** Every side's address (for worker links, known once this side listens). */
  private hosts: readonly Host[];
  private readonly skip: ReadonlySet<number>;
  private readonly noun: string;
  private readonly plural: string;

  constructor(options: ConnectOptions) {
    this.options = options;
    this.protocol = options.protocol ?? PROTOCOL_VERSION;
    this.hosts = options.hosts;
    this.skip = options.sides?.skip ?? new Set();
    this.noun = options.sides?.noun ?? 'process';
    this.plural = this.noun === 'process' ? 'processes' : `${this.noun}s`;
  }

  /** Resolves once every other process is linked; rejects with CONNECT_TIMEOUT, LISTEN_FAILED, or a refusal of this process. */
  connect(): Promise<void> {
    const me = this.options.process;
    const hosts = this.hosts;
    return new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
      const self = hosts[me]!;
      const tls = this.options.tls;
      let server: WebSocketServer;
      const onListenError = (err: NodeJS.ErrnoException) => {
        const why = err.code === 'EADDRINUSE' ? 'the port is in use (another process, or an earlier run still exiting)' : err.code === 'EADDRNOTAVAIL' ? 'the address is not one of this machine' : err.message;
        this.fail(new NetError('LISTEN_FAILED', `${this.noun} ${me} cannot listen on ${formatHost(self)}, its hostfile line: ${why}`, { process: me, host: formatHost(self) }, err));
      };
      const dialAll = () => {
        for (let peer = 0; peer < me; peer++) if (!this.skip.has(peer)) this.dial(peer, FIRST_RETRY_MS);
        this.check();
      };
      const onListening = () => {
        const sides = this.options.sides;
        if (sides === undefined) return dialAll();
        const address = (this.https ?? server).address();
        const port = typeof address === 'object' && address !== null ? address.port : 0;
        sides.resolve(port).then(
          (all) => {
            this.hosts = all;
            dialAll();
          },
          (err: Error) => this.fail(err),
        );
      };
      const common = { perMessageDeflate: false, maxPayload: this.options.maxPayload, clientTracking: false };
      if (tls === undefined) {
        server = new WebSocketServer({ host: self.host, port: self.port, ...common });
        server.on('error', onListenError).on('listening', onListening);
      } else {
        // Client certificates are checked in `accept`, so that a refused peer is told why (a TLS alert
        // reached the other side as a bare "socket hang up").
        const https = createHttpsServer({ cert: tls.cert, key: tls.key, ca: tls.ca, requestCert: true, rejectUnauthorized: false });
        this.https = https;
        https.on('error', onListenError);
        https.on('tlsClientError', (err: Error) => {
          if (!this.closed) this.options.log(`${this.noun} ${me} refused a TLS connection: ${err.message}`);
        });
        server = new WebSocketServer({ server: https, ...common });
        https.listen(self.port, self.host, onListening);
      }
      this.server = server;
      server.on('connection', (socket, request) => this.accept(socket, request));
      const timer = setTimeout(() => {
        const missing = this.hosts.map((h, i) => ({ h, i })).filter(({ i }) => i !== me && !this.skip.has(i) && !this.linked.has(i));
        this.fail(
          new NetError(
            'CONNECT_TIMEOUT',
            `${this.noun} ${me} waited ${this.options.connectTimeout / 1000} s, and these ${this.plural} never connected: ${missing.map(({ h, i }) => `${i} (${formatHost(h)})`).join(', ')}. ` +
              'Start every process of the computation with the same hostfile (or raise the connect timeout)',
            { process: me, missing: missing.map(({ i }) => i).join(',') },
          ),
        );
      }, this.options.connectTimeout);
      this.timers.add(timer);
    });
  }

  /** Stops listening and dialing (a `connect` still waiting rejects); links already handed over stay open. */
  close(): void {
    if (this.settle !== undefined) {
      const { reject } = this.settle;
      this.settle = undefined;
      reject(new NetError('CONNECT_TIMEOUT', `${this.noun} ${this.options.process} stopped connecting before every ${this.noun} was linked`, { process: this.options.process }));
    }
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const t of this.handshakes) clearTimeout(t);
    this.handshakes.clear();
    for (const s of this.pending) s.terminate();
    this.pending.clear();
    this.server?.close();
    this.https?.close();
  }

  private check(): void {
    if (this.linked.size === this.hosts.length - 1 - this.skip.size && this.settle !== undefined) {
      const { resolve } = this.settle;
      this.settle = undefined;
      for (const t of this.timers) clearTimeout(t);
      this.timers.clear();
      resolve();
    }
  }

  private fail(err: Error): void {
    if (this.settle === undefined) return;
    const { reject } = this.settle;
    this.settle = undefined;
    this.close();
    reject(err);
  }

  private link(peer: number, socket: WebSocket): void {
    this.pending.delete(socket);
    socket.removeAllListeners();
    this.linked.add(peer);
    this.options.onLink(peer, socket);
    this.check();
  }

  /** Dials process `peer` (listed before this one), again after `wait` ms while it is not up. */
  private dial(peer: number, wait: number): void {
    if (this.closed || this.settle === undefined) return;
    const { process: me, job, secret } = this.options;
    const target = this.hosts[peer]!;
    const name = `${this.noun} ${peer} (${formatHost(target)})`;
    const tls = this.options.tls;
    const socket = new WebSocket(`${tls === undefined ? 'ws' : 'wss'}://${formatHost(target)}/timely`, {
      perMessageDeflate: false,
      maxPayload: this.options.maxPayload,
      handshakeTimeout: HANDSHAKE_MS,
      generateMask: zeroMask,
      ...(tls === undefined ? {} : { cert: tls.cert, key: tls.key, ca: tls.ca, rejectUnauthorized: true }),
    });
    this.pending.add(socket);
    let mine = '';
    let theirs = '';
    let step: 'greeting' | 'welcome' | 'done' = 'greeting';
    const retry = () => {
      this.pending.delete(socket);
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.terminate();
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.dial(peer, Math.min(LAST_RETRY_MS, wait * 1.5));
      }, wait);
      this.timers.add(timer);
    };
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // A certificate refused is no process coming up late: stop at once, saying which side refused.
      const code = err.code ?? '';
      if (TLS_REFUSALS.test(code) || /certificate|self.signed|alert/i.test(err.message)) {
        step = 'done';
        this.fail(new NetError('TLS_REFUSED', `${name} and ${this.noun} ${me} do not trust each other's TLS certificate (${err.message}): give every process a certificate signed by the same --tls-ca, naming its host as the hostfile does`, { process: peer }, err));
        return;
      }
      // Before the greeting, any other failure may be a process not quite up (or a proxy before it): try again until the deadline.
      if (step === 'greeting') retry();
      else this.fail(new NetError('PEER_LOST', `${this.noun} ${me} lost ${name} while connecting: ${err.message}`, { process: peer }, err));
    });
    socket.on('close', () => {
      if (step === 'greeting') retry();
      else if (step === 'welcome') this.fail(new NetError('PEER_LOST', `${name} closed the connection during the handshake`, { process: peer }));
    });
    socket.on('message', (data: RawData, binary: boolean) => {
      let m: HandshakeMessage;
      try {
        if (binary) throw new NetError('MALFORMED_FRAME', `${name} sent binary data during the handshake`, { process: peer });
        m = parseHandshake(rawText(data), name);
      } catch (err) {
        this.fail(err as Error);
        return;
      }
      if (step === 'greeting' && m.t === 'hello') {
        if (m.protocol !== this.protocol) {
          step = 'done';
          this.fail(new NetError('VERSION_MISMATCH', `${name} speaks protocol version ${m.protocol}, ${this.noun} ${me} version ${this.protocol}: run the same release of timely-dataflow on every machine`, { process: peer }));
          return;
        }
        mine = nonce();
        step = 'welcome';
        theirs = m.nonce;
        socket.send(JSON.stringify({ t: 'intro', protocol: this.protocol, process: me, job, nonce: mine, proof: proof(secret, 'dial', mine, theirs, me, peer, job) }));
      } else if (step === 'welcome' && m.t === 'welcome') {
        if (m.process !== peer || !proves(m.proof, proof(secret, 'accept', theirs, mine, me, peer, job))) {
          step = 'done';
          this.fail(new NetError('BAD_SECRET', `${name} did not prove the shared secret: it is not a process of this computation (or its secret differs)`, { process: peer }));
          return;
        }
        step = 'done';
        this.link(peer, socket);
      } else if (m.t === 'refuse') {
        step = 'done';
        this.fail(new NetError(m.code, `${name} refused ${this.noun} ${me}: ${m.message}`, { process: peer }));
      } else {
        this.fail(new NetError('MALFORMED_FRAME', `${name} sent '${m.t}' out of turn during the handshake`, { process: peer }));
      }
    });
  }

  /** A connection from a process listed after this one: it must prove itself before it is a link. */
  private accept(socket: WebSocket, request: IncomingMessage): void {
    const { process: me, job, secret } = this.options;
    const hosts = this.hosts;
    const from = `${request.socket.remoteAddress ?? '?'}:${request.socket.remotePort ?? '?'}`;
    if (this.handshakes.size >= MAX_HANDSHAKES) {
      this.options.log(`${this.noun} ${me} refused a connection from ${from}: ${MAX_HANDSHAKES} connections are in their handshake already`);
      socket.terminate();
      return;
    }
    this.pending.add(socket);
    const mine = nonce();
    let answered = false;
    const refuse = (code: NetError['code'], message: string) => {
      answered = true;
      this.options.log(`${this.noun} ${me} refused a connection from ${from}: ${code}: ${message}`);
      socket.send(JSON.stringify({ t: 'refuse', code, message }), () => socket.close());
      this.pending.delete(socket);
    };
    const timer = setTimeout(() => {
      this.handshakes.delete(timer);
      if (!answered) refuse('MALFORMED_FRAME', `no introduction within ${HANDSHAKE_MS / 1000} s`);
    }, HANDSHAKE_MS);
    this.handshakes.add(timer);
    socket.on('close', () => {
      clearTimeout(timer);
      this.handshakes.delete(timer);
      this.pending.delete(socket);
      if (!answered) this.options.log(`${this.noun} ${me}: a connection from ${from} closed during the handshake`);
    });
    socket.on('error', () => {});
    socket.on('message', (data: RawData, binary: boolean) => {
      if (answered) return;
      clearTimeout(timer);
      this.handshakes.delete(timer);
      let m: HandshakeMessage;
      try {
        if (binary) throw new NetError('MALFORMED_FRAME', 'binary data during the handshake');
        m = parseHandshake(rawText(data), `a connection from ${from}`);
      } catch (err) {
        refuse('MALFORMED_FRAME', (err as Error).message);
        return;
      }
      if (m.t !== 'intro') return refuse('MALFORMED_FRAME', `'${m.t}' where an introduction was expected`);
      const tlsSocket = request.socket as TLSSocket;
      if (this.options.tls !== undefined && !tlsSocket.authorized) {
        const why = String(tlsSocket.authorizationError ?? 'no certificate');
        return refuse('TLS_REFUSED', `its TLS certificate is not accepted (${why}): every process needs a certificate signed by the same --tls-ca`);
      }
      if (m.protocol !== this.protocol) return refuse('VERSION_MISMATCH', `it speaks protocol version ${m.protocol}, ${this.noun} ${me} version ${this.protocol}: run the same release of timely-dataflow on every machine`);
      if (!proves(m.proof, proof(secret, 'dial', m.nonce, mine, m.process, me, m.job))) {
        return refuse('BAD_SECRET', 'it did not prove the shared secret (give every process the same TIMELY_SECRET or --secret-file)');
      }
      const differences = jobDifferences(job, m.job, `${this.noun} ${me}`, `${this.noun} ${m.process}`);
      if (differences.length > 0) return refuse('JOB_MISMATCH', `it runs another job than ${this.noun} ${me}: ${differences.join(', ')} differ`);
      if (m.process <= me || m.process >= hosts.length || this.skip.has(m.process)) {
        return refuse('DUPLICATE_PROCESS', `it claims process index ${m.process}, but only ${this.plural} ${me + 1} to ${hosts.length - 1} dial ${this.noun} ${me}`);
      }
      if (this.linked.has(m.process)) return refuse('DUPLICATE_PROCESS', `${this.noun} ${m.process} is already connected: two processes were started with the same index`);
      answered = true;
      socket.send(JSON.stringify({ t: 'welcome', process: me, proof: proof(secret, 'accept', mine, m.nonce, m.process, me, job) }));
      this.link(m.process, socket);
    });
    socket.send(JSON.stringify({ t: 'hello', protocol: this.protocol, nonce: mine }));
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}
