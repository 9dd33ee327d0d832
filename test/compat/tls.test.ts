/**
 * Third-party clients over an SSL listener with ssl.client.auth=required, certificates made by the test
 * (src/security/certs.ts): kafka-python 2.0.2 with security_protocol='SSL' and ssl_check_hostname=True (a group
 * consumer iterating `for message in consumer` with auto commit receives all 20,000 records produced), confluent-kafka
 * and kcat with security.protocol=ssl (ssl.ca.location, ssl.certificate.location, ssl.key.location), and KafkaJS
 * with `ssl`. Clients connect to `localhost`, so the broker certificate's name is checked.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import type { CertsResult } from '../../src/security/certs.js';
import { withBroker } from '../helpers/broker.js';
import { kcat, kcatConsumeAll, requireClient, runPython, uniqueTopic, kcatSsl } from '../helpers/clients.js';
import { makeCerts, sslBrokerConfig } from '../helpers/tls.js';

const CONFIG = (certs: CertsResult) =>
  sslBrokerConfig(certs, { 'group.initial.rebalance.delay.ms': '200', 'num.partitions': '3' });

describe('third-party clients over SSL with client certificates', () => {
  test('kafka-python: a group consumer with auto commit receives all 20,000 records produced over SSL', async (t) => {
    if (!requireClient(t, 'kafka-python')) return;
    const certs = await makeCerts(t, { clients: ['python'] });
    await withBroker({ config: CONFIG(certs) }, async (b) => {
      const topic = uniqueTopic('tls-kp');
      const security = {
        security_protocol: 'SSL',
        ssl_check_hostname: true,
        ssl_cafile: certs.ca,
        ssl_certfile: certs.clients.python!.cert,
        ssl_keyfile: certs.clients.python!.key,
      };
      const { summary } = await runPython(
        'kp_secure_group.py',
        [`localhost:${b.port}`, topic, `${topic}-g`, '20000', JSON.stringify(security)],
        { timeoutMs: 400_000 },
      );
      assert.equal(summary.distinct, 20_000);
      assert.equal(summary.left, 0);
      // The broker holds exactly what was produced, and the group committed its end.
      let end = 0;
      for (const p of [0, 1, 2]) {
        const committed = b.broker.groups.committedOffset(`${topic}-g`, topic, p)?.offset ?? 0;
        const log = b.broker.logs.getLog(topic, p);
        end += log?.logEndOffset ?? 0;
        assert.equal(committed, log?.logEndOffset, `partition ${p} committed to its end`);
      }
      assert.equal(end, 20_000);
    });
  });

  test('confluent-kafka: produce and a group consumer with security.protocol=ssl', async (t) => {
    if (!requireClient(t, 'confluent-kafka')) return;
    const certs = await makeCerts(t, { clients: ['librdkafka'] });
    await withBroker({ config: CONFIG(certs) }, async (b) => {
      const topic = uniqueTopic('tls-ck');
      const security = {
        'security.protocol': 'ssl',
        'ssl.ca.location': certs.ca,
        'ssl.certificate.location': certs.clients.librdkafka!.cert,
        'ssl.key.location': certs.clients.librdkafka!.key,
      };
      const { summary } = await runPython(
        'ck_secure.py',
        [`localhost:${b.port}`, topic, `${topic}-g`, '5000', JSON.stringify(security)],
        { timeoutMs: 200_000 },
      );
      assert.equal(summary.distinct, 5000);
    });
  });

  test('kcat: produce and consume with security.protocol=ssl', async (t) => {
    if (!requireClient(t, 'kcat')) return;
    const certs = await makeCerts(t, { clients: ['kcat'] });
    await withBroker({ config: CONFIG(certs) }, async (b) => {
      const topic = uniqueTopic('tls-kcat');
      const bootstrap = `localhost:${b.port}`;
      const ssl = kcatSsl(certs.ca, certs.clients.kcat!.cert, certs.clients.kcat!.key);
      const lines = Array.from({ length: 2000 }, (_, i) => `record-${i}`);
      await kcat(bootstrap, [...ssl, '-P', '-t', topic, '-p', '0'], { input: `${lines.join('\n')}\n` });
      const got = await kcatConsumeAll(bootstrap, topic, ssl);
      assert.deepEqual(
        got.map((m) => m.payload),
        lines,
      );
    });
  });

  test('KafkaJS: producer and consumer.run in a group with `ssl`', async (t) => {
    if (!requireClient(t, 'kafkajs')) return;
    const certs = await makeCerts(t, { clients: ['kafkajs'] });
    await withBroker({ config: CONFIG(certs) }, async (b) => {
      const { Kafka, logLevel } = await import('kafkajs');
      const kafka = new Kafka({
        clientId: 'samsa-compat-kafkajs-tls',
        brokers: [`localhost:${b.port}`],
        logLevel: logLevel.NOTHING,
        ssl: {
          ca: [await readFile(certs.ca, 'utf8')],
          cert: await readFile(certs.clients.kafkajs!.cert, 'utf8'),
          key: await readFile(certs.clients.kafkajs!.key, 'utf8'),
          servername: 'localhost',
        },
      });
      const topic = uniqueTopic('tls-kjs');
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
      await admin.disconnect();
      const producer = kafka.producer();
      await producer.connect();
      const count = 1000;
      await producer.send({
        topic,
        messages: Array.from({ length: count }, (_, i) => ({ key: String(i % 7), value: `v${i}` })),
      });
      await producer.disconnect();
      const consumer = kafka.consumer({ groupId: `${topic}-g` });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const seen = new Set<string>();
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${seen.size} of ${count} records arrived`)), 60_000);
        consumer
          .run({
            eachMessage: async ({ message }) => {
              seen.add(String(message.value));
              if (seen.size === count) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch(reject);
      });
      await consumer.disconnect();
      assert.equal(seen.size, count);
    });
  });
});
