/**
 * Produce and Fetch requests laid out by hand, field by field as the protocol guide describes them, then read back
 * with the declared schemas; and the schemas' own encoding compared against the same bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Reader, Writer } from '../../src/protocol/primitives.js';
import { decodeRequestHeader, skipTaggedFields } from '../../src/protocol/header.js';
import { Fetch } from '../../src/protocol/messages/fetch.js';
import { Produce } from '../../src/protocol/messages/produce.js';

// Stands in for a record batch: the schemas carry records as opaque bytes.
const BATCH = Buffer.from('000000000000000a0000002affffffff02deadbeef', 'hex');

function str(w: Writer, s: string): void {
  w.int16(Buffer.byteLength(s)).utf8(s, Buffer.byteLength(s));
}
function compactStr(w: Writer, s: string | null): void {
  if (s === null) w.uvarint(0);
  else w.uvarint(Buffer.byteLength(s) + 1).utf8(s, Buffer.byteLength(s));
}

test('Produce v3 request, classic encoding', () => {
  const w = new Writer();
  // request header v1: api key, version, correlation id, client id
  w.int16(0).int16(3).int32(7);
  str(w, 'kcat');
  // body
  w.int16(-1); // transactional_id: null
  w.int16(-1); // acks: all
  w.int32(30000); // timeout_ms
  w.int32(1); // topic_data: 1 topic
  str(w, 'events');
  w.int32(2); // 2 partitions
  w.int32(0).int32(BATCH.length).bytes(BATCH); // partition 0 with a batch
  w.int32(1).int32(-1); // partition 1 with null records
  const buf = Buffer.from(w.toBuffer());

  const r = new Reader(buf);
  assert.deepEqual(decodeRequestHeader(r), { apiKey: 0, apiVersion: 3, correlationId: 7, clientId: 'kcat' });
  const bodyStart = r.pos;
  const req = Produce.requestCodec(3).decode(r);
  assert.equal(r.remaining, 0);
  assert.equal(req.transactionalId, null);
  assert.equal(req.acks, -1);
  assert.equal(req.timeoutMs, 30000);
  assert.equal(req.topicData.length, 1);
  assert.equal(req.topicData[0]!.name, 'events');
  const [p0, p1] = req.topicData[0]!.partitionData;
  assert.equal(p0!.index, 0);
  assert.deepEqual(p0!.records, BATCH);
  // records are a view into the request, not a copy
  assert.equal(p0!.records!.buffer, buf.buffer);
  assert.equal(p1!.index, 1);
  assert.equal(p1!.records, null);

  const again = new Writer();
  Produce.requestCodec(3).encode(again, req);
  assert.deepEqual(again.toBuffer(), buf.subarray(bodyStart));
});

test('Produce v3 request with a transactional id', () => {
  const w = new Writer();
  str(w, 'tx-1');
  w.int16(1).int32(1500).int32(0);
  const req = Produce.requestCodec(3).decode(new Reader(w.toBuffer()));
  assert.equal(req.transactionalId, 'tx-1');
  assert.equal(req.acks, 1);
  assert.deepEqual(req.topicData, []);
});

test('Fetch v4 request, classic encoding', () => {
  const w = new Writer();
  w.int16(1).int16(4).int32(42);
  str(w, 'consumer-1');
  w.int32(-1); // replica_id: a consumer
  w.int32(500); // max_wait_ms
  w.int32(1); // min_bytes
  w.int32(52428800); // max_bytes (v3+)
  w.int8(1); // isolation_level: read_committed (v4+)
  w.int32(2); // topics
  str(w, 'a');
  w.int32(1).int32(0).int64(1234567890123).int32(1048576); // partition, fetch_offset, partition_max_bytes
  str(w, 'b');
  w.int32(2);
  w.int32(3).int64(0).int32(65536);
  w.int32(4).int64(99).int32(65536);
  const buf = Buffer.from(w.toBuffer());

  const r = new Reader(buf);
  assert.deepEqual(decodeRequestHeader(r), { apiKey: 1, apiVersion: 4, correlationId: 42, clientId: 'consumer-1' });
  const bodyStart = r.pos;
  const req = Fetch.requestCodec(4).decode(r);
  assert.equal(r.remaining, 0);
  assert.equal(req.replicaId, -1);
  assert.equal(req.maxWaitMs, 500);
  assert.equal(req.minBytes, 1);
  assert.equal(req.maxBytes, 52428800);
  assert.equal(req.isolationLevel, 1);
  assert.deepEqual(
    req.topics.map((t) => [t.topic, t.partitions.map((p) => [p.partition, p.fetchOffset, p.partitionMaxBytes])]),
    [
      ['a', [[0, 1234567890123, 1048576]]],
      [
        'b',
        [
          [3, 0, 65536],
          [4, 99, 65536],
        ],
      ],
    ],
  );
  // fields of later versions take their defaults
  assert.equal(req.sessionId, 0);
  assert.equal(req.sessionEpoch, -1);
  assert.equal(req.topics[0]!.partitions[0]!.currentLeaderEpoch, -1);
  assert.equal(req.topics[0]!.partitions[0]!.logStartOffset, -1);
  assert.deepEqual(req.forgottenTopicsData, []);
  assert.equal(req.rackId, '');

  const again = new Writer();
  Fetch.requestCodec(4).encode(again, req);
  assert.deepEqual(again.toBuffer(), buf.subarray(bodyStart));
});

test('Fetch v3 has no isolation level; max bytes defaults to the largest int32 below v3', () => {
  const w = new Writer();
  w.int32(-1).int32(100).int32(1).int32(0);
  const req = Fetch.requestCodec(2).decode(new Reader(w.toBuffer()));
  assert.equal(req.maxBytes, 0x7fffffff);
  assert.equal(req.isolationLevel, 0);
});

test('Produce v9 request, flexible encoding with compact fields and tagged sections', () => {
  const w = new Writer();
  // request header v2: as v1, then an empty tagged field section
  w.int16(0).int16(9).int32(8);
  str(w, 'rdkafka'); // the client id stays a classic string in header v2
  w.uvarint(0);
  // body
  compactStr(w, 'tx-9'); // transactional_id
  w.int16(-1).int32(5000);
  w.uvarint(1 + 1); // topic_data: compact array of 1
  compactStr(w, 'événements'); // multi-byte UTF-8 name: lengths count bytes, not characters
  w.uvarint(1 + 1); // partition_data: compact array of 1
  w.int32(2);
  w.uvarint(BATCH.length + 1).bytes(BATCH); // compact records
  w.uvarint(0); // partition: no tagged fields
  w.uvarint(0); // topic: no tagged fields
  // top level: one tagged field we do not know (tag 7, 3 bytes), which must be skipped
  w.uvarint(1)
    .uvarint(7)
    .uvarint(3)
    .bytes(Buffer.from([1, 2, 3]));
  const buf = Buffer.from(w.toBuffer());

  const r = new Reader(buf);
  assert.deepEqual(decodeRequestHeader(r), { apiKey: 0, apiVersion: 9, correlationId: 8, clientId: 'rdkafka' });
  skipTaggedFields(r);
  assert.equal(Produce.requestHeaderVersion(9), 2);
  const bodyStart = r.pos;
  const req = Produce.requestCodec(9).decode(r);
  assert.equal(r.remaining, 0);
  assert.equal(req.transactionalId, 'tx-9');
  assert.equal(req.acks, -1);
  assert.equal(req.timeoutMs, 5000);
  assert.equal(req.topicData[0]!.name, 'événements');
  assert.equal(req.topicData[0]!.partitionData[0]!.index, 2);
  assert.deepEqual(req.topicData[0]!.partitionData[0]!.records, BATCH);

  // Encoding drops the unknown tag; everything else is byte for byte what was written by hand.
  const again = new Writer();
  Produce.requestCodec(9).encode(again, req);
  const unknownTagBytes = 1 + 1 + 1 + 3; // count, tag, size, value
  const expected = Buffer.concat([buf.subarray(bodyStart, buf.length - unknownTagBytes), Buffer.from([0])]);
  assert.deepEqual(again.toBuffer(), expected);

  // compact null: a length of 0 is a null transactional id
  const n = new Writer();
  Produce.requestCodec(9).encode(n, { transactionalId: null, acks: 0, timeoutMs: 1, topicData: [] });
  assert.equal(n.toBuffer().toString('hex'), '00' + '0000' + '00000001' + '01' + '00');
});

test('Produce v10 response carries the new leader in a tagged field only when it is known', () => {
  const codec = Produce.responseCodec(10);
  const base = { responses: [{ name: 't', partitionResponses: [{ index: 0, errorCode: 6, baseOffset: -1 }] }] };
  const plain = new Writer();
  codec.encode(plain, base);
  const withLeader = new Writer();
  codec.encode(withLeader, {
    responses: [
      {
        name: 't',
        partitionResponses: [
          { index: 0, errorCode: 6, baseOffset: -1, currentLeader: { leaderId: 3, leaderEpoch: 12 } },
        ],
      },
    ],
  });
  // tag 0 with an 8-byte value (leader id, leader epoch, empty tagged section of its own = 9 bytes)
  const extra = withLeader.toBuffer().length - plain.toBuffer().length;
  assert.equal(extra, 1 /* tag */ + 1 /* size */ + 4 + 4 + 1);
  const back = codec.decode(new Reader(withLeader.toBuffer()));
  assert.deepEqual(back.responses[0]!.partitionResponses[0]!.currentLeader, { leaderId: 3, leaderEpoch: 12 });
  const none = codec.decode(new Reader(plain.toBuffer()));
  assert.deepEqual(none.responses[0]!.partitionResponses[0]!.currentLeader, { leaderId: -1, leaderEpoch: -1 });
});
