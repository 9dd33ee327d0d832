/**
 * Controller election and the controller loop against a real etcd, with three in-process "brokers" (each its own
 * etcd client, session, cache, elector and controller): one controller at a time, failover when the controller's
 * session expires, a deposed controller's writes refused, topics spread evenly, leaders re-elected from the ISR
 * when a broker goes away, controlled shutdown, unclean election on request, ISR changes from a leader and a
 * reassignment that completes when the new replica joins the ISR.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { BrokerSession } from '../../src/cluster/broker-session.js';
import { alterPartition, ClusterController } from '../../src/cluster/controller.js';
import { ControllerElector } from '../../src/cluster/controller-election.js';
import { controllerFence, EtcdStore, partitionData } from '../../src/cluster/etcd-store.js';
import { ClusterMember, clusterOptionsFromConfig } from '../../src/cluster/member.js';
import { MetadataCache } from '../../src/cluster/metadata-cache.js';
import { generateClusterId, parseBrokerConfig } from '../../src/broker/config/index.js';
import { NO_LEADER } from '../../src/cluster/types.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { startTestEtcd, type TestEtcd } from '../helpers/etcd.js';
import { waitUntil } from '../helpers/cluster.js';

const SESSION_MS = 2000;

interface Node {
  id: number;
  store: EtcdStore;
  cache: MetadataCache;
  session: BrokerSession;
  elector: ControllerElector;
  controller: ClusterController;
}

describe('controller', () => {
  let etcd: TestEtcd;
  const nodes: Node[] = [];

  async function startNode(clusterId: string, id: number, rack: string | null = null): Promise<Node> {
    const store = new EtcdStore({ endpoints: [etcd.endpoint], clusterId });
    const cache = new MetadataCache(store);
    await cache.start();
    const session = new BrokerSession(store, {
      nodeId: id,
      rack,
      endpoints: [{ listener: 'PLAINTEXT', host: '127.0.0.1', port: 9090 + id, securityProtocol: 'PLAINTEXT' }],
      sessionTimeoutMs: SESSION_MS,
      heartbeatIntervalMs: 500,
      registrationTimeoutMs: 30_000,
    });
    await session.start();
    const elector = new ControllerElector(store, session, cache, { retryMs: 200 });
    const controller = new ClusterController(store, cache, elector, {
      uncleanLeaderElection: false,
      autoLeaderRebalance: false,
      imbalanceCheckIntervalMs: 300_000,
      imbalancePercentage: 10,
      defaultPartitions: 1,
      defaultReplicationFactor: 3,
    });
    controller.start();
    elector.start();
    const node = { id, store, cache, session, elector, controller };
    nodes.push(node);
    return node;
  }

  /** Like kill -9 (or a hung process): nothing more reaches etcd; its lease expires on its own. */
  async function crash(node: Node): Promise<void> {
    node.store.close();
    node.session.abandon();
    node.controller.stop();
    await node.elector.stop();
    await node.cache.stop();
    nodes.splice(nodes.indexOf(node), 1);
  }

  async function stopAll(): Promise<void> {
    for (const n of [...nodes]) {
      n.controller.stop();
      await n.elector.stop();
      await n.session.close();
      await n.cache.stop();
      n.store.close();
    }
    nodes.length = 0;
  }

  const controllerOf = (list: Node[]) => list.filter((n) => n.elector.isController);

  before(async () => {
    etcd = await startTestEtcd();
  });
  after(async () => {
    await stopAll();
    await etcd.cleanup();
  });

  test('one controller; failover after its session expires; the deposed one is fenced', async () => {
    const cid = `c-${randomUUID()}`;
    const list = [await startNode(cid, 1), await startNode(cid, 2), await startNode(cid, 3)];
    await waitUntil('a controller', () => controllerOf(list).length === 1);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(controllerOf(list).length, 1, 'exactly one controller');
    const first = controllerOf(list)[0]!;
    const firstInfo = first.elector.controller!;
    await waitUntil('everyone sees it', () => list.every((n) => n.cache.controller()?.revision === firstInfo.revision));

    const created = await first.controller.createTopic({ name: 'fo', partitions: 1, replicationFactor: 3 });
    assert.equal(created.errorCode, ErrorCode.NONE);
    const others = list.filter((n) => n !== first);
    await crash(first);
    const crashedAt = Date.now();
    await waitUntil('a new controller', () => controllerOf(others).length === 1);
    const took = Date.now() - crashedAt;
    const second = controllerOf(others)[0]!;
    const secondInfo = second.elector.controller!;
    assert.ok(secondInfo.epoch > firstInfo.epoch, 'controller epoch grows');
    assert.ok(took < SESSION_MS * 2 + 3000, `failover took ${took} ms`);

    // A write with the deposed controller's fence is refused even with the current version.
    const p = await second.store.readPartition('fo', 0);
    const stale = await second.store.writePartition(controllerFence(firstInfo), 'fo', 0, p!.version, {
      ...partitionData(p!),
      leader: 99,
    });
    assert.ok(!stale.ok && stale.reason === 'fenced');
    // And a non-controller is told so.
    const notCtl = others.find((n) => n !== second)!;
    assert.equal((await notCtl.controller.createTopic({ name: 'x' })).errorCode, ErrorCode.NOT_CONTROLLER);
    await stopAll();
  });

  test('topics spread evenly; leaders move off a broker that goes away and the ISR shrinks', async () => {
    const cid = `c-${randomUUID()}`;
    const list = [await startNode(cid, 1, 'a'), await startNode(cid, 2, 'b'), await startNode(cid, 3, 'c')];
    await waitUntil('a controller', () => controllerOf(list).length === 1);
    const ctl = controllerOf(list)[0]!;
    await waitUntil('all brokers seen', () => ctl.cache.brokers().size === 3);
    const res = await ctl.controller.createTopic({ name: 'orders', partitions: 6, replicationFactor: 3 });
    assert.equal(res.errorCode, ErrorCode.NONE);
    const again = await ctl.controller.createTopic({ name: 'orders', partitions: 1 });
    assert.equal(again.errorCode, ErrorCode.TOPIC_ALREADY_EXISTS);
    const tooBig = await ctl.controller.createTopic({ name: 'big-rf', partitions: 1, replicationFactor: 4 });
    assert.equal(tooBig.errorCode, ErrorCode.INVALID_REPLICATION_FACTOR);
    for (const n of list) await waitUntil(`node ${n.id} sees orders`, () => n.cache.partitions('orders').length === 6);
    const parts = ctl.cache.partitions('orders');
    const leads = new Map<number, number>();
    for (const p of parts) leads.set(p.leader, (leads.get(p.leader) ?? 0) + 1);
    assert.deepEqual([...leads.values()], [2, 2, 2], `leaders ${JSON.stringify([...leads])}`);

    // The broker going away is not the controller, so this is about leader election, not failover.
    const victim = list.find((n) => n !== ctl)!;
    const before = new Map(parts.map((p) => [p.partition, p]));
    await crash(victim);
    await waitUntil('leaders moved and ISR shrunk', () =>
      ctl.cache
        .partitions('orders')
        .every((p) => p.leader !== victim.id && p.leader !== NO_LEADER && !p.isr.includes(victim.id)),
    );
    for (const p of ctl.cache.partitions('orders')) {
      const was = before.get(p.partition)!;
      if (was.leader === victim.id) {
        assert.equal(p.leaderEpoch, was.leaderEpoch + 1, 'new leader, new leader epoch');
        assert.equal(
          p.leader,
          was.replicas.find((r) => r !== victim.id),
          'next replica in assignment order',
        );
      } else {
        assert.equal(p.leaderEpoch, was.leaderEpoch, 'same leader, same leader epoch');
      }
      assert.ok(p.partitionEpoch > was.partitionEpoch);
    }

    // The broker comes back: registered again, but it rejoins the ISR only through its leader (AlterPartition).
    const back = await startNode(cid, victim.id, 'x');
    await waitUntil('back', () => ctl.cache.broker(victim.id) !== undefined);
    const p0 = ctl.cache.partition('orders', 0)!;
    const stale = await alterPartition(back.store, back.cache, { nodeId: p0.leader, brokerEpoch: 1 }, p0, {
      leaderEpoch: p0.leaderEpoch,
      partitionEpoch: p0.partitionEpoch,
      isr: [...p0.isr, victim.id],
    });
    assert.equal(stale.errorCode, ErrorCode.STALE_BROKER_EPOCH, 'a leader fenced on an old broker epoch');
    const leaderNode = nodes.find((n) => n.id === p0.leader)!;
    await waitUntil('the leader sees it back', () => leaderNode.cache.broker(victim.id) !== undefined);
    const expand = await alterPartition(
      leaderNode.store,
      leaderNode.cache,
      { nodeId: p0.leader, brokerEpoch: leaderNode.session.epoch! },
      p0,
      { leaderEpoch: p0.leaderEpoch, partitionEpoch: p0.partitionEpoch, isr: [...p0.isr, victim.id] },
    );
    assert.equal(expand.errorCode, ErrorCode.NONE);
    const replay = await alterPartition(
      leaderNode.store,
      leaderNode.cache,
      { nodeId: p0.leader, brokerEpoch: leaderNode.session.epoch! },
      p0,
      { leaderEpoch: p0.leaderEpoch, partitionEpoch: p0.partitionEpoch, isr: p0.isr },
    );
    assert.equal(replay.errorCode, ErrorCode.INVALID_UPDATE_VERSION, 'a change based on an old partition epoch');
    await waitUntil('isr expanded', () => ctl.cache.partition('orders', 0)!.isr.includes(victim.id));

    // Controlled shutdown of the controller's neighbour: leadership moves off it while it is still registered.
    const leaving = nodes.find((n) => n !== ctl && ctl.cache.partitions('orders').some((p) => p.leader === n.id))!;
    assert.ok(await leaving.session.markShuttingDown());
    await waitUntil('leadership moved off the leaving broker', () =>
      ctl.cache.partitions('orders').every((p) => p.leader !== leaving.id),
    );
    assert.ok(ctl.cache.broker(leaving.id) !== undefined, 'still registered meanwhile');
    await stopAll();
  });

  test('offline partition, unclean election on request, reassignment, partitions added', async () => {
    const cid = `c-${randomUUID()}`;
    const list = [await startNode(cid, 1), await startNode(cid, 2), await startNode(cid, 3)];
    await waitUntil('a controller', () => controllerOf(list).length === 1);
    const ctl = controllerOf(list)[0]!;
    await waitUntil('all brokers seen', () => ctl.cache.brokers().size === 3);
    const other = list.filter((n) => n !== ctl);
    const [a, b] = [other[0]!, other[1]!];
    const res = await ctl.controller.createTopic({ name: 'u', assignment: [[a.id, b.id]] });
    assert.equal(res.errorCode, ErrorCode.NONE, res.message);
    let p = ctl.cache.partition('u', 0)!;
    // The leader drops its follower from the ISR; then the leader goes away: offline, not unclean.
    const shrink = await alterPartition(a.store, a.cache, { nodeId: a.id, brokerEpoch: a.session.epoch! }, p, {
      leaderEpoch: p.leaderEpoch,
      partitionEpoch: p.partitionEpoch,
      isr: [a.id],
    });
    assert.equal(shrink.errorCode, ErrorCode.NONE);
    await crash(a);
    await waitUntil('offline', () => ctl.cache.partition('u', 0)!.leader === NO_LEADER);
    p = ctl.cache.partition('u', 0)!;
    assert.deepEqual(p.isr, [a.id], 'the last ISR member is kept');
    const preferred = await ctl.controller.electLeaders('preferred', [{ topic: 'u', partition: 0 }]);
    assert.equal(preferred[0]!.errorCode, ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE);
    const unclean = await ctl.controller.electLeaders('unclean', [{ topic: 'u', partition: 0 }]);
    assert.equal(unclean[0]!.errorCode, ErrorCode.NONE);
    await waitUntil('unclean leader', () => ctl.cache.partition('u', 0)!.leader === b.id);
    assert.deepEqual(ctl.cache.partition('u', 0)!.isr, [b.id]);

    // Reassign to [controller, b]: running until the controller's replica joins the ISR.
    const started = await ctl.controller.alterReassignment({ topic: 'u', partition: 0 }, [ctl.id, b.id]);
    assert.equal(started.errorCode, ErrorCode.NONE);
    assert.equal(ctl.controller.listReassignments().length, 1);
    p = ctl.cache.partition('u', 0)!;
    assert.deepEqual(p.addingReplicas, [ctl.id]);
    assert.deepEqual(p.removingReplicas, [a.id]);
    const join = await alterPartition(b.store, b.cache, { nodeId: b.id, brokerEpoch: b.session.epoch! }, p, {
      leaderEpoch: p.leaderEpoch,
      partitionEpoch: p.partitionEpoch,
      isr: [b.id, ctl.id],
    });
    assert.equal(join.errorCode, ErrorCode.NONE);
    await waitUntil('reassignment complete', () => ctl.controller.listReassignments().length === 0);
    p = ctl.cache.partition('u', 0)!;
    assert.deepEqual(p.replicas, [ctl.id, b.id]);
    assert.equal(p.leader, b.id, 'a leader that is in the target keeps leading');
    const pref = await ctl.controller.electLeaders('preferred', [{ topic: 'u', partition: 0 }]);
    assert.equal(pref[0]!.errorCode, ErrorCode.NONE);
    assert.equal(ctl.cache.partition('u', 0)!.leader, ctl.id, 'the preferred replica leads after the election');
    const none = await ctl.controller.alterReassignment({ topic: 'u', partition: 0 }, null);
    assert.equal(none.errorCode, ErrorCode.NO_REASSIGNMENT_IN_PROGRESS);

    const grown = await ctl.controller.createPartitions('u', 3);
    assert.equal(grown.errorCode, ErrorCode.NONE);
    assert.equal(ctl.cache.partitions('u').length, 3);
    assert.equal((await ctl.controller.createPartitions('u', 2)).errorCode, ErrorCode.INVALID_PARTITIONS);
    assert.equal((await ctl.controller.deleteTopic('u')).errorCode, ErrorCode.NONE);
    assert.equal(ctl.cache.topic('u'), undefined);
    assert.equal((await ctl.controller.deleteTopic('u')).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    await stopAll();
  });

  test('members from broker configs; a controlled stop moves leadership and the controller role at once', async () => {
    const cid = generateClusterId();
    const members: ClusterMember[] = [];
    try {
      for (const id of [1, 2, 3]) {
        const config = parseBrokerConfig({
          'node.id': String(id),
          'cluster.id': cid,
          listeners: `PLAINTEXT://127.0.0.1:${19090 + id}`,
          'etcd.endpoints': etcd.endpoint,
          'broker.session.timeout.ms': '6000',
          'broker.heartbeat.interval.ms': '500',
          'default.replication.factor': '3',
          'num.partitions': '6',
          'broker.rack': `r${id}`,
        });
        const opts = clusterOptionsFromConfig(config);
        assert.ok(opts && opts.clusterId === cid);
        assert.equal(opts.sessionTimeoutMs, 6000);
        members.push(await ClusterMember.start({ ...opts, clusterId: cid }));
      }
      assert.equal(clusterOptionsFromConfig(parseBrokerConfig({})), undefined, 'no etcd.endpoints: single node');
      const ctlOf = () => members.filter((m) => m.elector.isController);
      await waitUntil('a controller', () => ctlOf().length === 1);
      const ctl = ctlOf()[0]!;
      await waitUntil('all brokers seen', () => ctl.cache.brokers().size === 3);
      assert.deepEqual(ctl.cache.broker(2)?.endpoints[0], {
        listener: 'PLAINTEXT',
        host: '127.0.0.1',
        port: 19092,
        securityProtocol: 'PLAINTEXT',
      });
      assert.equal((await ctl.controller.createTopic({ name: 'm' })).errorCode, ErrorCode.NONE);
      assert.equal(ctl.cache.partitions('m').length, 6, 'num.partitions');
      assert.ok(ctl.cache.partitions('m').some((p) => p.leader === ctl.opts.nodeId));

      const rest = members.filter((m) => m !== ctl);
      const stoppedAt = Date.now();
      const { leadersLeft } = await ctl.stop();
      members.splice(members.indexOf(ctl), 1);
      assert.equal(leadersLeft, 0, 'every leadership moved before it left');
      await waitUntil('a new controller', () => ctlOf().length === 1, 30_000);
      const took = Date.now() - stoppedAt;
      assert.ok(took < 6000, `controller handed over in ${took} ms, without waiting for the 6 s session`);
      const next = ctlOf()[0]!;
      await waitUntil('broker gone', () => next.cache.broker(ctl.opts.nodeId) === undefined);
      for (const p of next.cache.partitions('m')) {
        assert.notEqual(p.leader, ctl.opts.nodeId);
        assert.ok(p.leader === rest[0]!.opts.nodeId || p.leader === rest[1]!.opts.nodeId);
      }
    } finally {
      for (const m of members) await m.stop({ controlled: false });
    }
  });
});
