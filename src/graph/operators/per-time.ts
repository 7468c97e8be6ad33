/** PerTime: operator state kept per timestamp and released when the time completes. */
import type { Timestamp } from '../../timestamps/timestamp.js';

/**
 * A vertex's state for each time it has seen, with the notification that ends it: `open(time, notifyAt)`
 * gives the time's state, asking for `onNotify(time)` the first time; `close(time)` in `onNotify` takes
 * it and forgets it. What a hand-written `Map` by `time.key` plus `notifyAt` does, in one place (the
 * notificator of timely's operators); the library's own per-time operators use it.
 *
 * @example
 * scope.unary<number, number>(numbers, 'max', pipeline, (ctx) => {
 *   const max = new PerTime(() => ({ value: -Infinity }));
 *   return {
 *     onRecv: (batch, time) => {
 *       const m = max.open(time, ctx.notifyAt);
 *       for (const x of batch) m.value = Math.max(m.value, x);
 *     },
 *     onNotify: (time) => ctx.send([max.close(time)!.value], time),
 *   };
 * });
 */
export class PerTime<S> {
  private readonly states = new Map<string, S>();
  private readonly init: () => S;

  constructor(init: () => S) {
    this.init = init;
  }

  /** The state of `time`, created (and a notification requested through `notifyAt`) on first use. */
  open(time: Timestamp, notifyAt: (time: Timestamp) => void): S {
    let s = this.states.get(time.key);
    if (s === undefined) {
      s = this.init();
      this.states.set(time.key, s);
      notifyAt(time);
    }
    return s;
  }

  /** How many times have state now. */
  get size(): number {
    return this.states.size;
  }

  /** Removes and returns the state of a completed time. */
  close(time: Timestamp): S | undefined {
    const s = this.states.get(time.key);
    this.states.delete(time.key);
    return s;
  }
}
