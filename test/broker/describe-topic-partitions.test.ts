/**
 * DescribeTopicPartitions (KIP-966) against a single broker over a socket: every topic in name order, paged by
 * ResponsePartitionLimit with NextCursor, named and unknown topics, bad cursors, and agreement with Metadata;
 * and the same request encoded and decoded by a hand-written Python codec (an encoder that is not Samsa's own).
 * The cluster-mode view is checked in test/cluster/cluster-metadata.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ErrorCode } from '../../src/protocol/errors.js';
import { ApiVersions } from '../../src/protocol/messages/api-versions.js';
import { CreateTopics } from '../../src/protocol/messages/create-topics.js';
import { DescribeTopicPartitions } from '../../src/protocol/messages/describe-topic-partitions.js';
import { Metadata } from '../../src/protocol/messages/metadata.js';
import { ZERO_UUID } from '../../src/protocol/schema.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { requireClient, runPython } from '../helpers/clients.js';
import { RawClient } from '../helpers/raw-client.js';

let b: TestBroker;
let c: RawClient;
const TOPICS: Array<[string, number]> = [
  ['dtp-b', 5],
  ['dtp-a', 3],
  ['dtp-c', 1],
];

before(async () => {
  b = await startTestBroker({ config: { 'max.request.partition.size.limit': '6' } });
  c = await RawClient.connect(b.port);
  for (const [name, numPartitions] of TOPICS) {
    const r = await c.send(CreateTopics, 7, {
      topics: [{ name, numPartitions, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 5000,
    });
    assert.equal(r.topics[0]!.errorCode, 0);
  }
});

after(async () => {
  c?.close();
  await b?.stop();
});

const dtp = (
  topics: string[],
  responsePartitionLimit = 2000,
  cursor: { topicName: string; partitionIndex: number } | null = null,
) => c.send(DescribeTopicPartitions, 0, { topics: topics.map((name) => ({ name })), responsePartitionLimit, cursor });

describe('DescribeTopicPartitions', () => {
  test('is advertised by ApiVersions at v0', async () => {
    const r = await c.send(ApiVersions, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });
    const k = r.apiKeys.find((x) => x.apiKey === 75);
    assert.ok(k, 'DescribeTopicPartitions advertised');
    assert.equal(k.minVersion, 0);
    assert.equal(k.maxVersion, 0);
  });

  test('named topics in name order; partitions agree with Metadata; ELR lists empty', async () => {
    const r = await dtp(['dtp-c', 'dtp-a']);
    assert.deepEqual(
      r.topics.map((t) => t.name),
      ['dtp-a', 'dtp-c'],
    );
    assert.equal(r.nextCursor, null);
    const m = await c.send(Metadata, 12, {
      topics: [{ topicId: ZERO_UUID, name: 'dtp-a' }],
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    });
    const mt = m.topics[0]!;
    const t = r.topics[0]!;
    assert.equal(t.errorCode, 0);
    assert.equal(t.topicId, mt.topicId);
    assert.notEqual(t.topicId, ZERO_UUID);
    assert.equal(t.isInternal, false);
    assert.notEqual(t.topicAuthorizedOperations, -2147483648, 'authorized operations are filled in');
    assert.deepEqual(
      t.partitions.map((p) => [p.partitionIndex, p.leaderId, p.leaderEpoch, p.replicaNodes, p.isrNodes]),
      mt.partitions.map((p) => [p.partitionIndex, p.leaderId, p.leaderEpoch, p.replicaNodes, p.isrNodes]),
    );
    for (const p of t.partitions) {
      assert.equal(p.errorCode, 0);
      assert.deepEqual(p.eligibleLeaderReplicas, []);
      assert.deepEqual(p.lastKnownElr, []);
      assert.deepEqual(p.offlineReplicas, []);
    }
  });

  test('pages through every topic with the cursor, capped by max.request.partition.size.limit', async () => {
    const seen: string[] = [];
    let cursor: { topicName: string; partitionIndex: number } | null = null;
    let pages = 0;
    for (;;) {
      // Asks for 100 per page; the broker's limit (6) wins.
      const r = await dtp([], 100, cursor);
      pages++;
      const n = r.topics.reduce((s, t) => s + t.partitions.length, 0);
      assert.ok(n <= 6, `page of ${n} partitions`);
      for (const t of r.topics) for (const p of t.partitions) seen.push(`${t.name}:${p.partitionIndex}`);
      if (r.nextCursor === null) break;
      cursor = { topicName: r.nextCursor.topicName, partitionIndex: r.nextCursor.partitionIndex };
      assert.ok(pages < 10);
    }
    const expected = TOPICS.map(([n, k]) => [n, k] as const)
      .sort((x, y) => (x[0] < y[0] ? -1 : 1))
      .flatMap(([n, k]) => Array.from({ length: k }, (_, i) => `${n}:${i}`));
    assert.deepEqual(seen, expected);
    assert.equal(pages, 2);
  });

  test('a small limit splits a topic; the cursor resumes inside it', async () => {
    const r1 = await dtp(['dtp-a', 'dtp-b'], 2);
    assert.deepEqual(
      r1.topics.map((t) => [t.name, t.partitions.map((p) => p.partitionIndex)]),
      [['dtp-a', [0, 1]]],
    );
    assert.deepEqual(r1.nextCursor, { topicName: 'dtp-a', partitionIndex: 2 });
    const r2 = await dtp(['dtp-a', 'dtp-b'], 2, r1.nextCursor);
    assert.deepEqual(
      r2.topics.map((t) => [t.name, t.partitions.map((p) => p.partitionIndex)]),
      [
        ['dtp-a', [2]],
        ['dtp-b', [0]],
      ],
    );
    assert.deepEqual(r2.nextCursor, { topicName: 'dtp-b', partitionIndex: 1 });
    // A topic that exactly fills the page: the next page starts at the following topic.
    const r3 = await dtp(['dtp-a', 'dtp-c'], 3);
    assert.deepEqual(
      r3.topics.map((t) => t.name),
      ['dtp-a'],
    );
    assert.deepEqual(r3.nextCursor, { topicName: 'dtp-c', partitionIndex: 0 });
  });

  test('unknown and invalid names; a cursor outside the request is INVALID_REQUEST', async () => {
    const r = await dtp(['dtp-a', 'dtp-missing', 'bad/name']);
    const byName = new Map(r.topics.map((t) => [t.name, t]));
    assert.equal(byName.get('dtp-a')!.errorCode, 0);
    assert.equal(byName.get('dtp-missing')!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    assert.equal(byName.get('dtp-missing')!.topicId, ZERO_UUID);
    assert.equal(byName.get('bad/name')!.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
    const bad = await dtp(['dtp-a'], 10, { topicName: 'dtp-b', partitionIndex: 0 });
    assert.deepEqual(
      bad.topics.map((t) => [t.name, t.errorCode]),
      [['dtp-a', ErrorCode.INVALID_REQUEST]],
    );
    const negative = await dtp(['dtp-a'], 10, { topicName: 'dtp-a', partitionIndex: -1 });
    assert.equal(negative.topics[0]!.errorCode, ErrorCode.INVALID_REQUEST);
  });

  test('a hand-written Python codec of the wire format pages through the same way', async (t) => {
    if (!requireClient(t, 'kafka-python')) return;
    const { summary } = await runPython('dtp_raw.py', [`127.0.0.1:${b.port}`, '4']);
    assert.deepEqual(summary.apiVersion, [0, 0]);
    assert.deepEqual(summary.partitions, [
      'dtp-a:0',
      'dtp-a:1',
      'dtp-a:2',
      'dtp-b:0',
      'dtp-b:1',
      'dtp-b:2',
      'dtp-b:3',
      'dtp-b:4',
      'dtp-c:0',
    ]);
    assert.deepEqual(summary.cursors, [
      ['dtp-b', 1],
      ['dtp-c', 0],
    ]);
    assert.deepEqual(summary.elr, [[], []]);
  });
});
