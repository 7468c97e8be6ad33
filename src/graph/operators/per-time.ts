/** PerTime: operator state kept per timestamp and released when the time completes. */
import type { Timestamp } from '../../timestamps/timestamp.js';

/** State for each open time; `open` asks for a notification the first time a time is seen. */
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

  /** Removes and returns the state of a completed time. */
  close(time: Timestamp): S | undefined {
    const s = this.states.get(time.key);
    this.states.delete(time.key);
    return s;
  }
}
