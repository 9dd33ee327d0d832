/**
 * Typed errors, retries and timeouts. A small proxy sits between the client and a real broker and can answer
 * chosen requests itself (a retriable error) or swallow them (no answer at all).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Admin } from '../../src/client/admin.js';
import { BrokerConnection } from '../../src/client/connection.js';
import { Consumer } from '../../src/client/consumer.js';
import { ConnectionError, ErrorCode, KafkaError, RequestTimeoutError } from '../../src/client/errors.js';
import { Producer } from '../../src/client/producer.js';
import { Metadata } from '../../src/protocol/messages/metadata.js';
import { Produce } from '../../src/protocol/messages/produce.js';
import { freePort, startTestBroker, type TestBroker } from '../helpers/broker.js';
import { createTopic, take, topicName } from './helpers.js';
import { startFaultProxy } from './proxy.js';

describe('errors, retries and timeouts', () => {
  let b: TestBroker;
  before(async () => {
    b = await startTestBroker({ logLevel: 'warn' });
  });
  after(async () => {
    await b.stop();
  });

  test('a refused topic creation is a KafkaError with code, name and retriable flag', async () => {
    const admin = new Admin({ bootstrapServers: b.bootstrap });
    const topic = topicName('dup');
    await admin.createTopics([{ name: topic, numPartitions: 1 }]);
    await assert.rejects(admin.createTopics([{ name: topic, numPartitions: 1 }]), (e: unknown) => {
      assert.ok(e instanceof KafkaError);
      assert.equal(e.code, ErrorCode.TOPIC_ALREADY_EXISTS);
      assert.equal(e.codeName, 'TOPIC_ALREADY_EXISTS');
      assert.equal(e.retriable, false);
      return true;
    });
    await assert.rejects(
      admin.describeTopics([topicName('missing')]),
      (e: unknown) => e instanceof KafkaError && e.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION && e.retriable,
    );
    admin.close();
  });

  test('a closed port gives a retriable ConnectionError', async () => {
    const port = await freePort();
    const conn = new BrokerConnection({
      host: '127.0.0.1',
      port,
      clientId: 't',
      requestTimeoutMs: 1000,
      connectTimeoutMs: 1000,
    });
    await assert.rejects(
      conn.connect(),
      (e: unknown) => e instanceof ConnectionError && e.code === ErrorCode.NETWORK_EXCEPTION && e.retriable,
    );
    const admin = new Admin({ bootstrapServers: `127.0.0.1:${port}`, retries: 1, retryBackoffMs: 10 });
    await assert.rejects(admin.listTopics(), ConnectionError);
    admin.close();
  });

  test('negotiates the highest common version of each API', async () => {
    const conn = new BrokerConnection({
      host: '127.0.0.1',
      port: b.port,
      clientId: 't',
      requestTimeoutMs: 5000,
      connectTimeoutMs: 5000,
    });
    await conn.connect();
    const theirs = conn.brokerVersions.get(Produce.key)!;
    assert.equal(conn.versions.get(Produce.key), Math.min(theirs.max, Produce.maxVersion));
    assert.equal(
      conn.versions.get(Metadata.key),
      Math.min(conn.brokerVersions.get(Metadata.key)!.max, Metadata.maxVersion),
    );
    conn.close();
  });

  test('retries a retriable produce error (NOT_LEADER_OR_FOLLOWER) and delivers once', async () => {
    const topic = topicName('retry');
    await createTopic(b.bootstrap, topic, 1);
    const proxy = await startFaultProxy(b.port, (n) => (n < 2 ? ErrorCode.NOT_LEADER_OR_FOLLOWER : 'forward'));
    const p = new Producer({ bootstrapServers: `127.0.0.1:${proxy.port}`, retryBackoffMs: 10 });
    const m = await p.send({ topic, value: 'once' });
    assert.equal(m.offset, 0);
    assert.equal(proxy.produceSeen, 3);
    await p.close();
    const c = new Consumer({ bootstrapServers: b.bootstrap, autoOffsetReset: 'earliest' });
    c.assign([{ topic, partition: 0 }]);
    const [r] = await take(c, 1);
    assert.equal(r!.value!.toString(), 'once');
    await c.close();
    await proxy.close();
  });

  test('does not retry a non-retriable error (MESSAGE_TOO_LARGE)', async () => {
    const topic = topicName('noretry');
    await createTopic(b.bootstrap, topic, 1);
    const proxy = await startFaultProxy(b.port, () => ErrorCode.MESSAGE_TOO_LARGE);
    const p = new Producer({ bootstrapServers: `127.0.0.1:${proxy.port}`, retryBackoffMs: 10 });
    await assert.rejects(
      p.send({ topic, value: 'x' }),
      (e: unknown) => e instanceof KafkaError && e.code === ErrorCode.MESSAGE_TOO_LARGE && !e.retriable,
    );
    assert.equal(proxy.produceSeen, 1);
    await p.close().catch(() => {});
    await proxy.close();
  });

  test('a request without answer times out with RequestTimeoutError, and the record is retried on a new connection', async () => {
    const topic = topicName('timeout');
    await createTopic(b.bootstrap, topic, 1);
    const proxy = await startFaultProxy(b.port, (n) => (n === 0 ? 'drop' : 'forward'));
    const p = new Producer({ bootstrapServers: `127.0.0.1:${proxy.port}`, requestTimeoutMs: 400, retryBackoffMs: 10 });
    const m = await p.send({ topic, value: 'late' });
    assert.equal(m.offset, 0);
    assert.equal(proxy.produceSeen, 2);
    await p.close();
    await proxy.close();
    // The connection-level error is typed too.
    const dead = await startFaultProxy(b.port, () => 'drop');
    const c2 = new BrokerConnection({
      host: '127.0.0.1',
      port: dead.port,
      clientId: 't',
      requestTimeoutMs: 300,
      connectTimeoutMs: 1000,
    });
    await c2.connect();
    await assert.rejects(
      c2.send(Produce, { acks: 1, timeoutMs: 1000, topicData: [] }),
      (e: unknown) => e instanceof RequestTimeoutError && e.retriable,
    );
    c2.close();
    await dead.close();
  });
});
