/** Ring: a bounded single-producer, single-consumer byte channel in a SharedArrayBuffer, carrying whole messages. */

const HEAD = 0; // next byte the reader will read
const TAIL = 1; // next byte the writer will write
const HEADER_BYTES = 8;
const MORE = 0x80000000; // frame flag: the message continues in the next frame

/** The shared memory of one ring; it can be sent to another thread. */
export interface RingMemory {
  readonly buffer: SharedArrayBuffer;
}

export function allocateRing(capacity: number): RingMemory {
  if (!Number.isInteger(capacity) || capacity < 64 || capacity % 4 !== 0) throw new RangeError(`a ring needs a capacity that is a multiple of 4 and at least 64, got ${capacity}`);
  return { buffer: new SharedArrayBuffer(HEADER_BYTES + capacity) };
}

/**
 * Messages are split into frames (a 4-byte length, with a "more follows" bit, then the bytes, padded to
 * 4). The writer writes what fits and keeps the rest queued: memory beyond the ring is only what the
 * caller has queued, which it can see (`pendingBytes`) and use to stop producing.
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
    this.index = new Int32Array(memory.buffer, 0, 2);
    this.bytes = new Uint8Array(memory.buffer, HEADER_BYTES);
    this.words = new Uint32Array(memory.buffer, HEADER_BYTES);
    this.capacity = this.bytes.length;
  }

  /** Queues a whole message and writes as much as fits. Returns whether anything reached the ring. */
  write(message: Uint8Array): boolean {
    this.queue.push(message);
    this.queued += message.length;
    return this.flush();
  }

  /** Bytes queued but not yet in the ring. */
  get pendingBytes(): number {
    return this.queued;
  }

  /** Writes queued frames while they fit. Returns whether anything was written. */
  flush(): boolean {
    let wrote = false;
    let tail = this.index[TAIL]!;
    const maxFrame = (this.capacity >> 1) - 4;
    while (this.queue.length > 0) {
      const head = Atomics.load(this.index, HEAD);
      const free = (head - tail - 4 + this.capacity) % this.capacity; // one word stays empty
      const message = this.queue[0]!;
      const remaining = message.length - this.offset;
      const length = Math.min(remaining, maxFrame);
      const frame = 4 + ((length + 3) & ~3);
      if (frame > free) break;
      const more = length < remaining;
      this.words[tail >> 2] = (length | (more ? MORE : 0)) >>> 0;
      this.put((tail + 4) % this.capacity, message.subarray(this.offset, this.offset + length));
      tail = (tail + frame) % this.capacity;
      this.offset += length;
      this.queued -= length;
      if (!more) {
        this.queue.shift();
        this.offset = 0;
      }
      wrote = true;
    }
    if (wrote) Atomics.store(this.index, TAIL, tail);
    return wrote;
  }

  private put(at: number, data: Uint8Array): void {
    const first = Math.min(data.length, this.capacity - at);
    this.bytes.set(data.subarray(0, first), at);
    if (first < data.length) this.bytes.set(data.subarray(first), 0);
  }
}

export class RingReader {
  private readonly index: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly words: Uint32Array;
  private readonly capacity: number;
  private parts: Uint8Array[] = [];

  constructor(memory: RingMemory) {
    this.index = new Int32Array(memory.buffer, 0, 2);
    this.bytes = new Uint8Array(memory.buffer, HEADER_BYTES);
    this.words = new Uint32Array(memory.buffer, HEADER_BYTES);
    this.capacity = this.bytes.length;
  }

  /** Hands every whole message in the ring to `receive`, in order. Returns how many there were. */
  drain(receive: (message: Uint8Array) => void): number {
    let head = this.index[HEAD]!;
    const tail = Atomics.load(this.index, TAIL);
    let count = 0;
    while (head !== tail) {
      const header = this.words[head >> 2]!;
      const length = header & ~MORE & 0x7fffffff;
      const data = this.take((head + 4) % this.capacity, length);
      head = (head + 4 + ((length + 3) & ~3)) % this.capacity;
      // Free the space before handling the message, so that the writer can go on meanwhile.
      Atomics.store(this.index, HEAD, head);
      if ((header & MORE) !== 0) {
        this.parts.push(data);
        continue;
      }
      let message = data;
      if (this.parts.length > 0) {
        this.parts.push(data);
        message = concat(this.parts);
        this.parts = [];
      }
      receive(message);
      count++;
    }
    return count;
  }

  /** Whether a frame is waiting. */
  hasData(): boolean {
    return this.index[HEAD] !== Atomics.load(this.index, TAIL);
  }

  /** A copy of `length` bytes at `at`, wrapping around the end. */
  private take(at: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    const first = Math.min(length, this.capacity - at);
    out.set(this.bytes.subarray(at, at + first));
    if (first < length) out.set(this.bytes.subarray(0, length - first), first);
    return out;
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
