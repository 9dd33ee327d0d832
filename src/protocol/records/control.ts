/**
 * Control records: the one record of a control batch (attribute bit 5). Kafka defines two kinds, both transaction
 * markers written by the transaction coordinator to end a producer's transaction in a partition:
 *   key   = version int16 (0), type int16 (0 ABORT, 1 COMMIT)
 *   value = version int16 (0), coordinatorEpoch int32
 * This is the only place that encodes or decodes them: the transaction coordinator writes markers with
 * `markerBatch`, and the log (producer state, abort index), the log cleaner and the client's fetch decoder read
 * them with `readControlBatch` / `parseControlRecord`. Control batches are never compressed.
 */
import { buildBatch, encodeRecords } from './batch.js';
import { ATTRIBUTES, BATCH_HEADER_SIZE, COMPRESSION_MASK } from './layout.js';
import { RecordCursor } from './record-cursor.js';

export const ControlType = { ABORT: 0, COMMIT: 1 } as const;

export interface ControlRecord {
  /** 0 ABORT, 1 COMMIT; other values are control records this version does not know. */
  type: number;
  /** From a marker's value; -1 when the value is absent or too short. */
  coordinatorEpoch: number;
}

/** A control record key: version 0 and `type`. */
export function encodeControlKey(type: number): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(type, 2);
  return key;
}

/** A transaction marker's value: version 0 and the coordinator epoch. */
export function encodeMarkerValue(coordinatorEpoch: number): Buffer {
  const value = Buffer.alloc(6);
  value.writeInt16BE(0, 0);
  value.writeInt32BE(coordinatorEpoch, 2);
  return value;
}

/** The type in a control record key, -1 when the key is too short to hold one. */
export function controlKeyType(key: Buffer | null): number {
  return key !== null && key.length >= 4 ? key.readInt16BE(2) : -1;
}

/** A COMMIT (true) or ABORT transaction marker batch of one control record, offsets and leader epoch unset. */
export function markerBatch(
  producerId: number,
  producerEpoch: number,
  commit: boolean,
  coordinatorEpoch: number,
  now = Date.now(),
): Buffer {
  const key = encodeControlKey(commit ? ControlType.COMMIT : ControlType.ABORT);
  const enc = encodeRecords([{ key, value: encodeMarkerValue(coordinatorEpoch), timestamp: now }], now);
  return buildBatch(
    {
      recordCount: 1,
      lastOffsetDelta: 0,
      baseTimestamp: enc.baseTimestamp,
      maxTimestamp: enc.maxTimestamp,
      producerId,
      producerEpoch,
      baseSequence: -1,
      transactional: true,
      control: true,
    },
    enc.data,
  );
}

/**
 * Parses the first record of the (inflated) records section `buf[start, end)` as a control record; null when it
 * does not hold one that can be read.
 */
export function parseControlRecord(buf: Buffer, start: number, end: number): ControlRecord | null {
  try {
    const cur = new RecordCursor(buf, start, end);
    const len = cur.varint();
    if (len < 1 || cur.pos + len > end) return null;
    cur.end = cur.pos + len;
    cur.pos++; // attributes
    cur.varlong(); // timestamp delta
    cur.varint(); // offset delta
    const type = controlKeyType(cur.bytes());
    if (type < 0) return null;
    const value = cur.bytes();
    return { type, coordinatorEpoch: value !== null && value.length >= 6 ? value.readInt32BE(2) : -1 };
  } catch {
    return null;
  }
}

/**
 * The control record of the control batch at `at` in `buf` (the batch must be whole); null when the batch is
 * compressed or its record cannot be read.
 */
export function readControlBatch(buf: Buffer, at = 0): ControlRecord | null {
  if ((buf.readInt16BE(at + ATTRIBUTES) & COMPRESSION_MASK) !== 0) return null;
  return parseControlRecord(buf, at + BATCH_HEADER_SIZE, at + 12 + buf.readInt32BE(at + 8));
}
