/**
 * kafka-python consumer groups against Samsa: committed positions, resuming, assignors and the admin client's
 * group APIs. The python scripts check each answer themselves; here we check their summaries and the broker.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { withBroker } from '../helpers/broker.js';
import { requireClient, runPython, uniqueTopic } from '../helpers/clients.js';

const FAST_GROUPS = { 'group.initial.rebalance.delay.ms': '200' };

describe('kafka-python consumer groups', () => {
  test('commit() after each message; a second run resumes at the committed offsets; admin lists, describes, fetches offsets', async (t) => {
    if (!requireClient(t, 'kafka-python')) return;
    await withBroker({ config: FAST_GROUPS }, async (b) => {
      const topic = uniqueTopic('kpg');
      const group = `${topic}-group`;
      const { summary } = await runPython('groups_kp_commit.py', [b.bootstrap, topic, group], { timeoutMs: 150_000 });
      assert.equal(summary.first, 30);
      assert.equal(summary.second, 6);
      assert.deepEqual(summary.offsets, { '0': 12, '1': 12, '2': 12 });
      // The broker's own store agrees with what the admin client read.
      for (const p of [0, 1, 2]) assert.equal(b.broker.groups.committedOffset(group, topic, p)?.offset, 12);
    });
  });

  test('Range and RoundRobin: three members on six partitions get two each; on two partitions one stays idle', async (t) => {
    if (!requireClient(t, 'kafka-python')) return;
    await withBroker({ config: FAST_GROUPS }, async (b) => {
      const prefix = uniqueTopic('kpa');
      const { summary } = await runPython('groups_kp_assignors.py', [b.bootstrap, prefix, `${prefix}-g`], {
        timeoutMs: 240_000,
      });
      for (const name of ['range', 'roundrobin']) {
        const six = summary[name].six as number[][];
        assert.deepEqual(
          six.map((s) => s.length),
          [2, 2, 2],
          `${name} on six partitions`,
        );
        assert.deepEqual(six.flat().sort(), [0, 1, 2, 3, 4, 5]);
        const two = summary[name].two as number[][];
        assert.deepEqual(two.map((s) => s.length).sort(), [0, 1, 1], `${name} on two partitions`);
      }
      // Range gives contiguous pairs, RoundRobin interleaves.
      assert.ok((summary.range.six as number[][]).every((s) => s[1] === s[0]! + 1));
      assert.ok((summary.roundrobin.six as number[][]).every((s) => s[1] === s[0]! + 3));
    });
  });

  test('bad input: oversized metadata, unknown topic and partition, short session timeout raise the mapped errors; nothing stored', async (t) => {
    if (!requireClient(t, 'kafka-python')) return;
    await withBroker({ config: FAST_GROUPS }, async (b) => {
      const topic = uniqueTopic('kpbad');
      const group = `${topic}-g`;
      const { summary } = await runPython('groups_kp_bad.py', [b.bootstrap, topic, group], { timeoutMs: 120_000 });
      assert.deepEqual(summary.errors, [
        'OffsetMetadataTooLargeError',
        'UnknownTopicOrPartitionError',
        'UnknownTopicOrPartitionError',
        'InvalidSessionTimeoutError',
      ]);
      const stored = b.broker.groups.committedOffsets(group);
      assert.deepEqual([...(stored?.keys() ?? [])], [topic]);
      assert.deepEqual(
        [...stored!.get(topic)!.entries()].map(([p, v]) => [p, v.offset, v.metadata]),
        [[0, 7, 'ok']],
      );
      assert.equal(b.broker.groups.group(`${group}-short`)?.members.size ?? 0, 0);
    });
  });
});
