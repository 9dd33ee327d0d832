/**
 * Our consumer with groupProtocol 'consumer' (KIP-848, ConsumerGroupHeartbeat): the broker assigns, members
 * reconcile (revoke first), nothing is read twice, and a member leaving hands its partitions over from the
 * committed offsets.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Admin } from '../../src/client/admin.js';
import { Consumer, type ConsumerRecord, type TopicPartition } from '../../src/client/consumer.js';
import { Producer } from '../../src/client/producer.js';
import { ConsumerGroupHeartbeat } from '../../src/protocol/messages/consumer-group-heartbeat.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { createTopic, topicName } from './helpers.js';

async function waitFor(pred: () => boolean, what: string, ms = 20000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function member(
  bootstrap: string,
  topic: string,
  group: string,
  name: string,
  events: string[],
  opts: { autoCommit?: boolean; assignor?: string } = {},
) {
  const c = new Consumer<string | null, string | null>({
    bootstrapServers: bootstrap,
    groupId: group,
    groupProtocol: 'consumer',
    groupRemoteAssignor: opts.assignor,
    autoOffsetReset: 'earliest',
    enableAutoCommit: opts.autoCommit ?? true,
    autoCommitIntervalMs: 300,
    rebalanceTimeoutMs: 10000,
    valueDeserializer: (b) => (b === null ? null : b.toString()),
  });
  const st = {
    c,
    name,
    records: [] as ConsumerRecord<string | null, string | null>[],
    owned: new Set<number>(),
    error: undefined as Error | undefined,
    loop: undefined as Promise<void> | undefined,
  };
  const fmt = (tps: TopicPartition[]) =>
    tps
      .map((t) => t.partition)
      .sort()
      .join(',');
  c.subscribe([topic], {
    onAssigned: (tps) => {
      events.push(`${name}+${fmt(tps)}`);
      for (const tp of tps) {
        assert.ok(!st.owned.has(tp.partition), `${name} was given ${tp.partition} twice`);
        st.owned.add(tp.partition);
      }
    },
    onRevoked: (tps) => {
      events.push(`${name}-${fmt(tps)}`);
      for (const tp of tps) st.owned.delete(tp.partition);
    },
    onLost: (tps) => {
      events.push(`${name}!${fmt(tps)}`);
      for (const tp of tps) st.owned.delete(tp.partition);
    },
  });
  st.loop = (async () => {
    try {
      for await (const r of c) st.records.push(r);
    } catch (e) {
      st.error = e as Error;
    }
  })();
  return st;
}

describe('KIP-848 consumer groups (groupProtocol: consumer)', () => {
  let b: TestBroker;
  let supported = false;
  before(async () => {
    b = await startTestBroker({ logLevel: 'warn', config: { 'group.consumer.heartbeat.interval.ms': '200' } });
    const admin = new Admin({ bootstrapServers: b.bootstrap });
    supported = await admin.cluster.supports(ConsumerGroupHeartbeat);
    admin.close();
  });
  after(async () => {
    await b.stop();
  });

  async function fill(topic: string, prefix: string, n: number): Promise<void> {
    const p = new Producer({ bootstrapServers: b.bootstrap });
    await Promise.all(Array.from({ length: n }, (_, i) => p.send({ topic, key: `k${i}`, value: `${prefix}${i}` })));
    await p.close();
  }

  for (const assignor of [undefined, 'range']) {
    test(`two members share a topic without duplicates and rebalance on leave (assignor ${assignor ?? 'broker default'})`, async (t) => {
      if (!supported) return t.skip('the broker does not offer ConsumerGroupHeartbeat');
      const topic = topicName('k848');
      const group = topicName('g848');
      await createTopic(b.bootstrap, topic, 4);
      await fill(topic, 'a', 200);
      const events: string[] = [];
      const m1 = member(b.bootstrap, topic, group, 'm1', events, { assignor });
      await waitFor(() => m1.owned.size === 4, 'the first member to own all four partitions');
      await waitFor(() => m1.records.length >= 200, 'the first member to read the first records');
      const m2 = member(b.bootstrap, topic, group, 'm2', events, { assignor });
      try {
        await waitFor(
          () => m1.owned.size === 2 && m2.owned.size === 2,
          `two partitions each (events ${events.join(' ')})`,
        );
        assert.deepEqual([...m1.owned, ...m2.owned].sort(), [0, 1, 2, 3]);
        // Reconciliation order: m1 gave two partitions up before m2 got them.
        const revokedAt = events.findIndex((e) => e.startsWith('m1-'));
        const gotAt = events.findIndex((e) => e.startsWith('m2+'));
        assert.ok(revokedAt >= 0 && gotAt > revokedAt, `m1 revokes before m2 is assigned: ${events.join(' ')}`);
        await fill(topic, 'b', 200);
        const total = () => m1.records.length + m2.records.length;
        await waitFor(() => total() >= 400, `400 records (have ${total()})`);
        await new Promise((r) => setTimeout(r, 400));
        const values = [...m1.records, ...m2.records].map((r) => r.value!);
        assert.equal(values.length, 400, 'no record twice');
        assert.equal(new Set(values).size, 400);
        // m2 started at m1's committed positions: it saw nothing of the first fill.
        assert.ok(
          m2.records.every((r) => r.value!.startsWith('b')),
          'the second member re-read records the first had consumed',
        );
        assert.ok(m2.records.length > 0);

        // m1 leaves: m2 takes everything and continues from m1's commits.
        const m2Before = m2.records.length;
        await m1.c.close();
        await m1.loop;
        await waitFor(() => m2.owned.size === 4, 'm2 to own all partitions after m1 left');
        await fill(topic, 'c', 100);
        await waitFor(() => m2.records.length - m2Before >= 100, 'm2 to read the new records');
        await new Promise((r) => setTimeout(r, 400));
        const later = m2.records.slice(m2Before).map((r) => r.value!);
        assert.equal(
          later.length,
          100,
          `m2 re-read records after the hand-over: ${later.filter((v) => !v.startsWith('c')).slice(0, 5)}`,
        );
        assert.equal(m1.error, undefined);
        assert.equal(m2.error, undefined);

        // The group is a KIP-848 group and lists m2 alone.
        const admin = new Admin({ bootstrapServers: b.bootstrap });
        const [d] = await admin.describeGroups([group]);
        admin.close();
        assert.equal(d!.members.length, 1);
      } finally {
        await m1.c.close();
        await m2.c.close();
        await m2.loop;
      }
    });
  }

  test('manual commit carries the member epoch; a new member resumes there', async (t) => {
    if (!supported) return t.skip('the broker does not offer ConsumerGroupHeartbeat');
    const topic = topicName('k848c');
    const group = topicName('g848c');
    await createTopic(b.bootstrap, topic, 2);
    await fill(topic, 'x', 50);
    const events: string[] = [];
    const m = member(b.bootstrap, topic, group, 'm', events, { autoCommit: false });
    await waitFor(() => m.records.length >= 50, 'the records');
    await m.c.commit();
    const committed = await m.c.committed([
      { topic, partition: 0 },
      { topic, partition: 1 },
    ]);
    assert.equal(
      committed.reduce((s, o) => s + o.offset, 0),
      50,
    );
    await m.c.close();
    await m.loop;
    await fill(topic, 'y', 10);
    const n = member(b.bootstrap, topic, group, 'n', events, { autoCommit: false });
    await waitFor(() => n.records.length >= 10, 'the new records');
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(
      n.records.map((r) => r.value!.slice(0, 1)),
      Array(10).fill('y'),
    );
    await n.c.close();
    await n.loop;
  });
});
