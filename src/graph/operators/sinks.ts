/** probe, collect and subscribe: the ends of a dataflow that a caller watches or reads. */
import { Timestamp } from '../../timestamps/timestamp.js';
import { ThrownAt } from '../errors.js';
import { Collected, ProbeHandle } from '../handles.js';
import type { UnaryLogic } from '../scope.js';
import type { Stream } from '../stream.js';
import { pipeline } from '../vertex.js';

/** A probe: tells whether the frontier at this point of the graph has passed a time. */
export function probe<T>(stream: Stream<T>, name = 'probe'): ProbeHandle {
  const stage = stream.scope.sink<T>(stream, name, pipeline, () => ({}));
  const handle = new ProbeHandle(stage.index);
  stream.scope.builder.onAttach((rt) => handle.attach(rt));
  return handle;
}

/** Gathers this worker's records of the stream, with their times. */
export function collect<T>(stream: Stream<T>, name = 'collect'): Collected<T> {
  const out = new Collected<T>();
  stream.scope.sink<T>(stream, name, pipeline, () => ({ onRecv: (batch, time) => out.push(batch, time) }));
  return out;
}

/** What `subscribe` calls. */
export interface Subscriber<T> {
  /** A batch of records at `time` reached the end of the stream on this worker. */
  data?(records: readonly T[], time: Timestamp): void;
  /**
   * Every record at `time` has been handed to `data` on this worker. On a stream outside any loop this
   * is called once for every epoch, in order, with or without data: from 0 up to the last epoch that
   * had data or that the stream's frontier reached while the dataflow ran (an epoch an input skipped,
   * by advanceTo(5) from 2, is reported too; one an input reached and closed at before the dataflow took
   * a step there may not be). Inside a loop, for each time that had data.
   */
  complete?(time: Timestamp): void;
}

/**
 * Calls `subscriber.data` with each batch of the stream that reaches this worker, and
 * `subscriber.complete` once each time is done (see `Subscriber`).
 *
 * @example
 * const perEpoch = new Map<number, number[]>();
 * stream.subscribe({
 *   data: (records, time) => perEpoch.set(time.epoch, [...(perEpoch.get(time.epoch) ?? []), ...records]),
 *   complete: (time) => console.log(`epoch ${time.epoch}:`, perEpoch.get(time.epoch) ?? []),
 * });
 */
export function subscribe<T>(stream: Stream<T>, subscriber: Subscriber<T>, name = 'subscribe'): void {
  const root = stream.scope.depth === 0;
  stream.scope.sink<T>(stream, name, pipeline, (ctx) => {
    if (root) return rootSubscriber(subscriber);
    const open = new Set<string>();
    return {
      onRecv(batch, time) {
        subscriber.data?.(batch, time);
        if (subscriber.complete !== undefined && !open.has(time.key)) {
          open.add(time.key);
          ctx.notifyAt(time);
        }
      },
      onNotify(time) {
        open.delete(time.key);
        subscriber.complete?.(time);
      },
    };
  });
}

/** A subscriber outside loops: epochs complete in order as the frontier passes them, data or not. */
function rootSubscriber<T>(subscriber: Subscriber<T>): UnaryLogic<T> {
  const complete = subscriber.complete;
  let next = 0; // the next epoch to report complete
  let last = -1; // the largest epoch with data, or reached by the frontier
  return {
    onRecv(batch, time) {
      subscriber.data?.(batch, time);
      if (time.epoch > last) last = time.epoch;
    },
    onFrontier:
      complete === undefined
        ? undefined
        : (frontier) => {
            let until = last + 1;
            if (frontier.length > 0) {
              let least = frontier[0]!.epoch;
              for (const t of frontier) least = Math.min(least, t.epoch);
              last = Math.max(last, least);
              until = least;
            }
            while (next < until) {
              const time = Timestamp.of(next++);
              try {
                complete.call(subscriber, time);
              } catch (err) {
                throw new ThrownAt(time, err); // the VERTEX_FAILED names the epoch being completed
              }
            }
          },
  };
}
