import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
} from '../../src/protocol/consumer-protocol.js';
import { DecodeError, Reader, Writer } from '../../src/protocol/primitives.js';
import { JoinGroup } from '../../src/protocol/messages/join-group.js';
import { SyncGroup } from '../../src/protocol/messages/sync-group.js';

// Hand-built wire pieces, independent of our Writer, so the tests check bytes as other clients produce them.
const i16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
};
const i32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const str = (s: string | null) => (s === null ? i16(-1) : Buffer.concat([i16(Buffer.byteLength(s)), Buffer.from(s)]));
const byts = (b: Buffer | null) => (b === null ? i32(-1) : Buffer.concat([i32(b.length), b]));
const strs = (xs: string[]) => Buffer.concat([i32(xs.length), ...xs.map(str)]);
const ints = (xs: number[]) => Buffer.concat([i32(xs.length), ...xs.map(i32)]);
const topicParts = (tps: Array<[string, number[]]>) =>
  Buffer.concat([i32(tps.length), ...tps.map(([t, ps]) => Buffer.concat([str(t), ints(ps)]))]);

test('v0 subscription as kafka-python and KafkaJS send it', () => {
  const wire = Buffer.concat([i16(0), strs(['orders', 'payments']), byts(Buffer.alloc(0))]);
  const sub = decodeSubscription(wire);
  assert.equal(sub.version, 0);
  assert.deepEqual(sub.topics, ['orders', 'payments']);
  assert.deepEqual(sub.userData, Buffer.alloc(0));
  // fields of later versions take their defaults
  assert.deepEqual(sub.ownedPartitions, []);
  assert.equal(sub.generationId, -1);
  assert.equal(sub.rackId, null);
  // and we write v0 exactly the same way
  assert.deepEqual(encodeSubscription(sub, 0), wire);
});

test('v0 subscription with null user data', () => {
  const wire = Buffer.concat([i16(0), strs(['t']), byts(null)]);
  const sub = decodeSubscription(wire);
  assert.equal(sub.userData, null);
  assert.deepEqual(encodeSubscription({ topics: ['t'] }, 0), wire);
});

test('v1 subscription carries owned partitions (cooperative rebalancing)', () => {
  const userData = Buffer.from([1, 2, 3]);
  const wire = Buffer.concat([
    i16(1),
    strs(['a', 'b']),
    byts(userData),
    topicParts([
      ['a', [0, 2]],
      ['b', [1]],
    ]),
  ]);
  const sub = decodeSubscription(wire);
  assert.equal(sub.version, 1);
  assert.deepEqual(sub.userData, userData);
  assert.deepEqual(sub.ownedPartitions, [
    { topic: 'a', partitions: [0, 2] },
    { topic: 'b', partitions: [1] },
  ]);
  assert.equal(sub.generationId, -1);
  assert.deepEqual(encodeSubscription(sub, 1), wire);
});

test('v3 subscription as librdkafka and the Java client send it', () => {
  const wire = Buffer.concat([
    i16(3),
    strs(['events']),
    byts(null),
    topicParts([['events', [4]]]),
    i32(7),
    str('rack-1'),
  ]);
  const sub = decodeSubscription(wire);
  assert.equal(sub.version, 3);
  assert.deepEqual(sub.topics, ['events']);
  assert.deepEqual(sub.ownedPartitions, [{ topic: 'events', partitions: [4] }]);
  assert.equal(sub.generationId, 7);
  assert.equal(sub.rackId, 'rack-1');
  assert.deepEqual(encodeSubscription(sub), wire, 'v3 is the default version we write');
  // a null rack is written as a null string
  const noRack = Buffer.concat([i16(3), strs([]), byts(null), topicParts([]), i32(-1), str(null)]);
  assert.deepEqual(encodeSubscription({}), noRack);
  assert.equal(decodeSubscription(noRack).rackId, null);
});

test('a newer subscription version decodes as v3 and its extra trailing fields are ignored', () => {
  const wire = Buffer.concat([
    i16(5),
    strs(['x']),
    byts(Buffer.from('ud')),
    topicParts([]),
    i32(3),
    str(null),
    i32(123456), // fields a future version may add
    str('future'),
  ]);
  const sub = decodeSubscription(wire);
  assert.equal(sub.version, 5);
  assert.deepEqual(sub.topics, ['x']);
  assert.deepEqual(sub.userData, Buffer.from('ud'));
  assert.equal(sub.generationId, 3);
  assert.equal(sub.rackId, null);
});

test('writing a subscription at an older version drops the newer fields', () => {
  const full = {
    topics: ['a'],
    userData: null,
    ownedPartitions: [{ topic: 'a', partitions: [1] }],
    generationId: 9,
    rackId: 'r',
  };
  assert.deepEqual(encodeSubscription(full, 0), Buffer.concat([i16(0), strs(['a']), byts(null)]));
  assert.deepEqual(
    encodeSubscription(full, 2),
    Buffer.concat([i16(2), strs(['a']), byts(null), topicParts([['a', [1]]]), i32(9)]),
  );
  assert.throws(() => encodeSubscription(full, 4), RangeError);
  assert.throws(() => encodeSubscription(full, -1), RangeError);
});

test('malformed subscriptions are DecodeErrors', () => {
  assert.throws(() => decodeSubscription(Buffer.alloc(0)), DecodeError);
  assert.throws(() => decodeSubscription(Buffer.concat([i16(-1), strs([]), byts(null)])), DecodeError);
  const wire = Buffer.concat([i16(1), strs(['a', 'b']), byts(null), topicParts([['a', [0, 2]]])]);
  for (let cut = 1; cut < wire.length; cut++) {
    assert.throws(() => decodeSubscription(wire.subarray(0, cut)), DecodeError, `cut at ${cut}`);
  }
  // an absurd topic count is refused without allocating
  assert.throws(() => decodeSubscription(Buffer.concat([i16(0), i32(0x7fffffff)])), DecodeError);
});

test('v0 assignment as kafka-python and KafkaJS send it', () => {
  const wire = Buffer.concat([
    i16(0),
    topicParts([
      ['orders', [0, 2]],
      ['payments', [1]],
    ]),
    byts(Buffer.alloc(0)),
  ]);
  const a = decodeAssignment(wire);
  assert.equal(a.version, 0);
  assert.deepEqual(a.assignedPartitions, [
    { topic: 'orders', partitions: [0, 2] },
    { topic: 'payments', partitions: [1] },
  ]);
  assert.deepEqual(a.userData, Buffer.alloc(0));
  assert.deepEqual(encodeAssignment(a, 0), wire);
});

test('assignment versions 1-3 share the v0 layout; newer versions are read with trailing bytes ignored', () => {
  const body = Buffer.concat([topicParts([['t', [3]]]), byts(null)]);
  for (const v of [1, 2, 3]) {
    const wire = Buffer.concat([i16(v), body]);
    assert.deepEqual(decodeAssignment(wire), {
      version: v,
      assignedPartitions: [{ topic: 't', partitions: [3] }],
      userData: null,
    });
    assert.deepEqual(encodeAssignment({ assignedPartitions: [{ topic: 't', partitions: [3] }] }, v), wire);
  }
  const future = decodeAssignment(Buffer.concat([i16(9), body, i32(42)]));
  assert.equal(future.version, 9);
  assert.deepEqual(future.assignedPartitions, [{ topic: 't', partitions: [3] }]);
});

test('an empty assignment means no partitions; a truncated one is an error', () => {
  assert.deepEqual(decodeAssignment(Buffer.alloc(0)), { version: 0, assignedPartitions: [], userData: null });
  assert.throws(() => decodeAssignment(Buffer.concat([i16(0), i32(1), str('t')])), DecodeError);
});

test('JoinGroup v0 request carrying a v0 subscription, as an old client sends it', () => {
  const metadata = Buffer.concat([i16(0), strs(['orders']), byts(Buffer.alloc(0))]);
  const wire = Buffer.concat([
    str('my-group'),
    i32(30000), // session timeout
    str(''), // member id: empty on first join
    str('consumer'),
    i32(2),
    str('range'),
    byts(metadata),
    str('roundrobin'),
    byts(metadata),
  ]);
  const r = new Reader(wire);
  const req = JoinGroup.requestCodec(0).decode(r);
  assert.equal(r.remaining, 0);
  assert.equal(req.groupId, 'my-group');
  assert.equal(req.sessionTimeoutMs, 30000);
  assert.equal(req.rebalanceTimeoutMs, -1, 'absent before v1: default');
  assert.equal(req.groupInstanceId, null, 'absent before v5: default');
  assert.deepEqual(
    req.protocols.map((p) => p.name),
    ['range', 'roundrobin'],
  );
  assert.deepEqual(decodeSubscription(req.protocols[0]!.metadata).topics, ['orders']);
  const w = new Writer();
  JoinGroup.requestCodec(0).encode(w, req);
  assert.deepEqual(w.toBuffer(), wire);
});

test('SyncGroup v4 (flexible) response carrying an assignment', () => {
  const assignment = encodeAssignment({ assignedPartitions: [{ topic: 'orders', partitions: [0] }] }, 0);
  // throttle | error | compact bytes (length + 1 as an unsigned varint) | no tagged fields
  const wire = Buffer.concat([i32(0), i16(0), Buffer.from([assignment.length + 1]), assignment, Buffer.from([0])]);
  const w = new Writer();
  SyncGroup.responseCodec(4).encode(w, { throttleTimeMs: 0, errorCode: 0, assignment });
  assert.deepEqual(w.toBuffer(), wire);
  const res = SyncGroup.responseCodec(4).decode(new Reader(wire));
  assert.deepEqual(decodeAssignment(res.assignment).assignedPartitions, [{ topic: 'orders', partitions: [0] }]);
});
