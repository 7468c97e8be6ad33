/** ProgressTracker: one worker's replica of the pointstamp counts and the input frontier of every vertex. */
import { MutableAntichain } from '../timestamps/mutable-antichain.js';
import type { TimestampOrder } from '../timestamps/order.js';
import type { Timestamp } from '../timestamps/timestamp.js';
import type { PointstampUpdate } from './change-batch.js';
import { clear } from './arrays.js';
import { ProgressError } from './errors.js';
import { Reachability } from './reachability.js';
import type { Pointstamp, ProgressTopology } from './topology.js';

/** An active pointstamp with its occurrence count in this replica. */
export interface ActivePointstamp extends Pointstamp {
  readonly count: number;
}

/**
 * Counts live per location in a MutableAntichain. Whenever the frontier of a location changes, the
 * change is pushed through the precomputed minimal path summaries into the "implications" of every
 * vertex it reaches: the input frontier of vertex v is the set of minimal times that any active
 * pointstamp could still bring to v's inputs. A vertex may be notified at t once nothing in its input
 * frontier is ≤ t. Batches are applied whole; counts may dip below zero in between.
 *
 * @example
 * const tracker = new ProgressTracker(graph.topology, productOrder);
 * tracker.apply([{ location: input, time: Timestamp.of(0), delta: +1 }]);
 * tracker.passed(sink, Timestamp.of(0)); // false while the input can still send at epoch 0
 */
export class ProgressTracker {
  readonly reachability: Reachability;
  readonly order: TimestampOrder;
  private readonly topology: ProgressTopology;
  private readonly pointstamps: MutableAntichain[];
  private readonly implications: (MutableAntichain | undefined)[];
  private readonly touched: number[] = [];
  private readonly before: (readonly Timestamp[] | undefined)[];
  private nonZero = 0;
  private readonly isNonZero: boolean[];

  constructor(topology: ProgressTopology, order: TimestampOrder) {
    this.topology = topology;
    this.order = order;
    this.reachability = new Reachability(topology, order);
    this.pointstamps = topology.locations.map(() => new MutableAntichain(order));
    this.implications = topology.locations.map((l) => (l.kind === 'vertex' ? new MutableAntichain(order) : undefined));
    this.before = topology.locations.map(() => undefined);
    this.isNonZero = topology.locations.map(() => false);
  }

  /** Applies one whole batch of updates and propagates the resulting frontier changes. */
  apply(updates: readonly PointstampUpdate[]): void {
    this.count(updates);
    this.propagate();
  }

  /**
   * Applies several whole batches as one: the frontiers move once, from the state before the first to
   * the state after the last. Safe because no replica acts on a state between two batches anyway.
   */
  applyAll(batches: readonly (readonly PointstampUpdate[])[]): void {
    for (let i = 0; i < batches.length; i++) this.count(batches[i]!);
    this.propagate();
  }

  private count(updates: readonly PointstampUpdate[]): void {
    const locations = this.topology.locations;
    for (let i = 0; i < updates.length; i++) {
      const u = updates[i]!;
      const loc = u.location;
      const info = locations[loc];
      if (info === undefined) throw new ProgressError('UNKNOWN_LOCATION', { location: loc, time: u.time });
      if (u.time.counters.length !== info.depth) {
        throw new ProgressError('DEPTH_MISMATCH', { location: info.name, time: u.time, expectedDepth: info.depth });
      }
      const counts = this.pointstamps[loc]!;
      if (this.before[loc] === undefined) {
        this.before[loc] = counts.frontier();
        this.touched.push(loc);
      }
      counts.update(u.time, u.delta);
    }
  }

  private propagate(): void {
    const touched = this.touched;
    for (let i = 0; i < touched.length; i++) {
      const loc = touched[i]!;
      const counts = this.pointstamps[loc]!;
      const old = this.before[loc]!;
      this.before[loc] = undefined;
      const zero = counts.isZero();
      if (zero === this.isNonZero[loc]) {
        this.isNonZero[loc] = !zero;
        this.nonZero += zero ? -1 : 1;
      }
      const now = counts.frontier();
      if (old === now || (old.length === 1 && now.length === 1 && old[0]!.equals(now[0]!))) continue;
      for (let j = 0; j < old.length; j++) if (!contains(now, old[j]!)) this.imply(loc, old[j]!, -1);
      for (let j = 0; j < now.length; j++) if (!contains(old, now[j]!)) this.imply(loc, now[j]!, +1);
    }
    clear(touched);
  }

  private imply(source: number, time: Timestamp, delta: number): void {
    const reaches = this.reachability.toVertices[source]!;
    for (let i = 0; i < reaches.length; i++) {
      const r = reaches[i]!;
      const target = this.implications[r.target]!;
      for (let j = 0; j < r.summaries.length; j++) target.update(r.summaries[j]!.apply(time), delta);
    }
  }

  /** No message at any t' ≤ `time` can still reach the inputs of `vertex`. */
  passed(vertex: number, time: Timestamp): boolean {
    return !this.implications[vertex]!.lessEqual(time);
  }

  /** The minimal times that could still arrive at the inputs of `vertex`. */
  inputFrontier(vertex: number): readonly Timestamp[] {
    const imp = this.implications[vertex];
    if (imp === undefined) throw new ProgressError('UNKNOWN_LOCATION', { location: vertex }, 'input frontiers exist for vertices only');
    return imp.frontier();
  }

  /** The minimal times with a positive count at `location`. */
  frontierAt(location: number): readonly Timestamp[] {
    return this.pointstamps[location]!.frontier();
  }

  countOf(location: number, time: Timestamp): number {
    return this.pointstamps[location]!.countOf(time);
  }

  /** Every pointstamp count in this replica is zero: nothing can happen any more. */
  isComplete(): boolean {
    return this.nonZero === 0;
  }

  /** Every pointstamp with a non-zero count. */
  active(): ActivePointstamp[] {
    const out: ActivePointstamp[] = [];
    this.pointstamps.forEach((counts, location) => {
      for (const e of counts.entries()) out.push({ location, time: e.time, count: e.count });
    });
    return out;
  }

  /** The active pointstamps that could-result-in a message at or before `time` at the inputs of `vertex`. */
  holders(vertex: number, time: Timestamp): ActivePointstamp[] {
    return this.active().filter(
      (p) => p.count > 0 && this.reachability.summaries(p.location, vertex).some((s) => this.order.lessEqual(s.apply(p.time), time)),
    );
  }

  /** Throws NEGATIVE_COUNT if any count is negative; call only when every sent batch has been applied. */
  checkNonNegative(): void {
    for (let loc = 0; loc < this.pointstamps.length; loc++) {
      const counts = this.pointstamps[loc]!;
      if (!counts.hasNegative()) continue;
      for (const e of counts.entries()) {
        if (e.count < 0) {
          throw new ProgressError('NEGATIVE_COUNT', { location: this.topology.locations[loc]!.name, time: e.time, count: e.count });
        }
      }
    }
  }

  /** Describes a location by name for errors and diagnostics. */
  describeLocation(location: number): string {
    const l = this.topology.locations[location];
    return l === undefined ? `#${location}` : `${l.kind} '${l.name}'`;
  }
}

function contains(times: readonly Timestamp[], time: Timestamp): boolean {
  for (let i = 0; i < times.length; i++) if (times[i]!.equals(time)) return true;
  return false;
}
