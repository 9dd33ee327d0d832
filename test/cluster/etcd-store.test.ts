/**
 * The etcd store, broker sessions and the metadata cache against a real etcd started by the test: registration
 * with a lease and its expiry, compare-and-swap refusing stale and fenced partition-state writes, and the watched
 * cache converging after etcd is restarted and after its client was cut off while the revision was compacted.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { BrokerSession } from '../../src/cluster/broker-session.js';
import { brokerFence, controllerFence, EtcdStore } from '../../src/cluster/etcd-store.js';
import { EtcdNotFoundError, findEtcd, startLocalEtcd } from '../../src/cluster/local-etcd.js';
import { ControllerElector } from '../../src/cluster/controller-election.js';
import { MetadataCache } from '../../src/cluster/metadata-cache.js';
import { startTcpProxy, startTestEtcd, type TestEtcd } from '../helpers/etcd.js';
import { partitionState as partitionData, waitUntil } from '../helpers/cluster.js';

const endpoint = (port = 9092) => [{ listener: 'PLAINTEXT', host: '127.0.0.1', port, securityProtocol: 'PLAINTEXT' }];

function session(store: EtcdStore, nodeId: number, sessionTimeoutMs = 2000): BrokerSession {
  return new BrokerSession(store, {
    nodeId,
    endpoints: endpoint(9092 + nodeId),
    sessionTimeoutMs,
    heartbeatIntervalMs: 500,
    registrationTimeoutMs: 30_000,
  });
}

test('a missing etcd binary is reported with the package to install', async () => {
  assert.equal(findEtcd(''), undefined);
  await assert.rejects(
    startLocalEtcd({ dataDir: '/nonexistent', clientPort: 1, peerPort: 2, searchPath: '' }),
    (e: unknown) => e instanceof EtcdNotFoundError && /apt-get install etcd-server/.test(e.message),
  );
});

describe('etcd store', () => {
  let etcd: TestEtcd;
  const stores: EtcdStore[] = [];
  const newStore = (clusterId: string, endpoints = [etcd.endpoint]): EtcdStore => {
    const s = new EtcdStore({ endpoints, clusterId });
    stores.push(s);
    return s;
  };

  before(async () => {
    etcd = await startTestEtcd();
  });
  after(async () => {
    for (const s of stores) s.close();
    await etcd.cleanup();
  });

  test('producer id blocks: brokers reserving at once never get overlapping ids', async () => {
    const clusterId = `c-${randomUUID()}`;
    // Three brokers' stores (separate clients), each reserving ten blocks at the same time.
    const brokers = [newStore(clusterId), newStore(clusterId), newStore(clusterId)];
    const blocks = (
      await Promise.all(
        brokers.map((st) => Promise.all(Array.from({ length: 10 }, () => st.allocateProducerIds(1000)))),
      )
    ).flat();
    blocks.sort((a, b) => a.start - b.start);
    assert.equal(blocks.length, 30);
    assert.equal(blocks[0]!.start, 0);
    for (let i = 0; i < blocks.length; i++) {
      assert.equal(blocks[i]!.end - blocks[i]!.start, 1000);
      if (i > 0) assert.equal(blocks[i]!.start, blocks[i - 1]!.end, 'blocks are adjacent, none shared');
    }
    // Another cluster in the same etcd counts on its own.
    assert.deepEqual(await newStore(`c-${randomUUID()}`).allocateProducerIds(10), { start: 0, end: 10 });
  });

  test('registration: one live registration per node id, a new epoch each time, gone after the session', async () => {
    const store = newStore(`c-${randomUUID()}`);
    const cache = new MetadataCache(store);
    await cache.start();
    const a = session(store, 1);
    const reg = await a.start();
    assert.ok(reg.epoch > 0);
    await waitUntil('broker 1 in the cache', () => cache.broker(1)?.epoch === reg.epoch);

    // A second process with the same node id waits for the first one's session to go.
    const b = new BrokerSession(store, {
      nodeId: 1,
      endpoints: endpoint(),
      sessionTimeoutMs: 2000,
      heartbeatIntervalMs: 500,
      registrationTimeoutMs: 1500,
    });
    await assert.rejects(b.start(), /registered by another process/);

    // Keep-alives keep it registered well past the session timeout.
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(cache.broker(1)?.epoch, reg.epoch);

    // Keep-alives stop (the process hangs): the registration disappears after about the session timeout.
    a.abandon();
    const stoppedAt = Date.now();
    await waitUntil('broker 1 expired', () => cache.broker(1) === undefined, 15_000);
    const gone = Date.now() - stoppedAt;
    assert.ok(gone >= 1000, `expired after ${gone} ms, before its session timeout`);

    const c = session(store, 1);
    const reg2 = await c.start();
    assert.ok(reg2.epoch > reg.epoch, 'a new registration has a newer epoch');
    await c.close();
    await waitUntil('broker 1 deregistered on close', () => cache.broker(1) === undefined, 5000);
    await cache.stop();
  });

  test('controller claim is exclusive, bumps the controller epoch and is bound to the session', async () => {
    const store = newStore(`c-${randomUUID()}`);
    const s1 = session(store, 1);
    const s2 = session(store, 2);
    const r1 = await s1.start();
    const r2 = await s2.start();
    const c1 = await store.claimController(1, r1.epoch, s1.currentLeaseId!);
    assert.ok(c1);
    assert.equal(c1.epoch, 1);
    assert.equal(await store.claimController(2, r2.epoch, s2.currentLeaseId!), undefined);
    // A claim with a stale broker epoch is refused even when the seat is free.
    assert.equal(await store.resignController(c1.revision), true);
    assert.equal(await store.claimController(2, r2.epoch - 1, s2.currentLeaseId!), undefined);
    const c2 = await store.claimController(2, r2.epoch, s2.currentLeaseId!);
    assert.ok(c2);
    assert.equal(c2.epoch, 2);
    // The controller key goes with its broker's session.
    s2.abandon();
    const start = Date.now();
    while ((await store.readController()) !== undefined) {
      assert.ok(Date.now() - start < 15_000, 'controller key outlived the session');
      await new Promise((r) => setTimeout(r, 100));
    }
    await s1.close();
  });

  test('partition state is compare-and-swap: stale versions and fenced writers are refused', async () => {
    const store = newStore(`c-${randomUUID()}`);
    const s1 = session(store, 1);
    const r1 = await s1.start();
    const ctl = await store.claimController(1, r1.epoch, s1.currentLeaseId!);
    assert.ok(ctl);
    const fence = controllerFence(ctl);
    const topicId = randomUUID();
    const created = await store.createTopic(
      fence,
      't',
      { topicId, partitions: 2 },
      [partitionData(), partitionData()],
      {
        'cleanup.policy': 'compact',
      },
    );
    assert.ok(created.ok);
    const again = await store.createTopic(fence, 't', { topicId, partitions: 1 }, [partitionData()]);
    assert.deepEqual(again, { ok: false, reason: 'exists' });

    const p0 = await store.readPartition('t', 0);
    assert.ok(p0);
    const next = partitionData({ leader: 2, leaderEpoch: 1, partitionEpoch: 1 });
    const w1 = await store.writePartition(fence, 't', 0, p0.version, next);
    assert.ok(w1.ok);
    // The same expected version again is now stale: refused, with the state that won.
    const w2 = await store.writePartition(fence, 't', 0, p0.version, partitionData({ leader: 3, leaderEpoch: 1 }));
    assert.equal(w2.ok, false);
    assert.ok(!w2.ok && w2.reason === 'version' && w2.current?.leader === 2 && w2.current.leaderEpoch === 1);

    // A writer whose fence no longer holds (an older controller) is refused even with the right version.
    const current = await store.readPartition('t', 0);
    const stale = await store.writePartition(
      { ...fence, createRevision: fence.createRevision - 1 },
      't',
      0,
      current!.version,
      partitionData({ leader: 3, leaderEpoch: 2, partitionEpoch: 2 }),
    );
    assert.ok(!stale.ok && stale.reason === 'fenced');
    // A leader fenced on its broker registration: valid while registered with that epoch.
    const byLeader = await store.writePartition(
      brokerFence(1, r1.epoch),
      't',
      0,
      current!.version,
      partitionData({ leader: 2, leaderEpoch: 1, partitionEpoch: 2, isr: [2, 3] }),
    );
    assert.ok(byLeader.ok);
    const afterAll = await store.readPartition('t', 0);
    assert.deepEqual(afterAll?.isr, [2, 3]);
    await s1.close();
  });

  test('topics with more partitions than one transaction holds are created whole', async () => {
    const store = newStore(`c-${randomUUID()}`);
    const s = session(store, 1);
    const r = await s.start();
    const ctl = await store.claimController(1, r.epoch, s.currentLeaseId!);
    assert.ok(ctl);
    const parts = Array.from({ length: 300 }, () => partitionData());
    const res = await store.createTopic(controllerFence(ctl), 'big', { topicId: randomUUID(), partitions: 300 }, parts);
    assert.ok(res.ok);
    const cache = new MetadataCache(store);
    await cache.start();
    assert.equal(cache.partitions('big').length, 300);
    const topic = cache.topic('big')!;
    const grown = await store.addPartitions(
      controllerFence(ctl),
      topic,
      Array.from({ length: 130 }, () => partitionData()),
    );
    assert.ok(grown.ok);
    await waitUntil(
      '430 partitions',
      () => cache.topic('big')?.partitions === 430 && cache.partitions('big').length === 430,
    );
    const del = await store.deleteTopic(controllerFence(ctl), 'big', cache.topic('big')!.version);
    assert.ok(del.ok);
    await waitUntil('topic deleted', () => cache.topic('big') === undefined && cache.partitions('big').length === 0);
    await cache.stop();
    await s.close();
  });

  for (const outage of ['paused', 'killed'] as const) {
    test(`etcd ${outage} past the session: the controller steps down, then re-registers and is elected again`, async () => {
      const store = newStore(`c-${randomUUID()}`);
      const cache = new MetadataCache(store);
      await cache.start();
      const s = session(store, 1);
      const first = await s.start();
      const elector = new ControllerElector(store, s, cache, { retryMs: 200 });
      const events: string[] = [];
      elector.on('elected', (c) => events.push(`elected ${c.epoch}`));
      elector.on('resigned', () => events.push('resigned'));
      s.on('lost', () => events.push('lost'));
      elector.start();
      await waitUntil('controller', () => elector.isController);

      if (outage === 'paused') etcd.pause();
      else await etcd.kill();
      const wentAt = Date.now();
      await waitUntil('session lost', () => events.includes('lost'), 15_000);
      const lostAfter = Date.now() - wentAt;
      assert.ok(lostAfter >= 1500 && lostAfter < 6000, `lost after ${lostAfter} ms with a 2000 ms session`);
      assert.equal(elector.isController, false, 'a controller without a session steps down at once');
      assert.deepEqual(events.slice(0, 3), ['elected 1', 'lost', 'resigned']);

      if (outage === 'paused') etcd.resume();
      else await etcd.restart();
      await waitUntil('registered again', () => s.epoch !== undefined && s.epoch > first.epoch, 30_000);
      await waitUntil('elected again', () => elector.isController, 30_000);
      assert.equal(elector.controller!.epoch, 2);
      await waitUntil('cache follows', () => cache.broker(1)?.epoch === s.epoch && !cache.stale, 30_000);
      await elector.stop();
      await s.close();
      await cache.stop();
    });
  }

  test('the cache converges after etcd restarts', async () => {
    const clusterId = `c-${randomUUID()}`;
    const store = newStore(clusterId);
    const cache = new MetadataCache(store);
    await cache.start();
    const changes: string[] = [];
    cache.on('changes', (cs) => {
      for (const c of cs) changes.push(c.kind);
    });
    await store.setBrokerConfigs('default', { 'log.retention.ms': '1000' });
    await waitUntil('default config', () => cache.brokerConfigs('default')['log.retention.ms'] === '1000');

    await etcd.restart();
    const writer = newStore(clusterId);
    await writer.setBrokerConfigs(7, { 'log.retention.ms': '2000' });
    await waitUntil(
      'broker 7 config after restart',
      () => cache.brokerConfigs(7)['log.retention.ms'] === '2000',
      30_000,
    );
    assert.ok(changes.includes('brokerConfig'));
    await cache.stop();
  });

  test('a watch that starts at a compacted revision is cancelled by etcd and the cache reads everything again', async () => {
    const store = newStore(`c-${randomUUID()}`);
    await store.setBrokerConfigs(1, { a: '1' });
    await store.setBrokerConfigs(1, { a: '2' });
    const { revision } = await store.readAll();
    await store.client.kv.compact({ revision: String(revision), physical: true });
    // The first watch asks for history etcd no longer has, as a cache that fell behind a compaction would.
    const watchAll = store.watchAll.bind(store);
    const asked: number[] = [];
    store.watchAll = (from: number) => {
      asked.push(from);
      return watchAll(asked.length === 1 ? revision - 1 : from);
    };
    const cache = new MetadataCache(store);
    const stale: string[] = [];
    cache.on('stale', (reason) => stale.push(reason));
    await cache.start();
    await waitUntil('cancelled and watched again', () => asked.length >= 2 && !cache.stale, 15_000);
    assert.match(stale[0] ?? '', /watch cancelled/);
    await store.setBrokerConfigs(2, { b: '1' });
    await waitUntil('following changes', () => cache.brokerConfigs(2)['b'] === '1');
    assert.equal(cache.brokerConfigs(1)['a'], '2');
    await cache.stop();
  });

  test('the cache converges after its client was cut off while the history was compacted', async () => {
    const clusterId = `c-${randomUUID()}`;
    const proxy = await startTcpProxy(etcd.endpoint);
    const direct = newStore(clusterId);
    const viaProxy = newStore(clusterId, [proxy.endpoint]);
    const cache = new MetadataCache(viaProxy);
    let stale = 0;
    cache.on('stale', () => stale++);
    await cache.start();
    await direct.setBrokerConfigs(1, { a: '1' });
    await direct.setBrokerConfigs(2, { b: '1' });
    await waitUntil('configs', () => cache.brokerConfigs(1)['a'] === '1' && cache.brokerConfigs(2)['b'] === '1');

    proxy.cut();
    await direct.setBrokerConfigs(1, { a: '2' });
    await direct.setBrokerConfigs(2, {});
    await direct.setBrokerConfigs(3, { c: '1' });
    const { revision } = await direct.readAll();
    await direct.client.kv.compact({ revision: String(revision), physical: true });
    await waitUntil('cache noticed', () => cache.stale, 15_000);
    assert.equal(cache.brokerConfigs(1)['a'], '1', 'a cut-off cache keeps serving what it had');

    const removed: Array<number | 'default'> = [];
    cache.on('changes', (cs) => {
      for (const c of cs) if (c.kind === 'brokerConfig' && c.after === undefined) removed.push(c.broker);
    });
    proxy.restore();
    await waitUntil(
      'cache converged',
      () =>
        !cache.stale &&
        cache.brokerConfigs(1)['a'] === '2' &&
        cache.brokerConfigs(2)['b'] === undefined &&
        cache.brokerConfigs(3)['c'] === '1',
      30_000,
    );
    assert.deepEqual(removed, [2], 'the resync reports the deletion it missed');
    assert.ok(stale >= 1);
    // And it keeps following changes afterwards.
    await direct.setBrokerConfigs(4, { d: '1' });
    await waitUntil('live again', () => cache.brokerConfigs(4)['d'] === '1');
    await cache.stop();
    await proxy.close();
  });
});
