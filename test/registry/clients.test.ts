/**
 * The schema registry through clients no one here wrote: @kafkajs/confluent-schema-registry and Confluent's Node
 * client (@confluentinc/schemaregistry) register, fetch and (de)serialize Avro, JSON Schema and Protobuf; a KafkaJS
 * producer and consumer exchange Avro records through the registry; confluent-kafka-python's SchemaRegistryClient
 * registers, reads, tests and sets compatibility.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
// @bufbuild/protobuf comes with @confluentinc/schemaregistry, whose Protobuf serde is built on it.
import { create, createFileRegistry, createMutableRegistry } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import {
  AvroDeserializer,
  AvroSerializer,
  JsonDeserializer,
  JsonSerializer,
  ProtobufDeserializer,
  ProtobufSerializer,
  SchemaRegistryClient,
  SerdeType,
} from '@confluentinc/schemaregistry';
import {
  ProtobufDeserializer as SamsaProtobufDeserializer,
  ProtobufSerializer as SamsaProtobufSerializer,
  SchemaRegistryClient as SamsaRegistryClient,
} from '../../src/client/schema-registry/index.js';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel } from 'kafkajs';
import { requireClient, runPython, uniqueTopic } from '../helpers/clients.js';
import { call, registryBrokerForFile } from './helpers.js';

const f = registryBrokerForFile();

const userSchema = {
  type: 'record',
  name: 'User',
  namespace: 'samsa.test',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'name', type: 'string' },
    { name: 'email', type: ['null', 'string'], default: null },
  ],
};

test('@kafkajs/confluent-schema-registry: Avro, JSON Schema and Protobuf', async () => {
  const registry = new SchemaRegistry({ host: f.url });
  const { id } = await registry.register(
    { type: SchemaType.AVRO, schema: JSON.stringify(userSchema) },
    { subject: 'kjs-user-value' },
  );
  assert.ok(id > 0);
  assert.equal(await registry.getLatestSchemaId('kjs-user-value'), id);
  assert.equal(await registry.getRegistryId('kjs-user-value', 1), id);
  const user = { id: 42, name: 'Ada', email: 'ada@example.com' };
  const encoded = await registry.encode(id, user);
  assert.equal(encoded[0], 0);
  assert.equal(encoded.readInt32BE(1), id);
  // A fresh client knows nothing: decoding fetches the schema by id.
  const decoded = await new SchemaRegistry({ host: f.url }).decode(encoded);
  assert.deepEqual({ ...decoded, id: Number(decoded.id) }, user);

  const jsonSchema = {
    type: 'object',
    properties: { page: { type: 'string' }, views: { type: 'integer', minimum: 0 } },
    required: ['page'],
  };
  const json = await registry.register(
    { type: SchemaType.JSON, schema: JSON.stringify(jsonSchema) },
    { subject: 'kjs-json-value' },
  );
  const jEnc = await registry.encode(json.id, { page: '/home', views: 3 });
  assert.deepEqual(await new SchemaRegistry({ host: f.url }).decode(jEnc), { page: '/home', views: 3 });
  await assert.rejects(registry.encode(json.id, { views: -1 }));

  const proto = `syntax = "proto3";
package samsa.test;
message Order {
  int64 id = 1;
  string item = 2;
  double price = 3;
}
`;
  const p = await registry.register({ type: SchemaType.PROTOBUF, schema: proto }, { subject: 'kjs-proto-value' });
  const pEnc = await registry.encode(p.id, { id: 7, item: 'tea', price: 2.5 });
  const pDec = await new SchemaRegistry({ host: f.url }).decode(pEnc);
  assert.deepEqual({ id: Number(pDec.id), item: pDec.item, price: pDec.price }, { id: 7, item: 'tea', price: 2.5 });
  const fetched = await new SchemaRegistry({ host: f.url }).getSchema(p.id);
  assert.ok(fetched);
});

test('@confluentinc/schemaregistry: register, fetch, Avro and JSON Schema serializers', async () => {
  const client = new SchemaRegistryClient({ baseURLs: [f.url] });
  const id = await client.register('cf-user-value', { schemaType: 'AVRO', schema: JSON.stringify(userSchema) }, false);
  assert.ok(id > 0);
  const byId = await client.getBySubjectAndId('cf-user-value', id);
  assert.deepEqual(JSON.parse(byId.schema), userSchema);
  const latest = await client.getLatestSchemaMetadata('cf-user-value');
  assert.equal(latest.id, id);
  assert.equal(latest.version, 1);
  assert.deepEqual(await client.getAllVersions('cf-user-value'), [1]);
  assert.ok((await client.getAllSubjects()).includes('cf-user-value'));
  assert.equal(await client.getId('cf-user-value', { schemaType: 'AVRO', schema: JSON.stringify(userSchema) }), id);
  await client.updateCompatibility('cf-user-value', 'FULL' as never);
  assert.equal(await client.getCompatibility('cf-user-value'), 'FULL');

  // Topic "cf-user": the topic name strategy gives subject cf-user-value.
  const fresh = () => new SchemaRegistryClient({ baseURLs: [f.url] });
  const ser = new AvroSerializer(fresh(), SerdeType.VALUE, { useLatestVersion: true, autoRegisterSchemas: false });
  const bytes = await ser.serialize('cf-user', { id: 1, name: 'Grace', email: null });
  assert.equal(bytes[0], 0);
  assert.equal(bytes.readInt32BE(1), id);
  const de = new AvroDeserializer(fresh(), SerdeType.VALUE, {});
  const back = await de.deserialize('cf-user', bytes);
  assert.equal(back.name, 'Grace');
  assert.equal(Number(back.id), 1);
  // Our bytes read by KafkaJS's registry client too.
  const viaKjs = await new SchemaRegistry({ host: f.url }).decode(bytes);
  assert.equal(viaKjs.name, 'Grace');

  const jsonSchema = { type: 'object', properties: { sku: { type: 'string' }, qty: { type: 'integer' } } };
  await client.register('cf-json-value', { schemaType: 'JSON', schema: JSON.stringify(jsonSchema) }, false);
  const jser = new JsonSerializer(fresh(), SerdeType.VALUE, { useLatestVersion: true, autoRegisterSchemas: false });
  const jbytes = await jser.serialize('cf-json', { sku: 'A-1', qty: 2 });
  const jde = new JsonDeserializer(fresh(), SerdeType.VALUE, {});
  assert.deepEqual(await jde.deserialize('cf-json', jbytes), { sku: 'A-1', qty: 2 });

  // An incompatible change is refused with Confluent's error body, which the client surfaces.
  await assert.rejects(
    client.register(
      'cf-user-value',
      {
        schemaType: 'AVRO',
        schema: JSON.stringify({ ...userSchema, fields: [...userSchema.fields, { name: 'age', type: 'int' }] }),
      },
      false,
    ),
    (e: Error & { errorCode?: number; status?: number }) => e.errorCode === 409 || /409/.test(e.message),
  );
});

test('@confluentinc/schemaregistry: Protobuf, registered as a serialized descriptor', async () => {
  const orderFile = (idType: number) =>
    create(FileDescriptorProtoSchema, {
      name: 'order.proto',
      package: 'samsa.cf',
      syntax: 'proto3',
      messageType: [
        {
          name: 'Order',
          field: [
            { name: 'id', number: 1, type: idType, label: 1, jsonName: 'id' },
            { name: 'item', number: 2, type: 9, label: 1, jsonName: 'item' }, // string
          ],
        },
      ],
    });
  const orderDesc = (idType: number) =>
    createFileRegistry(orderFile(idType), () => undefined).getMessage('samsa.cf.Order')!;
  const desc = orderDesc(3); // int64
  const ser = new ProtobufSerializer(new SchemaRegistryClient({ baseURLs: [f.url] }), SerdeType.VALUE, {
    autoRegisterSchemas: true,
    registry: createMutableRegistry(desc),
  });
  const bytes = await ser.serialize('cf-proto', create(desc, { id: 7n, item: 'tea' }));
  const stored = await call(f.url, 'GET', '/subjects/cf-proto-value/versions/1');
  assert.equal(stored.body.schemaType, 'PROTOBUF');
  const de = new ProtobufDeserializer(new SchemaRegistryClient({ baseURLs: [f.url] }), SerdeType.VALUE, {});
  const back = await de.deserialize('cf-proto', bytes);
  assert.equal(back.id, 7n);
  assert.equal(back.item, 'tea');
  // Samsa's deserializer reads the descriptor-registered schema too.
  const ours = await new SamsaProtobufDeserializer(new SamsaRegistryClient({ url: f.url })).deserialize(bytes);
  assert.deepEqual(ours, { id: '7', item: 'tea' });
  // The other way: Samsa's serializer registers .proto text; Confluent's deserializer asks for format=serialized
  // and gets a descriptor it can read.
  const text =
    'syntax = "proto3";\npackage samsa.txt;\nmessage Item { string sku = 1; Size size = 2; }\n' +
    'message Size { int32 w = 1; int32 h = 2; }\n';
  const samsaSer = new SamsaProtobufSerializer(new SamsaRegistryClient({ url: f.url }), text, 'samsa.txt.Item');
  const itemBytes = await samsaSer.serialize('txt-proto', { sku: 'A-1', size: { w: 3, h: 4 } });
  const viaConfluent = await de.deserialize('txt-proto', itemBytes);
  assert.equal(viaConfluent.sku, 'A-1');
  assert.equal(viaConfluent.size.w, 3);
  assert.equal(viaConfluent.size.h, 4);
  // A breaking change (int64 to string) in a descriptor is refused under BACKWARD.
  const broken = orderDesc(9);
  const ser2 = new ProtobufSerializer(new SchemaRegistryClient({ baseURLs: [f.url] }), SerdeType.VALUE, {
    autoRegisterSchemas: true,
    registry: createMutableRegistry(broken),
  });
  const msg2 = create(broken, { id: 'x', item: 'y' });
  await assert.rejects(ser2.serialize('cf-proto', msg2), /409|incompatible/i);
});

test('KafkaJS producer and consumer exchange Avro records through the registry', async (t) => {
  if (!requireClient(t, 'kafkajs')) return;
  const topic = uniqueTopic('sr-kafkajs');
  const registry = new SchemaRegistry({ host: f.url });
  const { id } = await registry.register(
    { type: SchemaType.AVRO, schema: JSON.stringify(userSchema) },
    { subject: `${topic}-value` },
  );
  const kafka = new Kafka({ clientId: 'sr-test', brokers: [f.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  const users = Array.from({ length: 20 }, (_, i) => ({ id: i, name: `user${i}`, email: i % 2 ? null : `u${i}@x` }));
  await producer.send({
    topic,
    messages: await Promise.all(users.map(async (u) => ({ key: String(u.id), value: await registry.encode(id, u) }))),
  });
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: `${topic}-g` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const got: unknown[] = [];
  const reader = new SchemaRegistry({ host: f.url });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${got.length} records in time`)), 60_000);
    consumer
      .run({
        eachMessage: async ({ message }) => {
          const u = await reader.decode(message.value!);
          got.push({ ...u, id: Number(u.id) });
          if (got.length === users.length) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  assert.deepEqual(got, users);
});

test("confluent-kafka-python's SchemaRegistryClient", async (t) => {
  if (!requireClient(t, 'confluent-kafka')) return;
  const { summary } = await runPython('sr_client.py', [f.url, uniqueTopic('py-sr')], { timeoutMs: 120_000 });
  assert.equal(summary.ok, true);
  assert.notEqual(summary.id, summary.id2);
  // What python registered is visible over HTTP.
  const subjects = (await call(f.url, 'GET', '/subjects?deleted=true')).body as string[];
  assert.ok(subjects.some((s) => s.startsWith('py-sr')));
});
