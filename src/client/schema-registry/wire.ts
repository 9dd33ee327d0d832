/**
 * Confluent's wire format for schema-registry data: a zero magic byte, the schema id as a big-endian int32, then
 * (Protobuf only) the path of the message type within its file as zigzag varints — a count and the indexes, with
 * the common case [0] written as a single 0 — and then the encoded payload.
 */

export const MAGIC_BYTE = 0;

export function frame(id: number, payload: Uint8Array, messageIndexes?: number[]): Buffer {
  const idx = messageIndexes === undefined ? Buffer.alloc(0) : encodeIndexes(messageIndexes);
  const out = Buffer.allocUnsafe(5 + idx.length + payload.length);
  out[0] = MAGIC_BYTE;
  out.writeInt32BE(id, 1);
  idx.copy(out, 5);
  out.set(payload, 5 + idx.length);
  return out;
}

export interface Unframed {
  id: number;
  /** Offset of the payload (after the message indexes when they were read). */
  offset: number;
  messageIndexes?: number[];
}

/** Reads the header; `protobuf` reads the message indexes too. */
export function unframe(bytes: Buffer, protobuf = false): Unframed {
  if (bytes.length < 5 || bytes[0] !== MAGIC_BYTE) {
    throw new Error('not in the schema registry wire format (no magic byte 0 and schema id)');
  }
  const id = bytes.readInt32BE(1);
  if (!protobuf) return { id, offset: 5 };
  const pos = { at: 5 };
  const count = readZigzag(bytes, pos);
  if (count === 0) return { id, offset: pos.at, messageIndexes: [0] };
  if (count < 0 || count > 100) throw new Error(`bad Protobuf message index count ${count}`);
  const messageIndexes: number[] = [];
  for (let i = 0; i < count; i++) messageIndexes.push(readZigzag(bytes, pos));
  return { id, offset: pos.at, messageIndexes };
}

export function encodeIndexes(indexes: number[]): Buffer {
  if (indexes.length === 1 && indexes[0] === 0) return Buffer.from([0]);
  const bytes: number[] = [];
  writeZigzag(bytes, indexes.length);
  for (const i of indexes) writeZigzag(bytes, i);
  return Buffer.from(bytes);
}

function writeZigzag(out: number[], n: number): void {
  let v = ((n << 1) ^ (n >> 31)) >>> 0;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
}

function readZigzag(b: Buffer, pos: { at: number }): number {
  let v = 0;
  let shift = 0;
  for (;;) {
    if (pos.at >= b.length) throw new Error('truncated Protobuf message indexes');
    const byte = b[pos.at++]!;
    v |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) break;
    shift += 7;
    if (shift > 28) throw new Error('Protobuf message index varint too long');
  }
  v >>>= 0;
  return (v >>> 1) ^ -(v & 1);
}
