/**
 * KafkaJS 2.2.4 consumer groups against Samsa: consumer.run with eachMessage over four partitions, two members
 * sharing them, and the admin client's fetchOffsets, listGroups, describeGroups, resetOffsets and deleteGroups.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Consumer, Kafka as KafkaType } from 'kafkajs';
import { withBroker } from '../helpers/broker.js';
import { requireClient, uniqueTopic } from '../helpers/clients.js';

const FAST_GROUPS = { 'group.initial.rebalance.delay.ms': '200' };

async function makeKafka(bootstrap: string): Promise<KafkaType> {
  const { Kafka, logLevel } = await import('kafkajs');
  return new Kafka({
    clientId: 'samsa-groups-kafkajs',
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 5 },
  });
}

async function waitFor(what: string, pred: () => boolean, limitMs = 60_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('KafkaJS consumer groups', () => {
  test('consumer.run eachMessage over four partitions; admin fetchOffsets, listGroups, describeGroups, deleteGroups', async (t) => {
    if (!requireClient(t, 'kafkajs')) return;
    await withBroker({ config: FAST_GROUPS }, async (b) => {
      const kafka = await makeKafka(b.bootstrap);
      const topic = uniqueTopic('kjsg');
      const groupId = `${topic}-g`;
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: 4 }] });
      const producer = kafka.producer();
      await producer.connect();
      for (let p = 0; p < 4; p++) {
        await producer.send({
          topic,
          messages: Array.from({ length: 25 }, (_, i) => ({ partition: p, value: `p${p}-${i}` })),
        });
      }

      const seen: string[] = [];
      const byMember = new Map<Consumer, Set<number>>();
      const consumers: Consumer[] = [];
      try {
        for (let i = 0; i < 2; i++) {
          const c = kafka.consumer({
            groupId,
            sessionTimeout: 10_000,
            heartbeatInterval: 500,
            rebalanceTimeout: 10_000,
          });
          consumers.push(c);
          byMember.set(c, new Set());
          await c.connect();
          await c.subscribe({ topic, fromBeginning: true });
          await c.run({
            eachMessage: async ({ partition, message }) => {
              seen.push(message.value!.toString());
              byMember.get(c)!.add(partition);
            },
          });
        }
        await waitFor('100 records', () => seen.length >= 100);
        // Both members settle on two partitions each; wait until the group says so.
        await waitFor('two members in a stable group', () => {
          const d = b.broker.groups.describeGroup(groupId);
          return d.groupState === 'Stable' && d.members.length === 2;
        });
        await producer.send({ topic, messages: [0, 1, 2, 3].map((p) => ({ partition: p, value: `late-${p}` })) });
        await waitFor('the late records', () => seen.filter((s) => s.startsWith('late-')).length === 4);
        assert.equal(new Set(seen).size, 104, 'every record once');

        const listed = await admin.listGroups();
        assert.ok(
          listed.groups.some((g) => g.groupId === groupId && g.protocolType === 'consumer'),
          JSON.stringify(listed),
        );
        const described = await admin.describeGroups([groupId]);
        const d = described.groups[0]!;
        assert.equal(d.state, 'Stable');
        assert.equal(d.protocol, 'RoundRobinAssigner');
        assert.equal(d.members.length, 2);

        await Promise.all(consumers.map((c) => c.disconnect()));
        consumers.length = 0;
        const fetched = await admin.fetchOffsets({ groupId, topics: [topic] });
        const offsets = Object.fromEntries(fetched[0]!.partitions.map((p) => [p.partition, p.offset]));
        assert.deepEqual(offsets, { 0: '26', 1: '26', 2: '26', 3: '26' });

        await admin.resetOffsets({ groupId, topic, earliest: true });
        // KafkaJS commits its "earliest" sentinel (-2) itself; Kafka stores any offset as given, and so do we.
        const reset = await admin.fetchOffsets({ groupId, topics: [topic] });
        assert.deepEqual(reset[0]!.partitions.map((p) => p.offset).sort(), ['-2', '-2', '-2', '-2']);

        await admin.deleteGroups([groupId]);
        assert.equal(b.broker.groups.committedOffsets(groupId), undefined);
        const after = await admin.listGroups();
        assert.ok(!after.groups.some((g) => g.groupId === groupId));
      } finally {
        await Promise.all(consumers.map((c) => c.disconnect().catch(() => {})));
        await producer.disconnect();
        await admin.disconnect();
      }
    });
  });
});
