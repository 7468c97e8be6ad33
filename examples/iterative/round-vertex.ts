/** RoundVertex: a loop vertex that gathers what an iteration brings and acts once the iteration is complete. */
import type { Vertex, VertexContext } from '../../src/graph/vertex.js';
import type { Timestamp } from '../../src/timestamps/timestamp.js';

export abstract class RoundVertex implements Vertex {
  protected readonly ctx: VertexContext;
  private readonly requested = new Set<string>();

  constructor(ctx: VertexContext) {
    this.ctx = ctx;
  }

  abstract onRecv(port: number, batch: readonly unknown[], time: Timestamp): void;

  /** Acts on a complete iteration. */
  protected abstract round(time: Timestamp): void;

  /** Asks to act at `time` once it is complete (one request per time). */
  protected wake(time: Timestamp): void {
    if (this.requested.has(time.key)) return;
    this.requested.add(time.key);
    this.ctx.notifyAt(time);
  }

  onNotify(time: Timestamp): void {
    this.requested.delete(time.key);
    this.round(time);
  }
}
