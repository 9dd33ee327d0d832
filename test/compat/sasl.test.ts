/**
 * SASL through clients no one here wrote, on a SASL_PLAINTEXT listener: kafka-python 2.0.2 (SaslHandshake v0 and
 * raw tokens) with PLAIN, a group consumer iterating `for message in consumer` with auto commit receiving all
 * 20,000 records, and with SCRAM-SHA-512; confluent-kafka and kcat (librdkafka) with SCRAM-SHA-256; KafkaJS with
 * plain, scram-sha-256 and scram-sha-512. PLAIN users come from the listener's JAAS config, SCRAM users are made
 * with AlterUserScramCredentials. A wrong password is refused by each library while the broker serves the others.
 * On a SASL_SSL listener (certificates made by the test): kafka-python SCRAM-SHA-512 with 20,000 records through a
 * group consumer, confluent-kafka and kcat SCRAM-SHA-256.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { withBroker } from '../helpers/broker.js';
import { kcat, kcatConsumeAll, requireClient, runPython, uniqueTopic } from '../helpers/clients.js';
import { createScramUsers, saslBrokerConfig } from '../helpers/sasl.js';
import { makeCerts } from '../helpers/tls.js';

const CONFIG = saslBrokerConfig({ 'num.partitions': '3' });

/** kafka-python's keyword arguments for SASL. */
const kpSasl = (mechanism: string, user: string, password: string, protocol = 'SASL_PLAINTEXT') =>
  JSON.stringify({
    security_protocol: protocol,
    sasl_mechanism: mechanism,
    sasl_plain_username: user,
    sasl_plain_password: password,
  });

describe('SASL_PLAINTEXT with third-party clients', () => {
  test('kafka-python PLAIN: a group consumer with auto commit receives all 20,000 records', async (t) => {
    if (!requireClient(t, 'kafka-python')) return;
    await withBroker({ config: CONFIG }, async (b) => {
      const topic = uniqueTopic('sasl-kp-plain');
      const { summary } = await runPython(
        'kp_secure_group.py',
        [b.bootstrap, topic, `${topic}-g`, '20000', kpSasl('PLAIN', 'alice', 'alice-secret')],
        { timeoutMs: 300_000 },
      );
      assert.deepEqual([summary.distinct, summary.left], [20000, 0]);
      const wrong = await runPython(
        'kp_secure_group.py',
        [b.bootstrap, topic, `${topic}-w`, '1', kpSasl('PLAIN', 'alice', 'wrong')],
        { allowFailure: true, timeoutMs: 120_000 },
      ).catch((e: Error) => ({ result: { code: 1, stderr: e.message } }));
      assert.notEqual(wrong.result.code, 0, 'a wrong password must not get through');
      assert.ok(b.logLines().some((l) => /failed authentication with 127\.0\.0\.1:\d+/.test(l)));
    });
  });

  test('kafka-python SCRAM-SHA-512', async (t) => {
    if (!requireClient(t, 'kafka-python')) return;
    await withBroker({ config: CONFIG }, async (b) => {
      await createScramUsers(b, [{ user: 'bob', password: 'bob-secret', mechanisms: ['SCRAM-SHA-512'] }]);
      const topic = uniqueTopic('sasl-kp-scram');
      const { summary } = await runPython(
        'kp_secure_group.py',
        [b.bootstrap, topic, `${topic}-g`, '2000', kpSasl('SCRAM-SHA-512', 'bob', 'bob-secret')],
        { timeoutMs: 180_000 },
      );
      assert.deepEqual([summary.distinct, summary.left], [2000, 0]);
    });
  });

  test('confluent-kafka and kcat SCRAM-SHA-256', async (t) => {
    if (!requireClient(t, 'confluent-kafka') || !requireClient(t, 'kcat')) return;
    await withBroker({ config: CONFIG }, async (b) => {
      await createScramUsers(b, [{ user: 'carol', password: 'carol-secret', mechanisms: ['SCRAM-SHA-256'] }]);
      const topic = uniqueTopic('sasl-ck');
      const security = {
        'security.protocol': 'SASL_PLAINTEXT',
        'sasl.mechanism': 'SCRAM-SHA-256',
        'sasl.username': 'carol',
        'sasl.password': 'carol-secret',
      };
      const { summary } = await runPython(
        'ck_secure.py',
        [b.bootstrap, topic, `${topic}-g`, '1000', JSON.stringify(security)],
        { timeoutMs: 180_000 },
      );
      assert.equal(summary.distinct, 1000);

      const sasl = (password: string) => [
        '-X',
        'security.protocol=SASL_PLAINTEXT',
        '-X',
        'sasl.mechanism=SCRAM-SHA-256',
        '-X',
        'sasl.username=carol',
        '-X',
        `sasl.password=${password}`,
      ];
      const kt = uniqueTopic('sasl-kcat');
      await kcat(b.bootstrap, ['-P', '-t', kt, '-K', ':', ...sasl('carol-secret')], {
        input: 'k1:one\nk2:two\nk3:three\n',
      });
      const msgs = await kcatConsumeAll(b.bootstrap, kt, sasl('carol-secret'));
      assert.deepEqual(msgs.map((m) => m.payload).sort(), ['one', 'three', 'two']);
      // kcat with a wrong password: refused with librdkafka's authentication error.
      const bad = await kcat(b.bootstrap, ['-L', '-m', '5', ...sasl('nope')], {
        allowFailure: true,
        timeoutMs: 30_000,
      });
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /Authentication failed|SASL authentication error/);
    });
  });

  test('KafkaJS plain, scram-sha-256 and scram-sha-512; a wrong password is refused', async (t) => {
    if (!requireClient(t, 'kafkajs')) return;
    const { Kafka, logLevel } = await import('kafkajs');
    await withBroker({ config: CONFIG }, async (b) => {
      await createScramUsers(b, [{ user: 'dave', password: 'dave-secret' }]);
      const users = {
        plain: ['alice', 'alice-secret'],
        'scram-sha-256': ['dave', 'dave-secret'],
        'scram-sha-512': ['dave', 'dave-secret'],
      } as const;
      for (const [mechanism, [username, password]] of Object.entries(users)) {
        const kafka = new Kafka({
          clientId: `sasl-kafkajs-${mechanism}`,
          brokers: [b.bootstrap],
          logLevel: logLevel.NOTHING,
          retry: { retries: 2 },
          sasl: { mechanism: mechanism as 'plain', username, password },
        });
        const topic = uniqueTopic(`sasl-kjs-${mechanism}`);
        const producer = kafka.producer();
        await producer.connect();
        await producer.send({ topic, messages: Array.from({ length: 50 }, (_, i) => ({ value: `v${i}` })) });
        await producer.disconnect();
        const consumer = kafka.consumer({ groupId: `g-${topic}` });
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        const got: string[] = [];
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`${mechanism}: ${got.length} of 50 records`)), 60_000);
          consumer
            .run({
              eachMessage: async ({ message }) => {
                got.push(message.value!.toString());
                if (got.length === 50) {
                  clearTimeout(timer);
                  resolve();
                }
              },
            })
            .catch(reject);
        });
        await consumer.disconnect();
        assert.equal(new Set(got).size, 50, mechanism);

        const bad = new Kafka({
          clientId: 'sasl-kafkajs-bad',
          brokers: [b.bootstrap],
          logLevel: logLevel.NOTHING,
          retry: { retries: 0 },
          sasl: { mechanism: mechanism as 'plain', username, password: 'wrong' },
        });
        const admin = bad.admin();
        await assert.rejects(admin.connect(), (err: Error) => {
          assert.match(err.message, /SASL .*authentication failed|Authentication failed/i, mechanism);
          return true;
        });
        await admin.disconnect();
      }
    });
  });

  test('SASL_SSL: kafka-python SCRAM-SHA-512 (20,000 records, group consumer with auto commit), confluent-kafka and kcat SCRAM-SHA-256', async (t) => {
    if (!requireClient(t, 'kafka-python') || !requireClient(t, 'confluent-kafka') || !requireClient(t, 'kcat')) return;
    const certs = await makeCerts(t);
    const config = {
      listeners: 'SASL_SSL://127.0.0.1:0,PLAINTEXT://127.0.0.1:0',
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': certs.brokerKeystore,
      'num.partitions': '3',
    };
    await withBroker({ config }, async (b) => {
      await createScramUsers(b, [{ user: 'sam', password: 'sam-secret' }]);
      const topic = uniqueTopic('sasl-ssl-kp');
      const kp = JSON.stringify({
        ...JSON.parse(kpSasl('SCRAM-SHA-512', 'sam', 'sam-secret', 'SASL_SSL')),
        ssl_cafile: certs.ca,
        ssl_check_hostname: true,
      });
      const { summary } = await runPython(
        'kp_secure_group.py',
        [`localhost:${b.port}`, topic, `${topic}-g`, '20000', kp],
        { timeoutMs: 400_000 },
      );
      assert.deepEqual([summary.distinct, summary.left], [20000, 0]);

      const ck = {
        'security.protocol': 'SASL_SSL',
        'ssl.ca.location': certs.ca,
        'sasl.mechanism': 'SCRAM-SHA-256',
        'sasl.username': 'sam',
        'sasl.password': 'sam-secret',
      };
      const ckTopic = uniqueTopic('sasl-ssl-ck');
      const ckRun = await runPython(
        'ck_secure.py',
        [`localhost:${b.port}`, ckTopic, `${ckTopic}-g`, '2000', JSON.stringify(ck)],
        { timeoutMs: 200_000 },
      );
      assert.equal(ckRun.summary.distinct, 2000);
      const kcatArgs = Object.entries(ck).flatMap(([k, v]) => ['-X', `${k}=${v}`]);
      const msgs = await kcatConsumeAll(`localhost:${b.port}`, ckTopic, kcatArgs);
      assert.equal(msgs.length, 2000);
      // A wrong password over TLS is refused.
      const bad = await kcat(`localhost:${b.port}`, ['-L', '-m', '5', ...kcatArgs, '-X', 'sasl.password=nope'], {
        allowFailure: true,
        timeoutMs: 30_000,
      });
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /Authentication failed|SASL authentication error/);
    });
  });
});
