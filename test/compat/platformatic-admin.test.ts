/**
 * @platformatic/kafka (a dev dependency, written by people outside this project) against Samsa, for admin APIs the
 * Debian clients and KafkaJS do not call: DescribeLogDirs and IncrementalAlterConfigs.
 *
 * Not OffsetForLeaderEpoch: @platformatic/kafka 1.x reads Partition before ErrorCode in its v4 response, while
 * Kafka's schema (OffsetForLeaderEpochResponse.json) puts ErrorCode first, as Samsa does; only partition 0 without
 * an error decodes the same either way, so the library cannot check that API.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { withBroker } from '../helpers/broker.js';
import { uniqueTopic } from '../helpers/clients.js';

// Loaded at run time: its types are written for a newer TypeScript setup than this project's.
const pk = (await import('@platformatic/kafka' as string)) as any;

async function produce(bootstrap: string, topic: string, values: string[]): Promise<void> {
  const producer = new pk.Producer({
    clientId: 'compat-platformatic',
    bootstrapBrokers: [bootstrap],
    autocreateTopics: false,
  });
  try {
    await producer.send({ messages: values.map((v) => ({ topic, value: Buffer.from(v), partition: 0 })) });
  } finally {
    await producer.close();
  }
}

describe('@platformatic/kafka admin and raw APIs', () => {
  test('describeLogDirs reports the data directory and the size of each partition', async () => {
    await withBroker(async (b) => {
      const topic = uniqueTopic('pl-dirs');
      assert.equal(b.broker.topics.create(topic, 2, 1, {}).errorCode, 0);
      await produce(b.bootstrap, topic, ['a', 'b', 'c']);
      const admin = new pk.Admin({ clientId: 'compat-platformatic', bootstrapBrokers: [b.bootstrap] });
      try {
        const dirs = await admin.describeLogDirs({ topics: [{ name: topic, partitions: [0, 1] }] });
        assert.equal(dirs.length, 1);
        const [result] = dirs[0].results;
        assert.equal(result.logDir, b.dataDir);
        assert.ok(result.totalBytes > 0n && result.usableBytes > 0n);
        const parts = result.topics.find((t: any) => t.name === topic).partitions;
        const size = (p: number) => parts.find((x: any) => x.partitionIndex === p).partitionSize;
        assert.equal(size(0), BigInt(b.broker.topics.partition(topic, 0)!.size));
        assert.ok(size(0) > 0n, 'partition 0 holds the records');
        assert.equal(size(1), 0n);
      } finally {
        await admin.close();
      }
    });
  });

  test('incrementalAlterConfigs sets and deletes topic configs; a bad value is refused', async () => {
    await withBroker(async (b) => {
      const topic = uniqueTopic('pl-configs');
      assert.equal(b.broker.topics.create(topic, 1, 1, {}).errorCode, 0);
      const admin = new pk.Admin({ clientId: 'compat-platformatic', bootstrapBrokers: [b.bootstrap] });
      const { TOPIC } = pk.ConfigResourceTypes;
      const { SET, DELETE } = pk.IncrementalAlterConfigOperationTypes;
      const value = async (name: string) => {
        const [d] = await admin.describeConfigs({
          resources: [{ resourceType: TOPIC, resourceName: topic, configurationKeys: [name] }],
        });
        return d.configs.find((c: any) => c.name === name).value;
      };
      try {
        await admin.incrementalAlterConfigs({
          resources: [
            {
              resourceType: TOPIC,
              resourceName: topic,
              configs: [
                { name: 'retention.ms', configOperation: SET, value: '5000' },
                { name: 'cleanup.policy', configOperation: SET, value: 'compact' },
              ],
            },
          ],
        });
        assert.equal(await value('retention.ms'), '5000');
        assert.equal(b.broker.topics.partition(topic, 0)!.config.retentionMs, 5000);
        assert.equal(await value('cleanup.policy'), 'compact');
        await admin.incrementalAlterConfigs({
          resources: [
            { resourceType: TOPIC, resourceName: topic, configs: [{ name: 'retention.ms', configOperation: DELETE }] },
          ],
        });
        assert.equal(await value('retention.ms'), '604800000', 'back to the default');
        assert.equal(await value('cleanup.policy'), 'compact', 'the other override stays');
        await assert.rejects(
          admin.incrementalAlterConfigs({
            resources: [
              {
                resourceType: TOPIC,
                resourceName: topic,
                configs: [{ name: 'retention.ms', configOperation: SET, value: 'soon' }],
              },
            ],
          }),
        );
        assert.equal(await value('retention.ms'), '604800000', 'nothing changed by the refused request');
      } finally {
        await admin.close();
      }
    });
  });
});
