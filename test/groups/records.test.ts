/** The __consumer_offsets record formats and the group -> partition mapping. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  groupKey,
  groupValue,
  javaStringHashCode,
  offsetKey,
  offsetValue,
  parseGroupValue,
  parseKey,
  parseOffsetValue,
  partitionForGroup,
} from '../../src/broker/groups/records.js';
import {
  applyConsumerRecord,
  CurrentMemberKeyLayout,
  CurrentMemberValueLayout,
  GroupMetadataKeyLayout,
  GroupMetadataValueLayout,
  MemberMetadataKeyLayout,
  MemberMetadataValueLayout,
  type StoredConsumerGroup,
} from '../../src/broker/groups/consumer-records.js';

describe('__consumer_offsets records', () => {
  test("String.hashCode as Java computes it, and Kafka's abs for Integer.MIN_VALUE", () => {
    assert.equal(javaStringHashCode(''), 0);
    assert.equal(javaStringHashCode('a'), 97);
    assert.equal(javaStringHashCode('hello'), 99162322);
    // A well-known string whose hash is Integer.MIN_VALUE: Kafka maps it to partition 0.
    assert.equal(javaStringHashCode('polygenelubricants'), -2147483648);
    assert.equal(partitionForGroup('polygenelubricants', 50), 0);
    assert.equal(partitionForGroup('hello', 50), 99162322 % 50);
    // Non-ASCII: UTF-16 code units, as Java.
    assert.equal(javaStringHashCode('é'), 233);
  });

  test('offset commit key v1 and value v3 bytes', () => {
    const k = offsetKey('g', 't', 7);
    assert.deepEqual([...k], [0, 1, 0, 1, 0x67, 0, 1, 0x74, 0, 0, 0, 7]);
    assert.deepEqual(parseKey(k), { kind: 'offset', group: 'g', topic: 't', partition: 7 });
    const v = offsetValue({ offset: 42, leaderEpoch: 3, metadata: 'm', commitTimestamp: 1700000000000 });
    assert.equal(v.readInt16BE(0), 3);
    assert.equal(Number(v.readBigInt64BE(2)), 42);
    assert.equal(v.readInt32BE(10), 3);
    assert.equal(v.readInt16BE(14), 1);
    assert.equal(v.length, 2 + 8 + 4 + 2 + 1 + 8);
    assert.deepEqual(parseOffsetValue(v), {
      offset: 42,
      leaderEpoch: 3,
      metadata: 'm',
      commitTimestamp: 1700000000000,
    });
  });

  test('older offset value versions are read (v0 without epoch, v1 with expire timestamp)', () => {
    const v1 = Buffer.alloc(2 + 8 + 2 + 8 + 8);
    v1.writeInt16BE(1, 0);
    v1.writeBigInt64BE(99n, 2);
    v1.writeInt16BE(0, 10);
    v1.writeBigInt64BE(5n, 12);
    v1.writeBigInt64BE(6n, 20);
    assert.deepEqual(parseOffsetValue(v1), { offset: 99, leaderEpoch: -1, metadata: '', commitTimestamp: 5 });
  });

  test('group metadata key v2 and value v3 round trip', () => {
    const k = groupKey('grp');
    assert.deepEqual([...k.subarray(0, 4)], [0, 2, 0, 3]);
    assert.deepEqual(parseKey(k), { kind: 'group', group: 'grp' });
    const value = {
      protocolType: 'consumer',
      generation: 4,
      protocol: 'range',
      leader: 'm1',
      currentStateTimestamp: 123,
      members: [
        {
          memberId: 'm1',
          groupInstanceId: 'i1',
          clientId: 'c',
          clientHost: '/127.0.0.1',
          rebalanceTimeoutMs: 300000,
          sessionTimeoutMs: 10000,
          subscription: Buffer.from([1, 2, 3]),
          assignment: Buffer.from([4]),
        },
      ],
    };
    assert.deepEqual(parseGroupValue(groupValue(value)), value);
    assert.deepEqual(parseKey(Buffer.from([0, 9, 0, 0])), { kind: 'other' });
  });

  test('KIP-848 consumer group keys (versions 3-8) and flexible v0 values, byte for byte', () => {
    const key = GroupMetadataKeyLayout.encode({ groupId: 'grp' });
    assert.deepEqual([...key], [0, 3, 0, 3, ...Buffer.from('grp')]);
    assert.deepEqual(parseKey(key), { kind: 'consumer', version: 3 });
    assert.deepEqual([...GroupMetadataValueLayout.encode({ epoch: 7 })], [0, 0, 0, 0, 0, 7, 0]);
    const mkey = CurrentMemberKeyLayout.encode({ groupId: 'g', memberId: 'm' });
    assert.deepEqual([...mkey], [0, 8, 0, 1, 103, 0, 1, 109]);
    const id = '0123456789abcdef0123456789abcdef'.replace(/(.{8})(.{4})(.{4})(.{4})(.{12})/, '$1-$2-$3-$4-$5');
    const current = {
      memberEpoch: 5,
      previousMemberEpoch: 4,
      state: 1,
      assignedPartitions: [{ topicId: id, partitions: [1, 2] }],
      partitionsPendingRevocation: [],
    };
    const v = CurrentMemberValueLayout.encode(current);
    assert.deepEqual(
      [...v],
      [
        0,
        0,
        0,
        0,
        0,
        5,
        0,
        0,
        0,
        4,
        1,
        2,
        ...Buffer.from('0123456789abcdef0123456789abcdef', 'hex'),
        3,
        0,
        0,
        0,
        1,
        0,
        0,
        0,
        2,
        0,
        1,
        0,
      ],
    );
    assert.deepEqual(CurrentMemberValueLayout.decode(v), current);
    const member = {
      instanceId: null,
      rackId: 'r',
      clientId: 'c',
      clientHost: '/h',
      subscribedTopicNames: ['t'],
      subscribedTopicRegex: null,
      rebalanceTimeoutMs: 300,
      serverAssignor: 'range',
    };
    const mv = MemberMetadataValueLayout.encode(member);
    assert.deepEqual(
      [...mv],
      [0, 0, 0, 2, 114, 2, 99, 3, 47, 104, 2, 2, 116, 0, 0, 0, 1, 44, 6, ...Buffer.from('range'), 0],
    );
    assert.deepEqual(MemberMetadataValueLayout.decode(mv), member);

    // Replay: the latest record per key wins, tombstones remove, a group with nothing left is gone.
    const stored = new Map<string, StoredConsumerGroup>();
    applyConsumerRecord(stored, 3, key, GroupMetadataValueLayout.encode({ epoch: 7 }));
    const memberKey = MemberMetadataKeyLayout.encode({ groupId: 'grp', memberId: 'm1' });
    applyConsumerRecord(stored, 5, memberKey, mv);
    assert.equal(stored.get('grp')!.epoch, 7);
    assert.deepEqual(stored.get('grp')!.members.get('m1')!.metadata, member);
    applyConsumerRecord(stored, 5, memberKey, null);
    assert.equal(stored.get('grp')!.members.size, 0);
    applyConsumerRecord(stored, 3, key, null);
    assert.equal(stored.has('grp'), false);
  });
});
