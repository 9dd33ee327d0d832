/**
 * A producer batch under construction. Records are serialized straight into one growing buffer that already has
 * room for the 61-byte batch header in front, so an uncompressed batch goes on the wire without another copy; a
 * compressed one is copied once, behind its header. Per record the builder keeps only the delivery callbacks.
 */
import { crc32c } from '../protocol/records/crc.js';
import { compress } from '../protocol/records/compression.js';
import {
  ATTRIBUTES,
  BASE_OFFSET,
  BASE_SEQUENCE,
  BASE_TIMESTAMP,
  BATCH_HEADER_SIZE,
  COMPRESSION_MASK,
  CRC,
  Compression,
  LAST_OFFSET_DELTA,
  LENGTH,
  LOG_OVERHEAD,
  MAGIC,
  MAX_TIMESTAMP,
  PARTITION_LEADER_EPOCH,
  PRODUCER_EPOCH,
  PRODUCER_ID,
  RECORD_COUNT,
  TRANSACTIONAL_BIT,
  writeInt64,
} from '../protocol/records/layout.js';
import { uvarintSize, writeUvarint, zigzag } from '../protocol/records/varint.js';
import type { Serialized } from './serde.js';

export type HeaderValue = string | Buffer | null;
/** Record headers: an object (one value per key) or a list (keys may repeat, order kept). */
export type HeadersInput = Record<string, HeaderValue> | ReadonlyArray<{ key: string; value: HeaderValue }>;

export type DeliveryCallback = (err: Error | null, metadata: RecordMetadata | null) => void;

export interface RecordMetadata {
  topic: string;
  partition: number;
  /** Offset the broker gave the record; -1 with acks=0. */
  offset: number;
  /** The record's timestamp, or the broker's append time for topics with LogAppendTime. */
  timestamp: number;
}

/** Size of a length-prefixed field holding `len` bytes (len -1 is null). */
function fieldSize(len: number): number {
  return len < 0 ? 1 : uvarintSize(zigzag(len)) + len;
}

function byteLen(v: Serialized): number {
  if (v === null) return -1;
  return typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : v.length;
}

function writeField(b: Buffer, p: number, v: Serialized, len: number): number {
  if (v === null) {
    b[p] = 1; // zigzag(-1)
    return p + 1;
  }
  p = writeUvarint(b, p, zigzag(len));
  if (typeof v === 'string') b.write(v, p, len, 'utf8');
  else v.copy(b, p);
  return p + len;
}

let nextBatchId = 0;

export class BatchBuilder {
  readonly id = nextBatchId++;
  buf: Buffer;
  pos = BATCH_HEADER_SIZE;
  count = 0;
  baseTimestamp = 0;
  maxTimestamp = -1;
  readonly createdAt = Date.now();
  /** Per record: who to tell about delivery (undefined for fire-and-forget records). */
  readonly callbacks: Array<DeliveryCallback | undefined> = [];
  readonly timestamps: number[] = [];
  /** Encoded batch, built once and reused by retries so sequence numbers and bytes stay the same. */
  encoded: Promise<Buffer> | undefined;
  attempts = 0;
  retryAt = 0;
  baseSequence = -1;
  lastError: Error | undefined;

  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly limit: number,
  ) {
    this.buf = Buffer.allocUnsafe(Math.min(limit, 4096) + BATCH_HEADER_SIZE);
  }

  get sizeInBytes(): number {
    return this.pos;
  }

  /** Whether the batch reached its size limit. */
  get full(): boolean {
    return this.pos >= this.limit;
  }

  /**
   * Serializes one record into the batch. Returns false, writing nothing, when the record does not fit and the
   * batch already has records (the caller then starts a new batch); a first record always fits.
   */
  append(timestamp: number, key: Serialized, value: Serialized, headers: HeadersInput | undefined): boolean {
    if (this.count === 0) {
      this.baseTimestamp = timestamp;
    }
    const tsDelta = zigzag(timestamp - this.baseTimestamp);
    const keyLen = byteLen(key);
    const valueLen = byteLen(value);
    let size = 1 + uvarintSize(tsDelta) + uvarintSize(zigzag(this.count)) + fieldSize(keyLen) + fieldSize(valueLen);
    let hcount = 0;
    if (headers !== undefined) {
      if (Array.isArray(headers)) {
        for (const h of headers as ReadonlyArray<{ key: string; value: HeaderValue }>) {
          size += fieldSize(Buffer.byteLength(h.key, 'utf8')) + fieldSize(byteLen(h.value));
          hcount++;
        }
      } else {
        const obj = headers as Record<string, HeaderValue>;
        for (const k in obj) {
          size += fieldSize(Buffer.byteLength(k, 'utf8')) + fieldSize(byteLen(obj[k]!));
          hcount++;
        }
      }
    }
    size += uvarintSize(zigzag(hcount));
    const total = uvarintSize(zigzag(size)) + size;
    // The limit counts the whole batch, header included, as the broker's max.message.bytes does.
    if (this.count > 0 && this.pos + total > this.limit) return false;
    if (this.pos + total > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < this.pos + total) cap *= 2;
      const next = Buffer.allocUnsafe(this.count > 0 ? Math.min(cap, this.limit + BATCH_HEADER_SIZE) : cap);
      this.buf.copy(next, 0, 0, this.pos);
      this.buf = next;
    }
    const b = this.buf;
    let p = writeUvarint(b, this.pos, zigzag(size));
    b[p++] = 0; // record attributes: unused
    p = writeUvarint(b, p, tsDelta);
    p = writeUvarint(b, p, zigzag(this.count));
    p = writeField(b, p, key, keyLen);
    p = writeField(b, p, value, valueLen);
    p = writeUvarint(b, p, zigzag(hcount));
    if (headers !== undefined) {
      if (Array.isArray(headers)) {
        for (const h of headers as ReadonlyArray<{ key: string; value: HeaderValue }>) {
          p = writeField(b, p, h.key, Buffer.byteLength(h.key, 'utf8'));
          p = writeField(b, p, h.value, byteLen(h.value));
        }
      } else {
        const obj = headers as Record<string, HeaderValue>;
        for (const k in obj) {
          const v = obj[k]!;
          p = writeField(b, p, k, Buffer.byteLength(k, 'utf8'));
          p = writeField(b, p, v, byteLen(v));
        }
      }
    }
    this.pos = p;
    if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp;
    this.timestamps.push(timestamp);
    this.count++;
    return true;
  }

  /** Producer id, epoch and base sequence written into the encoded batch (-1 before it is built). */
  stampedProducerId = -1;
  stampedEpoch = -1;
  stampedSequence = -1;

  /**
   * Builds the wire form (once): header, CRC, and the records compressed if asked. A retry after an epoch bump
   * (KIP-360) gets the same bytes with the new producer epoch and sequence written into the header.
   */
  async build(codec: Compression, producerId: number, producerEpoch: number, transactional: boolean): Promise<Buffer> {
    if (this.encoded === undefined) {
      this.stampedProducerId = producerId;
      this.stampedEpoch = producerEpoch;
      this.stampedSequence = this.baseSequence;
      this.encoded = this.doBuild(codec, producerId, producerEpoch, transactional);
      return this.encoded;
    }
    const out = await this.encoded;
    if (
      this.stampedProducerId !== producerId ||
      this.stampedEpoch !== producerEpoch ||
      this.stampedSequence !== this.baseSequence
    ) {
      writeInt64(out, PRODUCER_ID, producerId);
      out.writeInt16BE(producerEpoch, PRODUCER_EPOCH);
      out.writeInt32BE(this.baseSequence, BASE_SEQUENCE);
      out.writeUInt32BE(crc32c(out.subarray(ATTRIBUTES)), CRC);
      this.stampedProducerId = producerId;
      this.stampedEpoch = producerEpoch;
      this.stampedSequence = this.baseSequence;
    }
    return out;
  }

  private async doBuild(
    codec: Compression,
    producerId: number,
    producerEpoch: number,
    transactional: boolean,
  ): Promise<Buffer> {
    let out: Buffer;
    if (codec === Compression.None) {
      out = this.buf.subarray(0, this.pos);
    } else {
      const body = await compress(codec, this.buf.subarray(BATCH_HEADER_SIZE, this.pos));
      out = Buffer.allocUnsafe(BATCH_HEADER_SIZE + body.length);
      body.copy(out, BATCH_HEADER_SIZE);
    }
    let attributes = codec & COMPRESSION_MASK;
    if (transactional) attributes |= TRANSACTIONAL_BIT;
    writeInt64(out, BASE_OFFSET, 0);
    out.writeInt32BE(out.length - LOG_OVERHEAD, LENGTH);
    out.writeInt32BE(-1, PARTITION_LEADER_EPOCH);
    out.writeInt8(2, MAGIC);
    out.writeInt16BE(attributes, ATTRIBUTES);
    out.writeInt32BE(this.count - 1, LAST_OFFSET_DELTA);
    writeInt64(out, BASE_TIMESTAMP, this.baseTimestamp);
    writeInt64(out, MAX_TIMESTAMP, this.maxTimestamp);
    writeInt64(out, PRODUCER_ID, producerId);
    out.writeInt16BE(producerEpoch, PRODUCER_EPOCH);
    out.writeInt32BE(this.baseSequence, BASE_SEQUENCE);
    out.writeInt32BE(this.count, RECORD_COUNT);
    out.writeUInt32BE(crc32c(out.subarray(ATTRIBUTES)), CRC);
    // The uncompressed buffer is now owned by `out`; drop our reference so nothing writes into it again.
    this.buf = out;
    return out;
  }

  /** Delivers success to every record; `baseOffset` -1 (acks=0) gives -1 offsets. */
  complete(baseOffset: number, logAppendTime: number): void {
    const n = this.count;
    const cbs = this.callbacks;
    for (let i = 0; i < n; i++) {
      const cb = cbs[i];
      if (cb === undefined) continue;
      cb(null, {
        topic: this.topic,
        partition: this.partition,
        offset: baseOffset < 0 ? -1 : baseOffset + i,
        timestamp: logAppendTime >= 0 ? logAppendTime : this.timestamps[i]!,
      });
    }
  }

  /** Reports failure to every record; returns whether anyone was told. */
  fail(err: Error): boolean {
    let told = false;
    for (const cb of this.callbacks) {
      if (cb !== undefined) {
        cb(err, null);
        told = true;
      }
    }
    return told;
  }
}
