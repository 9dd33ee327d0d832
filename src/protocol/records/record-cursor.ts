/**
 * A cursor over the varint-encoded records of one (inflated) magic-2 batch, shared by everything that walks records:
 * validation and decoding (batch.ts), the client's fetch decoding and the log cleaner. Kept apart from the general Reader: the records hot path
 * avoids its per-call bounds objects. It throws RecordsError on bytes that run short.
 */

/** Thrown by the decoding / conversion functions when the bytes are not a well-formed batch or message set. */
export class RecordsError extends Error {
  override name = 'RecordsError';
  constructor(
    message: string,
    /** The Kafka error code to answer with: CORRUPT_MESSAGE (2) unless said otherwise. */
    readonly errorCode: number = 2,
  ) {
    super(message);
  }
}

export class RecordCursor {
  constructor(
    readonly b: Buffer,
    public pos: number,
    public end: number,
  ) {}

  varint(): number {
    // Fast path for the common one-byte case.
    const b = this.b;
    if (this.pos >= this.end) throw new RecordsError('record data truncated');
    let x = b[this.pos++]!;
    if (x < 0x80) return (x >>> 1) ^ -(x & 1);
    let result = x & 0x7f;
    let shift = 7;
    for (;;) {
      if (this.pos >= this.end) throw new RecordsError('record data truncated');
      x = b[this.pos++]!;
      if (shift === 28) {
        if (x > 0x0f) throw new RecordsError('varint longer than 32 bits');
        result |= x << 28;
        break;
      }
      result |= (x & 0x7f) << shift;
      if (x < 0x80) break;
      shift += 7;
    }
    return (result >>> 1) ^ -(result & 1);
  }

  varlong(): number {
    const b = this.b;
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new RecordsError('record data truncated');
      const x = b[this.pos++]!;
      result += (x & 0x7f) * mul;
      if (x < 0x80) return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
      mul *= 128;
    }
    throw new RecordsError('varlong longer than 64 bits');
  }

  skip(n: number): void {
    if (this.pos + n > this.end) throw new RecordsError('record data truncated');
    this.pos += n;
  }

  /** Skips a varint-length-prefixed byte string (length -1 = null). */
  skipBytes(): void {
    const n = this.varint();
    if (n < -1) throw new RecordsError(`negative length ${n}`);
    if (n > 0) this.skip(n);
  }

  /** A view (not a copy) of a varint-length-prefixed byte string, null for length -1. */
  bytes(): Buffer | null {
    const n = this.varint();
    if (n === -1) return null;
    if (n < -1) throw new RecordsError(`negative length ${n}`);
    this.skip(n);
    return this.b.subarray(this.pos - n, this.pos);
  }
}
