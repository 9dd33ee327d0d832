/**
 * The __consumer_offsets records of KIP-848 consumer groups, in the layouts of Kafka's new group coordinator
 * (Kafka 3.9), so that tools reading the topic understand them. Each key is an int16 key version followed by
 * non-flexible fields; each value is an int16 value version (0 for all of these) followed by a flexible body
 * (compact strings and arrays, tagged fields).
 *
 *   key version  record                                  key fields          value (v0)
 *   3            consumer group metadata                 group               group epoch
 *   4            consumer group partition metadata       group               subscribed topics: id, name, partition count
 *   5            consumer group member metadata          group, member       instance, rack, client, subscription, assignor
 *   6            target assignment metadata              group               assignment epoch
 *   7            target assignment of a member           group, member       topic ids and partitions
 *   8            current assignment of a member          group, member       member epochs, state, owned and revoking partitions
 *
 * The layouts are declared with the schema DSL: an `api()` declaration whose request is the record, used only
 * for its codec (these records are never requests).
 */
import { Reader, Writer } from '../../protocol/primitives.js';
import {
  api,
  array,
  arrayOf,
  int8,
  int32,
  string,
  uuid,
  type Encodable,
  type Fields,
  type Infer,
  type MessageCodec,
} from '../../protocol/schema.js';

export const CONSUMER_GROUP_METADATA_KEY = 3;
export const CONSUMER_GROUP_PARTITION_METADATA_KEY = 4;
export const CONSUMER_GROUP_MEMBER_METADATA_KEY = 5;
export const CONSUMER_GROUP_TARGET_METADATA_KEY = 6;
export const CONSUMER_GROUP_TARGET_MEMBER_KEY = 7;
export const CONSUMER_GROUP_CURRENT_MEMBER_KEY = 8;

/** Member states of the current-assignment record (Kafka's MemberState codes). */
export const MEMBER_STATE_STABLE = 0;
export const MEMBER_STATE_UNREVOKED_PARTITIONS = 1;
export const MEMBER_STATE_UNRELEASED_PARTITIONS = 2;

interface Layout<T> {
  encode(value: Encodable<T>): Buffer;
  decode(buf: Buffer): T;
}

/** A record layout: an int16 version, then the fields, flexible or not. The codec is built on first use. */
function layout<S extends Fields>(name: string, version: number, flexible: boolean, fields: S): Layout<Infer<S>> {
  let codec: MessageCodec<Infer<S>> | undefined;
  const get = () =>
    (codec ??= api({
      key: -1,
      name,
      versions: String(version),
      flexible: flexible ? '0+' : 'none',
      request: fields,
      response: {},
    }).requestCodec(version));
  return {
    encode(value) {
      const w = new Writer(64);
      w.int16(version);
      get().encode(w, value);
      return w.toBuffer();
    },
    decode(buf) {
      const r = new Reader(buf);
      const v = r.int16();
      if (v !== version) throw new RangeError(`${name}: version ${v} is not ${version}`);
      return get().decode(r);
    },
  };
}

const groupOnly = { groupId: string() };
const groupAndMember = { groupId: string(), memberId: string() };
const topicPartitions = arrayOf({ topicId: uuid(), partitions: array(int32()) });

export const GroupMetadataKeyLayout = layout('ConsumerGroupMetadataKey', CONSUMER_GROUP_METADATA_KEY, false, groupOnly);
export const GroupMetadataValueLayout = layout('ConsumerGroupMetadataValue', 0, true, { epoch: int32() });

export const PartitionMetadataKeyLayout = layout(
  'ConsumerGroupPartitionMetadataKey',
  CONSUMER_GROUP_PARTITION_METADATA_KEY,
  false,
  groupOnly,
);
export const PartitionMetadataValueLayout = layout('ConsumerGroupPartitionMetadataValue', 0, true, {
  topics: arrayOf({
    topicId: uuid(),
    topicName: string(),
    numPartitions: int32(),
    partitionMetadata: arrayOf({ partition: int32(), racks: array(string()) }),
  }),
});

export const MemberMetadataKeyLayout = layout(
  'ConsumerGroupMemberMetadataKey',
  CONSUMER_GROUP_MEMBER_METADATA_KEY,
  false,
  groupAndMember,
);
export const MemberMetadataValueLayout = layout('ConsumerGroupMemberMetadataValue', 0, true, {
  instanceId: string().nullable('0+'),
  rackId: string().nullable('0+'),
  clientId: string(),
  clientHost: string(),
  subscribedTopicNames: array(string()),
  subscribedTopicRegex: string().nullable('0+'),
  rebalanceTimeoutMs: int32().dflt(-1),
  serverAssignor: string().nullable('0+'),
  // Tag 0 (the classic member metadata of a member upgraded from the classic protocol) is never written and
  // skipped when read.
});

export const TargetMetadataKeyLayout = layout(
  'ConsumerGroupTargetAssignmentMetadataKey',
  CONSUMER_GROUP_TARGET_METADATA_KEY,
  false,
  groupOnly,
);
export const TargetMetadataValueLayout = layout('ConsumerGroupTargetAssignmentMetadataValue', 0, true, {
  assignmentEpoch: int32(),
});

export const TargetMemberKeyLayout = layout(
  'ConsumerGroupTargetAssignmentMemberKey',
  CONSUMER_GROUP_TARGET_MEMBER_KEY,
  false,
  groupAndMember,
);
export const TargetMemberValueLayout = layout('ConsumerGroupTargetAssignmentMemberValue', 0, true, { topicPartitions });

export const CurrentMemberKeyLayout = layout(
  'ConsumerGroupCurrentMemberAssignmentKey',
  CONSUMER_GROUP_CURRENT_MEMBER_KEY,
  false,
  groupAndMember,
);
export const CurrentMemberValueLayout = layout('ConsumerGroupCurrentMemberAssignmentValue', 0, true, {
  memberEpoch: int32(),
  previousMemberEpoch: int32(),
  state: int8(),
  assignedPartitions: topicPartitions,
  partitionsPendingRevocation: topicPartitions,
});

export type StoredMemberMetadata = ReturnType<typeof MemberMetadataValueLayout.decode>;
export type StoredCurrentAssignment = ReturnType<typeof CurrentMemberValueLayout.decode>;
export type StoredTopicPartitions = ReturnType<typeof TargetMemberValueLayout.decode>['topicPartitions'];
export type StoredPartitionMetadata = ReturnType<typeof PartitionMetadataValueLayout.decode>;

/** What __consumer_offsets holds for one consumer group after replay (latest record per key). */
export interface StoredConsumerGroup {
  epoch?: number;
  partitionMetadata?: StoredPartitionMetadata;
  assignmentEpoch?: number;
  members: Map<
    string,
    { metadata?: StoredMemberMetadata; target?: StoredTopicPartitions; current?: StoredCurrentAssignment }
  >;
}

/**
 * Applies one replayed record (key version 3-8) to the groups being rebuilt; a null value (tombstone) removes
 * that part. Groups and members left with nothing are dropped.
 */
export function applyConsumerRecord(
  stored: Map<string, StoredConsumerGroup>,
  keyVersion: number,
  key: Buffer,
  value: Buffer | null,
): void {
  const withMember =
    keyVersion === CONSUMER_GROUP_MEMBER_METADATA_KEY ||
    keyVersion === CONSUMER_GROUP_TARGET_MEMBER_KEY ||
    keyVersion === CONSUMER_GROUP_CURRENT_MEMBER_KEY;
  const k = withMember
    ? MemberMetadataKeyLayout.decode(rekey(key, CONSUMER_GROUP_MEMBER_METADATA_KEY))
    : { ...GroupMetadataKeyLayout.decode(rekey(key, CONSUMER_GROUP_METADATA_KEY)), memberId: '' };
  let g = stored.get(k.groupId);
  if (g === undefined) {
    if (value === null) return;
    stored.set(k.groupId, (g = { members: new Map() }));
  }
  if (withMember) {
    let m = g.members.get(k.memberId);
    if (m === undefined) {
      if (value === null) return;
      g.members.set(k.memberId, (m = {}));
    }
    if (keyVersion === CONSUMER_GROUP_MEMBER_METADATA_KEY)
      m.metadata = value === null ? undefined : MemberMetadataValueLayout.decode(value);
    else if (keyVersion === CONSUMER_GROUP_TARGET_MEMBER_KEY)
      m.target = value === null ? undefined : TargetMemberValueLayout.decode(value).topicPartitions;
    else m.current = value === null ? undefined : CurrentMemberValueLayout.decode(value);
    if (m.metadata === undefined && m.target === undefined && m.current === undefined) g.members.delete(k.memberId);
  } else if (keyVersion === CONSUMER_GROUP_METADATA_KEY) {
    g.epoch = value === null ? undefined : GroupMetadataValueLayout.decode(value).epoch;
  } else if (keyVersion === CONSUMER_GROUP_PARTITION_METADATA_KEY) {
    g.partitionMetadata = value === null ? undefined : PartitionMetadataValueLayout.decode(value);
  } else if (keyVersion === CONSUMER_GROUP_TARGET_METADATA_KEY) {
    g.assignmentEpoch = value === null ? undefined : TargetMetadataValueLayout.decode(value).assignmentEpoch;
  } else {
    return;
  }
  if (
    g.epoch === undefined &&
    g.partitionMetadata === undefined &&
    g.assignmentEpoch === undefined &&
    g.members.size === 0
  )
    stored.delete(k.groupId);
}

/** The same key bytes with another version, so that keys of the same field layout share one decoder. */
function rekey(key: Buffer, version: number): Buffer {
  const b = Buffer.from(key);
  b.writeInt16BE(version, 0);
  return b;
}
