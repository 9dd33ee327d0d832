/**
 * Broker-side schema validation (confluent.value.schema.validation / confluent.key.schema.validation): records
 * produced by KafkaJS with ids registered for the topic's subject are stored; records without a schema id, with an
 * unknown id or with an id registered under another subject are refused with INVALID_RECORD; tombstones pass; the
 * record name strategies; and a broker without a registry of its own asking a remote one over HTTP.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { recordNameOf } from '../../src/broker/schema-validation.js';
import { startBroker as startBareBroker, type Broker } from '../../src/broker/broker.js';
import { requireClient, uniqueTopic } from '../helpers/clients.js';
import { call, registryBrokerForFile } from './helpers.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const f = registryBrokerForFile();

const userSchema = {
  type: 'record',
  name: 'User',
  namespace: 'samsa.test',
  fields: [{ name: 'id', type: 'long' }],
};

async function register(subject: string, schema: object = userSchema): Promise<number> {
  const r = await call(f.url, 'POST', `/subjects/${encodeURIComponent(subject)}/versions`, {
    schema: JSON.stringify(schema),
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return (r.body as { id: number }).id;
}

/** Confluent's framing around an arbitrary payload. */
function framed(id: number, payload = Buffer.from([2])): Buffer {
  const head = Buffer.alloc(5);
  head.writeInt32BE(id, 1);
  return Buffer.concat([head, payload]);
}

async function withProducer<T>(bootstrap: string, fn: (p: Producer, kafka: Kafka) => Promise<T>): Promise<T> {
  const kafka = new Kafka({
    clientId: 'sv-test',
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });
  const producer = kafka.producer({ retry: { retries: 0 } });
  await producer.connect();
  try {
    return await fn(producer, kafka);
  } finally {
    await producer.disconnect();
  }
}

async function createTopic(kafka: Kafka, topic: string, configs: Record<string, string>): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [
        { topic, numPartitions: 1, configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })) },
      ],
    });
  } finally {
    await admin.disconnect();
  }
}

/** The error a send fails with (KafkaJS names the Kafka error in `type`), or 'ok'. */
async function outcome(p: Producer, topic: string, value: Buffer | null, key?: Buffer): Promise<string> {
  try {
    await p.send({ topic, acks: -1, messages: [{ key: key ?? null, value }] });
    return 'ok';
  } catch (err) {
    const e = err as { type?: string; message: string };
    return e.type ?? e.message;
  }
}

test('value validation with TopicNameStrategy, through KafkaJS', async (t) => {
  if (!requireClient(t, 'kafkajs')) return;
  const topic = uniqueTopic('sv-topic');
  const good = await register(`${topic}-value`);
  const elsewhere = await register(`${topic}-other`, { ...userSchema, name: 'Other' });
  await withProducer(f.bootstrap, async (p, kafka) => {
    await createTopic(kafka, topic, { 'confluent.value.schema.validation': 'true' });
    assert.equal(await outcome(p, topic, framed(good)), 'ok');
    assert.equal(await outcome(p, topic, Buffer.from('{"id":1}')), 'INVALID_RECORD');
    assert.equal(await outcome(p, topic, framed(999_999)), 'INVALID_RECORD');
    assert.equal(await outcome(p, topic, framed(elsewhere)), 'INVALID_RECORD');
    assert.equal(await outcome(p, topic, null), 'ok', 'a tombstone carries no schema and passes');
    // Keys are not checked unless asked.
    assert.equal(await outcome(p, topic, framed(good), Buffer.from('plain key')), 'ok');
  });
  // Exactly the accepted records were stored.
  const end = await latestOffset(f.bootstrap, topic);
  assert.equal(end, 3);
});

test('key validation and the record name strategies', async (t) => {
  if (!requireClient(t, 'kafkajs')) return;
  const topic = uniqueTopic('sv-record');
  const byRecord = await register('samsa.test.User');
  const byTopicRecord = await register(`${topic}-samsa.test.User`);
  const byTopic = await register(`${topic}-key`, { ...userSchema, name: 'Key' });
  await withProducer(f.bootstrap, async (p, kafka) => {
    await createTopic(kafka, topic, {
      'confluent.value.schema.validation': 'true',
      'confluent.value.subject.name.strategy': 'io.confluent.kafka.serializers.subject.RecordNameStrategy',
      'confluent.key.schema.validation': 'true',
    });
    assert.equal(await outcome(p, topic, framed(byRecord), framed(byTopic)), 'ok');
    assert.equal(await outcome(p, topic, framed(byTopicRecord), framed(byTopic)), 'ok', 'same schema, same id');
    assert.equal(await outcome(p, topic, framed(byRecord), Buffer.from('k')), 'INVALID_RECORD');
    assert.equal(await outcome(p, topic, framed(byTopic), framed(byTopic)), 'INVALID_RECORD');
  });
  const other = uniqueTopic('sv-topicrecord');
  await withProducer(f.bootstrap, async (p, kafka) => {
    await createTopic(kafka, other, {
      'confluent.value.schema.validation': 'true',
      'confluent.value.subject.name.strategy': 'TopicRecordNameStrategy',
    });
    assert.equal(await outcome(p, other, framed(byRecord)), 'INVALID_RECORD', `not registered under ${other}-...`);
    const own = await register(`${other}-samsa.test.User`);
    assert.equal(await outcome(p, other, framed(own)), 'ok');
  });
});

test('bad topic config values are refused with the accepted names', async (t) => {
  if (!requireClient(t, 'kafkajs')) return;
  const kafka = new Kafka({
    clientId: 'sv-test',
    brokers: [f.bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });
  await assert.rejects(
    createTopic(kafka, uniqueTopic('sv-bad'), { 'confluent.value.subject.name.strategy': 'Whatever' }),
    (err: Error & { type?: string }) => err.type === 'INVALID_CONFIG' || /Invalid|INVALID/.test(JSON.stringify(err)),
  );
});

test('a broker without its own registry asks confluent.schema.registry.url', async (t) => {
  if (!requireClient(t, 'kafkajs')) return;
  const dataDir = await mkdtemp(join(tmpdir(), 'samsa-sv-remote-'));
  let broker: Broker | undefined;
  try {
    broker = await startBareBroker({
      port: 0,
      host: '127.0.0.1',
      dataDir,
      config: { 'confluent.schema.registry.url': f.url },
    });
    const bootstrap = `127.0.0.1:${broker.port}`;
    const topic = uniqueTopic('sv-remote');
    const good = await register(`${topic}-value`);
    await withProducer(bootstrap, async (p, kafka) => {
      await createTopic(kafka, topic, { 'confluent.value.schema.validation': 'true' });
      assert.equal(await outcome(p, topic, framed(good)), 'ok');
      assert.equal(await outcome(p, topic, framed(good + 1000)), 'INVALID_RECORD');
    });
  } finally {
    await broker?.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('validated topics refuse records when no registry is available, and say so', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'samsa-sv-none-'));
  const broker = await startBareBroker({ port: 0, host: '127.0.0.1', dataDir });
  try {
    const { createAdmin, createProducer } = await import('../../src/client/index.js');
    const bootstrap = `127.0.0.1:${broker.port}`;
    const admin = createAdmin({ bootstrapServers: bootstrap });
    const topic = uniqueTopic('sv-none');
    await admin.createTopics([
      { name: topic, numPartitions: 1, configs: { 'confluent.value.schema.validation': 'true' } },
    ]);
    admin.close();
    const producer = createProducer({ bootstrapServers: bootstrap, retries: 0 });
    await assert.rejects(producer.send({ topic, value: framed(1) }), (err: Error) =>
      /no schema registry is available/.test(err.message),
    );
    await producer.close();
  } finally {
    await broker.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('recordNameOf: Avro full names, JSON Schema titles, Protobuf package and first message', () => {
  assert.equal(recordNameOf('AVRO', JSON.stringify(userSchema)), 'samsa.test.User');
  assert.equal(recordNameOf('AVRO', '{"type":"record","name":"a.b.C","fields":[]}'), 'a.b.C');
  assert.equal(recordNameOf('AVRO', '{"type":"record","name":"C","fields":[]}'), 'C');
  assert.equal(recordNameOf('AVRO', '"string"'), null);
  assert.equal(recordNameOf('JSON', '{"title":"Order","type":"object"}'), 'Order');
  assert.equal(recordNameOf('JSON', '{"type":"object"}'), null);
  assert.equal(
    recordNameOf('PROTOBUF', 'syntax = "proto3";\npackage shop.v1;\nmessage Order { int32 id = 1; }'),
    'shop.v1.Order',
  );
  assert.equal(recordNameOf('PROTOBUF', 'syntax = "proto3"; message Order { int32 id = 1; }'), 'Order');
});

async function latestOffset(bootstrap: string, topic: string): Promise<number> {
  const kafka = new Kafka({ clientId: 'sv-offsets', brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return Number(offsets[0]!.high);
  } finally {
    await admin.disconnect();
  }
}
