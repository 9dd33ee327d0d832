/**
 * Kafka wire primitives: a bounds-checked cursor for decoding and a growable writer for encoding.
 *
 * Integers wider than 32 bits (int64, varlong) are JavaScript numbers: offsets, timestamps and producer ids stay
 * well inside 2^53 in practice, and numbers keep the hot path free of BigInt arithmetic.
 */

/** Thrown when bytes on the wire do not form a valid value (truncated, negative length, bad varint). */
export class DecodeError extends Error {
  override name = 'DecodeError';
}

const TWO_32 = 4294967296;

export class Reader {
  buf: Buffer;
  pos: number;
  end: number;

  constructor(buf: Buffer, pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  need(n: number): void {
    if (n < 0 || this.pos + n > this.end) {
      throw new DecodeError(`need ${n} bytes at position ${this.pos}, only ${this.end - this.pos} left`);
    }
  }

  int8(): number {
    this.need(1);
    return this.buf.readInt8(this.pos++);
  }

  uint8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  bool(): boolean {
    return this.int8() !== 0;
  }

  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  uint16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  uint32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  int64(): number {
    this.need(8);
    const hi = this.buf.readInt32BE(this.pos);
    const lo = this.buf.readUInt32BE(this.pos + 4);
    this.pos += 8;
    return hi * TWO_32 + lo;
  }

  float64(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  uvarint(): number {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      this.need(1);
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
    throw new DecodeError('unsigned varint longer than 5 bytes');
  }

  varint(): number {
    const u = this.uvarint();
    // zig-zag decode on a value up to 2^32
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  uvarlong(): number {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      this.need(1);
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
    throw new DecodeError('unsigned varlong longer than 10 bytes');
  }

  varlong(): number {
    const u = this.uvarlong();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  uuid(): string {
    this.need(16);
    const h = this.buf.toString('hex', this.pos, this.pos + 16);
    this.pos += 16;
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  /** A view of the next n bytes, not a copy. */
  slice(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }

  utf8(n: number): string {
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
}

const INITIAL = 256;
/** Byte blobs at least this large are referenced, not copied, when the writer is allowed to chain buffers. */
const ZERO_COPY_MIN = 16 * 1024;

export class Writer {
  private buf: Buffer;
  pos = 0;
  /** Finished parts when large blobs are chained by reference; empty for a plain single-buffer writer. */
  private parts: Buffer[] = [];
  private partsLength = 0;

  constructor(initial = INITIAL) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  /** Total bytes written so far, chained parts included. */
  get length(): number {
    return this.partsLength + this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  int8(v: number): this {
    this.ensure(1);
    this.buf.writeInt8(v, this.pos);
    this.pos += 1;
    return this;
  }

  uint8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v;
    return this;
  }

  bool(v: boolean): this {
    return this.uint8(v ? 1 : 0);
  }

  int16(v: number): this {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }

  uint16(v: number): this {
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }

  int32(v: number): this {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }

  uint32(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
    return this;
  }

  int64(v: number): this {
    this.ensure(8);
    // A decoded int64 beyond 2^53 is a rounded number, and one near the type's limits rounds out of its range:
    // such a value (echoed back from a request, say) is written as the nearest limit rather than thrown on.
    if (v >= 2 ** 63 || v < -(2 ** 63) || Number.isNaN(v)) {
      this.buf.writeInt32BE(v > 0 ? 0x7fffffff : Number.isNaN(v) ? 0 : -0x80000000, this.pos);
      this.buf.writeUInt32BE(v > 0 ? 0xffffffff : 0, this.pos + 4);
      this.pos += 8;
      return this;
    }
    const hi = Math.floor(v / TWO_32);
    const lo = v - hi * TWO_32;
    this.buf.writeInt32BE(hi, this.pos);
    this.buf.writeUInt32BE(lo, this.pos + 4);
    this.pos += 8;
    return this;
  }

  float64(v: number): this {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
    return this;
  }

  uvarint(v: number): this {
    this.ensure(10);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
    return this;
  }

  varint(v: number): this {
    return this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  uvarlong(v: number): this {
    return this.uvarint(v);
  }

  varlong(v: number): this {
    return this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  uuid(v: string): this {
    const hex = v.replace(/-/g, '');
    if (hex.length !== 32) throw new TypeError(`not a UUID: ${v}`);
    this.ensure(16);
    this.buf.write(hex, this.pos, 16, 'hex');
    this.pos += 16;
    return this;
  }

  /** Appends bytes; large blobs are chained by reference instead of copied. */
  bytes(b: Buffer): this {
    if (b.length >= ZERO_COPY_MIN) {
      this.parts.push(this.buf.subarray(0, this.pos), b);
      this.partsLength += this.pos + b.length;
      this.buf = this.buf.subarray(this.pos);
      this.pos = 0;
      if (this.buf.length < INITIAL) this.buf = Buffer.allocUnsafe(INITIAL);
      return this;
    }
    this.ensure(b.length);
    b.copy(this.buf, this.pos);
    this.pos += b.length;
    return this;
  }

  utf8(s: string, byteLength: number): this {
    this.ensure(byteLength);
    this.buf.write(s, this.pos, byteLength, 'utf8');
    this.pos += byteLength;
    return this;
  }

  /** Overwrites an int32 at an absolute position of the current (unchained) buffer region. */
  patchInt32(at: number, v: number): void {
    if (this.parts.length > 0) throw new Error('patchInt32 after chained parts is not supported');
    this.buf.writeInt32BE(v, at);
  }

  /**
   * Finishes a size-prefixed frame whose writer began with `int32(0)` as a placeholder: fills in the size of what
   * follows and returns the frame as buffers for a vectored write.
   */
  finishFrame(): Buffer[] {
    const out = this.toBuffers();
    out[0]!.writeInt32BE(this.length - 4, 0);
    return out;
  }

  /** The written bytes as one buffer (copies when parts were chained). */
  toBuffer(): Buffer {
    if (this.parts.length === 0) return this.buf.subarray(0, this.pos);
    return Buffer.concat([...this.parts, this.buf.subarray(0, this.pos)], this.length);
  }

  /** The written bytes as a list of buffers, for vectored socket writes without copying. */
  toBuffers(): Buffer[] {
    if (this.parts.length === 0) return [this.buf.subarray(0, this.pos)];
    return [...this.parts, this.buf.subarray(0, this.pos)].filter((b) => b.length > 0);
  }
}
