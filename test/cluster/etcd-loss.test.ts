/**
 * A broker that loses etcd (its connection cut by a proxy while etcd keeps serving the others) keeps leading until
 * its session is judged expired, then stops leading (produce gets NOT_LEADER_OR_FOLLOWER) while the other brokers
 * elect new leaders; when etcd is reachable again it registers with a new epoch and leads what etcd then says,
 * without a restart. Three in-process brokers, a real etcd.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { waitUntil } from '../helpers/cluster.js';
import { requireEtcd, startTcpProxy, startTestEtcd } from '../helpers/etcd.js';

test('a broker cut off from etcd steps down after its session and rejoins when etcd is back', {
  timeout: 180_000,
}, async (t) => {
  if (!requireEtcd(t)) return;
  const etcd = await startTestEtcd();
  t.after(() => etcd.cleanup());
  const proxy = await startTcpProxy(etcd.endpoint);
  t.after(() => proxy.close());
  const clusterId = randomBytes(16).toString('base64url');
  const common = {
    'cluster.id': clusterId,
    'broker.session.timeout.ms': '2000',
    'broker.heartbeat.interval.ms': '300',
    'etcd.request.timeout.ms': '500',
    'auto.leader.rebalance.enable': 'false',
  };
  const brokers: TestBroker[] = [];
  t.after(async () => {
    for (const b of brokers) await b.stop().catch(() => undefined);
  });
  for (const id of [1, 2, 3]) {
    brokers.push(
      await startTestBroker({
        services: {},
        logLevel: 'warn',
        config: { ...common, 'node.id': String(id), 'etcd.endpoints': id === 1 ? proxy.endpoint : etcd.endpoint },
      }),
    );
  }
  const [b1, b2] = brokers as [TestBroker, TestBroker, TestBroker];
  await waitUntil('three brokers', () => brokers.every((b) => b.broker.metadata.brokers().length === 3));
  // A topic whose partition 0 broker 1 leads (an explicit assignment puts it first).
  const topic = 'cut-off';
  const admin = b2.broker.cluster!;
  assert.ok(admin);
  const created = await b2.broker.topics.cluster!.createTopic({
    name: topic,
    partitions: 1,
    replicationFactor: 3,
    assignment: [[1, 2, 3]],
    configs: {},
  });
  assert.equal(created.errorCode, 0, created.errorMessage ?? '');
  await waitUntil('broker 1 leads', () => b1.broker.replicas.get(topic, 0)?.isLeader === true);
  const epochBefore = b1.broker.metadata.partition(topic, 0)!.leaderEpoch;

  proxy.cut();
  const cutAt = Date.now();
  // Within the session it still leads; after it, it has stepped down on its own.
  assert.equal(b1.broker.replicas.get(topic, 0)?.isLeader, true);
  await waitUntil('broker 1 steps down', () => b1.broker.replicas.get(topic, 0)?.isLeader !== true, 15_000);
  const steppedDownMs = Date.now() - cutAt;
  // The session counts from when the last confirmed keep-alive was sent (every 300 ms, later on a loaded machine),
  // so it may end up to a few heartbeats before 2000 ms after the cut; well before that would be a premature step-down.
  assert.ok(steppedDownMs >= 1000, `stepped down after ${steppedDownMs} ms, before its session could expire`);
  assert.equal(b1.broker.replicas.access(topic, 0), 6 /* NOT_LEADER_OR_FOLLOWER */);
  // The others see broker 1 gone and a new leader with a higher epoch.
  await waitUntil('a new leader', () => {
    const p = b2.broker.metadata.partition(topic, 0)!;
    return p.leader !== 1 && p.leader > 0 && !b2.broker.metadata.brokers().some((b) => b.nodeId === 1);
  });
  const moved = b2.broker.metadata.partition(topic, 0)!;
  assert.ok(moved.leaderEpoch > epochBefore);
  assert.deepEqual(moved.offlineReplicas, [1]);

  proxy.restore();
  // Back: registered again (all three brokers everywhere), broker 1 follows the new leader at its epoch.
  await waitUntil('broker 1 back', () => brokers.every((b) => b.broker.metadata.brokers().length === 3), 30_000);
  await waitUntil('broker 1 follows the new leader', () => {
    const p = b1.broker.replicas.get(topic, 0);
    return p !== undefined && !p.isLeader && p.leader === moved.leader && p.leaderEpoch === moved.leaderEpoch;
  });
  // Served by broker 1 itself (fenced on its new registration). It left the ISR when it went away, and only the
  // replication fetcher brings a follower back into it, so it cannot be the preferred leader yet.
  const [r] = await b1.broker.cluster!.electLeaders(0, [{ topic, partition: 0 }]);
  assert.equal(r!.errorCode, 80 /* PREFERRED_LEADER_NOT_AVAILABLE */, r!.message);
});
