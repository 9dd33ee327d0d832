/** The observation point: requests, connections, appends and fetched data are published on diagnostics channels. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { Fetch } from '../../src/protocol/messages/fetch.js';
import { Produce } from '../../src/protocol/messages/produce.js';
import { encodeBatch } from '../../src/protocol/records/batch.js';
import {
  CHANNEL_NAMES,
  type AppendEvent,
  type ConnectionEvent,
  type FetchOutEvent,
  type RequestEvent,
} from '../../src/broker/observe.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';

let tb: TestBroker;
const seen = {
  request: [] as RequestEvent[],
  connection: [] as ConnectionEvent[],
  append: [] as AppendEvent[],
  fetch: [] as FetchOutEvent[],
};
const onRequest = (m: unknown) => seen.request.push(m as RequestEvent);
const onConnection = (m: unknown) => seen.connection.push(m as ConnectionEvent);
const onAppend = (m: unknown) => seen.append.push(m as AppendEvent);
const onFetch = (m: unknown) => seen.fetch.push({ ...(m as FetchOutEvent), records: Buffer.alloc(0) });

before(async () => {
  tb = await startTestBroker();
  assert.equal(tb.broker.topics.create('watched', 2, 1, {}).errorCode, 0);
  diagnostics.subscribe(CHANNEL_NAMES.request, onRequest);
  diagnostics.subscribe(CHANNEL_NAMES.connection, onConnection);
  diagnostics.subscribe(CHANNEL_NAMES.append, onAppend);
  diagnostics.subscribe(CHANNEL_NAMES.fetchOut, onFetch);
});

after(async () => {
  diagnostics.unsubscribe(CHANNEL_NAMES.request, onRequest);
  diagnostics.unsubscribe(CHANNEL_NAMES.connection, onConnection);
  diagnostics.unsubscribe(CHANNEL_NAMES.append, onAppend);
  diagnostics.unsubscribe(CHANNEL_NAMES.fetchOut, onFetch);
  await tb.stop();
});

test('produce and fetch are observed with sizes, latencies and the listener', async () => {
  const client = await RawClient.connect(tb.broker.port);
  const records = await encodeBatch({ records: ['a', 'b', 'c'].map((v) => ({ key: null, value: Buffer.from(v) })) });
  const produced = await client.send(Produce, 9, {
    acks: 1,
    timeoutMs: 1000,
    topicData: [{ name: 'watched', partitionData: [{ index: 1, records }] }],
  });
  assert.equal(produced.responses[0]!.partitionResponses[0]!.errorCode, 0);
  await client.send(Fetch, 11, {
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    topics: [{ topic: 'watched', partitions: [{ partition: 1, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }],
  });
  client.close();
  await new Promise((r) => setTimeout(r, 50));

  const produceEvent = seen.request.find((e) => e.apiName === 'Produce');
  assert.ok(produceEvent, 'a Produce request event');
  assert.equal(produceEvent.apiKey, 0);
  assert.equal(produceEvent.apiVersion, 9);
  assert.equal(produceEvent.listener, 'PLAINTEXT');
  assert.ok(produceEvent.requestBytes > records.length, 'request size includes the batch');
  assert.ok(produceEvent.responseBytes > 0);
  assert.ok(produceEvent.handleMs >= 0 && produceEvent.queueMs >= 0);
  assert.deepEqual(seen.append, [{ topic: 'watched', partition: 1, records: 3, bytes: records.length }]);
  assert.equal(seen.fetch.length, 1);
  assert.equal(seen.fetch[0]!.topic, 'watched');
  assert.equal(seen.fetch[0]!.partition, 1);
  assert.equal(seen.fetch[0]!.bytes, records.length);
  const kinds = seen.connection.map((c) => c.kind);
  assert.deepEqual(kinds, ['open', 'close']);
  assert.equal(seen.connection[0]!.listener, 'PLAINTEXT');
});
