/**
 * Committed offsets and KIP-848 consumer groups survive kill -9 of a broker process (they are in
 * __consumer_offsets, re-read at startup).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ErrorCode } from '../../src/protocol/errors.js';
import { ConsumerGroupDescribe } from '../../src/protocol/messages/consumer-group-describe.js';
import { ConsumerGroupHeartbeat } from '../../src/protocol/messages/consumer-group-heartbeat.js';
import { CreateTopics } from '../../src/protocol/messages/create-topics.js';
import { OffsetCommit } from '../../src/protocol/messages/offset-commit.js';
import { OffsetFetch } from '../../src/protocol/messages/offset-fetch.js';
import { startBrokerProcess } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';

test('offsets committed before SIGKILL are there after a restart', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'samsa-groups-crash-'));
  let proc = await startBrokerProcess({ dataDir, config: { 'offsets.topic.num.partitions': '10' } });
  try {
    let c = await RawClient.connect(proc.port);
    const created = await c.send(CreateTopics, 5, {
      topics: [{ name: 'kt', numPartitions: 4, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    assert.equal(created.topics[0]!.errorCode, 0);
    for (let round = 1; round <= 20; round++) {
      const r = await c.send(OffsetCommit, 9, {
        groupId: `crash-${round % 3}`,
        generationIdOrMemberEpoch: -1,
        memberId: '',
        groupInstanceId: null,
        retentionTimeMs: -1,
        topics: [
          {
            name: 'kt',
            partitions: [0, 1, 2, 3].map((p) => ({
              partitionIndex: p,
              committedOffset: round * 10 + p,
              committedLeaderEpoch: -1,
              commitTimestamp: -1,
              committedMetadata: `r${round}`,
            })),
          },
        ],
      });
      assert.ok(r.topics[0]!.partitions.every((p) => p.errorCode === 0));
    }
    c.close();
    proc.kill('SIGKILL');
    const exit = await proc.exited;
    assert.equal(exit.signal, 'SIGKILL');

    proc = await startBrokerProcess({ dataDir, port: proc.port, config: { 'offsets.topic.num.partitions': '10' } });
    c = await RawClient.connect(proc.port);
    const f = await c.send(OffsetFetch, 8, {
      groupId: '',
      topics: [],
      requireStable: false,
      groups: [0, 1, 2].map((g) => ({ groupId: `crash-${g}`, memberId: null, memberEpoch: -1, topics: null })),
    });
    // The last commit of each group: rounds 18 (crash-0), 19 (crash-1), 20 (crash-2).
    const last: Record<string, number> = { 'crash-0': 18, 'crash-1': 19, 'crash-2': 20 };
    for (const g of f.groups) {
      assert.equal(g.errorCode, ErrorCode.NONE);
      const parts = g.topics.flatMap((t) => t.partitions).sort((a, b) => a.partitionIndex - b.partitionIndex);
      assert.deepEqual(
        parts.map((p) => [p.committedOffset, p.metadata]),
        [0, 1, 2, 3].map((p) => [last[g.groupId]! * 10 + p, `r${last[g.groupId]}`]),
      );
    }
    c.close();
  } finally {
    await proc.cleanup();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('a KIP-848 group is back after SIGKILL: members keep their epochs and partitions', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'samsa-groups-crash-848-'));
  let proc = await startBrokerProcess({ dataDir });
  try {
    let c = await RawClient.connect(proc.port);
    const created = await c.send(CreateTopics, 7, {
      topics: [{ name: 'kt', numPartitions: 4, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    assert.equal(created.topics[0]!.errorCode, 0);
    const describe = async () => {
      const g = (
        await c.send(ConsumerGroupDescribe, 0, { groupIds: ['crash-848'], includeAuthorizedOperations: false })
      ).groups[0]!;
      return { ...g, members: [...g.members].sort((x, y) => (x.memberId < y.memberId ? -1 : 1)) };
    };
    const topicId = created.topics[0]!.topicId;
    assert.notEqual(topicId, '00000000-0000-0000-0000-000000000000');
    const members: Array<{ id: string; epoch: number; owned: number[] }> = [];
    const beat = async (m: { id: string; epoch: number; owned: number[] }) => {
      const r = await c.send(ConsumerGroupHeartbeat, 0, {
        groupId: 'crash-848',
        memberId: m.id,
        memberEpoch: m.epoch,
        instanceId: null,
        rackId: null,
        rebalanceTimeoutMs: m.epoch === 0 ? 30000 : -1,
        subscribedTopicNames: m.epoch === 0 ? ['kt'] : null,
        serverAssignor: null,
        topicPartitions: [{ topicId, partitions: m.owned }],
      });
      assert.equal(r.errorCode, 0, r.errorMessage ?? '');
      m.id = r.memberId!;
      m.epoch = r.memberEpoch;
      if (r.assignment !== null) m.owned = r.assignment.topicPartitions.flatMap((t) => t.partitions).sort();
    };
    for (let i = 0; i < 2; i++) {
      const m = { id: '', epoch: 0, owned: [] as number[] };
      await beat(m);
      members.push(m);
    }
    let before = await describe();
    // Stable on the broker is not enough: a member learns of partitions freed by another at its next heartbeat.
    const told = (m: { id: string; owned: number[] }) =>
      [
        ...(before.members.find((x) => x.memberId === m.id)?.assignment.topicPartitions.flatMap((t) => t.partitions) ??
          []),
      ]
        .sort()
        .join() === [...m.owned].sort().join();
    const settled = () =>
      before.groupState === 'Stable' && members.every((m) => m.epoch === before.assignmentEpoch && told(m));
    for (let round = 0; round < 20 && !settled(); round++) {
      for (const m of members) await beat(m);
      before = await describe();
    }
    assert.equal(before.groupState, 'Stable');
    assert.deepEqual(
      members.map((m) => m.owned.length),
      [2, 2],
    );
    c.close();
    proc.kill('SIGKILL');
    assert.equal((await proc.exited).signal, 'SIGKILL');

    proc = await startBrokerProcess({ dataDir, port: proc.port });
    c = await RawClient.connect(proc.port);
    assert.deepEqual(await describe(), before);
    for (const m of members) {
      const epoch = m.epoch;
      const owned = m.owned;
      await beat(m);
      assert.deepEqual([m.epoch, m.owned], [epoch, owned]);
    }
    assert.deepEqual(await describe(), before);
    c.close();
  } finally {
    await proc.cleanup();
    await rm(dataDir, { recursive: true, force: true });
  }
});
