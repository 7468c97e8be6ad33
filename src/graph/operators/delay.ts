/** delay: moves each record to a later time that a function chooses. */
import type { Timestamp } from '../../timestamps/timestamp.js';
import type { Stream } from '../stream.js';
import { pipeline } from '../vertex.js';

/**
 * Sends each record on at `later(record, time)`, a time ≥ its own of the same loop depth (an earlier one
 * is TIME_REGRESSION): records of one epoch can be held back to a later epoch, for windows or retries.
 *
 * @example
 * // Every record also counts in the next two epochs (a sliding window of three).
 * const windowed = stream.concat(stream.delay((_, t) => Timestamp.of(t.epoch + 1)), stream.delay((_, t) => Timestamp.of(t.epoch + 2)));
 */
export function delay<T>(stream: Stream<T>, later: (record: T, time: Timestamp) => Timestamp, name = 'delay'): Stream<T> {
  return stream.scope.unary<T, T>(stream, name, pipeline, (ctx) => ({
    onRecv(batch, time) {
      // One batch per distinct time chosen, in the order first chosen.
      const groups = new Map<string, { time: Timestamp; records: T[] }>();
      for (let i = 0; i < batch.length; i++) {
        const t = later(batch[i]!, time);
        const key = t?.key;
        let g = key === undefined ? undefined : groups.get(key);
        if (g === undefined) {
          g = { time: t, records: [] };
          if (key !== undefined) groups.set(key, g);
          else ctx.send([batch[i]!], t); // not a Timestamp: sendBy names the mistake
        }
        g.records.push(batch[i]!);
      }
      for (const g of groups.values()) ctx.send(g.records, g.time);
    },
  }));
}
