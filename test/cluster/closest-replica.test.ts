/**
 * Fetch from the closest replica (KIP-392) on three in-process brokers in three racks with a real etcd and
 * replica.selector.class set to Kafka's RackAwareReplicaSelector: the leader points a consumer of another rack at
 * the in-sync replica of its rack (PreferredReadReplica, no records), that follower serves it up to its high
 * watermark, and confluent-kafka with client.rack reads every record with its fetches going to that follower.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../../src/protocol/errors.js';
import { CreateTopics } from '../../src/protocol/messages/create-topics.js';
import { Fetch } from '../../src/protocol/messages/fetch.js';
import { Produce } from '../../src/protocol/messages/produce.js';
import { encodeBatch } from '../../src/protocol/records/batch.js';
import { startCluster } from '../../src/server/cluster.js';
import { requireClient, runPython, uniqueTopic } from '../helpers/clients.js';
import { waitUntil } from '../helpers/cluster.js';
import { requireEtcd } from '../helpers/etcd.js';
import { withRawClient } from '../helpers/raw-client.js';

const COUNT = 50;

const fetchOnce = (port: number, version: number, topic: string, rackId: string) =>
  withRawClient(port, async (c) => {
    const r = await c.send(Fetch, version, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [],
      rackId,
    });
    return r.responses[0]!.partitions[0]!;
  });

test('fetch from the closest replica (KIP-392)', { timeout: 300_000 }, async (t) => {
  if (!requireEtcd(t)) return;
  const cluster = await startCluster({
    brokers: 3,
    rack: (id) => `rack-${id}`,
    config: {
      'broker.session.timeout.ms': '3000',
      'broker.heartbeat.interval.ms': '500',
      'auto.leader.rebalance.enable': 'false',
      'replica.selector.class': 'org.apache.kafka.common.replica.RackAwareReplicaSelector',
    },
  });
  t.after(() => cluster.stop());
  const [b1, b2] = cluster.brokers as [(typeof cluster.brokers)[0], (typeof cluster.brokers)[0]];
  await waitUntil('three brokers', () => cluster.brokers.every((b) => b.broker!.metadata.brokers().length === 3));
  const topic = uniqueTopic('kip392');
  // Led by the first broker, replicated on all three.
  await withRawClient(b1.port, async (c) => {
    const r = await c.send(CreateTopics, 7, {
      topics: [
        {
          name: topic,
          numPartitions: -1,
          replicationFactor: -1,
          assignments: [{ partitionIndex: 0, brokerIds: [b1.nodeId, b2.nodeId, cluster.brokers[2]!.nodeId] }],
          configs: [],
        },
      ],
      timeoutMs: 10_000,
    });
    assert.equal(r.topics[0]!.errorCode, 0, r.topics[0]!.errorMessage ?? '');
  });
  await waitUntil('the partition led by broker 1 with three in sync', () =>
    cluster.brokers.every((b) => {
      const p = b.broker!.metadata.partition(topic, 0);
      return p !== undefined && p.leader === b1.nodeId && p.isr.length === 3;
    }),
  );
  const batch = await encodeBatch({
    records: Array.from({ length: COUNT }, (_, i) => ({
      key: null,
      value: Buffer.from(`r${i}`),
      timestamp: Date.now(),
    })),
  });
  await withRawClient(b1.port, async (c) => {
    const r = await c.send(Produce, 9, {
      acks: -1,
      timeoutMs: 10_000,
      topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }],
    });
    assert.equal(r.responses[0]!.partitionResponses[0]!.errorCode, 0);
  });
  await waitUntil('the follower in rack-2 knows the high watermark', () => {
    const p = b2.broker!.replicas.get(topic, 0);
    return p !== undefined && p.log.highWatermark === COUNT;
  });

  await t.test('the leader points a consumer of another rack at the replica of its rack', async () => {
    const toLeader = await fetchOnce(b1.port, 11, topic, 'rack-2');
    assert.equal(toLeader.errorCode, 0);
    assert.equal(toLeader.preferredReadReplica, b2.nodeId);
    assert.equal((toLeader.records as Buffer).length, 0);
    // Its own rack, no rack, or a rack without a replica: read from the leader.
    for (const rack of ['rack-1', '', 'elsewhere']) {
      const p = await fetchOnce(b1.port, 11, topic, rack);
      assert.equal(p.preferredReadReplica, -1, rack);
      assert.ok((p.records as Buffer).length > 0, rack);
    }
  });

  await t.test('the follower serves consumers (v11+) up to its high watermark', async () => {
    const fromFollower = await fetchOnce(b2.port, 11, topic, 'rack-2');
    assert.equal(fromFollower.errorCode, 0);
    assert.equal(fromFollower.highWatermark, COUNT);
    assert.ok((fromFollower.records as Buffer).length > 0);
    // Before v11 a consumer has no rack and reads from the leader only.
    const old = await fetchOnce(b2.port, 10, topic, '');
    assert.equal(old.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
  });

  await t.test('confluent-kafka with client.rack reads everything from the follower of its rack', async (t) => {
    if (!requireClient(t, 'confluent-kafka')) return;
    const { summary } = await runPython('kip392_ck.py', [cluster.bootstrap, topic, 'rack-2', String(COUNT)]);
    assert.equal(summary.ok, true, JSON.stringify(summary));
    assert.equal(summary.read, COUNT);
    assert.equal(summary.leader, b1.nodeId);
    assert.equal(summary.broker, b2.nodeId, JSON.stringify(summary));
    assert.ok(summary.fetches[String(b2.nodeId)] > 0, JSON.stringify(summary.fetches));
  });
});
