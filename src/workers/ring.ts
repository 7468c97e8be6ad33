/** Ring: a bounded single-producer, single-consumer byte channel in a SharedArrayBuffer, carrying whole messages. */

const HEAD = 0; // next byte the reader will read
const TAIL = 1; // next byte the writer will write
const STUCK = 2; // 1 while the writer has bytes the ring could not take: the reader should wake it
const HEADER_BYTES = 16;
const FRAME_HEADER = 8;
const MORE = 0x80000000; // frame flag: the message continues in the next frame
const SKIP = 0x7fffffff; // frame header: the rest of the ring up to its end is padding

/** Bytes of the header `RingWriter.writeRouted` puts before a message: a u32 route, little-endian, then 4 bytes of padding (payloads stay 8-aligned). */
export const ROUTE_HEADER = 8;

/** The route in front of a message that `RingWriter.writeRouted` wrote. */
export function routeOf(message: Uint8Array): number {
  return (message[0]! | (message[1]! << 8) | (message[2]! << 16)) + message[3]! * 0x1000000;
}

/** The shared memory of one ring; it can be sent to another thread. */
export interface RingMemory {
  readonly buffer: SharedArrayBuffer;
}

export function allocateRing(capacity: number): RingMemory {
  if (!Number.isInteger(capacity) || capacity < 64 || capacity % 8 !== 0) throw new RangeError(`a ring needs a capacity that is a multiple of 8 and at least 64, got ${capacity}`);
  return { buffer: new SharedArrayBuffer(HEADER_BYTES + capacity) };
}

/** Bytes a frame of `length` data bytes takes: its header, then the data padded to 8. */
function frameBytes(length: number): number {
  return FRAME_HEADER + ((length + 7) & ~7);
}

/**
 * Messages are split into frames (an 8-byte header holding the length, with a "more follows" bit, then
 * the bytes, padded to 8). A frame never wraps around the end of the ring (the writer skips to the start
 * instead), so the reader can hand out its bytes in place, 8-aligned. The writer writes what fits and
 * keeps the rest queued: memory beyond the ring is only what the caller has queued, which it can see
 * (`pendingBytes`) and use to stop producing.
 */
export class RingWriter {
  private readonly index: Int32Array;
  private readonly bytes: Uint8Array;
  /** The same bytes as 32-bit words: frame headers are word-aligned. */
  private readonly words: Uint32Array;
  private readonly capacity: number;
  private readonly queue: Uint8Array[] = [];
  private offset = 0; // how much of queue[0] is written
  private queued = 0;

  constructor(memory: RingMemory) {
    this.index = new Int32Array(memory.buffer, 0, 3);
    this.bytes = new Uint8Array(memory.buffer, HEADER_BYTES);
    this.words = new Uint32Array(memory.buffer, HEADER_BYTES);
    this.capacity = this.bytes.length;
  }

  /**
   * Queues a whole message and writes as much as fits. With `transient`, the caller will reuse the
   * message's bytes: whatever the ring cannot take now is copied. Returns whether anything reached the ring.
   */
  write(message: Uint8Array, transient = false): boolean {
    this.queue.push(message);
    this.queued += message.length;
    const wrote = this.flush();
    const last = this.queue.length - 1;
    if (transient && last >= 0 && this.queue[last] === message) this.queue[last] = message.slice();
    return wrote;
  }

  /**
   * Queues a message made of an 8-byte header holding `route` (u32, little-endian, then 4 bytes of
   * padding) and `message`: written straight into the ring when it fits at once (nothing queued, one
   * frame), else built and queued as `write` does. `message` may be reused once this returns.
   */
  writeRouted(route: number, message: Uint8Array): boolean {
    const length = ROUTE_HEADER + message.length;
    if (this.queue.length === 0 && length <= (this.capacity >> 1) - 2 * FRAME_HEADER) {
      let tail = this.index[TAIL]!;
      const capacity = this.capacity;
      const head = Atomics.load(this.index, HEAD);
      let free = (head - tail - FRAME_HEADER + capacity) % capacity;
      const frame = frameBytes(length);
      const toEnd = capacity - tail;
      let fits = true;
      if (frame > toEnd) {
        if (frame + toEnd > free) fits = false;
        else {
          this.words[tail >> 2] = SKIP;
          free -= toEnd;
          tail = 0;
        }
      }
      if (fits && frame <= free) {
        this.words[tail >> 2] = length;
        const at = tail + FRAME_HEADER;
        const b = this.bytes;
        b[at] = route & 0xff;
        b[at + 1] = (route >>> 8) & 0xff;
        b[at + 2] = (route >>> 16) & 0xff;
        b[at + 3] = (route >>> 24) & 0xff;
        b.fill(0, at + 4, at + ROUTE_HEADER);
        b.set(message, at + ROUTE_HEADER);
        Atomics.store(this.index, TAIL, (tail + frame) % capacity);
        return true;
      }
    }
    const out = new Uint8Array(length);
    new DataView(out.buffer).setUint32(0, route, true);
    out.set(message, ROUTE_HEADER);
    return this.write(out);
  }

  /** Whether some message (perhaps an empty one) is still queued. */
  get hasPending(): boolean {
    return this.queue.length > 0;
  }

  /** Bytes queued but not yet in the ring. */
  get pendingBytes(): number {
    return this.queued;
  }

  /** Writes queued frames while they fit. Returns whether anything was written. */
  flush(): boolean {
    let wrote = false;
    let tail = this.index[TAIL]!;
    const capacity = this.capacity;
    const maxFrame = (capacity >> 1) - 2 * FRAME_HEADER;
    while (this.queue.length > 0) {
      const head = Atomics.load(this.index, HEAD);
      let free = (head - tail - FRAME_HEADER + capacity) % capacity; // one header's room stays empty
      const message = this.queue[0]!;
      const remaining = message.length - this.offset;
      const length = Math.min(remaining, maxFrame);
      const frame = frameBytes(length);
      const toEnd = capacity - tail;
      if (frame > toEnd) {
        if (frame + toEnd > free) break;
        this.words[tail >> 2] = SKIP;
        free -= toEnd;
        tail = 0;
      }
      if (frame > free) break;
      const more = length < remaining;
      this.words[tail >> 2] = (length | (more ? MORE : 0)) >>> 0;
      // A message's first frame of several also says how long the whole is: the reader makes its room once.
      if (more && this.offset === 0) this.words[(tail >> 2) + 1] = message.length;
      this.bytes.set(message.subarray(this.offset, this.offset + length), tail + FRAME_HEADER);
      tail = (tail + frame) % capacity;
      this.offset += length;
      this.queued -= length;
      if (!more) {
        this.queue.shift();
        this.offset = 0;
      }
      wrote = true;
    }
    if (wrote) Atomics.store(this.index, TAIL, tail);
    const stuck = this.queue.length > 0 ? 1 : 0;
    if (this.index[STUCK] !== stuck) Atomics.store(this.index, STUCK, stuck);
    return wrote;
  }
}

export class RingReader {
  private readonly index: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly words: Uint32Array;
  private readonly capacity: number;
  /** A message of several frames, while its frames come, and how much of it has. */
  private whole: Uint8Array | undefined;
  private filled = 0;
  /**
   * Frames the last `drain` took, whole messages or not. A message longer than a frame makes room in
   * the ring before it is whole: a writer stuck on it must be woken then, or it waits out its timeout.
   */
  framesTaken = 0;

  constructor(memory: RingMemory) {
    this.index = new Int32Array(memory.buffer, 0, 3);
    this.bytes = new Uint8Array(memory.buffer, HEADER_BYTES);
    this.words = new Uint32Array(memory.buffer, HEADER_BYTES);
    this.capacity = this.bytes.length;
  }

  /** Whether the writer is holding bytes back for want of room (reading made some: wake it). */
  writerStuck(): boolean {
    return Atomics.load(this.index, STUCK) !== 0;
  }

  /**
   * Hands every whole message in the ring to `receive`, in order. A message that fits one frame is a view
   * of the ring itself, valid only until `receive` returns (copy what must outlive it). A message of
   * several frames is gathered into memory of its own, which `receive` may keep (`own` is then true).
   * Returns how many messages there were. Stops early once `budget` bytes have been handed out (the
   * rest stays for the next call), so that a reader can act on what it has read before reading more.
   * `framesTaken` then says whether it made room, even if no message was whole.
   */
  drain(receive: (message: Uint8Array, own: boolean) => void, budget = Infinity): number {
    let head = this.index[HEAD]!;
    const tail = Atomics.load(this.index, TAIL);
    let count = 0;
    let read = 0;
    let frames = 0;
    while (head !== tail && read < budget) {
      const header = this.words[head >> 2]!;
      if (header === SKIP) {
        head = 0;
        continue;
      }
      const length = header & ~MORE & 0x7fffffff;
      read += length;
      frames++;
      const at = head + FRAME_HEADER;
      const next = (head + frameBytes(length)) % this.capacity;
      if ((header & MORE) !== 0) {
        if (this.whole === undefined) {
          this.whole = new Uint8Array(this.words[(head >> 2) + 1]!);
          this.filled = 0;
        }
        this.take(at, length);
        head = next;
        Atomics.store(this.index, HEAD, head);
        continue;
      }
      if (this.whole !== undefined) {
        this.take(at, length);
        const message = this.whole;
        if (this.filled !== message.length) throw new RangeError(`a ring message of ${message.length} bytes ended after ${this.filled}`);
        this.whole = undefined;
        head = next;
        Atomics.store(this.index, HEAD, head);
        receive(message, true);
      } else {
        receive(this.bytes.subarray(at, at + length), false);
        head = next;
        Atomics.store(this.index, HEAD, head);
      }
      count++;
    }
    Atomics.store(this.index, HEAD, head);
    this.framesTaken = frames;
    return count;
  }

  /** Copies a frame's `length` bytes at `at` into the message being gathered. */
  private take(at: number, length: number): void {
    const whole = this.whole!;
    if (this.filled + length > whole.length) throw new RangeError(`a ring message of ${whole.length} bytes has more frames than that`);
    whole.set(this.bytes.subarray(at, at + length), this.filled);
    this.filled += length;
  }

  /** Whether a frame is waiting. */
  hasData(): boolean {
    return this.index[HEAD] !== Atomics.load(this.index, TAIL);
  }
}
