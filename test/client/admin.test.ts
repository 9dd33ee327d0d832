import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Admin } from '../../src/client/admin.js';
import { Producer } from '../../src/client/producer.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { topicName } from './helpers.js';

describe('admin client', () => {
  let b: TestBroker;
  let admin: Admin;
  before(async () => {
    b = await startTestBroker({ logLevel: 'warn' });
    admin = new Admin({ bootstrapServers: b.bootstrap });
  });
  after(async () => {
    admin.close();
    await b.stop();
  });

  test('create, list, describe, grow and delete topics', async () => {
    const a = topicName('adm-a');
    const c = topicName('adm-c');
    await admin.createTopics([
      { name: a, numPartitions: 3, replicationFactor: 1, configs: { 'retention.ms': '3600000' } },
      { name: c, numPartitions: 1 },
    ]);
    const names = await admin.listTopics();
    assert.ok(names.includes(a) && names.includes(c));
    const [desc] = await admin.describeTopics([a]);
    assert.equal(desc!.name, a);
    assert.deepEqual(
      desc!.partitions.map((p) => p.partition),
      [0, 1, 2],
    );
    assert.ok(desc!.partitions.every((p) => p.leader === b.broker.nodeId));
    await admin.createPartitions([{ topic: a, count: 5 }]);
    assert.equal((await admin.describeTopics([a]))[0]!.partitions.length, 5);
    await admin.deleteTopics([c]);
    assert.ok(!(await admin.listTopics()).includes(c));
  });

  test('describe and incrementally alter topic configs', async () => {
    const t = topicName('adm-cfg');
    await admin.createTopics([{ name: t, numPartitions: 1, configs: { 'cleanup.policy': 'compact' } }]);
    const [before] = await admin.describeConfigs([{ type: 'topic', name: t }]);
    const get = (cfgs: typeof before, n: string) => cfgs!.configs.find((c) => c.name === n);
    assert.equal(get(before, 'cleanup.policy')!.value, 'compact');
    assert.equal(get(before, 'cleanup.policy')!.isDefault, false);
    await admin.alterConfigs({ type: 'topic', name: t }, [
      { name: 'retention.ms', value: '12345' },
      { name: 'cleanup.policy', op: 'delete' },
    ]);
    const [after] = await admin.describeConfigs([{ type: 'topic', name: t }]);
    assert.equal(get(after, 'retention.ms')!.value, '12345');
    assert.equal(get(after, 'cleanup.policy')!.value, 'delete');
    const [broker] = await admin.describeConfigs([{ type: 'broker', name: String(b.broker.nodeId) }]);
    assert.ok(broker!.configs.length > 10);
  });

  test('listOffsets, deleteRecords and describeCluster', async () => {
    const t = topicName('adm-rec');
    await admin.createTopics([{ name: t, numPartitions: 1 }]);
    const p = new Producer({ bootstrapServers: b.bootstrap });
    const base = 1_650_000_000_000;
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => p.send({ topic: t, value: `${i}`, timestamp: base + i * 10 })),
    );
    await p.close();
    const tp = [{ topic: t, partition: 0 }];
    assert.equal((await admin.listOffsets(tp, 'latest'))[0]!.offset, 10);
    assert.equal((await admin.listOffsets(tp, 'earliest'))[0]!.offset, 0);
    assert.equal((await admin.listOffsets(tp, base + 35))[0]!.offset, 4);
    const low = await admin.deleteRecords([{ topic: t, partition: 0, offset: 6 }]);
    assert.deepEqual(low, [{ topic: t, partition: 0, offset: 6 }]);
    assert.equal((await admin.listOffsets(tp, 'earliest'))[0]!.offset, 6);
    const cluster = await admin.describeCluster();
    assert.equal(cluster.clusterId, b.broker.clusterId);
    assert.deepEqual(
      cluster.brokers.map((x) => [x.nodeId, x.port]),
      [[b.broker.nodeId, b.port]],
    );
  });
});
