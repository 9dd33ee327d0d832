/**
 * Fetch semantics that the third-party clients here do not exercise: long polling, byte limits, incremental fetch
 * sessions (KIP-227, which the Java client uses) and down-conversion for Fetch v0-v3.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Fetch } from '../../src/protocol/messages/fetch.js';
import { Produce } from '../../src/protocol/messages/produce.js';
import { decodeBatches, encodeBatch } from '../../src/protocol/records/batch.js';
import { decodeMessageSet } from '../../src/protocol/records/message-set.js';
import { Compression } from '../../src/protocol/records/layout.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';

let tb: TestBroker;
let client: RawClient;

before(async () => {
  tb = await startTestBroker();
  client = await RawClient.connect(tb.broker.port);
  for (const [name, n] of [
    ['lp', 1],
    ['limits', 2],
    ['sess', 3],
    ['old', 1],
  ] as const) {
    assert.equal(tb.broker.topics.create(name, n, 1, {}).errorCode, 0);
  }
});

after(async () => {
  client.close();
  await tb.stop();
});

async function produce(
  topic: string,
  partition: number,
  values: string[],
  compression = Compression.None,
): Promise<number> {
  const records = await encodeBatch({
    records: values.map((v) => ({ key: Buffer.from('k'), value: Buffer.from(v) })),
    compression,
  });
  const res = await client.send(Produce, 9, {
    acks: 1,
    timeoutMs: 1000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
  });
  const p = res.responses[0]!.partitionResponses[0]!;
  assert.equal(p.errorCode, 0);
  return p.baseOffset;
}

const part = (partition: number, fetchOffset: number, partitionMaxBytes = 1 << 20) => ({
  partition,
  fetchOffset,
  partitionMaxBytes,
});

test('a long poll waits for min bytes and wakes up on an append', async () => {
  const other = await RawClient.connect(tb.broker.port);
  try {
    const t0 = Date.now();
    const pending = other.send(Fetch, 11, {
      maxWaitMs: 5000,
      minBytes: 1,
      maxBytes: 1 << 20,
      topics: [{ topic: 'lp', partitions: [part(0, 0)] }],
    });
    await new Promise((r) => setTimeout(r, 200));
    await produce('lp', 0, ['wake']);
    const res = await pending;
    const waited = Date.now() - t0;
    const batches = await decodeBatches(res.responses[0]!.partitions[0]!.records!);
    assert.equal(batches[0]!.records[0]!.value!.toString(), 'wake');
    assert.ok(waited >= 150 && waited < 4000, `woke after ${waited} ms`);

    // With nothing to read, the poll returns empty after max wait.
    const empty = await other.send(Fetch, 11, {
      maxWaitMs: 100,
      minBytes: 1,
      maxBytes: 1 << 20,
      topics: [{ topic: 'lp', partitions: [part(0, 1)] }],
    });
    assert.equal(empty.responses[0]!.partitions[0]!.records!.length, 0);
    assert.equal(empty.responses[0]!.partitions[0]!.highWatermark, 1);
  } finally {
    other.close();
  }
});

test('partition and response byte limits return whole batches, at least one', async () => {
  for (let i = 0; i < 5; i++) await produce('limits', 0, [`${i}`.repeat(1000)]);
  await produce('limits', 1, ['p1']);
  // A partition limit smaller than one batch still yields the first whole batch.
  const one = await client.send(Fetch, 11, {
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    topics: [{ topic: 'limits', partitions: [part(0, 0, 10)] }],
  });
  const b1 = await decodeBatches(one.responses[0]!.partitions[0]!.records!);
  assert.equal(b1.length, 1);
  // A limit of 2.5 batches yields 2 whole batches.
  const size = one.responses[0]!.partitions[0]!.records!.length;
  const two = await client.send(Fetch, 11, {
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    topics: [{ topic: 'limits', partitions: [part(0, 0, Math.floor(size * 2.5))] }],
  });
  assert.equal((await decodeBatches(two.responses[0]!.partitions[0]!.records!)).length, 2);
  // The response limit caps the total: after the first partition fills it, the second gets nothing.
  const capped = await client.send(Fetch, 11, {
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: size,
    topics: [{ topic: 'limits', partitions: [part(0, 0), part(1, 0)] }],
  });
  const [c0, c1] = capped.responses[0]!.partitions;
  assert.equal((await decodeBatches(c0!.records!)).length, 1);
  assert.equal(c1!.records!.length, 0);
  // Fetching past the end is OFFSET_OUT_OF_RANGE (1).
  const oor = await client.send(Fetch, 11, {
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    topics: [{ topic: 'limits', partitions: [part(0, 99)] }],
  });
  assert.equal(oor.responses[0]!.partitions[0]!.errorCode, 1);
  // An unknown topic is UNKNOWN_TOPIC_OR_PARTITION (3).
  const unk = await client.send(Fetch, 11, {
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    topics: [{ topic: 'nope', partitions: [part(0, 0)] }],
  });
  assert.equal(unk.responses[0]!.partitions[0]!.errorCode, 3);
});

test('incremental fetch sessions answer only partitions with news', async () => {
  await produce('sess', 0, ['a']);
  await produce('sess', 1, ['b']);
  // Open a session with all three partitions (epoch 0).
  const full = await client.send(Fetch, 12, {
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    sessionId: 0,
    sessionEpoch: 0,
    topics: [{ topic: 'sess', partitions: [part(0, 1), part(1, 1), part(2, 0)] }],
  });
  assert.equal(full.errorCode, 0);
  const sessionId = full.sessionId;
  assert.ok(sessionId > 0);
  assert.equal(full.responses[0]!.partitions.length, 3);

  // Nothing changed: an incremental fetch naming no partitions gets an empty response.
  const quiet = await client.send(Fetch, 12, {
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    sessionId,
    sessionEpoch: 1,
    topics: [],
  });
  assert.equal(quiet.errorCode, 0);
  assert.equal(quiet.responses.length, 0);

  // New data on partition 2 only: only partition 2 comes back, with its records.
  await produce('sess', 2, ['c']);
  const news = await client.send(Fetch, 12, {
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    sessionId,
    sessionEpoch: 2,
    topics: [],
  });
  assert.deepEqual(
    news.responses[0]!.partitions.map((p) => p.partitionIndex),
    [2],
  );
  assert.equal(
    (await decodeBatches(news.responses[0]!.partitions[0]!.records!))[0]!.records[0]!.value!.toString(),
    'c',
  );

  // Forget partition 2, then produce to it: the session no longer reports it.
  await client.send(Fetch, 12, {
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    sessionId,
    sessionEpoch: 3,
    topics: [],
    forgottenTopicsData: [{ topic: 'sess', partitions: [2] }],
  });
  await produce('sess', 2, ['d']);
  const after = await client.send(Fetch, 12, {
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    sessionId,
    sessionEpoch: 4,
    topics: [],
  });
  assert.equal(after.responses.length, 0);

  // A wrong epoch is INVALID_FETCH_SESSION_EPOCH (71), an unknown session FETCH_SESSION_ID_NOT_FOUND (70).
  const wrong = await client.send(Fetch, 12, {
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    sessionId,
    sessionEpoch: 9,
    topics: [],
  });
  assert.equal(wrong.errorCode, 71);
  const unknown = await client.send(Fetch, 12, {
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    sessionId: sessionId + 1000,
    sessionEpoch: 1,
    topics: [],
  });
  assert.equal(unknown.errorCode, 70);
});

test('Fetch v0-v3 down-converts stored batches to message sets of magic 0 and 1', async () => {
  await produce('old', 0, ['x', 'y'], Compression.Gzip);
  await produce('old', 0, ['z']);
  for (const [version, magic] of [
    [0, 0],
    [1, 0],
    [2, 1],
    [3, 1],
  ] as const) {
    const res = await client.send(Fetch, version, {
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      topics: [{ topic: 'old', partitions: [part(0, 0)] }],
    });
    const set = res.responses[0]!.partitions[0]!.records!;
    assert.equal(set[16], magic, `v${version} returns magic ${magic}`);
    const records = decodeMessageSet(set);
    assert.deepEqual(
      records.map((r) => [r.offset, r.value!.toString()]),
      [
        [0, 'x'],
        [1, 'y'],
        [2, 'z'],
      ],
      `v${version}`,
    );
  }
});
