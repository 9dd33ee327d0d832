/**
 * Replication in cluster mode: three `samsa start` processes and a real etcd (startCluster), replication factor 3,
 * min.insync.replicas 2. KafkaJS's idempotent producer writes with acks=all throughout while the leader of a
 * partition is killed with kill -9 (twice, each time restarted); every acknowledged record is read back exactly
 * once and in order per partition by kafka-python, and the cluster heals: every replica back in the ISR.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Kafka as KafkaType } from 'kafkajs';
import { Metadata } from '../../src/protocol/messages/metadata.js';
import { type LocalCluster, startCluster } from '../../src/server/cluster.js';
import { requireClient, runPython, uniqueTopic } from '../helpers/clients.js';
import { requireEtcd } from '../helpers/etcd.js';
import { RawClient } from '../helpers/raw-client.js';

async function partitionsOf(port: number, topic: string) {
  const c = await RawClient.connect(port);
  try {
    const r = await c.send(Metadata, 9, {
      topics: [{ name: topic }],
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    });
    return (r.topics[0]?.partitions ?? []).map((p) => ({
      partition: p.partitionIndex,
      leader: p.leaderId,
      isr: [...p.isrNodes],
      replicas: [...p.replicaNodes],
    }));
  } finally {
    c.close();
  }
}

test('cluster mode: kill -9 of a partition leader (twice) under an idempotent acks=all producer loses and duplicates nothing, and the ISR heals', {
  timeout: 300_000,
}, async (t) => {
  if (!requireEtcd(t)) return;
  if (!requireClient(t, 'kafkajs') || !requireClient(t, 'kafka-python')) return;
  const cluster: LocalCluster = await startCluster({
    brokers: 3,
    processes: true,
    config: {
      'broker.session.timeout.ms': '2000',
      'broker.heartbeat.interval.ms': '300',
      'default.replication.factor': '3',
      'min.insync.replicas': '2',
      'offsets.topic.replication.factor': '3',
      'transaction.state.log.replication.factor': '3',
      'replica.lag.time.max.ms': '3000',
      'replica.fetch.backoff.ms': '200',
      'auto.leader.rebalance.enable': 'false',
    },
  });
  t.after(() => cluster.stop());
  const { Kafka, logLevel } = await import('kafkajs');
  const kafka: KafkaType = new Kafka({
    clientId: 'samsa-cluster-faults',
    brokers: cluster.bootstrap.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 },
  });
  const topic = uniqueTopic('faults');
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 3 }], waitForLeaders: true });
  await admin.disconnect();
  const anyPort = () => cluster.brokers.find((b) => b.running())!.port;
  const waitHealed = async () => {
    const t0 = Date.now();
    for (;;) {
      const parts = await partitionsOf(anyPort(), topic).catch(() => []);
      if (parts.length === 3 && parts.every((p) => p.leader > 0 && p.isr.length === 3)) return;
      if (Date.now() - t0 > 60_000) throw new Error(`not healed: ${JSON.stringify(parts)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  await waitHealed();

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  const acked: string[][] = [[], [], []];
  let stop = false;
  let failure: unknown;
  const writer = (async () => {
    for (let i = 0; !stop; i++) {
      const partition = i % 3;
      try {
        await producer.send({
          topic,
          acks: -1,
          timeout: 10_000,
          messages: [{ value: `p${partition}-${i}`, partition }],
        });
        acked[partition]!.push(`p${partition}-${i}`);
      } catch (err) {
        failure = err;
        return;
      }
    }
  })();
  for (let round = 0; round < 2; round++) {
    await new Promise((r) => setTimeout(r, 1500));
    const leader = (await partitionsOf(anyPort(), topic))[0]!.leader;
    const victim = cluster.brokers.find((b) => b.nodeId === leader)!;
    await victim.kill();
    const t0 = Date.now();
    for (;;) {
      const p0 = (await partitionsOf(anyPort(), topic).catch(() => []))[0];
      if (p0 !== undefined && p0.leader > 0 && p0.leader !== leader) break;
      if (Date.now() - t0 > 30_000) throw new Error('no new leader for partition 0');
      await new Promise((r) => setTimeout(r, 100));
    }
    t.diagnostic(`round ${round}: leader ${leader} killed, new leader after ${Date.now() - t0} ms`);
    await new Promise((r) => setTimeout(r, 1000));
    await victim.restart();
    await waitHealed();
  }
  await new Promise((r) => setTimeout(r, 1000));
  stop = true;
  await writer;
  await producer.disconnect();
  assert.equal(failure, undefined, `the producer failed: ${String(failure)}`);
  const total = acked.reduce((n, a) => n + a.length, 0);
  assert.ok(total > 30, `the producer kept writing (${total} records)`);
  const { summary } = await runPython('kp_dump.py', [cluster.bootstrap, topic], { timeoutMs: 120_000 });
  const got: string[][] = [[], [], []];
  for (const r of summary.records as Array<{ partition: number; value: string }>)
    got[r.partition]!.push(Buffer.from(r.value, 'base64').toString());
  for (let p = 0; p < 3; p++)
    assert.deepEqual(got[p], acked[p], `partition ${p}: every acknowledged record once, in order`);
});
