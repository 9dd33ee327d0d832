/**
 * Byte positions of the fixed fields of a record batch (magic 2) and of a legacy message (magic 0 and 1).
 * Both start with an int64 offset and an int32 size, so a log of either can be walked by those two fields.
 */

/** Offset of the first record (batches) or of the message (legacy). */
export const BASE_OFFSET = 0;
/** Bytes that follow this field: a whole batch or message is `LOG_OVERHEAD + length` bytes. */
export const LENGTH = 8;
export const LOG_OVERHEAD = 12;

// Record batch, magic 2
export const PARTITION_LEADER_EPOCH = 12;
export const MAGIC = 16;
export const CRC = 17;
/** The CRC-32C covers everything from the attributes to the end of the batch. */
export const ATTRIBUTES = 21;
export const LAST_OFFSET_DELTA = 23;
export const BASE_TIMESTAMP = 27;
export const MAX_TIMESTAMP = 35;
export const PRODUCER_ID = 43;
export const PRODUCER_EPOCH = 51;
export const BASE_SEQUENCE = 53;
export const RECORD_COUNT = 57;
export const BATCH_HEADER_SIZE = 61;

// Attribute bits of a batch
export const COMPRESSION_MASK = 0x07;
export const TIMESTAMP_TYPE_BIT = 0x08;
export const TRANSACTIONAL_BIT = 0x10;
export const CONTROL_BIT = 0x20;

// Legacy message, magic 0 and 1 (the same offset and size prefix, then:)
export const LEGACY_CRC = 12;
export const LEGACY_MAGIC = 16;
export const LEGACY_ATTRIBUTES = 17;
/** magic 1 only */
export const LEGACY_TIMESTAMP = 18;
export const LEGACY_HEADER_SIZE_V0 = 18;
export const LEGACY_HEADER_SIZE_V1 = 26;

export enum Compression {
  None = 0,
  Gzip = 1,
  Snappy = 2,
  Lz4 = 3,
  Zstd = 4,
}

const TWO_32 = 4294967296;
export function readInt64(b: Buffer, at: number): number {
  return b.readInt32BE(at) * TWO_32 + b.readUInt32BE(at + 4);
}
export function writeInt64(b: Buffer, at: number, v: number): void {
  const hi = Math.floor(v / TWO_32);
  b.writeInt32BE(hi, at);
  b.writeUInt32BE(v - hi * TWO_32, at + 4);
}
