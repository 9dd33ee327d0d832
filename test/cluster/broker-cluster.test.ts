/**
 * Three brokers and a real etcd, started by startCluster with every broker a child process (`samsa start` with
 * etcd.endpoints), seen through third-party clients: kafka-python bootstrapped with all three creates a topic with
 * replication factor 3 through a broker that is not the controller, finds partitions and leaders spread evenly,
 * produces and consumes with a consumer group; kcat, confluent-kafka and KafkaJS see the three brokers and
 * round-trip records; ElectLeaders and reassignments go through a non-controller; producer ids are unique across
 * brokers; and when a broker is killed (kill -9: its registration expires after broker.session.timeout.ms) its
 * leaderships move and the clients follow.
 *
 * Records are produced with acks=1: replication between brokers is built separately (followers do not fetch yet),
 * so this test checks metadata, routing and leadership, not durability across a failure.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KafkaMessage } from 'kafkajs';
import { Producer, silentLogger } from '../../src/client/index.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { CreateTopics } from '../../src/protocol/messages/create-topics.js';
import { InitProducerId } from '../../src/protocol/messages/init-producer-id.js';
import { ElectLeaders, ListPartitionReassignments } from '../../src/protocol/messages/cluster-apis.js';
import { Metadata } from '../../src/protocol/messages/metadata.js';
import { startCluster, type LocalCluster } from '../../src/server/cluster.js';
import { kcat, kcatConsumeAll, requireClient, runPython, uniqueTopic } from '../helpers/clients.js';
import { waitUntil } from '../helpers/cluster.js';
import { requireEtcd } from '../helpers/etcd.js';
import { RawClient } from '../helpers/raw-client.js';

interface PartitionMeta {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
  offline: number[];
}

/** The partitions of `topic` as broker `port` describes them (Metadata v9). */
async function describe(
  port: number,
  topic: string,
): Promise<{ controller: number; brokers: number[]; parts: PartitionMeta[] }> {
  const c = await RawClient.connect(port);
  try {
    const r = await c.send(Metadata, 9, {
      topics: [{ name: topic }],
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    });
    const t = r.topics[0]!;
    return {
      controller: r.controllerId,
      brokers: r.brokers.map((b) => b.nodeId).sort(),
      parts: t.partitions
        .map((p) => ({
          partition: p.partitionIndex,
          leader: p.leaderId,
          replicas: [...p.replicaNodes],
          isr: [...p.isrNodes],
          offline: [...p.offlineReplicas],
        }))
        .sort((a, b) => a.partition - b.partition),
    };
  } finally {
    c.close();
  }
}

const counts = (ids: number[]): Map<number, number> => {
  const m = new Map<number, number>();
  for (const id of ids) m.set(id, (m.get(id) ?? 0) + 1);
  return m;
};

test('a three-broker cluster through third-party clients', { timeout: 600_000 }, async (t) => {
  if (!requireEtcd(t)) return;
  const cluster: LocalCluster = await startCluster({
    brokers: 3,
    processes: true,
    config: {
      'broker.session.timeout.ms': '2000',
      'broker.heartbeat.interval.ms': '300',
      'num.partitions': '3',
      'default.replication.factor': '3',
      'offsets.topic.replication.factor': '3',
      'offsets.topic.num.partitions': '6',
      'transaction.state.log.replication.factor': '3',
      'transaction.state.log.num.partitions': '3',
      'auto.leader.rebalance.enable': 'false',
    },
  });
  t.after(() => cluster.stop());
  const [b1, b2, b3] = cluster.brokers as [
    (typeof cluster.brokers)[0],
    (typeof cluster.brokers)[0],
    (typeof cluster.brokers)[0],
  ];
  const ports = cluster.brokers.map((b) => b.port);
  let meta = await describe(b1.port, '__none__');
  for (let i = 0; i < 100 && (meta.brokers.length < 3 || meta.controller < 0); i++) {
    await new Promise((r) => setTimeout(r, 100));
    meta = await describe(b1.port, '__none__');
  }
  assert.deepEqual(meta.brokers, [1, 2, 3]);
  const controller = meta.controller;
  assert.ok([1, 2, 3].includes(controller), `controller ${controller}`);
  const notController = cluster.brokers.find((b) => b.nodeId !== controller)!;

  await t.test('kafka-python: RF 3 topic created through a non-controller, leaders even, group consume', async (t) => {
    if (!requireClient(t, 'kafka-python')) return;
    const topic = uniqueTopic('cluster-kp');
    const { summary } = await runPython('cluster_kp.py', [
      cluster.bootstrap,
      `127.0.0.1:${notController.port}`,
      topic,
      '6',
      '120',
    ]);
    assert.equal(summary.ok, true, JSON.stringify(summary));
    assert.deepEqual(summary.brokers, [1, 2, 3]);
    assert.equal(summary.controller, controller);
    for (const r of summary.replicas as number[][]) assert.deepEqual(r, [1, 2, 3]);
    for (const r of summary.isr as number[][]) assert.deepEqual(r, [1, 2, 3]);
    // Six partitions over three brokers: each leads two.
    assert.deepEqual([...counts(summary.leaders as number[]).values()], [2, 2, 2]);
    assert.equal(summary.consumed, 120);
    // Every broker reports the same partition states.
    const views = await Promise.all(ports.map((p) => describe(p, topic)));
    for (const v of views) assert.deepEqual(v.parts, views[0]!.parts);
  });

  await t.test('kcat sees three brokers and round-trips through the leaders', async (t) => {
    if (!requireClient(t, 'kcat')) return;
    const L = await kcat(cluster.bootstrap, ['-L']);
    assert.match(L.stdout, /3 brokers:/);
    for (const p of ports) assert.match(L.stdout, new RegExp(`127\\.0\\.0\\.1:${p}`));
    const topic = uniqueTopic('cluster-kcat');
    // Auto-created (num.partitions 3, default.replication.factor 3) on first use.
    const lines = Array.from({ length: 30 }, (_, i) => `m${i}`).join('\n');
    await kcat(`127.0.0.1:${b2.port}`, ['-P', '-t', topic, '-X', 'topic.request.required.acks=1'], {
      input: `${lines}\n`,
    });
    const got = await kcatConsumeAll(`127.0.0.1:${b3.port}`, topic);
    assert.deepEqual(got.map((m) => m.payload).sort(), lines.split('\n').sort());
    const d = await describe(b1.port, topic);
    assert.equal(d.parts.length, 3);
    assert.deepEqual([...counts(d.parts.map((p) => p.leader)).values()], [1, 1, 1]);
  });

  await t.test('confluent-kafka round-trips', async (t) => {
    if (!requireClient(t, 'confluent-kafka')) return;
    const topic = uniqueTopic('cluster-ck');
    const { summary } = await runPython('ck_roundtrip.py', [cluster.bootstrap, topic, '200']);
    assert.equal(summary.ok, true, JSON.stringify(summary));
  });

  await t.test('KafkaJS: admin from a non-controller, produce and a consumer group', async (t) => {
    if (!requireClient(t, 'kafkajs')) return;
    const { Kafka, logLevel } = await import('kafkajs');
    const kafka = new Kafka({
      clientId: 'samsa-cluster-kafkajs',
      brokers: cluster.bootstrap.split(','),
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    const topic = uniqueTopic('cluster-kjs');
    try {
      const described = await admin.describeCluster();
      assert.deepEqual(described.brokers.map((b) => b.nodeId).sort(), [1, 2, 3]);
      assert.equal(described.controller, controller);
      assert.equal(
        await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 3 }], waitForLeaders: true }),
        true,
      );
      await admin.createPartitions({ topicPartitions: [{ topic, count: 6 }] });
      let parts = 0;
      for (let i = 0; i < 50 && parts < 6; i++) {
        parts = (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions.length;
        if (parts < 6) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(parts, 6);
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({
        topic,
        acks: 1,
        messages: Array.from({ length: 60 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, partition: i % 6 })),
      });
      await producer.disconnect();
      const consumer = kafka.consumer({ groupId: `g-${topic}` });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const seen: KafkaMessage[] = [];
      await consumer.run({ eachMessage: async ({ message }) => void seen.push(message) });
      await waitUntil('60 records through KafkaJS', () => seen.length >= 60, 60_000);
      await consumer.disconnect();
      assert.equal(seen.length, 60);
      await admin.deleteTopics({ topics: [topic] });
      let listed = true;
      for (let i = 0; i < 50 && listed; i++) {
        listed = (await admin.listTopics()).includes(topic);
        if (listed) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(listed, false);
    } finally {
      await admin.disconnect();
    }
  });

  await t.test('ElectLeaders and ListPartitionReassignments through a non-controller', async () => {
    const topic = uniqueTopic('cluster-elect');
    const c = await RawClient.connect(notController.port);
    try {
      await kcat(`127.0.0.1:${notController.port}`, ['-P', '-t', topic], { input: 'x\n' }).catch(() => undefined);
      let d = await describe(notController.port, topic);
      for (let i = 0; i < 50 && d.parts.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        d = await describe(notController.port, topic);
      }
      const r = await c.send(ElectLeaders, 2, {
        electionType: 0,
        topicPartitions: [{ topic, partitions: [0, 99] }],
        timeoutMs: 10_000,
      });
      const results = r.replicaElectionResults[0]!.partitionResult;
      // The preferred replica already leads partition 0; partition 99 does not exist.
      assert.equal(results.find((p) => p.partitionId === 0)!.errorCode, ErrorCode.ELECTION_NOT_NEEDED);
      assert.equal(results.find((p) => p.partitionId === 99)!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      const l = await c.send(ListPartitionReassignments, 0, { timeoutMs: 10_000, topics: null });
      assert.equal(l.errorCode, 0);
      assert.deepEqual(l.topics, []);
    } finally {
      c.close();
    }
  });

  await t.test('producer ids are unique across brokers', async () => {
    const ids: number[] = [];
    for (const b of cluster.brokers) {
      const c = await RawClient.connect(b.port);
      try {
        for (let i = 0; i < 5; i++) {
          const r = await c.send(InitProducerId, 1, { transactionalId: null, transactionTimeoutMs: 60_000 });
          assert.equal(r.errorCode, 0);
          ids.push(Number(r.producerId));
        }
      } finally {
        c.close();
      }
    }
    assert.equal(new Set(ids).size, ids.length, `duplicate producer ids: ${ids.join(',')}`);
  });

  await t.test('a killed broker loses its leaderships and clients follow', async (t) => {
    const topic = uniqueTopic('cluster-kill');
    if (!requireClient(t, 'kcat')) return;
    await kcat(`127.0.0.1:${b1.port}`, ['-P', '-t', topic, '-p', '0'], { input: 'before\n' });
    let d = await describe(b1.port, topic);
    for (let i = 0; i < 50 && d.parts.some((p) => p.leader < 0); i++) {
      await new Promise((r) => setTimeout(r, 100));
      d = await describe(b1.port, topic);
    }
    const victim = cluster.brokers.find((b) => b.nodeId === d.parts[0]!.leader)!;
    const survivor = cluster.brokers.find((b) => b !== victim)!;
    // Samsa's own producer writes throughout (acks=1) and must follow the leaders: every send succeeds.
    const producer = new Producer({
      bootstrapServers: cluster.bootstrap,
      acks: 1,
      idempotent: false,
      retryBackoffMs: 50,
      logger: silentLogger,
    });
    let sent = 0;
    let producing = true;
    const failures: string[] = [];
    const writer = (async () => {
      for (let i = 0; producing; i++) {
        await producer
          .send({ topic, partition: i % 3, value: `samsa-${i}` })
          .then(() => void sent++)
          .catch((e: Error) => void failures.push(e.message));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await waitUntil('the producer to start', () => sent > 5, 30_000);
    const killedAt = Date.now();
    await victim.kill();
    // Its session expires after broker.session.timeout.ms (2 s); the controller (a new one if it was the
    // controller) moves its leaderships to other in-sync replicas and marks it offline.
    let after = await describe(survivor.port, topic);
    while (
      Date.now() - killedAt < 20_000 &&
      (after.parts.some((p) => p.leader === victim.nodeId || p.leader < 0) || after.controller < 0)
    ) {
      await new Promise((r) => setTimeout(r, 100));
      after = await describe(survivor.port, topic);
    }
    const movedMs = Date.now() - killedAt;
    const sentAtMove = sent;
    await waitUntil('records through the new leaders', () => sent > sentAtMove + 20, 60_000);
    producing = false;
    await writer;
    await producer.close();
    assert.deepEqual(failures, []);
    for (const p of after.parts) {
      assert.notEqual(p.leader, victim.nodeId, `partition ${p.partition} still led by the killed broker`);
      assert.ok(p.leader > 0);
      assert.ok(!p.isr.includes(victim.nodeId));
      assert.deepEqual(p.offline, [victim.nodeId]);
    }
    assert.notEqual(after.controller, victim.nodeId);
    assert.deepEqual(
      after.brokers,
      [1, 2, 3].filter((n) => n !== victim.nodeId),
    );
    t.diagnostic(`leadership moved ${movedMs} ms after kill -9`);
    // kcat, bootstrapped with all three (one dead), produces to every partition through the new leaders.
    const lines = Array.from({ length: 30 }, (_, i) => `after${i}`);
    await kcat(cluster.bootstrap, ['-P', '-t', topic, '-X', 'topic.request.required.acks=1'], {
      input: `${lines.join('\n')}\n`,
    });
    const got = await kcatConsumeAll(`127.0.0.1:${survivor.port}`, topic);
    for (const l of lines)
      assert.ok(
        got.some((m) => m.payload === l),
        `missing ${l}`,
      );
    // Back again: it registers with a new epoch and rejoins the ISR of its partitions.
    await victim.restart();
    let healed = await describe(survivor.port, topic);
    for (let i = 0; i < 200 && healed.brokers.length < 3; i++) {
      await new Promise((r) => setTimeout(r, 100));
      healed = await describe(survivor.port, topic);
    }
    assert.deepEqual(healed.brokers, [1, 2, 3]);
    for (const p of healed.parts) assert.deepEqual(p.offline, []);
  });

  await t.test('SIGTERM is a controlled shutdown: leadership moves before the broker stops', async () => {
    const topic = uniqueTopic('cluster-sigterm');
    const c = await RawClient.connect(b1.port);
    try {
      await c.send(CreateTopics, 5, {
        topics: [{ name: topic, numPartitions: 3, replicationFactor: 3, assignments: [], configs: [] }],
        timeoutMs: 10_000,
        validateOnly: false,
      });
    } finally {
      c.close();
    }
    let d = await describe(b1.port, topic);
    for (let i = 0; i < 50 && (d.parts.length < 3 || d.parts.some((p) => p.leader < 0)); i++) {
      await new Promise((r) => setTimeout(r, 100));
      d = await describe(b1.port, topic);
    }
    const leaving = cluster.brokers.find((b) => b.nodeId === d.parts[0]!.leader)!;
    const staying = cluster.brokers.find((b) => b !== leaving && b.running())!;
    await leaving.stop();
    // Right after it exited (well within a session timeout) nothing is led by it any more and it is gone.
    const after = await describe(staying.port, topic);
    for (const p of after.parts) assert.notEqual(p.leader, leaving.nodeId);
    assert.ok(!after.brokers.includes(leaving.nodeId));
    assert.match(leaving.output(), /shutting down/);
    await leaving.restart();
  });
});
