/**
 * ACLs through clients no one here wrote, each user authenticated by a client certificate on an SSL listener with
 * `ssl.client.auth=required` (principals `User:CN=<name>`, certificates made by the test), `User:CN=admin` a super
 * user: kafka-python's KafkaAdminClient creates, describes (MATCH filters, prefixed patterns) and deletes ACLs, and
 * its consumers and producers are allowed topic A and refused topic B (DENY beats an ALLOW for User:*), allowed
 * one group and refused another, allowed under a prefix only; confluent-kafka's producers and consumers
 * (librdkafka) are held to topics, groups and transactional ids the same way (confluent-kafka 1.7.0 has no ACL
 * admin API, so kafka-python sets those ACLs); KafkaJS's admin manages ACLs and its producer is held to them;
 * `samsa acls --command-config` manages them as the super user and kcat (alice) reads where they allow it.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test, type TestContext } from 'node:test';
import type { CertsResult } from '../../src/security/certs.js';
import { withBroker } from '../helpers/broker.js';
import { kcat, requireClient, run, runPython, uniqueTopic, kcatSsl } from '../helpers/clients.js';
import { makeCerts, sslBrokerConfig } from '../helpers/tls.js';

const BIN = fileURLToPath(new URL('../../../bin/samsa.js', import.meta.url));
const USERS = ['admin', 'alice', 'bob', 'carol'];

const certificates = (t: TestContext): Promise<CertsResult> => makeCerts(t, { clients: USERS });

const sslConfig = (certs: CertsResult): Record<string, string> =>
  sslBrokerConfig(certs, {
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'super.users': 'User:CN=admin',
    'group.initial.rebalance.delay.ms': '0',
    'auto.create.topics.enable': 'false',
  });

describe('ACLs with third-party clients, principals from client certificates', () => {
  test('kafka-python: admin ACL calls, alice reads A not B, group A not B, bob writes under his prefix only', async (t) => {
    if (!requireClient(t, 'kafka-python')) return;
    const certs = await certificates(t);
    await withBroker({ config: sslConfig(certs) }, async (b) => {
      const args = [b.bootstrap, uniqueTopic('acl-kp'), 'ssl', certs.dir];
      const { summary } = await runPython('acls_kp.py', args, { timeoutMs: 240_000 });
      assert.deepEqual(summary, { ok: true, acls: 5 });
    });
  });

  test('confluent-kafka: transactional ids, idempotence, topics and groups held to the ACLs', async (t) => {
    if (!requireClient(t, 'confluent-kafka') || !requireClient(t, 'kafka-python')) return;
    const certs = await certificates(t);
    await withBroker({ config: sslConfig(certs) }, async (b) => {
      const args = [b.bootstrap, uniqueTopic('acl-ck'), 'ssl', certs.dir];
      const { summary } = await runPython('acls_ck.py', args, { timeoutMs: 240_000 });
      assert.deepEqual(summary, { ok: true, read: 6 });
    });
  });

  test('KafkaJS: admin createAcls, describeAcls (MATCH), deleteAcls; alice writes only where allowed', async (t) => {
    const certs = await certificates(t);
    await withBroker({ config: sslConfig(certs) }, async (b) => {
      const kjs = await import('kafkajs');
      const ca = await readFile(certs.ca, 'utf8');
      const client = async (user: string) =>
        new kjs.Kafka({
          clientId: `acl-${user}`,
          brokers: [b.bootstrap],
          logLevel: kjs.logLevel.NOTHING,
          retry: { retries: 0 },
          ssl: {
            ca: [ca],
            cert: await readFile(certs.clients[user]!.cert, 'utf8'),
            key: await readFile(certs.clients[user]!.key, 'utf8'),
          },
        });
      const admin = (await client('admin')).admin();
      await admin.connect();
      t.after(() => admin.disconnect());
      // The enums exist at run time on the CommonJS default export only.
      const enums = (kjs as unknown as { default: typeof kjs }).default;
      const { AclResourceTypes: R, AclOperationTypes: O, AclPermissionTypes: P, ResourcePatternTypes: PT } = enums;
      const topic = uniqueTopic('acl-kjs');
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
      await admin.createAcls({
        acl: [
          {
            resourceType: R.TOPIC,
            resourceName: `${topic}`,
            resourcePatternType: PT.PREFIXED,
            principal: 'User:CN=alice',
            host: '*',
            operation: O.WRITE,
            permissionType: P.ALLOW,
          },
          {
            resourceType: R.TOPIC,
            resourceName: `${topic}-x`,
            resourcePatternType: PT.LITERAL,
            principal: 'User:CN=alice',
            host: '*',
            operation: O.WRITE,
            permissionType: P.DENY,
          },
        ],
      });
      const match = await admin.describeAcls({
        resourceType: R.TOPIC,
        resourceName: `${topic}-x`,
        resourcePatternType: PT.MATCH,
        operation: O.ANY,
        permissionType: P.ANY,
      });
      assert.deepEqual(
        match.resources
          .map((r) => `${r.resourceName}/${r.resourcePatternType}/${r.acls.map((a) => a.permissionType).join()}`)
          .sort(),
        [`${topic}-x/${PT.LITERAL}/${P.DENY}`, `${topic}/${PT.PREFIXED}/${P.ALLOW}`].sort(),
      );
      await admin.createTopics({ topics: [{ topic: `${topic}-x`, numPartitions: 1 }], waitForLeaders: true });

      const producer = (await client('alice')).producer({ allowAutoTopicCreation: false });
      await producer.connect();
      t.after(() => producer.disconnect());
      await producer.send({ topic, messages: [{ value: 'allowed' }] });
      await assert.rejects(
        producer.send({ topic: `${topic}-x`, messages: [{ value: 'denied' }] }),
        (e: Error & { type?: string }) => {
          assert.equal(e.type, 'TOPIC_AUTHORIZATION_FAILED', e.message);
          return true;
        },
      );

      const deleted = await admin.deleteAcls({
        filters: [
          {
            resourceType: R.TOPIC,
            resourceName: `${topic}-x`,
            resourcePatternType: PT.LITERAL,
            operation: O.ANY,
            permissionType: P.DENY,
          },
        ],
      });
      assert.deepEqual(
        deleted.filterResponses.map((f) => [f.errorCode, f.matchingAcls.map((m) => m.principal)]),
        [[0, ['User:CN=alice']]],
      );
      await producer.send({ topic: `${topic}-x`, messages: [{ value: 'allowed now' }] });
    });
  });

  test('samsa acls with --command-config as the super user; kcat as alice reads but may not write', async (t) => {
    if (!requireClient(t, 'kcat')) return;
    const certs = await certificates(t);
    const props = async (user: string) => {
      const file = join(certs.dir, `${user}.properties`);
      const keystore = certs.clients[user]!.keystore;
      await writeFile(
        file,
        `security.protocol=SSL\nssl.truststore.type=PEM\nssl.truststore.location=${certs.ca}\nssl.keystore.type=PEM\nssl.keystore.location=${keystore}\n`,
      );
      return file;
    };
    const [adminProps, aliceProps] = [await props('admin'), await props('alice')];
    await withBroker({ config: sslConfig(certs) }, async (b) => {
      const samsa = (args: string[], input?: string) =>
        run(process.execPath, [BIN, ...args, '--bootstrap-server', b.bootstrap], { input, allowFailure: true });
      const ok = async (args: string[], input?: string) => {
        const r = await samsa(args, input);
        assert.equal(r.code, 0, `samsa ${args.join(' ')}: ${r.stderr}`);
        return r.stdout;
      };
      const topic = uniqueTopic('acl-cli');
      await ok(['topics', 'create', topic, '--partitions', '1', '--command-config', adminProps]);
      const added = await ok([
        'acls',
        'add',
        '--allow-principal',
        'User:CN=alice',
        '--consumer',
        '--topic',
        topic,
        '--group',
        'g1',
        '--command-config',
        adminProps,
      ]);
      assert.match(added, /principal=User:CN=alice, host=\*, operation=READ, permissionType=ALLOW/);
      await ok(['produce', '-t', topic, '--command-config', adminProps], 'one\ntwo\n');

      const refused = await samsa(['acls', 'list', '--command-config', aliceProps]);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /CLUSTER_AUTHORIZATION_FAILED/);

      const ssl = kcatSsl(certs.ca, certs.clients.alice!.cert, certs.clients.alice!.key);
      const read = await kcat(b.bootstrap, ['-C', '-t', topic, '-o', 'beginning', '-e', '-q', ...ssl]);
      assert.deepEqual(read.stdout.trim().split('\n'), ['one', 'two']);
      const write = await kcat(b.bootstrap, ['-P', '-t', topic, ...ssl], { input: 'three\n', allowFailure: true });
      assert.notEqual(write.code, 0);
      assert.match(write.stderr, /authoriz/i);
    });
  });
});
