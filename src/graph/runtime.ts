/** DataflowRuntime: one worker's running instance of a logical graph — vertices, message queues, notifications. */
import { clear } from '../progress/arrays.js';
import { ChangeBatch } from '../progress/change-batch.js';
import { ProgressTracker } from '../progress/tracker.js';
import { compareTotal, type TimestampOrder } from '../timestamps/order.js';
import { Timestamp } from '../timestamps/timestamp.js';
import { DataflowError, ThrownAt } from './errors.js';
import { edgeLocation, type LogicalGraph, type StageDef } from './logical.js';
import { checkBatch, RecordRefusal } from './records.js';
import { hashKey, type Vertex, type VertexContext } from './vertex.js';

/** Moves batches of an exchange edge to other workers; declared here, implemented by the workers layer. */
export interface RemoteChannels {
  send(edge: number, worker: number, time: Timestamp, batch: unknown[]): void;
}

interface Message {
  readonly port: number;
  readonly time: Timestamp;
  readonly batch: readonly unknown[];
  readonly location: number;
}

interface Route {
  readonly edge: number;
  readonly location: number;
  readonly target: VertexRuntime;
  readonly port: number;
  readonly key: ((record: any) => number | string) | undefined;
}

export interface RuntimeOptions {
  readonly worker: number;
  readonly peers: number;
  readonly order: TimestampOrder;
  readonly channels?: RemoteChannels;
}

/** Counters a worker reports about its dataflows. */
export interface RuntimeStats {
  messages: number;
  records: number;
  notifications: number;
}

/** One stage's vertex on this worker, with its inbox and requested notifications. */
export class VertexRuntime implements VertexContext<unknown> {
  readonly def: StageDef;
  readonly stage: string;
  readonly worker: number;
  readonly peers: number;
  readonly location: number;
  vertex!: Vertex;
  inbox: Message[] = [];
  spareInbox: Message[] = [];
  readonly routes: Route[][];
  /** Requested notification times, sorted by compareTotal. */
  pending: Timestamp[] = [];
  /** Time of the callback in progress, or undefined outside callbacks. */
  current: Timestamp | undefined = undefined;
  /** Its messages are being delivered (by `deliverMessages`, further up the call stack). */
  delivering = false;
  /** Times held with `hold` (one entry per hold). */
  readonly held: Timestamp[] = [];
  /** It is in `onFrontier`, where it may act at times ≥ a held one. */
  watching = false;
  private readonly runtime: DataflowRuntime;
  private readonly outDepth: number;
  private readonly checked: boolean;

  constructor(runtime: DataflowRuntime, def: StageDef) {
    this.runtime = runtime;
    this.def = def;
    this.stage = def.name;
    this.worker = runtime.worker;
    this.peers = runtime.peers;
    this.location = def.index;
    this.outDepth = def.outScope.depth;
    this.checked = def.kind === 'vertex';
    this.routes = Array.from({ length: def.outputs }, () => []);
  }

  sendBy(edge: number, batch: unknown[], time: Timestamp): void {
    if (this.checked) this.checkAction('sendBy', time);
    const routes = this.routes[edge];
    if (routes === undefined) {
      throw new DataflowError('INVALID_PORT', `stage '${this.stage}' called sendBy on output ${String(edge)}, but it has ${this.routes.length} output(s), numbered from 0`, {
        stage: this.stage,
        worker: this.worker,
        port: String(edge),
      });
    }
    if (!Array.isArray(batch)) {
      throw new DataflowError('INVALID_MESSAGE', `stage '${this.stage}' called sendBy with ${typeof batch}: a batch must be an array of records`, { stage: this.stage, worker: this.worker });
    }
    if (batch.length === 0) return;
    for (let i = 0; i < routes.length; i++) this.runtime.route(routes[i]!, batch, time);
  }

  frontier(): readonly Timestamp[] {
    return this.runtime.tracker.inputFrontier(this.location);
  }

  get order(): TimestampOrder {
    return this.runtime.order;
  }

  hold(time: Timestamp): void {
    this.checkAction('hold', time);
    this.held.push(time);
    this.runtime.changes.update(this.location, time, +1);
  }

  release(time: Timestamp): void {
    const held = this.held;
    let i = held.length - 1;
    while (i >= 0 && !held[i]!.equals(time)) i--;
    if (i < 0) {
      throw new DataflowError('NOT_HELD', `stage '${this.stage}' released ${String(time)}, which it does not hold: release only what hold took, once per hold`, {
        stage: this.stage,
        worker: this.worker,
        time: String(time),
      });
    }
    held[i] = held[held.length - 1]!;
    held.pop();
    this.runtime.changes.update(this.location, time, -1);
  }

  flush(): void {
    this.runtime.deliverWaiting();
  }

  notifyAt(time: Timestamp): void {
    if (this.checked) this.checkAction('notifyAt', time);
    const pending = this.pending;
    // Keep `pending` sorted; a repeated request for one time is one notification.
    let i = pending.length;
    while (i > 0 && compareTotal(pending[i - 1]!, time) > 0) i--;
    if (i > 0 && pending[i - 1]!.equals(time)) return;
    if (i === pending.length) pending.push(time);
    else pending.splice(i, 0, time);
    this.runtime.changes.update(this.location, time, +1);
  }

  private checkAction(action: string, time: Timestamp): void {
    const current = this.current;
    if (current === undefined && !(this.watching && this.held.length > 0)) {
      throw new DataflowError('NOT_IN_CALLBACK', `stage '${this.stage}' called ${action} outside onRecv/onNotify: a vertex may act only in its callbacks`, {
        stage: this.stage,
        worker: this.worker,
      });
    }
    if (!(time instanceof Timestamp)) {
      throw new DataflowError(
        'INVALID_TIMESTAMP',
        `stage '${this.stage}' called ${action} with ${time === null ? 'null' : typeof time} ${String(time)}: it takes a Timestamp (the callback's time, one made from it such as time.incremented(), or Timestamp.of(epoch, ...counters))`,
        { stage: this.stage, worker: this.worker, time: String(time) },
      );
    }
    if (time.counters.length !== this.outDepth) {
      throw new DataflowError(
        'DEPTH_MISMATCH',
        `stage '${this.stage}' called ${action} at ${time}, a time with ${time.counters.length} loop counter(s), but its output is in a scope with ${this.outDepth}: one counter per enclosing loop`,
        { stage: this.stage, worker: this.worker, time: String(time) },
      );
    }
    if (!(current !== undefined && this.runtime.order.lessEqual(current, time)) && !this.holdsBelow(time)) {
      const at = current === undefined ? 'in onFrontier' : `inside a callback at ${current}`;
      throw new DataflowError('TIME_REGRESSION', `stage '${this.stage}' called ${action} at ${time} ${at}: only times ≥ the callback's or ≥ a held time are allowed`, {
        stage: this.stage,
        worker: this.worker,
        time,
        current: current ?? null,
      });
    }
  }

  /** Some held time is ≤ `time`. */
  private holdsBelow(time: Timestamp): boolean {
    const held = this.held;
    const order = this.runtime.order;
    for (let i = 0; i < held.length; i++) if (order.lessEqual(held[i]!, time)) return true;
    return false;
  }
}

/**
 * About how many records a vertex is given per activation of `runActive`: a stage with a long inbox
 * takes it in parts, and the stages downstream take each part's output before the next, so that no
 * stage's whole output waits in memory at once.
 */
const ACTIVATION_RECORDS = 1 << 16;

/**
 * Runs the vertices of one logical graph on one worker. Every send, delivery and notification is
 * recorded in `changes`, this worker's pending progress batch, which the worker's step loop hands to
 * the progress protocol.
 */
export class DataflowRuntime {
  readonly graph: LogicalGraph;
  readonly worker: number;
  readonly peers: number;
  readonly order: TimestampOrder;
  readonly tracker: ProgressTracker;
  readonly changes = new ChangeBatch();
  readonly vertices: VertexRuntime[];
  readonly stats: RuntimeStats = { messages: 0, records: 0, notifications: 0 };
  /** Inputs of this worker not yet closed. */
  openInputs: number;
  private readonly schedule: VertexRuntime[];
  /** The notifications being delivered (reused: deliveries never nest). */
  private readonly ready: Timestamp[] = [];
  private readonly channels: RemoteChannels | undefined;
  /** The vertices with `onFrontier`, and the frontier each saw last. */
  private readonly watchers: { readonly vertex: VertexRuntime; seen: readonly Timestamp[] | undefined }[];

  constructor(graph: LogicalGraph, options: RuntimeOptions) {
    this.graph = graph;
    this.worker = options.worker;
    this.peers = options.peers;
    this.order = options.order;
    this.channels = options.channels;
    this.tracker = new ProgressTracker(graph.topology, options.order);
    this.vertices = graph.stages.map((s) => new VertexRuntime(this, s));
    for (const e of graph.edges) {
      // Exchange edges keep their key on one worker too: their records and keys are checked the same way on every worker count.
      const key = e.pact.kind === 'exchange' ? e.pact.key : undefined;
      this.vertices[e.source]!.routes[e.sourcePort]!.push({
        edge: e.index,
        location: edgeLocation(graph, e.index),
        target: this.vertices[e.target]!,
        port: e.targetPort,
        key,
      });
    }
    if (this.peers > 1 && this.channels === undefined && graph.edges.some((e) => e.pact.kind === 'exchange')) {
      throw new DataflowError('INVALID_MESSAGE', 'a dataflow with exchange edges on several workers needs channels between them');
    }
    this.schedule = graph.schedule.map((s) => this.vertices[s]!);
    this.openInputs = graph.stages.filter((s) => s.kind === 'input').length;
    // Every worker's inputs start at epoch 0: each replica counts all of them from the start.
    for (const s of graph.stages) if (s.kind === 'input') this.tracker.apply([{ location: s.index, time: Timestamp.epochOnly(0), delta: this.peers }]);
    for (const v of this.vertices) v.vertex = this.invoke(v, undefined, () => v.def.factory(v));
    this.watchers = this.vertices.filter((v) => v.vertex.onFrontier !== undefined).map((vertex) => ({ vertex, seen: undefined }));
  }

  /**
   * Sends a batch along one edge: locally, or split by key across workers. On an exchange edge every
   * record and key is checked (see `checkBatch`, `checkedKey`), on one worker too; records for another
   * worker are checked as they are encoded.
   */
  route(route: Route, batch: unknown[], time: Timestamp): void {
    const key = route.key;
    if (key === undefined) {
      this.changes.update(route.location, time, +1);
      route.target.inbox.push({ port: route.port, time, batch, location: route.location });
      return;
    }
    if (this.peers === 1) {
      for (let i = 0; i < batch.length; i++) {
        const k = key(batch[i]);
        if (typeof k !== 'number' && typeof k !== 'string') this.checkedKey(route, k);
      }
      this.checkLocal(route, batch);
      this.changes.update(route.location, time, +1);
      route.target.inbox.push({ port: route.port, time, batch, location: route.location });
      return;
    }
    const parts: unknown[][] = Array.from({ length: this.peers }, () => []);
    for (let i = 0; i < batch.length; i++) parts[hashKey(this.checkedKey(route, key(batch[i]))) % this.peers]!.push(batch[i]);
    for (let w = 0; w < parts.length; w++) {
      const part = parts[w]!;
      if (part.length === 0) continue;
      if (w === this.worker) {
        this.checkLocal(route, part);
        this.changes.update(route.location, time, +1);
        route.target.inbox.push({ port: route.port, time, batch: part, location: route.location });
        continue;
      }
      try {
        this.channels!.send(route.edge, w, time, part);
      } catch (err) {
        throw err instanceof RecordRefusal ? this.badRecord(route, err) : err;
      }
      this.changes.update(route.location, time, +1);
    }
  }

  /** A key as the exchange hashes it: a number or a string; anything else is BAD_KEY, naming the edge. */
  private checkedKey(route: Route, k: unknown): number | string {
    if (typeof k === 'number' || typeof k === 'string') return k;
    const { from, to } = this.ends(route.edge);
    throw new DataflowError(
      'BAD_KEY',
      `the exchange key of edge ${route.edge} (from '${from}' to '${to}') returned ${k === null || k === undefined ? String(k) : `${typeof k === 'object' ? 'an' : 'a'} ${typeof k}`}: a key must be a number or a string`,
      { stage: from, edge: route.edge, to, key: k === null || k === undefined ? String(k) : typeof k },
    );
  }

  /** Records that stay on this worker are checked as if they crossed (they would on another worker count). */
  private checkLocal(route: Route, batch: readonly unknown[]): void {
    try {
      checkBatch(batch);
    } catch (err) {
      throw err instanceof RecordRefusal ? this.badRecord(route, err) : err;
    }
  }

  private badRecord(route: Route, refusal: RecordRefusal): DataflowError {
    const { from, to } = this.ends(route.edge);
    return new DataflowError(
      'BAD_RECORD',
      `a record on edge ${route.edge} (from '${from}' to '${to}') cannot cross to another worker: ${refusal.describe()}. ` +
        'Records on exchange edges must be data: numbers, strings, booleans, bigints, null, undefined, arrays, plain objects, Map, Set, Date and typed arrays',
      { stage: from, edge: route.edge, to, type: refusal.what, path: refusal.path },
    );
  }

  /** The names of the stages at the two ends of an edge. */
  private ends(edge: number): { from: string; to: string } {
    const e = this.graph.edges[edge]!;
    return { from: this.graph.stages[e.source]!.name, to: this.graph.stages[e.target]!.name };
  }

  /** A batch from another worker for `edge` arrives here; its production was counted by the sender. */
  deliverRemote(edge: number, time: Timestamp, batch: unknown[]): void {
    const e = this.graph.edges[edge];
    if (e === undefined) throw new DataflowError('INVALID_MESSAGE', `a remote batch names edge ${edge}, which this graph does not have`, { edge });
    this.vertices[e.target]!.inbox.push({ port: e.targetPort, time, batch, location: edgeLocation(this.graph, edge) });
  }

  /**
   * Tells each vertex that watches its input frontier (`onFrontier`) that it changed since it last
   * looked. Frontier arrays are replaced, never changed in place, so a changed frontier is a new array.
   */
  reportFrontiers(): void {
    const watchers = this.watchers;
    for (let i = 0; i < watchers.length; i++) {
      const w = watchers[i]!;
      const now = this.tracker.inputFrontier(w.vertex.location);
      if (now === w.seen) continue;
      if (w.seen !== undefined && sameTimes(now, w.seen)) {
        w.seen = now;
        continue;
      }
      w.seen = now;
      w.vertex.watching = true;
      try {
        w.vertex.vertex.onFrontier!(now);
      } catch (err) {
        throw this.failure(w.vertex, 'onFrontier', err);
      } finally {
        w.vertex.watching = false;
      }
    }
  }

  /** Delivers queued messages, then every notification whose time the input frontier has passed. */
  runActive(): number {
    let work = 0;
    const schedule = this.schedule;
    for (let i = 0; i < schedule.length; i++) {
      const v = schedule[i]!;
      if (v.inbox.length > 0) work += this.deliverMessages(v, ACTIVATION_RECORDS);
      if (v.pending.length > 0) work += this.deliverNotifications(v);
    }
    return work;
  }

  /**
   * Delivers the queued messages of every vertex that is not in a callback (no notifications): what a
   * sender held back by backpressure does with what arrives meanwhile. Returns the messages delivered.
   */
  deliverWaiting(): number {
    let work = 0;
    const schedule = this.schedule;
    for (let i = 0; i < schedule.length; i++) {
      const v = schedule[i]!;
      // Not to a vertex inside a callback of its own (onFrontier included): it takes them afterwards.
      if (v.inbox.length > 0 && v.current === undefined && !v.delivering && !v.watching) work += this.deliverMessages(v, Infinity);
    }
    return work;
  }

  /**
   * Delivers `v`'s queued messages in order, until their records reach `budget` (at least one message);
   * the rest stay queued, ahead of what arrives meanwhile.
   */
  private deliverMessages(v: VertexRuntime, budget: number): number {
    // Swap in the spare inbox: messages sent while these are handled queue there.
    const messages = v.inbox;
    v.inbox = v.spareInbox;
    v.delivering = true;
    const vertex = v.vertex;
    const changes = this.changes;
    let records = 0;
    let i = 0;
    for (; i < messages.length && records < budget; i++) {
      const m = messages[i]!;
      // Let go of each message as it is taken: a long inbox's batches are freed one by one (stages
      // downstream hold what they were sent), not all at its end.
      (messages as (Message | undefined)[])[i] = undefined;
      records += m.batch.length;
      changes.update(m.location, m.time, -1);
      this.stats.records += m.batch.length;
      if (vertex.onRecv === undefined) continue;
      v.current = m.time;
      try {
        vertex.onRecv(m.port, m.batch, m.time);
      } catch (err) {
        throw this.failure(v, m.time, err);
      } finally {
        v.current = undefined;
      }
    }
    const delivered = i;
    if (i < messages.length) {
      // Over budget: the undelivered messages first, then those sent meanwhile.
      const arrived = v.inbox;
      messages.copyWithin(0, i);
      messages.length -= i;
      for (let j = 0; j < arrived.length; j++) messages.push(arrived[j]!);
      clear(arrived);
      v.inbox = messages;
      v.spareInbox = arrived;
    } else {
      clear(messages);
      v.spareInbox = messages;
    }
    v.delivering = false;
    this.stats.messages += delivered;
    return delivered;
  }

  private deliverNotifications(v: VertexRuntime): number {
    const tracker = this.tracker;
    const pending = v.pending;
    // Move the times the frontier has passed to `ready`, keeping the rest in order, in place.
    const ready = this.ready;
    clear(ready);
    let kept = 0;
    for (let i = 0; i < pending.length; i++) {
      const t = pending[i]!;
      if (tracker.passed(v.location, t)) ready.push(t);
      else pending[kept++] = t;
    }
    if (ready.length === 0) return 0;
    while (pending.length > kept) pending.pop();
    const vertex = v.vertex;
    for (let i = 0; i < ready.length; i++) {
      const t = ready[i]!;
      this.changes.update(v.location, t, -1);
      if (vertex.onNotify === undefined) continue;
      v.current = t;
      try {
        vertex.onNotify(t);
      } catch (err) {
        throw this.failure(v, t, err);
      } finally {
        v.current = undefined;
      }
    }
    const delivered = ready.length;
    clear(ready);
    this.stats.notifications += delivered;
    return delivered;
  }

  /**
   * Runs `call` as stage `v` at `time`, turning what it throws into `failure`. Used to create vertices;
   * the two delivery loops above write the same try / finally out in place, so that no closure is made
   * per message or notification.
   */
  private invoke<R>(v: VertexRuntime, time: Timestamp | undefined, call: () => R): R {
    v.current = time;
    try {
      return call();
    } catch (err) {
      throw this.failure(v, time, err);
    } finally {
      v.current = undefined;
    }
  }

  /** The error to stop with when stage `v` threw `err` at `time`: VERTEX_FAILED naming stage, worker and time. */
  private failure(v: VertexRuntime, time: Timestamp | undefined | 'onFrontier', err: unknown): unknown {
    if (err instanceof ThrownAt) {
      time = err.time;
      err = err.error;
    }
    if (err instanceof DataflowError && (err.code === 'VERTEX_FAILED' || err.details['stage'] === v.stage)) return err;
    const what = err instanceof Error ? err.message : String(err);
    const when = time === undefined ? ' while being created' : time === 'onFrontier' ? ' in onFrontier' : ` at ${time}`;
    return new DataflowError(
      'VERTEX_FAILED',
      `stage '${v.stage}' threw on worker ${this.worker}${when}: ${what}`,
      { stage: v.stage, worker: this.worker, time: time === undefined || time === 'onFrontier' ? null : time.toString() },
      err,
    );
  }
}

function sameTimes(a: readonly Timestamp[], b: readonly Timestamp[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!b.some((t) => t.equals(a[i]!))) return false;
  return true;
}
