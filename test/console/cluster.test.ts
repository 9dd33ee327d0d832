/**
 * The web console served by one broker of a three-broker cluster (startCluster: a real etcd, brokers in this
 * process, each with its own console on a free port), in headless Chromium: the overview lists the three brokers
 * and marks the controller, a replicated topic's partitions show their leaders, replicas and ISR on all three
 * brokers, the message browser reads the JSON records kafka-python produced (acks=all) to partitions led by the
 * other brokers, and REST v3 /brokers lists all three.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster } from '../../src/server/cluster.js';
import { createAdmin } from '../../src/client/index.js';
import { launchBrowser, screenshot } from '../helpers/chromium.js';
import { PYTHON, requireClient, run, uniqueTopic } from '../helpers/clients.js';
import { requireEtcd } from '../helpers/etcd.js';

const produceJson = `
import json, sys
from kafka import KafkaProducer
topic, n = sys.argv[2], int(sys.argv[3])
p = KafkaProducer(bootstrap_servers=sys.argv[1].split(','), acks='all', key_serializer=str.encode,
                  value_serializer=lambda v: json.dumps(v).encode())
for i in range(n):
    p.send(topic, key='k-%d' % i, value={'n': i, 'from': 'kafka-python'})
p.flush()
print(json.dumps({'sent': n}))
`;

type Json = Record<string, any>;

test('the console of one broker shows the whole cluster', { timeout: 300_000 }, async (t) => {
  if (!requireEtcd(t)) return;
  if (!requireClient(t, 'kafka-python')) return;
  const cluster = await startCluster({
    brokers: 3,
    config: {
      // Generous: a busy machine must not expire the brokers' sessions (and move the controller) mid-test.
      'broker.session.timeout.ms': '15000',
      'broker.heartbeat.interval.ms': '1000',
      'offsets.topic.replication.factor': '3',
      'offsets.topic.num.partitions': '3',
      'transaction.state.log.replication.factor': '3',
      'transaction.state.log.num.partitions': '3',
      'auto.leader.rebalance.enable': 'false',
      'auto.create.topics.enable': 'false',
      'schema.registry.enabled': 'false',
      'metrics.enabled': 'false',
      'ksql.enabled': 'false',
      'console.enabled': 'true',
      'console.listeners': 'http://127.0.0.1:0',
    },
  });
  t.after(() => cluster.stop());

  const admin = createAdmin({ bootstrapServers: cluster.bootstrap });
  t.after(() => admin.close());
  let described = await admin.describeCluster();
  for (let i = 0; i < 200 && (described.brokers.length < 3 || described.controllerId < 0); i++) {
    await new Promise((r) => setTimeout(r, 100));
    described = await admin.describeCluster();
  }
  assert.deepEqual(described.brokers.map((b) => b.nodeId).sort(), [1, 2, 3]);
  const controller = described.controllerId;

  // The console of a broker that is not the controller.
  const host = cluster.brokers.find((b) => b.nodeId !== controller)!;
  const base = host.broker!.services.get('console')!.urls[0]!;
  const topic = uniqueTopic('replicated');
  await admin.createTopics([{ name: topic, numPartitions: 3, replicationFactor: 3 }]);
  let parts: Array<{ partition: number; leader: number; replicas: number[]; isr: number[] }> = [];
  for (let i = 0; i < 200; i++) {
    const [info] = await admin.describeTopics([topic]);
    parts = info?.partitions ?? [];
    if (parts.length === 3 && parts.every((p) => p.leader > 0 && p.isr.length === 3)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(parts.length, 3);
  const otherLeaders = parts.filter((p) => p.leader !== host.nodeId);
  assert.ok(otherLeaders.length >= 1, `leaders ${parts.map((p) => p.leader)} all on broker ${host.nodeId}`);

  const sent = await run(PYTHON, ['-c', produceJson, cluster.bootstrap, topic, '30']);
  assert.match(sent.stdout, /"sent": 30/, sent.stderr);

  // REST v3 through this broker's console.
  const rest = (await (await fetch(`${base}/v3/clusters/${cluster.clusterId}/brokers`)).json()) as Json;
  assert.deepEqual((rest['data'] as Json[]).map((b) => b['broker_id']).sort(), [1, 2, 3]);
  const restParts = (await (
    await fetch(`${base}/v3/clusters/${cluster.clusterId}/topics/${topic}/partitions`)
  ).json()) as Json;
  assert.equal((restParts['data'] as Json[]).length, 3);

  const b = await launchBrowser(t, base);
  if (b === undefined) return;
  t.after(() => b.close());

  const overview = await b.open('/');
  await overview.waitForSelector(`text=${topic}`);
  // Three broker rows, the controller marked.
  const brokerRows = overview.locator('table:has(span.pill:text-is("controller")) tbody tr');
  assert.equal(await brokerRows.count(), 3);
  const controllerRow = overview.locator('tr:has(span.pill:text-is("controller"))');
  assert.equal(await controllerRow.count(), 1);
  const now = (await admin.describeCluster()).controllerId;
  assert.match((await controllerRow.locator('td').first().textContent()) ?? '', new RegExp(`^(${controller}|${now})$`));
  await screenshot(overview, 'cluster-overview');
  await overview.close();

  // Partitions with their leader, replicas and ISR as the cluster has them.
  const partitions = await b.open(`/topics/${topic}?tab=partitions`);
  await partitions.waitForSelector('table tbody tr');
  const rows = await partitions
    .locator('table tbody tr')
    .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim() ?? '')));
  assert.equal(rows.length, 3, JSON.stringify(rows));
  const [latest] = await admin.describeTopics([topic]);
  for (const p of latest!.partitions) {
    const row = rows.find((r) => r[0] === String(p.partition));
    assert.ok(row, `partition ${p.partition} in ${JSON.stringify(rows)}`);
    assert.equal(row[1], String(p.leader), JSON.stringify(row));
    const cells = row.join(' | ');
    assert.ok(cells.includes(p.replicas.join(', ')), `replicas ${p.replicas} in ${cells}`);
    assert.ok(cells.includes([...p.isr].join(', ')), `isr ${p.isr} in ${cells}`);
  }
  await screenshot(partitions, 'cluster-topic-partitions');
  await partitions.close();

  // The message browser reads every partition from its leader, most of them on the other brokers.
  const messages = await b.open(`/topics/${topic}?tab=messages&from=beginning&limit=100`);
  await messages.waitForFunction(() => document.querySelectorAll('#messages tbody tr').length === 30, undefined, {
    timeout: 60_000,
  });
  const text = (await messages.locator('#messages').textContent()) ?? '';
  assert.match(text, /"from": "kafka-python"/);
  for (const p of otherLeaders) {
    const shown = await messages
      .locator('#messages tbody tr')
      .evaluateAll(
        (trs, part) => trs.filter((tr) => tr.querySelector('td')?.textContent?.trim() === String(part)).length,
        p.partition,
      );
    assert.ok(shown > 0, `no records of partition ${p.partition} (led by broker ${p.leader}) shown`);
  }
  await messages.close();
  assert.deepEqual(b.problems, []);
});
