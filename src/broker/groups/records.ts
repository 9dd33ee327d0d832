/**
 * The key and value layouts Kafka uses in __consumer_offsets, so that tools reading that topic (and a future
 * Samsa reading an older log) understand what we write. Keys start with an int16 version: 0 and 1 are offset
 * commits (group, topic, partition), 2 is group metadata (group). Versions 3-8 are the KIP-848 consumer group
 * records of Kafka's new coordinator (consumer-records.ts); higher ones are skipped when loading.
 *
 * Offset values are written at version 3 (offset, leader epoch, metadata, commit timestamp) and read at 0-4.
 * Group metadata values are written at version 3 and read at 0-4 (v4 is the flexible encoding).
 */
import { DecodeError, Reader } from '../../protocol/primitives.js';

export const OFFSET_COMMIT_KEY_VERSION = 1;
export const GROUP_METADATA_KEY_VERSION = 2;

export interface OffsetValue {
  offset: number;
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
}

export interface StoredMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  subscription: Buffer;
  assignment: Buffer;
}

export interface GroupMetadataValue {
  protocolType: string;
  generation: number;
  protocol: string | null;
  leader: string | null;
  currentStateTimestamp: number;
  members: StoredMember[];
}

export type ParsedKey =
  | { kind: 'offset'; group: string; topic: string; partition: number }
  | { kind: 'group'; group: string }
  | { kind: 'consumer'; version: number }
  | { kind: 'other' };

/** A small growable big-endian writer for these records (they are tiny; no need for the wire Writer). */
class Out {
  private buf: Buffer;
  pos = 0;
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }
  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  int16(v: number): this {
    this.ensure(2);
    this.pos = this.buf.writeInt16BE(v, this.pos);
    return this;
  }
  int32(v: number): this {
    this.ensure(4);
    this.pos = this.buf.writeInt32BE(v, this.pos);
    return this;
  }
  int64(v: number): this {
    this.ensure(8);
    this.pos = this.buf.writeBigInt64BE(BigInt(v), this.pos);
    return this;
  }
  /** int16-length string; null is length -1. */
  string(s: string | null): this {
    if (s === null) return this.int16(-1);
    const n = Buffer.byteLength(s);
    this.int16(n);
    this.ensure(n);
    this.pos += this.buf.write(s, this.pos, 'utf8');
    return this;
  }
  /** int32-length bytes. */
  bytes(b: Buffer): this {
    this.int32(b.length);
    this.ensure(b.length);
    b.copy(this.buf, this.pos);
    this.pos += b.length;
    return this;
  }
  done(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

function readString(r: Reader): string | null {
  const n = r.int16();
  if (n < 0) return null;
  return r.utf8(n);
}

function readCompactString(r: Reader): string | null {
  const n = r.uvarint() - 1;
  if (n < 0) return null;
  return r.utf8(n);
}

function readCompactBytes(r: Reader): Buffer {
  const n = r.uvarint() - 1;
  return n < 0 ? Buffer.alloc(0) : Buffer.from(r.slice(n));
}

function skipTags(r: Reader): void {
  const count = r.uvarint();
  for (let i = 0; i < count; i++) {
    r.uvarint();
    r.skip(r.uvarint());
  }
}

export function offsetKey(group: string, topic: string, partition: number): Buffer {
  return new Out(8 + group.length + topic.length)
    .int16(OFFSET_COMMIT_KEY_VERSION)
    .string(group)
    .string(topic)
    .int32(partition)
    .done();
}

export function groupKey(group: string): Buffer {
  return new Out(4 + group.length).int16(GROUP_METADATA_KEY_VERSION).string(group).done();
}

export function offsetValue(v: OffsetValue): Buffer {
  return new Out(24 + v.metadata.length)
    .int16(3)
    .int64(v.offset)
    .int32(v.leaderEpoch)
    .string(v.metadata)
    .int64(v.commitTimestamp)
    .done();
}

export function groupValue(g: GroupMetadataValue): Buffer {
  const w = new Out(256)
    .int16(3)
    .string(g.protocolType)
    .int32(g.generation)
    .string(g.protocol)
    .string(g.leader)
    .int64(g.currentStateTimestamp);
  w.int32(g.members.length);
  for (const m of g.members) {
    w.string(m.memberId).string(m.groupInstanceId).string(m.clientId).string(m.clientHost);
    w.int32(m.rebalanceTimeoutMs).int32(m.sessionTimeoutMs).bytes(m.subscription).bytes(m.assignment);
  }
  return w.done();
}

export function parseKey(key: Buffer): ParsedKey {
  const r = new Reader(key);
  const version = r.int16();
  if (version === 0 || version === 1) {
    const group = readString(r) ?? '';
    const topic = readString(r) ?? '';
    return { kind: 'offset', group, topic, partition: r.int32() };
  }
  if (version === 2) return { kind: 'group', group: readString(r) ?? '' };
  if (version >= 3 && version <= 8) return { kind: 'consumer', version };
  return { kind: 'other' };
}

export function parseOffsetValue(value: Buffer): OffsetValue {
  const r = new Reader(value);
  const version = r.int16();
  if (version < 0 || version > 4) throw new DecodeError(`offset commit value version ${version} is not known`);
  if (version === 4) {
    // Flexible encoding (Kafka 3.x with newer metadata versions).
    const offset = r.int64();
    const leaderEpoch = r.int32();
    const metadata = readCompactString(r) ?? '';
    const commitTimestamp = r.int64();
    return { offset, leaderEpoch, metadata, commitTimestamp };
  }
  const offset = r.int64();
  const leaderEpoch = version >= 3 ? r.int32() : -1;
  const metadata = readString(r) ?? '';
  const commitTimestamp = r.int64();
  // v1 carries an expire timestamp after this, which retention by group state replaced.
  return { offset, leaderEpoch, metadata, commitTimestamp };
}

export function parseGroupValue(value: Buffer): GroupMetadataValue {
  const r = new Reader(value);
  const version = r.int16();
  if (version < 0 || version > 4) throw new DecodeError(`group metadata value version ${version} is not known`);
  const flex = version >= 4;
  const str = flex ? readCompactString : readString;
  const protocolType = str(r) ?? '';
  const generation = r.int32();
  const protocol = str(r);
  const leader = str(r);
  const currentStateTimestamp = version >= 2 ? r.int64() : -1;
  const count = flex ? r.uvarint() - 1 : r.int32();
  const members: StoredMember[] = [];
  for (let i = 0; i < count; i++) {
    const memberId = str(r) ?? '';
    const groupInstanceId = version >= 3 ? str(r) : null;
    const clientId = str(r) ?? '';
    const clientHost = str(r) ?? '';
    const rebalanceTimeoutMs = version >= 1 ? r.int32() : -1;
    const sessionTimeoutMs = r.int32();
    const subscription = flex ? readCompactBytes(r) : Buffer.from(r.slice(r.int32()));
    const assignment = flex ? readCompactBytes(r) : Buffer.from(r.slice(r.int32()));
    if (flex) skipTags(r);
    members.push({
      memberId,
      groupInstanceId,
      clientId,
      clientHost,
      rebalanceTimeoutMs: rebalanceTimeoutMs < 0 ? sessionTimeoutMs : rebalanceTimeoutMs,
      sessionTimeoutMs,
      subscription,
      assignment,
    });
  }
  return { protocolType, generation, protocol, leader, currentStateTimestamp, members };
}

/** Java's String.hashCode over UTF-16 code units, as Kafka uses to place a group in __consumer_offsets. */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** The __consumer_offsets partition of a group: abs(hash) % n, with Kafka's treatment of Integer.MIN_VALUE (0). */
export function partitionForGroup(groupId: string, partitions: number): number {
  const h = javaStringHashCode(groupId);
  const abs = h === -2147483648 ? 0 : Math.abs(h);
  return abs % partitions;
}
