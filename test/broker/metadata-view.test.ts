/**
 * The single-node metadata view without sockets: brokers and their endpoints per listener, the controller, topics
 * with ids and configs, and partitions led here with ISR = [this node], following creation, added partitions and
 * deletion through the replica manager.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseBrokerConfig } from '../../src/broker/config/index.js';
import { FetchWaiters } from '../../src/broker/fetch-waiters.js';
import { leadEveryPartitionHere } from '../../src/broker/local-leadership.js';
import { LocalMetadataView } from '../../src/broker/metadata-view.js';
import { ReplicaManager } from '../../src/broker/replica-manager.js';
import { TopicManager } from '../../src/broker/topics.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { LogManager } from '../../src/storage/log-manager.js';
import { silentLogger } from '../../src/storage/logger.js';
import { MetadataStore } from '../../src/storage/metadata-store.js';

test('the local view reports this broker, its listeners and every partition led here', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'samsa-view-'));
  const logs = new LogManager({ dataDir, logger: silentLogger });
  try {
    const config = parseBrokerConfig({ 'node.id': '7', 'log.dirs': dataDir });
    logs.open();
    const store = new MetadataStore(dataDir);
    await store.open();
    const replicas = new ReplicaManager({ nodeId: 7, waiters: new FetchWaiters() });
    const topics: TopicManager = new TopicManager(config, logs, store, silentLogger, () => view.brokers().length);
    const view: LocalMetadataView = new LocalMetadataView('cluster-x', 7, 'rack-a', topics, replicas);
    topics.setLifecycle(leadEveryPartitionHere(replicas, silentLogger));
    topics.load();

    view.setEndpoints([
      { listener: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: 'a.example', port: 9092 },
      { listener: 'INTERNAL', securityProtocol: 'PLAINTEXT', host: 'b.internal', port: 9093 },
    ]);
    assert.equal(view.clusterId, 'cluster-x');
    assert.equal(view.controllerId(), 7);
    assert.deepEqual(
      view.brokers().map((b) => [b.nodeId, b.rack, b.endpoints.length]),
      [[7, 'rack-a', 2]],
    );
    assert.equal(view.endpoint(7, 'INTERNAL')?.host, 'b.internal');
    assert.equal(view.endpoint(7, 'PLAINTEXT')?.port, 9092);
    assert.equal(view.endpoint(7, 'NOPE'), undefined);
    assert.equal(view.endpoint(8, 'PLAINTEXT'), undefined);

    assert.equal(topics.create('t', 3, 1, { 'retention.ms': '1000' }).errorCode, 0);
    const info = view.topic('t')!;
    assert.equal(info.partitionCount, 3);
    assert.equal(info.isInternal, false);
    assert.deepEqual(info.configs, { 'retention.ms': '1000' });
    assert.equal(view.topicNameForId(info.topicId), 't');
    assert.deepEqual(
      view.partitions('t'),
      [0, 1, 2].map((partition) => ({
        partition,
        leader: 7,
        leaderEpoch: 0,
        replicas: [7],
        isr: [7],
        offlineReplicas: [],
      })),
    );
    assert.equal(replicas.get('t', 2)?.isLeader, true);

    assert.equal(topics.createPartitions('t', 5, false).errorCode, 0);
    assert.equal(view.partition('t', 4)?.leader, 7, 'added partitions are led here too');
    assert.equal(view.partition('t', 5), undefined);

    // One broker: a replication factor of 2 cannot be placed.
    assert.equal(topics.create('rf2', 1, 2, {}).errorCode, ErrorCode.INVALID_REPLICATION_FACTOR);

    assert.equal(topics.delete('t').errorCode, 0);
    assert.equal(view.topic('t'), undefined);
    assert.equal(view.partitions('t'), undefined);
    assert.equal(replicas.get('t', 0), undefined, 'the replica manager let go of the deleted partitions');
    assert.deepEqual(view.topicNames(), []);
  } finally {
    await logs.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
