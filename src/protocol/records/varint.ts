/**
 * Varint arithmetic of the record format (zig-zag signed varints, unsigned varints up to 2^53), on plain buffers
 * and positions, for the hot paths that build or rewrite records without a Reader or Writer.
 */

/** Zig-zag encodes a signed integer (int32 or int64 range) as a non-negative number. */
export const zigzag = (v: number): number => (v >= 0 ? v * 2 : -v * 2 - 1);

/** Inverse of zigzag. */
export const unzigzag = (u: number): number => (u % 2 === 0 ? u / 2 : -(u + 1) / 2);

/** Bytes an unsigned varint of `u` takes (branches for the sizes records actually use). */
export function uvarintSize(u: number): number {
  if (u < 0x80) return 1;
  if (u < 0x4000) return 2;
  if (u < 0x200000) return 3;
  if (u < 0x10000000) return 4;
  let n = 5;
  u = Math.floor(u / 0x800000000);
  while (u > 0) {
    n++;
    u = Math.floor(u / 0x80);
  }
  return n;
}

/** Bytes a zig-zag varint of `v` takes. */
export const varintSize = (v: number): number => uvarintSize(zigzag(v));

/** Writes an unsigned varint at `p`; returns the position after it. */
export function writeUvarint(b: Buffer, p: number, u: number): number {
  while (u >= 0x80) {
    b[p++] = (u & 0x7f) | 0x80;
    // Integer shifts while the value fits in 32 bits; division above that.
    u = u >= 0x80000000 ? Math.floor(u / 0x80) : u >>> 7;
  }
  b[p++] = u;
  return p;
}
