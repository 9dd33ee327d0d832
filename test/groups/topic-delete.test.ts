/** Deleting a topic deletes the committed offsets of every group for it, also after a restart. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeleteTopics } from '../../src/protocol/messages/delete-topics.js';
import { FindCoordinator } from '../../src/protocol/messages/find-coordinator.js';
import { OffsetCommit } from '../../src/protocol/messages/offset-commit.js';
import { OffsetFetch } from '../../src/protocol/messages/offset-fetch.js';
import { startTestBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';

test('offsets of a deleted topic are gone, and stay gone after a restart', async () => {
  const first = await startTestBroker();
  let tb = first;
  const dataDir = tb.dataDir;
  let c = await RawClient.connect(tb.broker.port);
  const fetchOffset = async (group: string, topic: string) => {
    const r = await c.send(OffsetFetch, 6, { groupId: group, topics: [{ name: topic, partitionIndexes: [0] }] });
    return r.topics[0]!.partitions[0]!.committedOffset;
  };
  try {
    assert.equal(tb.broker.topics.create('doomed', 1, 1, {}).errorCode, 0);
    assert.equal(tb.broker.topics.create('kept', 1, 1, {}).errorCode, 0);
    await c.send(FindCoordinator, 3, { key: 'g1', keyType: 0 });
    for (const group of ['g1', 'g2']) {
      const r = await c.send(OffsetCommit, 7, {
        groupId: group,
        generationIdOrMemberEpoch: -1,
        memberId: '',
        topics: ['doomed', 'kept'].map((name) => ({
          name,
          partitions: [{ partitionIndex: 0, committedOffset: 5, committedMetadata: '' }],
        })),
      });
      assert.ok(r.topics.every((t) => t.partitions.every((p) => p.errorCode === 0)));
    }
    assert.equal(await fetchOffset('g1', 'doomed'), 5);
    const del = await c.send(DeleteTopics, 4, { topicNames: ['doomed'], timeoutMs: 1000 });
    assert.equal(del.responses[0]!.errorCode, 0);
    assert.equal(tb.broker.topics.create('doomed', 1, 1, {}).errorCode, 0);
    for (const group of ['g1', 'g2']) {
      assert.equal(await fetchOffset(group, 'doomed'), -1, `${group}: offsets of the deleted topic are gone`);
      assert.equal(await fetchOffset(group, 'kept'), 5, `${group}: other topics keep theirs`);
    }
    c.close();
    await tb.broker.close();
    tb = await startTestBroker({ dataDir });
    c = await RawClient.connect(tb.broker.port);
    assert.equal(await fetchOffset('g1', 'doomed'), -1, 'still gone after a restart');
    assert.equal(await fetchOffset('g1', 'kept'), 5);
  } finally {
    c.close();
    await tb.stop();
    await first.stop(); // the first broker owns the temp dir and removes it
  }
});
