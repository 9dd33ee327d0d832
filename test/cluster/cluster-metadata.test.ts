/**
 * Cluster metadata kept in etcd, seen from every broker, with third-party clients on three in-process brokers and a
 * real etcd: topic configs altered through one broker are described by the others and applied by the leader;
 * dynamic broker configs (one broker's and the cluster-wide default) set through confluent-kafka are described with
 * their sources by every broker and applied by the brokers they concern; DescribeTopicPartitions answers for the
 * whole cluster on every broker, the same as Metadata.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreateTopics } from '../../src/protocol/messages/create-topics.js';
import { DescribeConfigs } from '../../src/protocol/messages/describe-configs.js';
import { DescribeTopicPartitions } from '../../src/protocol/messages/describe-topic-partitions.js';
import { IncrementalAlterConfigs } from '../../src/protocol/messages/incremental-alter-configs.js';
import { Produce } from '../../src/protocol/messages/produce.js';
import { encodeBatch } from '../../src/protocol/records/batch.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { Metadata } from '../../src/protocol/messages/metadata.js';
import { ZERO_UUID } from '../../src/protocol/schema.js';
import { startCluster } from '../../src/server/cluster.js';
import { requireClient, runPython, uniqueTopic } from '../helpers/clients.js';
import { waitUntil } from '../helpers/cluster.js';
import { requireEtcd } from '../helpers/etcd.js';
import { withRawClient } from '../helpers/raw-client.js';

const Source = { DYNAMIC_TOPIC: 1, DYNAMIC_BROKER: 2, DYNAMIC_DEFAULT: 3, STATIC: 4, DEFAULT: 5 };

const describeConfigs = (port: number, type: number, name: string, keys: string[]) =>
  withRawClient(port, async (c) => {
    const r = await c.send(DescribeConfigs, 4, {
      resources: [{ resourceType: type, resourceName: name, configurationKeys: keys }],
      includeSynonyms: false,
      includeDocumentation: false,
    });
    const res = r.results[0]!;
    assert.equal(res.errorCode, 0, res.errorMessage ?? '');
    return Object.fromEntries(res.configs.map((x) => [x.name, [x.value, x.configSource]]));
  });

test('cluster metadata in etcd: configs and DescribeTopicPartitions', { timeout: 300_000 }, async (t) => {
  if (!requireEtcd(t)) return;
  const cluster = await startCluster({
    brokers: 3,
    config: {
      'broker.session.timeout.ms': '3000',
      'broker.heartbeat.interval.ms': '500',
      'auto.leader.rebalance.enable': 'false',
    },
  });
  t.after(() => cluster.stop());
  const ports = cluster.brokers.map((b) => b.port);
  const ids = cluster.brokers.map((b) => b.nodeId);
  await waitUntil('three brokers and a controller', () =>
    cluster.brokers.every((b) => b.broker!.metadata.brokers().length === 3 && b.broker!.metadata.controllerId() >= 0),
  );
  const topic = uniqueTopic('meta');
  await withRawClient(ports[0]!, async (c) => {
    const r = await c.send(CreateTopics, 7, {
      topics: [{ name: topic, numPartitions: 3, replicationFactor: 3, assignments: [], configs: [] }],
      timeoutMs: 10_000,
    });
    assert.equal(r.topics[0]!.errorCode, 0, r.topics[0]!.errorMessage ?? '');
  });
  await waitUntil('the topic on every broker', () =>
    cluster.brokers.every((b) => (b.broker!.metadata.partitions(topic) ?? []).every((p) => p.leader >= 0)),
  );

  await t.test(
    'confluent-kafka and kafka-python: topic and dynamic broker configs, seen and applied everywhere',
    async (t) => {
      if (!requireClient(t, 'confluent-kafka') || !requireClient(t, 'kafka-python')) return;
      const { summary } = await runPython('dyn_configs_ck.py', [cluster.bootstrap, topic, ...ids.map(String)]);
      assert.equal(summary.ok, true, JSON.stringify(summary));
      assert.equal(summary.readOnly, 'INVALID_REQUEST');
      const [b1, b2, b3] = ids.map(String) as [string, string, string];
      // The second broker's own setting wins over the cluster default there; the others take the default.
      assert.deepEqual(summary.brokers[b2]['log.retention.ms'], ['123456', Source.DYNAMIC_BROKER, false]);
      for (const b of [b1, b3])
        assert.deepEqual(summary.brokers[b]['log.retention.ms'], ['654321', Source.DYNAMIC_DEFAULT, false]);
      for (const b of [b1, b2, b3]) {
        assert.deepEqual(summary.brokers[b]['message.max.bytes'], ['4000', Source.DYNAMIC_DEFAULT, false]);
        assert.equal(summary.brokers[b]['broker.rack'][2], true);
      }
      // Every broker describes the topic's overrides and its inherited defaults, and applies them to its logs.
      await waitUntil('every broker has the topic overrides', () =>
        cluster.brokers.every((b) => b.broker!.topics.get(topic)?.configs['retention.ms'] === '555000'),
      );
      for (const [i, port] of ports.entries()) {
        const cfg = await describeConfigs(port, 2, topic, ['retention.ms', 'cleanup.policy', 'max.message.bytes']);
        assert.deepEqual(cfg['retention.ms'], ['555000', Source.DYNAMIC_TOPIC]);
        assert.deepEqual(cfg['cleanup.policy'], ['compact', Source.DYNAMIC_TOPIC]);
        assert.deepEqual(cfg['max.message.bytes'], ['4000', Source.DYNAMIC_DEFAULT]);
        const lc = cluster.brokers[i]!.broker!.topics.configOf(topic);
        assert.equal(lc.retentionMs, 555_000);
        assert.equal(String(lc.cleanupPolicy), 'compact');
      }
      // The per-broker default reaches that broker's logs of a topic without an override.
      const plain = uniqueTopic('meta-plain');
      await withRawClient(ports[0]!, (c) =>
        c.send(CreateTopics, 7, {
          topics: [{ name: plain, numPartitions: 1, replicationFactor: 3, assignments: [], configs: [] }],
          timeoutMs: 10_000,
        }),
      );
      await waitUntil('the plain topic everywhere', () => cluster.brokers.every((b) => b.broker!.topics.get(plain)));
      assert.deepEqual(
        cluster.brokers.map((b) => b.broker!.topics.configOf(plain).retentionMs),
        [654_321, 123_456, 654_321],
      );
      // The default as every broker reports it (the empty name).
      for (const port of ports) {
        const d = await describeConfigs(port, 4, '', []);
        assert.deepEqual(d, {
          'log.retention.ms': ['654321', Source.DYNAMIC_DEFAULT],
          'message.max.bytes': ['4000', Source.DYNAMIC_DEFAULT],
        });
      }
    },
  );

  await t.test(
    'min.insync.replicas from a topic override or the cluster default is enforced by the leader',
    async () => {
      const leaderId = cluster.brokers[0]!.broker!.metadata.partition(topic, 0)!.leader;
      const leader = cluster.brokers.find((b) => b.nodeId === leaderId)!;
      const other = cluster.brokers.find((b) => b.nodeId !== leaderId)!;
      const alter = (type: number, name: string, op: number, value: string | null) =>
        withRawClient(other.port, async (c) => {
          const r = await c.send(IncrementalAlterConfigs, 1, {
            resources: [
              {
                resourceType: type,
                resourceName: name,
                configs: [{ name: 'min.insync.replicas', configOperation: op, value }],
              },
            ],
            validateOnly: false,
          });
          assert.equal(r.responses[0]!.errorCode, 0, r.responses[0]!.errorMessage ?? '');
        });
      const produce = () =>
        withRawClient(leader.port, async (c) => {
          const batch = await encodeBatch({
            records: [{ key: Buffer.from('k'), value: Buffer.from('m'), timestamp: Date.now() }],
          });
          const r = await c.send(Produce, 9, {
            acks: -1,
            timeoutMs: 10_000,
            topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }],
          });
          return r.responses[0]!.partitionResponses[0]!.errorCode;
        });
      const minIsr = () => leader.broker!.topics.configOf(topic).minInsyncReplicas;
      assert.equal(await produce(), 0);
      // Four in-sync replicas cannot exist with three brokers: acks=all is refused while it is in force.
      await alter(2, topic, 0, '4');
      await waitUntil('the leader applies the topic override', () => minIsr() === 4);
      assert.equal(await produce(), ErrorCode.NOT_ENOUGH_REPLICAS);
      await alter(2, topic, 1, null);
      await waitUntil('the override is gone', () => minIsr() === 1);
      assert.equal(await produce(), 0);
      await alter(4, '', 0, '4');
      await waitUntil('the leader applies the cluster default', () => minIsr() === 4);
      assert.equal(await produce(), ErrorCode.NOT_ENOUGH_REPLICAS);
      await alter(4, '', 1, null);
      await waitUntil('the default is gone', () => minIsr() === 1);
      assert.equal(await produce(), 0);
    },
  );

  await t.test('DescribeTopicPartitions: the whole cluster from every broker, as Metadata says', async () => {
    for (const port of ports) {
      const [dtp, md] = await withRawClient(
        port,
        async (c) =>
          [
            await c.send(DescribeTopicPartitions, 0, {
              topics: [{ name: topic }],
              responsePartitionLimit: 2,
              cursor: null,
            }),
            await c.send(Metadata, 12, {
              topics: [{ topicId: ZERO_UUID, name: topic }],
              allowAutoTopicCreation: false,
              includeTopicAuthorizedOperations: false,
            }),
          ] as const,
      );
      const m = md.topics[0]!;
      assert.equal(dtp.topics[0]!.topicId, m.topicId);
      assert.deepEqual(dtp.nextCursor, { topicName: topic, partitionIndex: 2 });
      const rest = await withRawClient(port, (c) =>
        c.send(DescribeTopicPartitions, 0, {
          topics: [{ name: topic }],
          responsePartitionLimit: 2,
          cursor: dtp.nextCursor,
        }),
      );
      assert.equal(rest.nextCursor, null);
      const parts = [...dtp.topics[0]!.partitions, ...rest.topics[0]!.partitions];
      assert.deepEqual(
        parts.map((p) => [
          p.partitionIndex,
          p.leaderId,
          p.leaderEpoch,
          [...p.replicaNodes],
          [...p.isrNodes],
          p.eligibleLeaderReplicas,
          p.lastKnownElr,
        ]),
        m.partitions
          .map((p) => [p.partitionIndex, p.leaderId, p.leaderEpoch, [...p.replicaNodes], [...p.isrNodes], [], []])
          .sort((a, b) => (a[0] as number) - (b[0] as number)),
      );
      for (const p of parts) assert.equal(p.replicaNodes.length, 3);
    }
  });
});
