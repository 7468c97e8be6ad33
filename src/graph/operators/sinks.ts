/** probe, collect and subscribe: the ends of a dataflow that a caller watches or reads. */
import type { Timestamp } from '../../timestamps/timestamp.js';
import { Collected, ProbeHandle } from '../handles.js';
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

export interface Subscriber<T> {
  /** A batch of records at `time` reached the end of the stream on this worker. */
  data?(records: readonly T[], time: Timestamp): void;
  /** Every record at `time` has been handed to `data` on this worker. */
  complete?(time: Timestamp): void;
}

export function subscribe<T>(stream: Stream<T>, subscriber: Subscriber<T>, name = 'subscribe'): void {
  stream.scope.sink<T>(stream, name, pipeline, (ctx) => {
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
