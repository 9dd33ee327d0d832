/**
 * Leadership in one place, over a socket: when the replica manager makes this broker a follower of a partition,
 * Produce and Fetch get NOT_LEADER_OR_FOLLOWER, Metadata reports the partition's leader as unreachable, the group
 * coordinator resigns the `__consumer_offsets` partition (NOT_COORDINATOR, and FindCoordinator has no broker to
 * name), and leading again at a newer epoch serves everything again, with stale client epochs fenced.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker } from '../../src/broker/broker.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { Fetch } from '../../src/protocol/messages/fetch.js';
import { FindCoordinator } from '../../src/protocol/messages/find-coordinator.js';
import { Heartbeat } from '../../src/protocol/messages/heartbeat.js';
import { Metadata } from '../../src/protocol/messages/metadata.js';
import { Produce } from '../../src/protocol/messages/produce.js';
import { encodeBatch } from '../../src/protocol/records/batch.js';
import { silentLogger } from '../../src/storage/logger.js';
import { RawClient } from '../helpers/raw-client.js';

test('following a partition refuses leader requests; leading again at a newer epoch serves them', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'samsa-leadership-'));
  const broker = await startBroker({ port: 0, dataDir, logger: silentLogger, config: { 'node.id': '1' } });
  const c = await RawClient.connect(broker.port);
  try {
    assert.equal(broker.topics.create('t', 1, 1, {}).errorCode, 0);
    const produce = async () => {
      const records = await encodeBatch({ records: [{ key: null, value: Buffer.from('x') }] });
      const r = await c.send(Produce, 9, {
        acks: 1,
        timeoutMs: 5000,
        topicData: [{ name: 't', partitionData: [{ index: 0, records }] }],
      });
      return r.responses[0]!.partitionResponses[0]!.errorCode;
    };
    const fetch = async (currentLeaderEpoch: number) => {
      const r = await c.send(Fetch, 12, {
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 1 << 20,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [
          {
            topic: 't',
            partitions: [
              { partition: 0, currentLeaderEpoch, fetchOffset: 0, logStartOffset: -1, partitionMaxBytes: 1 << 20 },
            ],
          },
        ],
        forgottenTopicsData: [],
        rackId: '',
      });
      return r.responses[0]!.partitions[0]!.errorCode;
    };
    const coordinator = async () =>
      (await c.send(FindCoordinator, 4, { keyType: 0, coordinatorKeys: ['g'] })).coordinators[0]!.errorCode;
    const heartbeat = async () =>
      (await c.send(Heartbeat, 4, { groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null })).errorCode;

    assert.equal(await produce(), 0);
    assert.equal(await coordinator(), 0);
    const offsetsPartition = broker.groups.partitionFor('g');
    assert.notEqual(await heartbeat(), ErrorCode.NOT_COORDINATOR);

    // Node 2 (unknown here) takes over at epoch 1.
    const follow = { leader: 2, leaderEpoch: 1, replicas: [1, 2], isr: [2] };
    broker.replicas.becomeFollower('t', 0, broker.topics.partition('t', 0)!, follow);
    const offsetsLog = broker.topics.partition('__consumer_offsets', offsetsPartition)!;
    broker.replicas.becomeFollower('__consumer_offsets', offsetsPartition, offsetsLog, follow);

    assert.equal(await produce(), ErrorCode.NOT_LEADER_OR_FOLLOWER);
    assert.equal(await fetch(-1), ErrorCode.NOT_LEADER_OR_FOLLOWER);
    assert.equal(await fetch(0), ErrorCode.FENCED_LEADER_EPOCH, 'the epoch check comes first');
    const md = await c.send(Metadata, 12, {
      topics: [{ name: 't', topicId: '00000000-0000-0000-0000-000000000000' }],
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    });
    const p = md.topics[0]!.partitions[0]!;
    assert.deepEqual(
      [p.errorCode, p.leaderId, p.leaderEpoch, p.isrNodes],
      [ErrorCode.LEADER_NOT_AVAILABLE, -1, 1, [2]],
    );
    assert.equal(
      await coordinator(),
      ErrorCode.COORDINATOR_NOT_AVAILABLE,
      'the coordinator is on a broker we do not know',
    );
    assert.equal(await heartbeat(), ErrorCode.NOT_COORDINATOR, 'the group coordinator resigned the partition');

    // Back to this broker at epoch 2.
    const lead = { leader: 1, leaderEpoch: 2, replicas: [1], isr: [1] };
    await broker.replicas.becomeLeader('t', 0, broker.topics.partition('t', 0)!, lead);
    await broker.replicas.becomeLeader('__consumer_offsets', offsetsPartition, offsetsLog, lead);
    assert.equal(await produce(), 0);
    assert.equal(await fetch(2), 0);
    assert.equal(await fetch(1), ErrorCode.FENCED_LEADER_EPOCH);
    assert.equal(await fetch(3), ErrorCode.UNKNOWN_LEADER_EPOCH);
    assert.equal(await coordinator(), 0);
    assert.notEqual(await heartbeat(), ErrorCode.NOT_COORDINATOR);
  } finally {
    c.close();
    await broker.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
