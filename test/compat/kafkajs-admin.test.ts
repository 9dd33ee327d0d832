/**
 * KafkaJS 2.2.4's admin client against Samsa: topic creation and deletion, partitions, configs, offsets by time,
 * record deletion and the cluster description, each checked through a second path (another admin call or the
 * broker's own state).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Admin, Kafka as KafkaType } from 'kafkajs';
import { startBroker, type Broker } from '../../src/broker/broker.js';
import { silentLogger } from '../../src/storage/logger.js';

let dir: string;
let broker: Broker;
let kafka: KafkaType;
let admin: Admin;
let kjs: typeof import('kafkajs');

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'samsa-kafkajs-admin-'));
  broker = await startBroker({ port: 0, dataDir: dir, logger: silentLogger as never });
  kjs = await import('kafkajs');
  kafka = new kjs.Kafka({
    clientId: 'samsa-kafkajs-admin',
    brokers: [`127.0.0.1:${broker.port}`],
    logLevel: kjs.logLevel.NOTHING,
    retry: { retries: 1, initialRetryTime: 50 },
  });
  admin = kafka.admin();
  await admin.connect();
});

after(async () => {
  await admin?.disconnect();
  await broker?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('KafkaJS admin', () => {
  test('createTopics, fetchTopicMetadata, listTopics', async () => {
    const created = await admin.createTopics({
      topics: [{ topic: 'kja-a', numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '3600000' }] }],
      waitForLeaders: true,
    });
    assert.equal(created, true);
    assert.equal(await admin.createTopics({ topics: [{ topic: 'kja-a', numPartitions: 3 }] }), false, 'already exists');
    const md = await admin.fetchTopicMetadata({ topics: ['kja-a'] });
    assert.equal(md.topics[0]!.name, 'kja-a');
    assert.deepEqual(md.topics[0]!.partitions.map((p) => p.partitionId).sort(), [0, 1, 2]);
    assert.ok(md.topics[0]!.partitions.every((p) => p.leader === broker.nodeId));
    assert.ok((await admin.listTopics()).includes('kja-a'));
    await assert.rejects(
      admin.createTopics({
        topics: [{ topic: 'kja-bad', numPartitions: 1, configEntries: [{ name: 'retention.ms', value: 'never' }] }],
      }),
      (err: Error & { errors?: Array<{ type: string }> }) => err.errors?.[0]?.type === 'INVALID_CONFIG',
    );
  });

  test('fetchTopicOffsets, fetchTopicOffsetsByTimestamp and deleteTopicRecords', async () => {
    await admin.createTopics({ topics: [{ topic: 'kja-offsets', numPartitions: 1 }], waitForLeaders: true });
    const producer = kafka.producer();
    await producer.connect();
    const base = 1_700_000_000_000;
    await producer.send({
      topic: 'kja-offsets',
      messages: [0, 1, 2, 3, 4].map((i) => ({ partition: 0, value: `m${i}`, timestamp: String(base + i * 1000) })),
    });
    await producer.disconnect();

    const offsets = await admin.fetchTopicOffsets('kja-offsets');
    assert.deepEqual(
      offsets.map((o) => [o.partition, o.low, o.high, o.offset]),
      [[0, '0', '5', '5']],
    );
    const byTime = await admin.fetchTopicOffsetsByTimestamp('kja-offsets', base + 2500);
    assert.deepEqual(byTime, [{ partition: 0, offset: '3' }]);
    const future = await admin.fetchTopicOffsetsByTimestamp('kja-offsets', base + 60_000);
    // No record that late: KafkaJS falls back to the latest offset.
    assert.deepEqual(future, [{ partition: 0, offset: '5' }]);

    await admin.deleteTopicRecords({ topic: 'kja-offsets', partitions: [{ partition: 0, offset: '2' }] });
    const after = await admin.fetchTopicOffsets('kja-offsets');
    assert.deepEqual(
      after.map((o) => [o.low, o.high]),
      [['2', '5']],
    );
    await assert.rejects(
      admin.deleteTopicRecords({ topic: 'kja-offsets', partitions: [{ partition: 0, offset: '50' }] }),
    );
    assert.equal(broker.topics.partition('kja-offsets', 0)!.logStartOffset, 2);
  });

  test('describeConfigs and alterConfigs', async () => {
    await admin.createTopics({
      topics: [{ topic: 'kja-configs', configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
    });
    // ConfigResourceTypes is only on the CommonJS default export.
    const { TOPIC, BROKER } = (kjs as unknown as { default: typeof kjs }).default.ConfigResourceTypes;
    const describe = async () => {
      const r = await admin.describeConfigs({
        resources: [{ type: TOPIC, name: 'kja-configs' }],
        includeSynonyms: true,
      });
      assert.equal(r.resources[0]!.errorCode, 0);
      return new Map(r.resources[0]!.configEntries.map((e) => [e.configName, e]));
    };
    let cfg = await describe();
    assert.equal(cfg.get('cleanup.policy')!.configValue, 'compact');
    assert.equal(cfg.get('cleanup.policy')!.isDefault, false);
    assert.equal(cfg.get('retention.ms')!.configValue, '604800000');

    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: TOPIC, name: 'kja-configs', configEntries: [{ name: 'retention.ms', value: '1000' }] }],
    });
    cfg = await describe();
    assert.equal(cfg.get('retention.ms')!.configValue, '1000');
    assert.equal(cfg.get('cleanup.policy')!.configValue, 'delete', 'AlterConfigs replaced the override set');
    assert.equal(broker.topics.configOf('kja-configs').retentionMs, 1000);

    await assert.rejects(
      admin.alterConfigs({
        validateOnly: false,
        resources: [{ type: TOPIC, name: 'kja-configs', configEntries: [{ name: 'retention.ms', value: 'x' }] }],
      }),
    );
    assert.equal(broker.topics.configOf('kja-configs').retentionMs, 1000);

    const b = await admin.describeConfigs({
      resources: [{ type: BROKER, name: String(broker.nodeId), configNames: ['num.partitions'] }],
      includeSynonyms: false,
    });
    assert.deepEqual(
      b.resources[0]!.configEntries.map((e) => [e.configName, e.configValue, e.readOnly]),
      [['num.partitions', '1', true]],
    );
  });

  test('createPartitions', async () => {
    await admin.createTopics({ topics: [{ topic: 'kja-parts', numPartitions: 2 }] });
    await admin.createPartitions({ topicPartitions: [{ topic: 'kja-parts', count: 4 }] });
    const md = await admin.fetchTopicMetadata({ topics: ['kja-parts'] });
    assert.equal(md.topics[0]!.partitions.length, 4);
    await assert.rejects(
      admin.createPartitions({ topicPartitions: [{ topic: 'kja-parts', count: 3 }] }),
      (err: Error & { errors?: Array<{ type: string }> }) =>
        err.errors?.[0]?.type === 'INVALID_PARTITIONS' || /partitions/i.test(err.message),
    );
    assert.equal(broker.topics.partitionsOf('kja-parts')!.length, 4);
  });

  test('describeCluster', async () => {
    const c = await admin.describeCluster();
    assert.equal(c.clusterId, broker.clusterId);
    assert.equal(c.controller, broker.nodeId);
    assert.deepEqual(
      c.brokers.map((x) => [x.nodeId, x.port]),
      [[broker.nodeId, broker.port]],
    );
  });

  test('deleteTopics', async () => {
    await admin.createTopics({ topics: [{ topic: 'kja-gone' }] });
    await admin.deleteTopics({ topics: ['kja-gone'] });
    assert.ok(!(await admin.listTopics()).includes('kja-gone'));
    assert.equal(broker.topics.get('kja-gone'), undefined);
  });
});
