/**
 * The schema-registry formats of streaming SQL: input written by Confluent's serializers (@confluentinc/schemaregistry
 * for Avro, JSON Schema and Protobuf), streams whose columns are inferred
 * from the registry, VALUE_SCHEMA_ID, persistent queries writing AVRO, JSON_SR and PROTOBUF (their schemas
 * registered under <topic>-value / <topic>-key as ksqlDB does, WRAP_SINGLE_VALUE=false registering a bare
 * schema), results read back with kcat and decoded with Confluent's deserializers; and a restart that keeps
 * the inferred columns.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
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
import { createProducer } from '../../src/client/index.js';
import { startSqlServer, type SqlServer } from '../../src/sql/server.js';
import { requireClient } from '../helpers/clients.js';
import { startRegistryBroker } from '../registry/helpers.js';
import { kcatRecords, ksql, ksqlRefused, queryRows, waitFor } from './helpers.js';

const pageviewSchema = {
  type: 'record',
  name: 'pageview',
  namespace: 'samsa.test',
  fields: [
    { name: 'viewtime', type: 'long' },
    { name: 'userid', type: 'string' },
    { name: 'pageid', type: 'string' },
    { name: 'duration', type: ['null', { type: 'bytes', logicalType: 'decimal', precision: 6, scale: 2 }] },
  ],
};

const BASE = Date.UTC(2026, 0, 1);
const endpoints = [{ scheme: 'http' as const, host: '127.0.0.1', port: 0 }];

test('AVRO, JSON_SR and PROTOBUF: inferred columns, persistent queries registering their schemas', async (t) => {
  if (!requireClient(t, 'kcat')) return;
  const f = await startRegistryBroker();
  let sql: SqlServer | undefined;
  try {
    const registry = new SchemaRegistryClient({ baseURLs: [f.url] });
    // Avro input by Confluent's serializer, with the latest version of pageviews_avro-value.
    await registry.register('pageviews_avro-value', { schemaType: 'AVRO', schema: JSON.stringify(pageviewSchema) });
    const ser = new AvroSerializer(registry, SerdeType.VALUE, { useLatestVersion: true, autoRegisterSchemas: false });
    const producer = createProducer({ bootstrapServers: f.bootstrap });
    const views = Array.from({ length: 20 }, (_, i) => ({
      viewtime: BASE + i * 1000,
      userid: `User_${(i % 4) + 1}`,
      pageid: `Page_${i % 5}`,
      // 12.34 as Avro's decimal: the unscaled 1234 in two's complement.
      duration: i % 3 === 0 ? null : Buffer.from([0x04, 0xd2]),
    }));
    for (const v of views) {
      await producer.send({
        topic: 'pageviews_avro',
        key: v.userid,
        value: await ser.serialize('pageviews_avro', v),
        timestamp: v.viewtime,
      });
    }
    // JSON Schema input by Confluent's JSON serializer.
    const orderSchema = {
      type: 'object',
      properties: {
        id: { type: 'integer' },
        item: { type: 'string' },
        price: { type: 'number' },
        tags: { type: 'array', items: { type: 'string' } },
      },
    };
    await registry.register('orders_json-value', { schemaType: 'JSON', schema: JSON.stringify(orderSchema) });
    const jser = new JsonSerializer(registry, SerdeType.VALUE, { useLatestVersion: true, autoRegisterSchemas: false });
    const orders = [
      { id: 1, item: 'tea', price: 2.5, tags: ['hot'] },
      { id: 2, item: 'cake', price: 4, tags: [] },
      { id: 3, item: 'coffee', price: 3.25, tags: ['hot', 'strong'] },
    ];
    for (const o of orders)
      await producer.send({ topic: 'orders_json', value: await jser.serialize('orders_json', o), timestamp: BASE });
    // Protobuf input by Confluent's serializer (the schema registered as a serialized descriptor).
    const readingFile = create(FileDescriptorProtoSchema, {
      name: 'reading.proto',
      package: 'samsa.test',
      syntax: 'proto3',
      messageType: [
        {
          name: 'Reading',
          field: [
            { name: 'sensor', number: 1, type: 9, label: 1, jsonName: 'sensor' }, // string
            { name: 'at', number: 2, type: 3, label: 1, jsonName: 'at' }, // int64
            { name: 'celsius', number: 3, type: 1, label: 1, jsonName: 'celsius' }, // double
          ],
        },
      ],
    });
    const readingDesc = createFileRegistry(readingFile, () => undefined).getMessage('samsa.test.Reading')!;
    const pser = new ProtobufSerializer(registry, SerdeType.VALUE, {
      autoRegisterSchemas: true,
      registry: createMutableRegistry(readingDesc),
    });
    const readings = [
      { sensor: 's1', at: 1000, celsius: 20.5 },
      { sensor: 's2', at: 2000, celsius: -3 },
      { sensor: 's1', at: 3000, celsius: 21 },
    ];
    for (const r of readings) {
      const msg = create(readingDesc, { ...r, at: BigInt(r.at) });
      await producer.send({
        topic: 'readings_proto',
        value: await pser.serialize('readings_proto', msg),
        timestamp: BASE,
      });
    }
    await producer.close();

    sql = await startSqlServer({ bootstrap: f.bootstrap, endpoints, schemaRegistryUrl: f.url });
    const url = sql.urls[0]!;
    const props = { 'auto.offset.reset': 'earliest' };

    // Columns inferred from the latest registered schemas.
    await ksql(
      url,
      `CREATE STREAM pageviews WITH (KAFKA_TOPIC='pageviews_avro', VALUE_FORMAT='AVRO');
       CREATE STREAM orders WITH (KAFKA_TOPIC='orders_json', VALUE_FORMAT='JSON_SR');
       CREATE STREAM readings WITH (KAFKA_TOPIC='readings_proto', VALUE_FORMAT='PROTOBUF');`,
    );
    const described = await ksql(url, 'DESCRIBE pageviews; DESCRIBE orders; DESCRIBE readings;');
    const fields = (i: number) =>
      described[i].sourceDescription.fields.map((x: { name: string; schema: { type: string } }) => [
        x.name,
        x.schema.type,
      ]);
    assert.deepEqual(fields(0), [
      ['VIEWTIME', 'BIGINT'],
      ['USERID', 'STRING'],
      ['PAGEID', 'STRING'],
      ['DURATION', 'DECIMAL'],
    ]);
    assert.deepEqual(fields(1), [
      ['ID', 'BIGINT'],
      ['ITEM', 'STRING'],
      ['PRICE', 'DOUBLE'],
      ['TAGS', 'ARRAY'],
    ]);
    assert.deepEqual(fields(2), [
      ['SENSOR', 'STRING'],
      ['AT', 'BIGINT'],
      ['CELSIUS', 'DOUBLE'],
    ]);

    // Push queries decode each format.
    const pv = await queryRows(url, 'SELECT userid, pageid, duration FROM pageviews EMIT CHANGES LIMIT 3;', props);
    assert.deepEqual(pv.rows, [
      ['User_1', 'Page_0', null],
      ['User_2', 'Page_1', 12.34],
      ['User_3', 'Page_2', 12.34],
    ]);
    const or = await queryRows(url, 'SELECT item, price, tags FROM orders EMIT CHANGES LIMIT 3;', props);
    assert.deepEqual(
      or.rows,
      orders.map((o) => [o.item, o.price, o.tags]),
    );
    const rd = await queryRows(url, 'SELECT sensor, at, celsius FROM readings EMIT CHANGES LIMIT 3;', props);
    assert.deepEqual(
      rd.rows,
      readings.map((r) => [r.sensor, r.at, r.celsius]),
    );

    // Persistent queries writing each format: their schemas are registered under <topic>-value.
    await ksql(
      url,
      `CREATE STREAM user1_views WITH (VALUE_FORMAT='AVRO') AS
         SELECT userid, pageid, viewtime FROM pageviews WHERE userid = 'User_1' EMIT CHANGES;
       CREATE STREAM pages_only WITH (VALUE_FORMAT='AVRO', WRAP_SINGLE_VALUE=false) AS SELECT pageid FROM pageviews;
       CREATE STREAM orders_out WITH (VALUE_FORMAT='JSON_SR') AS SELECT id, UCASE(item) AS item FROM orders;
       CREATE STREAM warm WITH (VALUE_FORMAT='PROTOBUF') AS SELECT sensor, celsius FROM readings WHERE celsius > 0;
       CREATE TABLE page_counts WITH (KEY_FORMAT='AVRO', VALUE_FORMAT='AVRO') AS
         SELECT pageid, COUNT(*) AS views FROM pageviews GROUP BY pageid;`,
      props,
    );
    const fresh = () => new SchemaRegistryClient({ baseURLs: [f.url] });
    const latest = await waitFor('USER1_VIEWS-value', async () =>
      fresh()
        .getLatestSchemaMetadata('USER1_VIEWS-value')
        .catch(() => undefined),
    );
    const avroSchema = JSON.parse(latest.schema);
    assert.equal(avroSchema.name, 'KsqlDataSourceSchema');
    assert.equal(avroSchema.namespace, 'io.confluent.ksql.avro_schemas');
    assert.deepEqual(
      avroSchema.fields.map((x: { name: string; type: unknown }) => [x.name, x.type]),
      [
        ['USERID', ['null', 'string']],
        ['PAGEID', ['null', 'string']],
        ['VIEWTIME', ['null', 'long']],
      ],
    );
    assert.equal(JSON.parse((await fresh().getLatestSchemaMetadata('PAGES_ONLY-value')).schema), 'string');
    assert.equal((await fresh().getLatestSchemaMetadata('ORDERS_OUT-value')).schemaType, 'JSON');
    assert.equal((await fresh().getLatestSchemaMetadata('WARM-value')).schemaType, 'PROTOBUF');
    assert.equal(JSON.parse((await fresh().getLatestSchemaMetadata('PAGE_COUNTS-key')).schema), 'string');

    // Results read with kcat, decoded by the third-party deserializers.
    const avroDe = new AvroDeserializer(fresh(), SerdeType.VALUE, {});
    const user1 = views.filter((v) => v.userid === 'User_1');
    const got = await waitFor('USER1_VIEWS', async () => {
      const recs = await kcatRecords(f.bootstrap, 'USER1_VIEWS');
      return recs.length >= user1.length ? recs : undefined;
    });
    const decoded = [];
    for (const r of got) decoded.push(await avroDe.deserialize('USER1_VIEWS', r.value!));
    assert.deepEqual(
      decoded.map((d) => [d.USERID, d.PAGEID, Number(d.VIEWTIME)]),
      user1.map((v) => [v.userid, v.pageid, v.viewtime]),
    );
    const bare = await waitFor('PAGES_ONLY', async () => {
      const recs = await kcatRecords(f.bootstrap, 'PAGES_ONLY');
      return recs.length >= views.length ? recs : undefined;
    });
    const bareDe = new AvroDeserializer(fresh(), SerdeType.VALUE, {});
    assert.deepEqual(
      await Promise.all(bare.map((r) => bareDe.deserialize('PAGES_ONLY', r.value!))),
      views.map((v) => v.pageid),
    );
    const jsonOut = await waitFor('ORDERS_OUT', async () => {
      const recs = await kcatRecords(f.bootstrap, 'ORDERS_OUT');
      return recs.length >= orders.length ? recs : undefined;
    });
    const jde = new JsonDeserializer(fresh(), SerdeType.VALUE, {});
    assert.deepEqual(
      await Promise.all(jsonOut.map((r) => jde.deserialize('ORDERS_OUT', r.value!))),
      orders.map((o) => ({ ID: o.id, ITEM: o.item.toUpperCase() })),
    );
    const warm = await waitFor('WARM', async () => {
      const recs = await kcatRecords(f.bootstrap, 'WARM');
      return recs.length >= 2 ? recs : undefined;
    });
    const pde = new ProtobufDeserializer(fresh(), SerdeType.VALUE, {});
    const warmRows = await Promise.all(warm.map((r) => pde.deserialize('WARM', r.value!)));
    assert.deepEqual(
      warmRows.map((r) => [r.SENSOR, r.CELSIUS]),
      readings.filter((r) => r.celsius > 0).map((r) => [r.sensor, r.celsius]),
    );
    // The table's AVRO keys and values: the latest count per page.
    const expected = new Map<string, number>();
    for (const v of views) expected.set(v.pageid, (expected.get(v.pageid) ?? 0) + 1);
    const keyDe = new AvroDeserializer(fresh(), SerdeType.KEY, {});
    const valDe = new AvroDeserializer(fresh(), SerdeType.VALUE, {});
    await waitFor('PAGE_COUNTS', async () => {
      const latestCounts = new Map<string, number>();
      for (const r of await kcatRecords(f.bootstrap, 'PAGE_COUNTS')) {
        latestCounts.set(
          await keyDe.deserialize('PAGE_COUNTS', r.key!),
          Number((await valDe.deserialize('PAGE_COUNTS', r.value!)).VIEWS),
        );
      }
      return [...expected].every(([k, n]) => latestCounts.get(k) === n) ? true : undefined;
    });

    // VALUE_SCHEMA_ID names the schema; INSERT INTO ... VALUES writes with it, readable by Confluent's deserializer.
    const id = (await fresh().getLatestSchemaMetadata('pageviews_avro-value')).id;
    await ksql(
      url,
      `CREATE STREAM pageviews_by_id WITH (KAFKA_TOPIC='pageviews_avro', VALUE_FORMAT='AVRO', VALUE_SCHEMA_ID=${id});
       INSERT INTO pageviews_by_id (viewtime, userid, pageid, duration) VALUES (${BASE + 99_000}, 'User_9', 'Page_9', 1.5);`,
    );
    const all = await waitFor('the inserted row', async () => {
      const recs = await kcatRecords(f.bootstrap, 'pageviews_avro');
      return recs.length > views.length ? recs : undefined;
    });
    const inserted = await new AvroDeserializer(fresh(), SerdeType.VALUE, {}).deserialize(
      'pageviews_avro',
      all[all.length - 1]!.value!,
    );
    assert.equal(all[all.length - 1]!.value!.readInt32BE(1), id);
    assert.deepEqual(
      [inserted.userid, inserted.pageid, Number(inserted.viewtime)],
      ['User_9', 'Page_9', BASE + 99_000],
    );
    assert.deepEqual([...inserted.duration], [0x00, 0x96]); // 1.50 as the unscaled 150

    // A registry format without a registry is refused with ksqlDB's hint.
    await sql.close();
    sql = await startSqlServer({ bootstrap: f.bootstrap, endpoints, serviceId: 'noreg_' });
    assert.match(
      await ksqlRefused(sql.urls[0], "CREATE STREAM x WITH (KAFKA_TOPIC='pageviews_avro', VALUE_FORMAT='AVRO');"),
      /ksql\.schema\.registry\.url/,
    );
    await sql.close();

    // A restart replays the command topic: the inferred columns come back without asking the registry again.
    sql = await startSqlServer({ bootstrap: f.bootstrap, endpoints, schemaRegistryUrl: f.url });
    const again = await ksql(sql.urls[0]!, 'DESCRIBE orders;');
    assert.deepEqual(
      again[0].sourceDescription.fields.map((x: { name: string }) => x.name),
      ['ID', 'ITEM', 'PRICE', 'TAGS'],
    );
  } finally {
    await sql?.close();
    await f.stop();
  }
});
