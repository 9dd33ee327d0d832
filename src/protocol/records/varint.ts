/**
 * Varint arithmetic of the record format (zig-zag signed varints, unsigned varints up to 2^53), on plain buffers
 * and positions, for the hot paths that build or rewrite records without a Reader or Writer.
 */

/** Zig-zag encodes a signed integer (int32 or int64 range) as a non-negative number. */
export const zigzag = (v: number): number => (v >= 0 ? v * 2 : -v * 2 - 1);

/** Inverse of zigzag. */
export const unzigzag = (u: number): number => (u % 2 === 0 ? u / 2 : -(u + 1) / 2);

/** Bytes an unsigned varint of `u` takes. */
export function uvarintSize(u: number): number {
  let n = 1;
  while (u >= 128) {
    u = Math.floor(u / 128);
    n++;
  }
  return n;
}

/** Bytes a zig-zag varint of `v` takes. */
export const varintSize = (v: number): number => uvarintSize(zigzag(v));

/** Writes an unsigned varint at `p`; returns the position after it. */
export function writeUvarint(b: Buffer, p: number, u: number): number {
  while (u >= 128) {
    b[p++] = (u % 128) | 0x80;
    u = Math.floor(u / 128);
  }
  b[p++] = u;
  return p;
}
