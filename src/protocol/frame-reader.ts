/**
 * Reads Kafka's size-prefixed frames off a stream that lets the reader choose where each read lands (net's
 * `onread` option): small frames are read into one reused scratch buffer and copied out, and a large frame gets a
 * buffer of its exact size that the following reads fill directly. A replica fetch answer of a megabyte is then
 * copied once (by the kernel into its buffer), where reading 64 KB chunks and joining them copies it twice and
 * makes sixteen more buffers for the garbage collector.
 *
 * `buffer()` is the region the next read fills; `received(n)` takes the n bytes a read put there and hands every
 * whole frame (without its 4-byte size) to `onFrame`, which returns false to stop (the stream failed). No I/O.
 */

/** Frames at least this large are read into their own buffer; smaller ones are copied out of the scratch buffer. */
const DIRECT_FRAME_BYTES = 16 * 1024;

export class FrameReader {
  private readonly scratch: Buffer;
  /** Unconsumed bytes of the scratch buffer: [start, end). */
  private start = 0;
  private end = 0;
  /** The large frame being filled, and how much of it is. */
  private frame: Buffer | undefined;
  private filled = 0;
  private stopped = false;

  constructor(
    /** Called with each whole frame; false stops the reader (nothing more is handed out). */
    private readonly onFrame: (frame: Buffer) => boolean,
    /** Called once with a frame size that is negative, above `maxFrameBytes` or cannot be allocated; the reader stops. */
    private readonly onInvalid: (size: number) => void,
    /** Largest frame accepted (a bigger size is taken for corruption rather than allocated). */
    private readonly maxFrameBytes = 1024 * 1024 * 1024,
    scratchBytes = 64 * 1024,
  ) {
    this.scratch = Buffer.allocUnsafeSlow(Math.max(scratchBytes, 2 * DIRECT_FRAME_BYTES));
  }

  /** The buffer the next read fills (never empty). */
  readonly buffer = (): Buffer =>
    this.frame !== undefined ? this.frame.subarray(this.filled) : this.scratch.subarray(this.end);

  /** The last read put `n` bytes at the start of `buffer()`. */
  readonly received = (n: number): void => {
    if (this.stopped || n <= 0) return;
    const frame = this.frame;
    if (frame !== undefined) {
      this.filled += n;
      if (this.filled < frame.length) return;
      this.frame = undefined;
      this.filled = 0;
      if (!this.onFrame(frame)) this.stopped = true;
      return;
    }
    this.end += n;
    this.parse();
  };

  private parse(): void {
    const s = this.scratch;
    while (!this.stopped && this.end - this.start >= 4) {
      const size = s.readInt32BE(this.start);
      if (size < 0 || size > this.maxFrameBytes) {
        this.stopped = true;
        this.onInvalid(size);
        return;
      }
      const have = this.end - this.start - 4;
      if (have >= size) {
        const f = Buffer.allocUnsafe(size);
        s.copy(f, 0, this.start + 4, this.start + 4 + size);
        this.start += 4 + size;
        if (!this.onFrame(f)) this.stopped = true;
        continue;
      }
      if (size >= DIRECT_FRAME_BYTES) {
        // The rest of this frame is read straight into its own buffer (a size no buffer can have is invalid).
        let f: Buffer;
        try {
          f = Buffer.allocUnsafe(size);
        } catch {
          this.stopped = true;
          this.onInvalid(size);
          return;
        }
        s.copy(f, 0, this.start + 4, this.end);
        this.frame = f;
        this.filled = have;
        this.start = this.end = 0;
        return;
      }
      break;
    }
    // What is left (less than a small frame) moves to the front, so the next read has room.
    if (this.start === this.end) this.start = this.end = 0;
    else if (this.start > 0) {
      s.copyWithin(0, this.start, this.end);
      this.end -= this.start;
      this.start = 0;
    }
  }
}
