/**
 * The bytes received on a stream and not yet consumed, kept as the chunks they arrived in: the reader of Kafka's
 * size-prefixed frames (broker connections, the inter-broker client and Samsa's client) takes frames from the
 * front. A frame lying in one chunk is a view of it; one spanning chunks is copied once.
 */
export class ByteQueue {
  private chunks: Buffer[] = [];
  private bytes = 0;

  /** How many bytes are buffered. */
  get length(): number {
    return this.bytes;
  }

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
  }

  /** The big-endian int32 at the front, not consumed; the caller checks that 4 bytes are buffered. */
  peekInt32(): number {
    const first = this.chunks[0]!;
    if (first.length >= 4) return first.readInt32BE(0);
    return Buffer.concat(this.chunks, 4).readInt32BE(0);
  }

  /** Removes and returns the first n bytes; the caller checks that n bytes are buffered. */
  take(n: number): Buffer {
    this.bytes -= n;
    const first = this.chunks[0]!;
    if (first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, n - filled);
      c.copy(out, filled, 0, k);
      filled += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    return out;
  }

  /** Drops everything buffered. */
  clear(): void {
    this.chunks = [];
    this.bytes = 0;
  }
}
