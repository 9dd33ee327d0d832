/**
 * Requests that decode but carry values Kafka's semantics forbid (issue 9): each gets Kafka's error code and the
 * broker keeps serving. The first case is the one that used to stop the broker: Metadata v1 for the topic "".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../src/protocol/errors.js';
import { ConsumerGroupDescribe } from '../../src/protocol/messages/consumer-group-describe.js';
import { ConsumerGroupHeartbeat } from '../../src/protocol/messages/consumer-group-heartbeat.js';
import { CreatePartitions } from '../../src/protocol/messages/create-partitions.js';
import { CreateTopics } from '../../src/protocol/messages/create-topics.js';
import { DeleteTopics } from '../../src/protocol/messages/delete-topics.js';
import { InitProducerId } from '../../src/protocol/messages/init-producer-id.js';
import { Metadata } from '../../src/protocol/messages/metadata.js';
import { WriteTxnMarkers } from '../../src/protocol/messages/write-txn-markers.js';
import { ZERO_UUID } from '../../src/protocol/schema.js';
import { startBrokerProcess, withBroker } from '../helpers/broker.js';
import { requireClient, runPython, uniqueTopic } from '../helpers/clients.js';
import { RawClient } from '../helpers/raw-client.js';

const INVALID: number[] = [ErrorCode.INVALID_TOPIC_EXCEPTION, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION];

test('Metadata for the topic "" in every version answers INVALID_TOPIC_EXCEPTION and the broker keeps serving', async () => {
  await withBroker(async (b) => {
    for (let v = Metadata.minVersion; v <= Metadata.maxVersion; v++) {
      const c = await RawClient.connect(b.port);
      try {
        const res = await c.send(Metadata, v, { topics: [{ name: '' }], allowAutoTopicCreation: true });
        assert.equal(res.topics.length, 1, `v${v}`);
        assert.ok(INVALID.includes(res.topics[0]!.errorCode), `v${v}: error ${res.topics[0]!.errorCode}`);
        if (v >= 10) {
          const byId = await c.send(Metadata, v, {
            topics: [{ name: null, topicId: '0f0f0f0f-0000-4000-8000-000000000001' }],
          });
          assert.equal(byId.topics[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_ID, `v${v} unknown id`);
        }
      } finally {
        c.close();
      }
    }
    const c = await RawClient.connect(b.port);
    const all = await c.send(Metadata, 1, { topics: null });
    c.close();
    assert.ok(Array.isArray(all.topics), 'the broker still answers');
  });
});

test('kafka-python sending to the topic "" fails on the client; the broker process keeps serving', async (t) => {
  if (!requireClient(t, 'kafka-python')) return;
  const proc = await startBrokerProcess();
  try {
    const topic = uniqueTopic('after-empty');
    const { summary } = await runPython('kp_empty_topic.py', [proc.bootstrap, topic], { timeoutMs: 120_000 });
    assert.equal(summary.ok, true, JSON.stringify(summary));
    assert.notEqual(summary.emptyTopicSend, 'sent', 'the send to "" must not succeed');
    const alive = await RawClient.connect(proc.port);
    const md = await alive.send(Metadata, 1, { topics: [{ name: topic }] });
    alive.close();
    assert.equal(md.topics[0]!.errorCode, 0);
    assert.doesNotMatch(proc.output(), /TypeError|uncaught/i, 'no exception in the broker log');
  } finally {
    await proc.cleanup();
  }
});

// Cases the schema-driven fuzzer (test/fuzz) found; each used to close the connection or stall the broker.

test('clients may not create, delete or add partitions to internal topics; transactions keep working', async () => {
  await withBroker(async (b) => {
    const c = await RawClient.connect(b.port);
    try {
      const created = await c.send(CreateTopics, 4, {
        topics: [{ name: '__transaction_state', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
        timeoutMs: 1000,
      });
      assert.equal(created.topics[0]!.errorCode, ErrorCode.INVALID_REQUEST);
      const init = await c.send(InitProducerId, 4, { transactionalId: 'tx-after', transactionTimeoutMs: 60_000 });
      assert.equal(init.errorCode, 0, 'InitProducerId works: the coordinator made its own topic');
      const grown = await c.send(CreatePartitions, 1, {
        topics: [{ name: '__transaction_state', count: 60, assignments: null }],
        timeoutMs: 1000,
        validateOnly: false,
      });
      assert.equal(grown.results[0]!.errorCode, ErrorCode.INVALID_REQUEST);
      const deleted = await c.send(DeleteTopics, 4, { topicNames: ['__transaction_state'], timeoutMs: 1000 });
      assert.equal(deleted.responses[0]!.errorCode, ErrorCode.INVALID_REQUEST);
      const again = await c.send(InitProducerId, 4, { transactionalId: 'tx-after', transactionTimeoutMs: 60_000 });
      assert.equal(again.errorCode, 0);
    } finally {
      c.close();
    }
  });
});

test('a partition count near 2^31 is refused at once with INVALID_PARTITIONS', async () => {
  await withBroker(async (b) => {
    const c = await RawClient.connect(b.port);
    try {
      const t0 = Date.now();
      const created = await c.send(CreateTopics, 4, {
        topics: [{ name: 'huge', numPartitions: 2147483647, replicationFactor: 1, assignments: [], configs: [] }],
        timeoutMs: 1000,
      });
      assert.equal(created.topics[0]!.errorCode, ErrorCode.INVALID_PARTITIONS);
      await c.send(CreateTopics, 4, {
        topics: [{ name: 'small', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
        timeoutMs: 1000,
      });
      const grown = await c.send(CreatePartitions, 1, {
        topics: [{ name: 'small', count: 16777215, assignments: null }],
        timeoutMs: 1000,
        validateOnly: false,
      });
      assert.equal(grown.results[0]!.errorCode, ErrorCode.INVALID_PARTITIONS);
      assert.ok(Date.now() - t0 < 30_000, 'answered without creating the partitions');
      const md = await c.send(Metadata, 1, { topics: [{ name: 'small' }] });
      assert.equal(md.topics[0]!.partitions.length, 1);
    } finally {
      c.close();
    }
  });
});

test('WriteTxnMarkers with a producer id at the int64 limit is answered', async () => {
  await withBroker(async (b) => {
    const c = await RawClient.connect(b.port);
    try {
      const res = await c.send(WriteTxnMarkers, 1, {
        markers: [
          {
            producerId: 2 ** 63, // what a decoded 0x7fffffffffffffff becomes
            producerEpoch: 0,
            transactionResult: true,
            topics: [{ name: 'nowhere', partitionIndexes: [0] }],
            coordinatorEpoch: 0,
          },
        ],
      });
      assert.equal(res.markers.length, 1);
      assert.equal(res.markers[0]!.producerId, 2 ** 63);
    } finally {
      c.close();
    }
  });
});

test('ConsumerGroupDescribe of a member assigned a deleted topic encodes the zero topic id', async () => {
  await withBroker(async (b) => {
    const c = await RawClient.connect(b.port);
    try {
      await c.send(CreateTopics, 4, {
        topics: [{ name: 'doomed', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }],
        timeoutMs: 1000,
      });
      let hb = await c.send(ConsumerGroupHeartbeat, 0, {
        groupId: 'g-doomed',
        memberId: '',
        memberEpoch: 0,
        rebalanceTimeoutMs: 10_000,
        subscribedTopicNames: ['doomed'],
        topicPartitions: [],
      });
      assert.equal(hb.errorCode, 0);
      for (let i = 0; i < 20 && (hb.assignment?.topicPartitions.length ?? 0) === 0; i++) {
        hb = await c.send(ConsumerGroupHeartbeat, 0, {
          groupId: 'g-doomed',
          memberId: hb.memberId!,
          memberEpoch: hb.memberEpoch,
        });
      }
      const deleted = await c.send(DeleteTopics, 4, { topicNames: ['doomed'], timeoutMs: 1000 });
      assert.equal(deleted.responses[0]!.errorCode, 0);
      const d = await c.send(ConsumerGroupDescribe, 0, { groupIds: ['g-doomed'] });
      assert.equal(d.groups[0]!.errorCode, 0);
      const ids = d.groups[0]!.members.flatMap((m) => m.assignment.topicPartitions.map((tp) => tp.topicId));
      for (const id of ids) assert.equal(id, ZERO_UUID);
    } finally {
      c.close();
    }
  });
});

/** Every object in a decoded response that names the topic "" (name, topic or resourceName), with the codes under it. */
function entriesForEmptyName(v: unknown, out: Array<{ codes: number[] }> = []): Array<{ codes: number[] }> {
  if (Array.isArray(v)) for (const x of v) entriesForEmptyName(x, out);
  else if (v !== null && typeof v === 'object' && !Buffer.isBuffer(v)) {
    const o = v as Record<string, unknown>;
    // OffsetFetch answers a topic without commits (any name) with offset -1 and no error, as Kafka does.
    const nothing =
      JSON.stringify(o).includes('"committedOffset":-1') && !JSON.stringify(o).match(/"committedOffset":(?!-1)/);
    if ((o.name === '' || o.topic === '' || o.resourceName === '') && !nothing) out.push({ codes: errorCodes(o) });
    for (const x of Object.values(o)) entriesForEmptyName(x, out);
  }
  return out;
}

function errorCodes(v: unknown, out: number[] = []): number[] {
  if (Array.isArray(v)) for (const x of v) errorCodes(x, out);
  else if (v !== null && typeof v === 'object' && !Buffer.isBuffer(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (k === 'errorCode' && typeof x === 'number') out.push(x);
      else errorCodes(x, out);
    }
  }
  return out;
}

test('every API that takes topic names answers the topic "" with an error for it, in every version', async () => {
  const { ALL_APIS } = await import('../../src/protocol/messages/index.js');
  const { RequestGenerator, Rng } = await import('../fuzz/generate.js');
  const { encodeBatch } = await import('../../src/protocol/records/batch.js');
  const batch = await encodeBatch({ records: [{ key: null, value: 'v' }] });
  const pools = { topics: [''], topicIds: [], groups: ['g'], transactionalIds: ['tx'], batches: [batch] };
  await withBroker(async (b) => {
    const checked = new Set<string>();
    const accepted: string[] = [];
    for (const api of ALL_APIS) {
      if (api.name.startsWith('Sasl')) continue;
      for (let v = api.minVersion; v <= api.maxVersion; v++) {
        const gen = new RequestGenerator(new Rng(v + api.key * 100), pools, { boundary: 0, maxFrameBytes: 1 << 20 });
        const body = gen.body(api, v);
        if ('acks' in body) body.acks = -1; // acks=0 gets no answer
        const c = await RawClient.connect(b.port);
        try {
          const res = await c.send(api, v, body as never);
          for (const e of entriesForEmptyName(res)) {
            checked.add(api.name);
            if (e.codes.length > 0 && e.codes.every((x) => x === 0))
              accepted.push(`${api.name} v${v}: ${JSON.stringify(res)}`);
          }
        } finally {
          c.close();
        }
      }
    }
    assert.deepEqual(accepted, [], 'no API accepts the topic ""');
    for (const name of [
      'Produce',
      'Fetch',
      'ListOffsets',
      'CreateTopics',
      'DeleteTopics',
      'DescribeConfigs',
      'OffsetCommit',
    ]) {
      assert.ok(checked.has(name), `${name} was checked`);
    }
  });
});

test('Fetch v2 naming one partition 1,000 times reads it once', async () => {
  const { Fetch } = await import('../../src/protocol/messages/fetch.js');
  const { Produce } = await import('../../src/protocol/messages/produce.js');
  const { encodeBatch } = await import('../../src/protocol/records/batch.js');
  await withBroker(async (b) => {
    const c = await RawClient.connect(b.port);
    try {
      await c.send(Metadata, 4, { topics: [{ name: 'dup' }], allowAutoTopicCreation: true });
      const batch = await encodeBatch({ records: [{ key: null, value: 'x'.repeat(10_000) }] });
      await c.send(Produce, 3, {
        acks: 1,
        timeoutMs: 1000,
        topicData: [{ name: 'dup', partitionData: [{ index: 0, records: batch }] }],
      });
      const res = await c.send(Fetch, 2, {
        maxWaitMs: 0,
        minBytes: 0,
        topics: new Array(1000).fill({
          topic: 'dup',
          partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }],
        }),
      });
      const parts = res.responses.flatMap((t) => t.partitions);
      assert.equal(parts.length, 1, 'the partition is answered once');
      assert.ok((parts[0]!.records?.length ?? 0) > 10_000);
    } finally {
      c.close();
    }
  });
});
