/**
 * Replication logic without sockets and with injected time: the leader's view of its followers (caught-up times,
 * ISR shrink after replica.lag.time.max.ms, expansion once a follower reaches the high watermark, proposals through
 * alterIsr that take effect only when accepted), NOT_ENOUGH_REPLICAS_AFTER_APPEND, and the follower side of a
 * fetch answer (appends with the leader's offsets, diverging-epoch truncation, out-of-range handling), then the
 * fetcher itself against a leader served in memory.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FetchWaiters } from '../../src/broker/fetch-waiters.js';
import { applyFetchedPartition, type FetchTransport, ReplicaFetcherManager } from '../../src/broker/replica-fetcher.js';
import { type AlterIsr, ReplicaManager } from '../../src/broker/replica-manager.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import type { FetchRequest, FetchResponse } from '../../src/protocol/messages/fetch.js';
import { encodeBatch } from '../../src/protocol/records/batch.js';
import { silentLogger } from '../../src/storage/logger.js';
import { defaultLogConfig } from '../../src/storage/log-config.js';
import { PartitionLog } from '../../src/storage/partition-log.js';
import { waitUntil } from '../helpers/cluster.js';

const LEADER = 1;
const F2 = 2;
const F3 = 3;
const LAG = 1000;

async function withLogs(fn: (open: (name: string, minIsr?: number) => PartitionLog) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'samsa-repl-logic-'));
  const logs: PartitionLog[] = [];
  try {
    await fn((name, minIsr = 1) => {
      const log = PartitionLog.open(join(dir, name), {
        config: defaultLogConfig({ minInsyncReplicas: minIsr }),
        hwFollowsLeo: false,
      });
      logs.push(log);
      return log;
    });
  } finally {
    for (const l of logs) l.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const batch = (n = 1, tag = 'v') =>
  encodeBatch({ records: Array.from({ length: n }, (_, i) => ({ key: null, value: Buffer.from(`${tag}${i}`) })) });

/** A leader of t-0 with replicas 1,2,3 all in the ISR, on a clock the test moves. */
async function leaderOf(
  open: (name: string, minIsr?: number) => PartitionLog,
  clock: { t: number },
  alterIsr?: AlterIsr,
  minIsr = 1,
) {
  const replicas = new ReplicaManager({
    nodeId: LEADER,
    waiters: new FetchWaiters(),
    replicaLagTimeMaxMs: LAG,
    now: () => clock.t,
    alterIsr,
  });
  const log = open(`leader-${Math.random().toString(36).slice(2)}`, minIsr);
  await replicas.becomeLeader('t', 0, log, { leader: LEADER, leaderEpoch: 1, replicas: [1, 2, 3], isr: [1, 2, 3] });
  return { replicas, p: replicas.get('t', 0)! };
}

test('ISR: a follower that stops catching up leaves after replica.lag.time.max.ms; one that keeps fetching stays; it rejoins at the high watermark', async () => {
  await withLogs(async (open) => {
    const clock = { t: 10_000 };
    const { replicas, p } = await leaderOf(open, clock);
    replicas.appendAsLeader(p, await batch(3), { recordCount: 3 }, 1, 1000);
    // Both followers fetch everything.
    replicas.followerFetch(p, F2, 3);
    replicas.followerFetch(p, F3, 3);
    assert.equal(p.highWatermark, 3);
    clock.t += LAG - 1;
    replicas.checkIsr();
    assert.deepEqual(p.isr, [1, 2, 3], 'within the lag window');

    // New records; F2 keeps up, F3 is gone.
    replicas.appendAsLeader(p, await batch(2), { recordCount: 2 }, 1, 1000);
    clock.t += 600;
    replicas.followerFetch(p, F2, 5);
    assert.equal(p.highWatermark, 3, 'F3 holds the high watermark back');
    clock.t += 500;
    replicas.checkIsr();
    assert.deepEqual(p.isr, [1, 2], 'F3 has not caught up for more than the lag');
    assert.equal(p.highWatermark, 5, 'without F3 the high watermark moves to the ISR minimum');

    // F3 comes back behind the high watermark: not yet; at it: rejoins.
    replicas.followerFetch(p, F3, 4);
    assert.deepEqual(p.isr, [1, 2]);
    replicas.followerFetch(p, F3, 5);
    assert.deepEqual(p.isr, [1, 2, 3]);
    replicas.close();
  });
});

test('ISR changes go through alterIsr and take effect only when accepted; a follower fetching steadily behind a busy leader counts as caught up', async () => {
  await withLogs(async (open) => {
    const clock = { t: 50_000 };
    const proposals: Array<{ topic: string; partition: number; leaderEpoch: number; isr: number[] }> = [];
    let accept = false;
    const { replicas, p } = await leaderOf(open, clock, async (topic, partition, req) => {
      proposals.push({ topic, partition, leaderEpoch: req.leaderEpoch, isr: req.isr });
      return accept ? { errorCode: 0, isr: req.isr } : { errorCode: ErrorCode.INVALID_UPDATE_VERSION };
    });
    replicas.appendAsLeader(p, await batch(1), { recordCount: 1 }, 1, 1000);
    // F2 always fetches from where the leader's log ended at its previous fetch, while new records keep arriving.
    replicas.followerFetch(p, F2, 0);
    for (let i = 1; i <= 5; i++) {
      const before = p.logEndOffset;
      replicas.appendAsLeader(p, await batch(1), { recordCount: 1 }, 1, 1000);
      clock.t += 400;
      replicas.followerFetch(p, F2, before);
    }
    clock.t += 300;
    replicas.checkIsr();
    await new Promise((r) => setImmediate(r));
    assert.equal(proposals.length, 1);
    assert.deepEqual(proposals[0], { topic: 't', partition: 0, leaderEpoch: 1, isr: [1, 2] });
    assert.deepEqual(p.isr, [1, 2, 3], 'refused: unchanged');
    accept = true;
    replicas.checkIsr();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(p.isr, [1, 2]);
    replicas.close();
  });
});

test('acks=all: NOT_ENOUGH_REPLICAS_AFTER_APPEND when the records got committed by an ISR that shrank below min.insync.replicas', async () => {
  await withLogs(async (open) => {
    const clock = { t: 1_000 };
    const { replicas, p } = await leaderOf(open, clock, undefined, 2);
    const a = replicas.appendAsLeader(p, await batch(1), { recordCount: 1 }, -1, 5000);
    assert.ok(a.replicated);
    clock.t += LAG + 1;
    replicas.checkIsr();
    assert.deepEqual(p.isr, [1]);
    assert.equal(await a.replicated, ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
    assert.equal(replicas.checkEnoughReplicas(p, -1), ErrorCode.NOT_ENOUGH_REPLICAS);
    replicas.close();
  });
});

/** One partition of a Fetch answer, as a leader would send it. */
const answer = (
  over: Partial<FetchResponse['responses'][number]['partitions'][number]>,
): FetchResponse['responses'][number]['partitions'][number] => ({
  partitionIndex: 0,
  errorCode: 0,
  highWatermark: 0,
  lastStableOffset: 0,
  logStartOffset: 0,
  divergingEpoch: { epoch: -1, endOffset: -1 },
  currentLeader: { leaderId: -1, leaderEpoch: -1 },
  snapshotId: { endOffset: -1, epoch: -1 },
  abortedTransactions: null,
  preferredReadReplica: -1,
  records: null,
  ...over,
});

test("follower: appends the leader's batches as they are, follows its high watermark, truncates at a diverging epoch, restarts at the leader's log start", async () => {
  await withLogs(async (open) => {
    const leaderLog = open('l');
    leaderLog.becomeLeader(0);
    for (let i = 0; i < 3; i++) leaderLog.appendAsLeader(await batch(1, `a${i}`));
    const followerReplicas = new ReplicaManager({ nodeId: F2, waiters: new FetchWaiters() });
    const flog = open('f');
    followerReplicas.becomeFollower('t', 0, flog, { leader: LEADER, leaderEpoch: 0, replicas: [1, 2], isr: [1, 2] });
    const f = followerReplicas.get('t', 0)!;
    const data = leaderLog.read(0, 1 << 20).records;
    assert.deepEqual(applyFetchedPartition(f, answer({ records: data, highWatermark: 2 }), 0), {
      kind: 'appended',
      records: 3,
    });
    assert.equal(flog.logEndOffset, 3);
    assert.equal(flog.highWatermark, 2);
    assert.ok(flog.read(0, 1 << 20).records.equals(data), "byte for byte the leader's batches");

    // The follower had taken epoch 0 further than the new leader: the leader ends epoch 0 at 1.
    assert.deepEqual(
      applyFetchedPartition(f, answer({ divergingEpoch: { epoch: 0, endOffset: 1 }, highWatermark: 1 }), 3),
      { kind: 'truncated', to: 1 },
    );
    assert.equal(flog.logEndOffset, 1);

    // Below the leader's log start (retention there): start again at it.
    assert.deepEqual(
      applyFetchedPartition(
        f,
        answer({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, logStartOffset: 40, highWatermark: 50 }),
        1,
      ),
      { kind: 'truncated', to: 40 },
    );
    assert.equal(flog.logStartOffset, 40);
    assert.equal(flog.logEndOffset, 40);
    assert.equal(applyFetchedPartition(f, answer({ errorCode: ErrorCode.FENCED_LEADER_EPOCH }), 40).kind, 'error');
  });
});

test('fetcher: follows a partition from an in-memory leader, batching partitions in one request with its replica id and last fetched epoch, backing off after errors', async () => {
  await withLogs(async (open) => {
    const leaderLogs = [open('l0'), open('l1')];
    for (const l of leaderLogs) {
      l.becomeLeader(4);
      l.appendAsLeader(await batch(2));
    }
    const requests: Array<{
      replicaId: number;
      parts: Array<{ partition: number; fetchOffset: number; lastFetchedEpoch: number }>;
    }> = [];
    let failNext = 1;
    const transport: FetchTransport = {
      async send(_api, _v, encodable) {
        const body = encodable as FetchRequest;
        requests.push({
          replicaId: body.replicaState.replicaId,
          parts: body.topics.flatMap((t) =>
            t.partitions.map((x) => ({
              partition: x.partition,
              fetchOffset: x.fetchOffset,
              lastFetchedEpoch: x.lastFetchedEpoch,
            })),
          ),
        });
        if (failNext-- > 0) throw new Error('connection refused');
        await new Promise((r) => setTimeout(r, 5));
        return {
          throttleTimeMs: 0,
          errorCode: 0,
          sessionId: 0,
          responses: body.topics.map((t) => ({
            topic: '',
            topicId: t.topicId,
            partitions: t.partitions.map((x) => {
              const l = leaderLogs[x.partition]!;
              const r = l.read(x.fetchOffset, 1 << 20);
              return answer({ partitionIndex: x.partition, records: r.records, highWatermark: l.logEndOffset });
            }),
          })),
          nodeEndpoints: [],
        } as FetchResponse;
      },
      close() {},
    };
    const replicas = new ReplicaManager({ nodeId: F3, waiters: new FetchWaiters() });
    const fetchers = new ReplicaFetcherManager({
      nodeId: F3,
      addressOf: () => undefined,
      topicIdOf: () => '11111111-2222-3333-4444-555555555555',
      log: silentLogger,
      backoffMs: 20,
      maxWaitMs: 10,
      transport: () => transport,
    });
    replicas.enableReplication(fetchers);
    const logs = [open('f0'), open('f1')];
    for (let i = 0; i < 2; i++)
      replicas.becomeFollower('t', i, logs[i]!, { leader: LEADER, leaderEpoch: 4, replicas: [1, 3], isr: [1, 3] });
    assert.equal(fetchers.leaderOf('t', 0), LEADER);
    await waitUntil(
      'both partitions replicated',
      () => logs.every((l) => l.logEndOffset === 2 && l.highWatermark === 2),
      5000,
    );
    assert.equal(requests[0]!.replicaId, F3);
    assert.ok(
      requests.some((r) => r.parts.length === 2),
      'one request for both partitions',
    );
    assert.equal(requests.length >= 2, true, 'retried after the failed request');
    const later = requests.find((r) => r.parts.every((x) => x.fetchOffset === 2))!;
    assert.ok(
      later.parts.every((x) => x.lastFetchedEpoch === 4),
      'the epoch of the last batch fetched',
    );
    // Leading the partition stops fetching it.
    await replicas.becomeLeader('t', 0, logs[0]!, { leader: F3, leaderEpoch: 5, replicas: [1, 3], isr: [1, 3] });
    assert.equal(fetchers.leaderOf('t', 0), undefined);
    await fetchers.close();
    replicas.close();
  });
});
