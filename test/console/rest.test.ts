/**
 * Confluent REST Proxy v3 on the console's listener, through plain HTTP calls (what curl would send): clusters,
 * brokers, topics, partitions, replicas, configs, consumer groups and lags, producing JSON, binary and streamed
 * records (read back by kcat), and Confluent's error bodies for unknown topics and bad input.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createAdmin } from '../../src/client/index.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { kcatConsumeAll, requireClient, uniqueTopic } from '../helpers/clients.js';

let tb: TestBroker;
let base: string;
let cluster: string;

before(async () => {
  tb = await startTestBroker({
    services: { console: true },
    config: { 'console.listeners': 'http://127.0.0.1:0', 'auto.create.topics.enable': 'false' },
  });
  base = tb.broker.services.get('console')!.urls[0]!;
  cluster = tb.broker.clusterId;
});

after(async () => {
  await tb.stop();
});

type Json = Record<string, any>;

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json | null }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : (JSON.parse(text) as Json) };
}

const v3 = (path = '') => `/v3/clusters/${cluster}${path}`;

test('clusters and brokers', async () => {
  const list = await call('GET', '/v3/clusters');
  assert.equal(list.status, 200);
  assert.equal(list.body!.kind, 'KafkaClusterList');
  assert.equal(list.body!.metadata.self, `${base}/v3/clusters`);
  const c = list.body!.data[0];
  assert.equal(c.kind, 'KafkaCluster');
  assert.equal(c.cluster_id, cluster);
  assert.equal(c.metadata.resource_name, `crn:///kafka=${cluster}`);
  assert.equal(c.topics.related, `${base}/v3/clusters/${cluster}/topics`);
  assert.equal(c.controller.related, `${base}/v3/clusters/${cluster}/brokers/${tb.broker.nodeId}`);

  const brokers = await call('GET', v3('/brokers'));
  assert.equal(brokers.body!.kind, 'KafkaBrokerList');
  assert.equal(brokers.body!.data.length, 1);
  assert.equal(brokers.body!.data[0].broker_id, tb.broker.nodeId);
  assert.equal(brokers.body!.data[0].port, tb.port);
  const one = await call('GET', v3(`/brokers/${tb.broker.nodeId}`));
  assert.equal(one.body!.kind, 'KafkaBroker');
  const missing = await call('GET', v3('/brokers/77'));
  assert.equal(missing.status, 404);
  assert.equal(missing.body!.error_code, 404);
  assert.equal(typeof missing.body!.message, 'string');

  const otherCluster = await call('GET', '/v3/clusters/no-such-cluster/topics');
  assert.equal(otherCluster.status, 404);
  assert.equal(otherCluster.body!.error_code, 404);
});

test('topics: create, list, get, partitions, replicas, add partitions, delete', async () => {
  const name = uniqueTopic('rest');
  const created = await call('POST', v3('/topics'), {
    topic_name: name,
    partitions_count: 2,
    replication_factor: 1,
    configs: [{ name: 'cleanup.policy', value: 'compact' }],
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body!.kind, 'KafkaTopic');
  assert.equal(created.body!.topic_name, name);
  assert.equal(created.body!.partitions_count, 2);
  assert.equal(created.body!.replication_factor, 1);
  assert.equal(created.body!.metadata.self, `${base}${v3(`/topics/${name}`)}`);

  const again = await call('POST', v3('/topics'), { topic_name: name, partitions_count: 1 });
  assert.equal(again.status, 400);
  assert.equal(again.body!.error_code, 40002);
  assert.match(again.body!.message, /TOPIC_ALREADY_EXISTS|exists/);

  const list = await call('GET', v3('/topics'));
  assert.equal(list.body!.kind, 'KafkaTopicList');
  assert.ok(list.body!.data.some((t: Json) => t.topic_name === name));

  const parts = await call('GET', v3(`/topics/${name}/partitions`));
  assert.equal(parts.body!.kind, 'KafkaPartitionList');
  assert.deepEqual(
    parts.body!.data.map((p: Json) => p.partition_id),
    [0, 1],
  );
  assert.equal(
    parts.body!.data[0].leader.related,
    `${base}${v3(`/topics/${name}/partitions/0/replicas/${tb.broker.nodeId}`)}`,
  );
  const replicas = await call('GET', v3(`/topics/${name}/partitions/1/replicas`));
  assert.equal(replicas.body!.data[0].kind, 'KafkaReplica');
  assert.equal(replicas.body!.data[0].is_leader, true);
  assert.equal(replicas.body!.data[0].is_in_sync, true);
  const noPartition = await call('GET', v3(`/topics/${name}/partitions/9`));
  assert.equal(noPartition.status, 404);
  assert.equal(noPartition.body!.error_code, 40402);

  const grown = await call('PATCH', v3(`/topics/${name}`), { partitions_count: 3 });
  assert.equal(grown.status, 200, JSON.stringify(grown.body));
  assert.equal(grown.body!.partitions_count, 3);
  const shrink = await call('PATCH', v3(`/topics/${name}`), { partitions_count: 1 });
  assert.equal(shrink.status, 400);
  assert.equal(shrink.body!.error_code, 40002);

  const del = await call('DELETE', v3(`/topics/${name}`));
  assert.equal(del.status, 204);
  const gone = await call('GET', v3(`/topics/${name}`));
  assert.equal(gone.status, 404);
  assert.equal(gone.body!.error_code, 40403);
});

test('bad input and unknown topics answer Confluent error bodies', async () => {
  const unknown = await call('GET', v3('/topics/no-such-topic'));
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body!.error_code, 40403);
  assert.match(unknown.body!.message, /does not host this topic-partition/);
  for (const path of ['/partitions', '/configs', '/records']) {
    const r = await call(
      path === '/records' ? 'POST' : 'GET',
      v3(`/topics/no-such-topic${path}`),
      path === '/records' ? { value: { data: 1 } } : undefined,
    );
    assert.equal(r.status, 404, path);
    assert.equal(r.body!.error_code, 40403, path);
  }
  const malformed = await call('POST', v3('/topics'), '{"topic_name": ');
  assert.equal(malformed.status, 400);
  assert.equal(malformed.body!.error_code, 400);
  assert.match(malformed.body!.message, /not valid JSON/);
  const noName = await call('POST', v3('/topics'), { partitions_count: 1 });
  assert.equal(noName.status, 400);
  assert.match(noName.body!.message, /topic_name/);
  const wrongType = await call('POST', v3('/topics'), { topic_name: 'x', partitions_count: 'two' });
  assert.equal(wrongType.status, 400);
  const illegal = await call('POST', v3('/topics'), { topic_name: 'bad/name', partitions_count: 1 });
  assert.equal(illegal.status, 400);
  assert.equal(illegal.body!.error_code, 40002);
  const method = await call('PUT', v3('/topics'));
  assert.equal(method.status, 405);
  assert.equal(method.body!.error_code, 405);
  const nowhere = await call('GET', '/v3/nothing-here');
  assert.equal(nowhere.status, 404);
  assert.equal(nowhere.body!.error_code, 404);
});

test('topic configs: list, get, update, reset, alter in a batch', async () => {
  const name = uniqueTopic('rest-cfg');
  assert.equal((await call('POST', v3('/topics'), { topic_name: name, partitions_count: 1 })).status, 201);
  const list = await call('GET', v3(`/topics/${name}/configs`));
  assert.equal(list.body!.kind, 'KafkaTopicConfigList');
  const retention = list.body!.data.find((c: Json) => c.name === 'retention.ms');
  assert.equal(retention.kind, 'KafkaTopicConfig');
  assert.equal(retention.is_default, true);

  const put = await call('PUT', v3(`/topics/${name}/configs/retention.ms`), { value: '123456' });
  assert.equal(put.status, 204, JSON.stringify(put.body));
  const one = await call('GET', v3(`/topics/${name}/configs/retention.ms`));
  assert.equal(one.body!.value, '123456');
  assert.equal(one.body!.is_default, false);
  assert.equal(one.body!.source, 'DYNAMIC_TOPIC_CONFIG');

  const bad = await call('PUT', v3(`/topics/${name}/configs/retention.ms`), { value: 'soon' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body!.error_code, 40002);

  const reset = await call('DELETE', v3(`/topics/${name}/configs/retention.ms`));
  assert.equal(reset.status, 204);
  assert.equal((await call('GET', v3(`/topics/${name}/configs/retention.ms`))).body!.is_default, true);

  const batch = await call('POST', v3(`/topics/${name}/configs:alter`), {
    data: [
      { name: 'segment.ms', value: '600000' },
      { name: 'max.message.bytes', value: '200000' },
    ],
  });
  assert.equal(batch.status, 204, JSON.stringify(batch.body));
  assert.equal((await call('GET', v3(`/topics/${name}/configs/segment.ms`))).body!.value, '600000');
  assert.equal((await call('GET', v3(`/topics/${name}/configs/max.message.bytes`))).body!.value, '200000');
  const unknownKey = await call('GET', v3(`/topics/${name}/configs/no.such.key`));
  assert.equal(unknownKey.status, 404);
});

test('records posted as JSON, string and binary are read back by kcat; streamed records get a report each', async (t) => {
  if (!requireClient(t, 'kcat')) return;
  const name = uniqueTopic('rest-rec');
  assert.equal((await call('POST', v3('/topics'), { topic_name: name, partitions_count: 1 })).status, 201);
  const json = await call('POST', v3(`/topics/${name}/records`), {
    key: { type: 'STRING', data: 'order-1' },
    value: { type: 'JSON', data: { id: 1, item: 'tea' } },
    headers: [{ name: 'source', value: Buffer.from('rest').toString('base64') }],
  });
  assert.equal(json.status, 200, JSON.stringify(json.body));
  assert.equal(json.body!.error_code, 200);
  assert.equal(json.body!.topic_name, name);
  assert.equal(json.body!.partition_id, 0);
  assert.equal(json.body!.offset, 0);
  assert.equal(json.body!.value.type, 'JSON');
  assert.ok(!Number.isNaN(Date.parse(json.body!.timestamp)));
  const bin = await call('POST', v3(`/topics/${name}/records`), {
    partition_id: 0,
    value: { type: 'BINARY', data: Buffer.from([0xca, 0xfe]).toString('base64') },
  });
  assert.equal(bin.body!.offset, 1);
  assert.equal(bin.body!.value.size, 2);

  const badData = await call('POST', v3(`/topics/${name}/records`), { value: { type: 'BINARY', data: '***' } });
  assert.equal(badData.status, 400);
  assert.equal(badData.body!.error_code, 400);
  const badType = await call('POST', v3(`/topics/${name}/records`), { value: { type: 'AVRO', data: {} } });
  assert.equal(badType.status, 400);
  const badPartition = await call('POST', v3(`/topics/${name}/records`), { partition_id: 5, value: { data: 1 } });
  assert.equal(badPartition.status, 404);
  assert.equal(badPartition.body!.error_code, 40402);

  // Streamed: three concatenated JSON records in chunks, one delivery report per record, in order.
  const reports = await new Promise<Json[]>((resolve, reject) => {
    const u = new URL(`${base}${v3(`/topics/${name}/records`)}`);
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () =>
          resolve(
            text
              .trim()
              .split('\n')
              .map((l) => JSON.parse(l) as Json),
          ),
        );
      },
    );
    req.on('error', reject);
    req.write('{"value": {"type": "STRING", "data": "s1"}}\n{"value": {"type": "STR');
    setTimeout(() => {
      req.write('ING", "data": "s2"}} {"value": {"type": "JSON", "data": [3]}}');
      req.end();
    }, 50);
  });
  assert.deepEqual(
    reports.map((r) => [r.error_code, r.offset]),
    [
      [200, 2],
      [200, 3],
      [200, 4],
    ],
  );

  const read = await kcatConsumeAll(tb.bootstrap, name);
  assert.equal(read.length, 5);
  assert.equal(read[0]!.key, 'order-1');
  assert.deepEqual(JSON.parse(read[0]!.payload!), { id: 1, item: 'tea' });
  assert.deepEqual(read[0]!.headers, ['source', 'rest']);
  assert.equal(read[2]!.payload, 's1');
  assert.equal(read[3]!.payload, 's2');
  assert.equal(read[4]!.payload, '[3]');

  // The console's overview knows the topic's size on disk.
  const overview = await call('GET', '/console/api/overview');
  const row = overview.body!.topics.find((x: Json) => x.name === name);
  assert.ok(row.size > 50, JSON.stringify(row));
  assert.equal(row.partitions, 1);

  // The console's browser reads them too.
  const browsed = await call('GET', `/console/api/topics/${name}/records?from=beginning&limit=10`);
  assert.equal(browsed.body!.records.length, 5);
  assert.deepEqual(browsed.body!.records[1].value, {
    encoding: 'base64',
    data: Buffer.from([0xca, 0xfe]).toString('base64'),
  });
  const filtered = await call('GET', `/console/api/topics/${name}/records?from=beginning&filter=TEA`);
  assert.equal(filtered.body!.records.length, 1);
  assert.equal(filtered.body!.records[0].key.data, 'order-1');
});

test('live tail streams records produced after it started as Server-Sent Events', async () => {
  const name = uniqueTopic('rest-tail');
  assert.equal((await call('POST', v3('/topics'), { topic_name: name, partitions_count: 2 })).status, 201);
  await call('POST', v3(`/topics/${name}/records`), { value: { type: 'STRING', data: 'before the tail' } });
  const abort = new AbortController();
  const res = await fetch(`${base}/console/api/topics/${name}/tail`, { signal: abort.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const first = await reader.read(); // the stream's opening comment: the tail is in place
  text += decoder.decode(first.value);
  for (let i = 0; i < 3; i++) {
    await call('POST', v3(`/topics/${name}/records`), { partition_id: i % 2, value: { data: { n: i } } });
  }
  const deadline = Date.now() + 30_000;
  while ((text.match(/event: record/g) ?? []).length < 3 && Date.now() < deadline) {
    const chunk = await reader.read();
    if (chunk.done) break;
    text += decoder.decode(chunk.value);
  }
  abort.abort();
  const events = text
    .split('\n\n')
    .filter((e) => e.startsWith('event: record'))
    .map((e) => JSON.parse(e.slice(e.indexOf('data: ') + 6)) as Json);
  assert.equal(events.length, 3, text);
  assert.deepEqual(events.map((e) => JSON.parse(e.value.data).n).sort(), [0, 1, 2]);
  assert.ok(!text.includes('before the tail'));
});

test('consumer groups, consumers and lags', async () => {
  const name = uniqueTopic('rest-grp');
  assert.equal((await call('POST', v3('/topics'), { topic_name: name, partitions_count: 2 })).status, 201);
  for (let i = 0; i < 5; i++)
    await call('POST', v3(`/topics/${name}/records`), { partition_id: i % 2, value: { data: i } });
  const admin = createAdmin({ bootstrapServers: tb.bootstrap });
  try {
    await admin.alterGroupOffsets('rest-group', [
      { topic: name, partition: 0, offset: 1 },
      { topic: name, partition: 1, offset: 2 },
    ]);
  } finally {
    admin.close();
  }
  const list = await call('GET', v3('/consumer-groups'));
  assert.equal(list.body!.kind, 'KafkaConsumerGroupList');
  const g = await call('GET', v3('/consumer-groups/rest-group'));
  assert.equal(g.status, 200, JSON.stringify(g.body));
  assert.equal(g.body!.kind, 'KafkaConsumerGroup');
  assert.equal(g.body!.consumer_group_id, 'rest-group');
  assert.equal(g.body!.state, 'EMPTY');
  const consumers = await call('GET', v3('/consumer-groups/rest-group/consumers'));
  assert.equal(consumers.body!.kind, 'KafkaConsumerList');
  assert.deepEqual(consumers.body!.data, []);
  const lags = await call('GET', v3('/consumer-groups/rest-group/lags'));
  assert.equal(lags.body!.kind, 'KafkaConsumerLagList');
  assert.deepEqual(
    lags.body!.data.map((l: Json) => [l.partition_id, l.current_offset, l.log_end_offset, l.lag]),
    [
      [0, 1, 3, 2],
      [1, 2, 2, 0],
    ],
  );
  const summary = await call('GET', v3('/consumer-groups/rest-group/lag-summary'));
  assert.equal(summary.body!.kind, 'KafkaConsumerGroupLagSummary');
  assert.equal(summary.body!.total_lag, 2);
  assert.equal(summary.body!.max_lag, 2);
  assert.equal(summary.body!.max_lag_partition_id, 0);
  const unknown = await call('GET', v3('/consumer-groups/no-such-group'));
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body!.error_code, 404);

  // The console's sampler keeps the group's total lag and the topic's end offsets over time.
  const deadline = Date.now() + 30_000;
  let samples = await call('GET', '/console/api/throughput');
  while (!samples.body!.groups['rest-group']?.includes(2) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    samples = await call('GET', '/console/api/throughput');
  }
  assert.ok(samples.body!.groups['rest-group']?.includes(2), JSON.stringify(samples.body));
  assert.equal(samples.body!.topics[name]?.at(-1), 5);
  assert.equal(samples.body!.times.length, samples.body!.groups['rest-group'].length);

  const reset = await call('POST', '/console/api/groups/rest-group/reset', { to: 'latest' });
  assert.equal(reset.status, 200, JSON.stringify(reset.body));
  assert.equal((await call('GET', v3('/consumer-groups/rest-group/lag-summary'))).body!.total_lag, 0);
  assert.equal((await call('DELETE', '/console/api/groups/rest-group')).status, 204);
  assert.equal((await call('GET', v3('/consumer-groups/rest-group'))).status, 404);
});
