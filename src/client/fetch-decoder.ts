/**
 * Turns the record bytes of one partition's fetch answer into consumer records, one batch at a time, so a large
 * answer is never expanded in full at once. Control batches are skipped; with read_committed, batches of aborted
 * transactions are skipped too (using the aborted-transaction list the broker sends along).
 */
import { decompress } from '../protocol/records/compression.js';
import { ControlType, readControlBatch } from '../protocol/records/control.js';
import { decodeMessageSet } from '../protocol/records/message-set.js';
import {
  ATTRIBUTES,
  BASE_TIMESTAMP,
  BATCH_HEADER_SIZE,
  COMPRESSION_MASK,
  CONTROL_BIT,
  Compression,
  LAST_OFFSET_DELTA,
  LENGTH,
  LOG_OVERHEAD,
  MAGIC,
  MAX_TIMESTAMP,
  PRODUCER_ID,
  RECORD_COUNT,
  TIMESTAMP_TYPE_BIT,
  TRANSACTIONAL_BIT,
  readInt64,
} from '../protocol/records/layout.js';
import { RecordCursor, RecordsError } from '../protocol/records/record-cursor.js';
import { ErrorCode, KafkaError } from './errors.js';

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface ConsumerRecord<K = Buffer | null, V = Buffer | null> {
  topic: string;
  partition: number;
  offset: number;
  /** Milliseconds since the epoch. */
  timestamp: number;
  /** 'CreateTime' (set by the producer) or 'LogAppendTime' (set by the broker). */
  timestampType: 'CreateTime' | 'LogAppendTime';
  key: K;
  value: V;
  headers: RecordHeader[];
}

export type RecordMaker = (
  topic: string,
  partition: number,
  offset: number,
  timestamp: number,
  logAppend: boolean,
  key: Buffer | null,
  value: Buffer | null,
  headers: RecordHeader[],
) => ConsumerRecord<any, any>;

const MAX_INFLATE = 256 * 1024 * 1024;

/** One partition's fetched bytes, consumed batch by batch. */
export class PartitionData {
  private at = 0;
  private readonly limit: number;
  /** Offset just past the last batch read so far (skipping control records and gaps). */
  nextOffset: number;
  private readonly aborted: Array<{ producerId: number; firstOffset: number }> | null;
  private abortedIdx = 0;
  private readonly abortedProducers = new Set<number>();

  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly buf: Buffer,
    readonly fetchOffset: number,
    readonly highWatermark: number,
    abortedTransactions: Array<{ producerId: number; firstOffset: number }> | null,
    private readonly make: RecordMaker,
  ) {
    this.nextOffset = fetchOffset;
    this.limit = buf.length;
    this.aborted =
      abortedTransactions && abortedTransactions.length > 0
        ? [...abortedTransactions].sort((a, b) => a.firstOffset - b.firstOffset)
        : null;
  }

  get byteLength(): number {
    return this.buf.length;
  }

  get exhausted(): boolean {
    return (
      this.at + LOG_OVERHEAD > this.limit ||
      this.at + LOG_OVERHEAD + this.buf.readInt32BE(this.at + LENGTH) > this.limit
    );
  }

  /**
   * Records of the next whole batch at or after the fetch offset (possibly none, for control or aborted batches),
   * or null when no whole batch is left.
   */
  async nextBatch(): Promise<ConsumerRecord<any, any>[] | null> {
    const b = this.buf;
    if (this.exhausted) return null;
    const start = this.at;
    const end = start + LOG_OVERHEAD + b.readInt32BE(start + LENGTH);
    this.at = end;
    const baseOffset = readInt64(b, start);
    const magic = b[start + MAGIC]!;
    if (magic < 2) return this.legacy(b.subarray(start, end));
    if (end - start < BATCH_HEADER_SIZE)
      throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, 'record batch shorter than its header');
    const attributes = b.readInt16BE(start + ATTRIBUTES);
    const lastOffset = baseOffset + b.readInt32BE(start + LAST_OFFSET_DELTA);
    if (lastOffset < this.fetchOffset) return [];
    this.nextOffset = Math.max(this.nextOffset, lastOffset + 1);
    const producerId = readInt64(b, start + PRODUCER_ID);
    if (this.aborted !== null) {
      while (this.abortedIdx < this.aborted.length && this.aborted[this.abortedIdx]!.firstOffset <= lastOffset) {
        this.abortedProducers.add(this.aborted[this.abortedIdx++]!.producerId);
      }
    }
    if (attributes & CONTROL_BIT) {
      // An abort marker ends the aborted transaction of its producer.
      if (this.aborted !== null && readControlBatch(b, start)?.type === ControlType.ABORT)
        this.abortedProducers.delete(producerId);
      return [];
    }
    if (attributes & TRANSACTIONAL_BIT && this.abortedProducers.has(producerId)) return [];
    const count = b.readInt32BE(start + RECORD_COUNT);
    const logAppend = (attributes & TIMESTAMP_TYPE_BIT) !== 0;
    const baseTs = logAppend ? readInt64(b, start + MAX_TIMESTAMP) : readInt64(b, start + BASE_TIMESTAMP);
    const codec = (attributes & COMPRESSION_MASK) as Compression;
    if (codec === Compression.None)
      return this.parse(b, start + BATCH_HEADER_SIZE, end, baseOffset, baseTs, logAppend, count);
    let inner: Buffer;
    try {
      inner = await decompress(codec, b.subarray(start + BATCH_HEADER_SIZE, end), { maxOutputBytes: MAX_INFLATE });
    } catch (e) {
      throw new KafkaError(
        ErrorCode.CORRUPT_MESSAGE,
        `cannot decompress a batch of ${this.topic}-${this.partition}: ${(e as Error).message}`,
      );
    }
    return this.parse(inner, 0, inner.length, baseOffset, baseTs, logAppend, count);
  }

  /** Parses the records of one batch's (inflated) records section. */
  private parse(
    b: Buffer,
    from: number,
    end: number,
    baseOffset: number,
    baseTs: number,
    logAppend: boolean,
    count: number,
  ): ConsumerRecord[] {
    const out: ConsumerRecord[] = [];
    const cur = new RecordCursor(b, from, end);
    const min = this.fetchOffset;
    try {
      for (let i = 0; i < count; i++) {
        cur.end = end;
        const len = cur.varint();
        const recEnd = cur.pos + len;
        if (len < 0 || recEnd > end)
          throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `record of ${this.topic}-${this.partition} is truncated`);
        cur.end = recEnd;
        cur.pos += 1;
        const tsDelta = cur.varlong();
        const offset = baseOffset + cur.varint();
        const key = cur.bytes();
        if (offset < min) {
          cur.pos = recEnd;
          continue;
        }
        const value = cur.bytes();
        const hc = cur.varint();
        const headers: RecordHeader[] = new Array(Math.max(0, hc));
        for (let j = 0; j < hc; j++) {
          const k = cur.bytes();
          headers[j] = { key: k === null ? '' : k.toString('utf8'), value: cur.bytes() };
        }
        cur.pos = recEnd;
        out.push(
          this.make(
            this.topic,
            this.partition,
            offset,
            logAppend ? baseTs : baseTs + tsDelta,
            logAppend,
            key,
            value,
            headers,
          ),
        );
      }
    } catch (e) {
      if (e instanceof RecordsError) {
        throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `record of ${this.topic}-${this.partition}: ${e.message}`);
      }
      throw e;
    }
    return out;
  }

  private legacy(set: Buffer): ConsumerRecord[] {
    const out: ConsumerRecord[] = [];
    for (const r of decodeMessageSet(set, MAX_INFLATE)) {
      if (r.offset < this.fetchOffset) continue;
      this.nextOffset = Math.max(this.nextOffset, r.offset + 1);
      out.push(this.make(this.topic, this.partition, r.offset, r.timestamp, false, r.key, r.value, r.headers));
    }
    return out;
  }
}
