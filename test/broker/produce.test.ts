/** Produce semantics: the errors clients rely on, nothing appended on error, and the topic-level settings. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Fetch } from '../../src/protocol/messages/fetch.js';
import { Produce } from '../../src/protocol/messages/produce.js';
import { decodeBatches, encodeBatch, readBatchHeader } from '../../src/protocol/records/batch.js';
import { Compression } from '../../src/protocol/records/layout.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';

let tb: TestBroker;
let client: RawClient;

before(async () => {
  tb = await startTestBroker();
  client = await RawClient.connect(tb.broker.port);
  const t = tb.broker.topics;
  assert.equal(t.create('plain', 1, 1, {}).errorCode, 0);
  assert.equal(t.create('small', 1, 1, { 'max.message.bytes': '200' }).errorCode, 0);
  assert.equal(t.create('isr2', 1, 1, { 'min.insync.replicas': '2' }).errorCode, 0);
  assert.equal(t.create('apptime', 1, 1, { 'message.timestamp.type': 'LogAppendTime' }).errorCode, 0);
  assert.equal(t.create('zipped', 1, 1, { 'compression.type': 'gzip' }).errorCode, 0);
  assert.equal(t.create('multi', 3, 1, {}).errorCode, 0);
});

after(async () => {
  client.close();
  await tb.stop();
});

const batch = (values: string[], opts: { compression?: Compression; control?: boolean; timestamp?: number } = {}) =>
  encodeBatch({
    records: values.map((v) => ({ key: Buffer.from('k'), value: Buffer.from(v), timestamp: opts.timestamp })),
    compression: opts.compression,
    control: opts.control,
  });

async function produce(topic: string, records: Buffer | null, acks = 1, version = 9, partition = 0) {
  const res = await client.send(Produce, version, {
    acks,
    timeoutMs: 1000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
  });
  return res.responses[0]!.partitionResponses[0]!;
}

async function fetchAll(topic: string): Promise<Buffer> {
  const res = await client.send(Fetch, 11, {
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    topics: [{ topic, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }],
  });
  return res.responses[0]!.partitions[0]!.records!;
}

test('errors carry Kafka codes and append nothing', async () => {
  const good = await batch(['a']);
  const corrupt = Buffer.from(good);
  corrupt[corrupt.length - 1]! ^= 0xff;
  assert.equal((await produce('plain', corrupt)).errorCode, 2, 'CRC mismatch is CORRUPT_MESSAGE');
  assert.equal(
    (await produce('plain', good.subarray(0, good.length - 3))).errorCode,
    2,
    'truncated batch is CORRUPT_MESSAGE',
  );
  assert.equal(
    (await produce('plain', await batch(['x'], { control: true }))).errorCode,
    87,
    'control batch is INVALID_RECORD',
  );
  assert.equal((await produce('nope', good)).errorCode, 3, 'unknown topic is UNKNOWN_TOPIC_OR_PARTITION');
  assert.equal((await produce('plain', good, 1, 9, 7)).errorCode, 3, 'unknown partition');
  assert.equal((await produce('plain', good, 2)).errorCode, 21, 'acks=2 is INVALID_REQUIRED_ACKS');
  assert.equal(
    (await produce('small', await batch(['x'.repeat(500)]))).errorCode,
    10,
    'over max.message.bytes is MESSAGE_TOO_LARGE',
  );
  assert.equal(
    (await produce('isr2', good, -1)).errorCode,
    19,
    'acks=all below min.insync.replicas is NOT_ENOUGH_REPLICAS',
  );
  assert.equal((await produce('isr2', good, 1)).errorCode, 0, 'acks=1 ignores min.insync.replicas');
  assert.equal((await produce('plain', null)).errorCode, 87, 'no records is INVALID_RECORD');
  assert.equal(tb.broker.topics.partition('plain', 0)!.logEndOffset, 0, 'nothing appended');
  assert.equal((await produce('plain', good)).baseOffset, 0);
});

test('acks=0 gets no response; an acks=0 failure closes the connection', async () => {
  const other = await RawClient.connect(tb.broker.port);
  // acks=0 has no response: the next request's response is the first one to arrive.
  const silent = other.send(Produce, 9, {
    acks: 0,
    timeoutMs: 1000,
    topicData: [{ name: 'plain', partitionData: [{ index: 0, records: await batch(['quiet']) }] }],
  });
  void silent.catch(() => {});
  const before = tb.broker.topics.partition('plain', 0)!.logEndOffset;
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(tb.broker.topics.partition('plain', 0)!.logEndOffset, before + 1);
  other.close();
  const third = await RawClient.connect(tb.broker.port);
  const failing = third.send(Produce, 9, {
    acks: 0,
    timeoutMs: 1000,
    topicData: [{ name: 'nope', partitionData: [{ index: 0, records: await batch(['lost']) }] }],
  });
  await assert.rejects(failing, /closed/);
  third.close();
});

test('LogAppendTime topics get the broker time in the batch and the response', async () => {
  const t0 = Date.now();
  const p = await produce('apptime', await batch(['t'], { timestamp: 1000 }));
  assert.equal(p.errorCode, 0);
  assert.ok(p.logAppendTimeMs >= t0 && p.logAppendTimeMs <= Date.now());
  const stored = await fetchAll('apptime');
  const h = readBatchHeader(stored, 0);
  assert.equal(h.timestampType, 1);
  assert.equal(h.maxTimestamp, p.logAppendTimeMs);
  const [b] = await decodeBatches(stored, { verifyCrc: true } as never);
  assert.equal(b!.records[0]!.timestamp, p.logAppendTimeMs);
});

test('a topic with compression.type=gzip stores gzip batches whatever the producer sent', async () => {
  const p = await produce('zipped', await batch(['one', 'two', 'three'], { compression: Compression.Lz4 }));
  assert.equal(p.errorCode, 0);
  const stored = await fetchAll('zipped');
  assert.equal(readBatchHeader(stored, 0).compression, Compression.Gzip);
  const [b] = await decodeBatches(stored);
  assert.deepEqual(
    b!.records.map((r) => r.value!.toString()),
    ['one', 'two', 'three'],
  );
});

test('old Produce versions with legacy message sets are converted and stored as batches', async () => {
  // Produce v2 carrying magic-2 data is fine too; v3+ rejects anything but magic 2.
  assert.equal((await produce('plain', await batch(['v2']), 1, 2)).errorCode, 0);
  const legacy = Buffer.from(
    '0000000000000000' + '00000010' + '00000000' + '00' + '00' + 'ffffffff' + '00000002' + '6869',
    'hex',
  );
  // Fix the CRC-32 of the v0 message (over magic..end).
  const { crc32 } = await import('@node-rs/crc32');
  legacy.writeUInt32BE(crc32(legacy.subarray(16)) >>> 0, 12);
  const before = tb.broker.topics.partition('plain', 0)!.logEndOffset;
  const p = await produce('plain', legacy, 1, 0);
  assert.equal(p.errorCode, 0);
  assert.equal(p.baseOffset, before);
  assert.equal((await produce('plain', legacy, 1, 3)).errorCode, 87, 'v3+ requires magic 2');
  const batches = await decodeBatches(await fetchAll('plain'));
  const last = batches.at(-1)!;
  assert.equal(last.header.magic, 2);
  assert.equal(last.records[0]!.value!.toString(), 'hi');
});

test('one request mixing partitions that convert (asynchronous) and ones that do not keeps request order', async () => {
  const legacy = Buffer.from(
    '0000000000000000' + '00000010' + '00000000' + '00' + '00' + 'ffffffff' + '00000002' + '6869',
    'hex',
  );
  const { crc32 } = await import('@node-rs/crc32');
  legacy.writeUInt32BE(crc32(legacy.subarray(16)) >>> 0, 12);
  const ends = [0, 1, 2].map((i) => tb.broker.topics.partition('multi', i)!.logEndOffset);
  const zippedEnd = tb.broker.topics.partition('zipped', 0)!.logEndOffset;
  const res = await client.send(Produce, 2, {
    acks: 1,
    timeoutMs: 1000,
    topicData: [
      {
        name: 'multi',
        partitionData: [
          { index: 0, records: await batch(['a', 'b']) },
          { index: 1, records: legacy },
          { index: 2, records: await batch(['c']) },
          { index: 7, records: await batch(['nowhere']) },
        ],
      },
      { name: 'zipped', partitionData: [{ index: 0, records: await batch(['z']) }] },
      { name: 'multi', partitionData: [{ index: 1, records: await batch(['d']) }] },
    ],
  });
  const got = res.responses.map((t) => t.partitionResponses.map((p) => [t.name, p.index, p.errorCode, p.baseOffset]));
  assert.deepEqual(got, [
    [
      ['multi', 0, 0, ends[0]],
      ['multi', 1, 0, ends[1]],
      ['multi', 2, 0, ends[2]],
      ['multi', 7, 3, -1],
    ],
    [['zipped', 0, 0, zippedEnd]],
    // The converted partition again later in the request lands after its converted batch.
    [['multi', 1, 0, ends[1]! + 1]],
  ]);
  const values = async (partition: number) => {
    const res = await client.send(Fetch, 11, {
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      topics: [
        { topic: 'multi', partitions: [{ partition, fetchOffset: ends[partition]!, partitionMaxBytes: 1 << 20 }] },
      ],
    });
    const batches = await decodeBatches(res.responses[0]!.partitions[0]!.records!);
    return batches.flatMap((b) => b.records.map((r) => r.value!.toString()));
  };
  assert.deepEqual(await values(0), ['a', 'b']);
  assert.deepEqual(await values(1), ['hi', 'd']);
  assert.deepEqual(await values(2), ['c']);
});
