/**
 * Records of __transaction_state. Key: version int16 (0), transactionalId (int16-length string). Value version 0
 * has Kafka's fields: producerId int64, producerEpoch int16, transactionTimeoutMs int32, status int8, partitions
 * (int32 count of topic string + int32 array), lastUpdateTimestamp int64, startTimestamp int64. Samsa writes
 * version 1: the same fields followed by lastProducerId int64, lastProducerEpoch int16 and the staged offsets
 * of the transaction (so a commit interrupted by a crash can still publish them). A null value is a tombstone.
 */
import type { OffsetValue } from '../groups/records.js';

export const TXN_STATES = [
  'Empty',
  'Ongoing',
  'PrepareCommit',
  'PrepareAbort',
  'CompleteCommit',
  'CompleteAbort',
  'Dead',
  'PrepareEpochFence',
] as const;
export type TxnState = (typeof TXN_STATES)[number];

export interface StagedOffset {
  topic: string;
  partition: number;
  value: OffsetValue;
}

export interface TxnRecord {
  producerId: number;
  producerEpoch: number;
  lastProducerId: number;
  lastProducerEpoch: number;
  timeoutMs: number;
  state: TxnState;
  /** topic -> partitions */
  partitions: Map<string, Set<number>>;
  lastUpdateTimestamp: number;
  startTimestamp: number;
  /** group -> staged offsets */
  offsets: Map<string, StagedOffset[]>;
}

class Out {
  private parts: Buffer[] = [];
  i16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    this.parts.push(b);
    return this;
  }
  i32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    this.parts.push(b);
    return this;
  }
  i8(v: number): this {
    this.parts.push(Buffer.from([v & 0xff]));
    return this;
  }
  i64(v: number): this {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(BigInt(v));
    this.parts.push(b);
    return this;
  }
  str(s: string): this {
    const b = Buffer.from(s, 'utf8');
    this.i16(b.length);
    this.parts.push(b);
    return this;
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

class In {
  p = 0;
  constructor(private readonly b: Buffer) {}
  i8(): number {
    return this.b.readInt8(this.p++);
  }
  i16(): number {
    const v = this.b.readInt16BE(this.p);
    this.p += 2;
    return v;
  }
  i32(): number {
    const v = this.b.readInt32BE(this.p);
    this.p += 4;
    return v;
  }
  i64(): number {
    const v = Number(this.b.readBigInt64BE(this.p));
    this.p += 8;
    return v;
  }
  str(): string {
    const n = this.i16();
    const s = this.b.toString('utf8', this.p, this.p + n);
    this.p += n;
    return s;
  }
  get more(): boolean {
    return this.p < this.b.length;
  }
}

export function txnKey(transactionalId: string): Buffer {
  return new Out().i16(0).str(transactionalId).done();
}

export function parseTxnKey(b: Buffer): string {
  const r = new In(b);
  if (r.i16() !== 0) throw new Error('unknown transaction log key version');
  return r.str();
}

export function txnValue(t: TxnRecord): Buffer {
  const o = new Out().i16(1).i64(t.producerId).i16(t.producerEpoch).i32(t.timeoutMs).i8(TXN_STATES.indexOf(t.state));
  o.i32(t.partitions.size);
  for (const [topic, ps] of t.partitions) {
    o.str(topic).i32(ps.size);
    for (const p of ps) o.i32(p);
  }
  o.i64(t.lastUpdateTimestamp).i64(t.startTimestamp).i64(t.lastProducerId).i16(t.lastProducerEpoch);
  o.i32(t.offsets.size);
  for (const [group, list] of t.offsets) {
    o.str(group).i32(list.length);
    for (const s of list) {
      o.str(s.topic)
        .i32(s.partition)
        .i64(s.value.offset)
        .i32(s.value.leaderEpoch)
        .str(s.value.metadata)
        .i64(s.value.commitTimestamp);
    }
  }
  return o.done();
}

export function parseTxnValue(b: Buffer): TxnRecord {
  const r = new In(b);
  const version = r.i16();
  if (version !== 0 && version !== 1) throw new Error(`unknown transaction log value version ${version}`);
  const producerId = r.i64();
  const producerEpoch = r.i16();
  const timeoutMs = r.i32();
  const state = TXN_STATES[r.i8()];
  if (state === undefined) throw new Error('unknown transaction state');
  const partitions = new Map<string, Set<number>>();
  const nt = r.i32();
  for (let i = 0; i < nt; i++) {
    const topic = r.str();
    const n = r.i32();
    const set = new Set<number>();
    for (let j = 0; j < n; j++) set.add(r.i32());
    partitions.set(topic, set);
  }
  const lastUpdateTimestamp = r.i64();
  const startTimestamp = r.i64();
  let lastProducerId = -1;
  let lastProducerEpoch = -1;
  const offsets = new Map<string, StagedOffset[]>();
  if (version === 1 && r.more) {
    lastProducerId = r.i64();
    lastProducerEpoch = r.i16();
    const ng = r.i32();
    for (let i = 0; i < ng; i++) {
      const group = r.str();
      const n = r.i32();
      const list: StagedOffset[] = [];
      for (let j = 0; j < n; j++) {
        const topic = r.str();
        const partition = r.i32();
        const offset = r.i64();
        const leaderEpoch = r.i32();
        const metadata = r.str();
        const commitTimestamp = r.i64();
        list.push({ topic, partition, value: { offset, leaderEpoch, metadata, commitTimestamp } });
      }
      offsets.set(group, list);
    }
  }
  return {
    producerId,
    producerEpoch,
    lastProducerId,
    lastProducerEpoch,
    timeoutMs,
    state,
    partitions,
    lastUpdateTimestamp,
    startTimestamp,
    offsets,
  };
}
