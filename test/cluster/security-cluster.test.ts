/**
 * Security in a three-broker cluster (startCluster with a real etcd, brokers in this process), through
 * third-party clients:
 *
 * - the inter-broker listener is SASL_SSL (PLAIN, client certificates required): kafka-python produces with
 *   acks=all to a topic with replication factor 3, every replica stays in the ISR and every log ends at the same
 *   offset; a fourth broker whose inter-broker password is wrong cannot replicate, and says why in one log line;
 * - ACLs, SCRAM users and client quotas are one cluster-wide state in etcd: a SCRAM user created through broker A
 *   logs in with kcat on broker C (and a wrong password does not); ACLs created with kafka-python's admin client
 *   on broker A allow, then deny, a consumer that talks to broker B only, and are listed by broker B within a
 *   second; a quota set through A is described by C;
 * - with ACLs on, brokers whose principal is neither a super user nor allowed CLUSTER_ACTION cannot replicate (and
 *   say so once); one CLUSTER_ACTION ACL created through one broker lets every follower catch up.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../src/broker/logger.js';
import { createAdmin } from '../../src/client/index.js';
import { startCluster, type ClusterBroker, type LocalCluster } from '../../src/server/cluster.js';
import type { Logger } from '../../src/storage/logger.js';
import { kcat, requireClient, runPython, uniqueTopic } from '../helpers/clients.js';
import { waitUntil } from '../helpers/cluster.js';
import { requireEtcd } from '../helpers/etcd.js';
import { makeCerts } from '../helpers/tls.js';

const STANDARD_AUTHORIZER = 'org.apache.kafka.metadata.authorizer.StandardAuthorizer';

const CLUSTER_CONFIG = {
  'broker.session.timeout.ms': '3000',
  'broker.heartbeat.interval.ms': '300',
  'offsets.topic.replication.factor': '3',
  'offsets.topic.num.partitions': '3',
  'transaction.state.log.replication.factor': '3',
  'transaction.state.log.num.partitions': '3',
  'default.replication.factor': '3',
  'min.insync.replicas': '2',
  'replica.fetch.backoff.ms': '200',
  'replica.lag.time.max.ms': '3000',
  'auto.leader.rebalance.enable': 'false',
};

/** A logger keeping the lines of in-process brokers (warnings and up unless SAMSA_TEST_LOG=1). */
function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const echo = process.env['SAMSA_TEST_LOG'] === '1';
  const logger = createLogger({
    level: echo ? 'info' : 'warn',
    destination: {
      write(line: string) {
        if (lines.length > 20_000) lines.splice(0, 10_000);
        lines.push(line.trimEnd());
        if (echo) process.stderr.write(line);
      },
    },
  });
  return { logger, lines };
}

function etcdMissing(t: { skip(msg: string): void }): boolean {
  return !requireEtcd(t);
}

/** host:port of a listener of an in-process cluster broker. */
function listener(b: ClusterBroker, name: string): string {
  const l = b.broker?.listeners.find((x) => x.name === name);
  if (l === undefined) throw new Error(`broker ${b.nodeId} has no listener ${name}`);
  return `127.0.0.1:${l.port}`;
}

test('inter-broker listener over SASL_SSL: replication with acks=all, and a wrong password', {
  timeout: 600_000,
}, async (t) => {
  if (etcdMissing(t)) return;
  if (!requireClient(t, 'kafka-python')) return;
  const certs = await makeCerts(t);
  const jaas = (password: string) =>
    'org.apache.kafka.common.security.plain.PlainLoginModule required ' +
    `username="broker" password="${password}" user_broker="broker-secret";`;
  const base: Record<string, string> = {
    ...CLUSTER_CONFIG,
    listeners: 'PLAINTEXT://127.0.0.1:0,INTERNAL://127.0.0.1:0',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,INTERNAL:SASL_SSL',
    'inter.broker.listener.name': 'INTERNAL',
    'ssl.keystore.location': certs.brokerKeystore,
    'ssl.truststore.location': certs.ca,
    'listener.name.internal.ssl.client.auth': 'required',
    'listener.name.internal.sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.internal.plain.sasl.jaas.config': jaas('broker-secret'),
    // ACLs on: the brokers' principal is a super user (or needs CLUSTER_ACTION), the plaintext clients too.
    'authorizer.class.name': STANDARD_AUTHORIZER,
    'super.users': 'User:broker;User:ANONYMOUS',
  };
  const { logger, lines } = capturingLogger();
  const cluster: LocalCluster = await startCluster({ brokers: 3, config: base, logger });
  let extra: LocalCluster | undefined;
  t.after(async () => {
    await extra?.stop();
    await cluster.stop();
  });
  const admin = createAdmin({ bootstrapServers: cluster.bootstrap });
  t.after(() => admin.close());

  await t.test('kafka-python acks=all to RF 3: every replica in sync', async () => {
    const topic = uniqueTopic('ib-sasl-ssl');
    await admin.createTopics([{ name: topic, numPartitions: 3, replicationFactor: 3 }]);
    const { summary } = await runPython('kp_produce_acks_all.py', [cluster.bootstrap, topic, '3', '200']);
    for (const p of ['0', '1', '2']) assert.equal(summary.sent[p].length, 200, `partition ${p}`);
    // Followers fetched everything over the SASL_SSL listener: every log ends at 200, every replica in the ISR.
    await waitUntil(
      'every replica caught up',
      () =>
        cluster.brokers.every((b) =>
          [0, 1, 2].every((p) => {
            const part = b.broker!.replicas.get(topic, p);
            return part !== undefined && part.log.logEndOffset === 200 && part.isr.length === 3;
          }),
        ),
      30_000,
    );
    assert.ok(!lines.some((l) => /replica fetches from this broker fail/.test(l)), lines.slice(-20).join('\n'));
  });

  await t.test('a broker with a wrong inter-broker password cannot replicate and logs why', async () => {
    extra = await startCluster({
      brokers: 1,
      etcdEndpoints: cluster.etcdEndpoints,
      clusterId: cluster.clusterId,
      config: { ...base, 'node.id': '4', 'listener.name.internal.plain.sasl.jaas.config': jaas('wrong') },
      logger,
    });
    const topic = uniqueTopic('ib-wrong');
    await admin.createTopics([{ name: topic, assignments: [{ partition: 0, brokers: [1, 4] }] }]);
    const line = await (async () => {
      let found: string | undefined;
      await waitUntil(
        'the log line of the failed inter-broker login',
        () => (found = lines.find((l) => /replica fetches from this broker fail/.test(l))) !== undefined,
        30_000,
      );
      return found!;
    })();
    assert.match(line, /SASL PLAIN authentication as broker with 127\.0\.0\.1:\d+ \(listener INTERNAL\) failed/);
    assert.match(line, /Authentication failed/);
    // The broker that cannot log in drops out of the ISR.
    await waitUntil(
      'the ISR to shrink to [1]',
      () => cluster.brokers[0]!.broker!.replicas.get(topic, 0)?.isr.length === 1,
      30_000,
    );
  });
});

test('ACLs, SCRAM users and quotas are shared by every broker of a cluster', { timeout: 600_000 }, async (t) => {
  if (etcdMissing(t)) return;
  const { logger } = capturingLogger();
  const cluster: LocalCluster = await startCluster({
    brokers: 3,
    logger,
    config: {
      ...CLUSTER_CONFIG,
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
      'authorizer.class.name': STANDARD_AUTHORIZER,
      // Plaintext connections (the brokers' own and the admin's) are the super user here; SASL users are not.
      'super.users': 'User:ANONYMOUS',
    },
  });
  t.after(() => cluster.stop());
  const [a, b, c] = cluster.brokers as [ClusterBroker, ClusterBroker, ClusterBroker];
  const bootstrapA = `127.0.0.1:${a.port}`;
  const adminA = createAdmin({ bootstrapServers: bootstrapA });
  t.after(() => adminA.close());

  await t.test('a SCRAM user created through broker A logs in on broker C with kcat', async (t) => {
    await adminA.alterUserScramCredentials({
      upsertions: [{ user: 'carol', mechanism: 'SCRAM-SHA-256', password: 'carol-secret' }],
    });
    // Broker C has it (it learns of it from etcd's watch).
    await waitUntil('broker C to know carol', () => c.broker!.scram.has('carol'), 5000);
    if (!requireClient(t, 'kcat')) return;
    const login = (password: string) =>
      kcat(
        listener(c, 'SASL_PLAINTEXT'),
        [
          '-L',
          '-m',
          '10',
          '-X',
          'security.protocol=SASL_PLAINTEXT',
          '-X',
          'sasl.mechanisms=SCRAM-SHA-256',
          '-X',
          'sasl.username=carol',
          '-X',
          `sasl.password=${password}`,
        ],
        { allowFailure: true, timeoutMs: 30_000 },
      );
    const ok = await login('carol-secret');
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /3 brokers:/);
    const wrong = await login('not-her-password');
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /Authentication failed|SASL authentication error/i);
  });

  await t.test('kafka-python ACLs created on broker A decide on broker B', async (t) => {
    if (!requireClient(t, 'kafka-python')) return;
    await adminA.alterUserScramCredentials({
      upsertions: [{ user: 'dave', mechanism: 'SCRAM-SHA-256', password: 'dave-secret' }],
    });
    await waitUntil('broker B to know dave', () => b.broker!.scram.has('dave'), 5000);
    const topic = uniqueTopic('cluster-acl');
    const { summary } = await runPython(
      'cluster_acls_kp.py',
      [bootstrapA, `127.0.0.1:${b.port}`, listener(b, 'SASL_PLAINTEXT'), topic, 'dave', 'dave-secret', '50'],
      { timeoutMs: 180_000 },
    );
    assert.equal(summary.before.got, 0);
    assert.equal(summary.allowed, 50);
    assert.equal(summary.after.got, 0);
    assert.ok(summary.visibleMs < 1000, `ACL listed by broker B after ${summary.visibleMs} ms`);
  });

  await t.test('a quota set through broker A is described and enforced by broker C', async () => {
    await adminA.alterClientQuotas([{ entity: { user: 'carol' }, set: { producer_byte_rate: 1024 } }]);
    await waitUntil('broker C to hold the quota', () => c.broker!.quotas.list().length === 1, 5000);
    const adminC = createAdmin({ bootstrapServers: `127.0.0.1:${c.port}` });
    try {
      const described = await adminC.describeClientQuotas({ user: { name: 'carol' } });
      assert.deepEqual(described, [{ entity: { user: 'carol' }, values: { producer_byte_rate: 1024 } }]);
    } finally {
      adminC.close();
    }
    // The same limit applies on every broker: a megabyte from carol is throttled on C, another user's is not.
    const now = Date.now();
    assert.ok(c.broker!.quotas.recordProduce('carol', 'x', 1_000_000, now) > 0);
    assert.equal(c.broker!.quotas.recordProduce('someone-else', 'x', 1_000_000, now), 0);
  });
});

test('with ACLs on, brokers replicate only once their principal has CLUSTER_ACTION', {
  timeout: 600_000,
}, async (t) => {
  if (etcdMissing(t)) return;
  if (!requireClient(t, 'kcat')) return;
  const { logger, lines } = capturingLogger();
  const cluster: LocalCluster = await startCluster({
    brokers: 3,
    logger,
    config: {
      ...CLUSTER_CONFIG,
      listeners: 'PLAINTEXT://127.0.0.1:0,INTERNAL://127.0.0.1:0',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,INTERNAL:SASL_PLAINTEXT',
      'inter.broker.listener.name': 'INTERNAL',
      'sasl.mechanism.inter.broker.protocol': 'PLAIN',
      'listener.name.internal.plain.sasl.jaas.config':
        'org.apache.kafka.common.security.plain.PlainLoginModule required ' +
        'username="broker" password="broker-secret" user_broker="broker-secret";',
      'authorizer.class.name': STANDARD_AUTHORIZER,
      // The plaintext admin is the super user; the brokers (User:broker) are not.
      'super.users': 'User:ANONYMOUS',
    },
  });
  t.after(() => cluster.stop());
  const admin = createAdmin({ bootstrapServers: cluster.bootstrap });
  t.after(() => admin.close());
  const topic = uniqueTopic('ib-acl');
  await admin.createTopics([{ name: topic, assignments: [{ partition: 0, brokers: [1, 2, 3] }] }]);
  const input = `${Array.from({ length: 20 }, (_, i) => `m${i}`).join('\n')}\n`;
  await kcat(cluster.bootstrap, ['-P', '-t', topic, '-p', '0', '-X', 'acks=1'], { input });
  await waitUntil(
    'the refusal to be logged',
    () => lines.some((l) => /replica fetches refused by ACLs: the broker principal needs CLUSTER_ACTION/.test(l)),
    30_000,
  );
  const leader = cluster.brokers[0]!.broker!;
  const followers = cluster.brokers.slice(1).map((b) => b.broker!);
  assert.ok(followers.every((f) => f.replicas.get(topic, 0)!.log.logEndOffset === 0));

  // One ACL, created through one broker, reaches every broker through etcd and lets the followers fetch.
  await admin.createAcls([
    {
      resourceType: 'CLUSTER',
      resourceName: 'kafka-cluster',
      principal: 'User:broker',
      host: '*',
      operation: 'CLUSTER_ACTION',
      permission: 'ALLOW',
    },
  ]);
  await waitUntil(
    'the followers to catch up',
    () => followers.every((f) => f.replicas.get(topic, 0)!.log.logEndOffset === 20),
    30_000,
  );
  await waitUntil('a full ISR', () => leader.replicas.get(topic, 0)!.isr.length === 3, 30_000);
});
