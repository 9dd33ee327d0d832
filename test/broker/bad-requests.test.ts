/**
 * Requests that decode but carry values Kafka's semantics forbid (issue 9): each gets Kafka's error code and the
 * broker keeps serving. The first case is the one that used to stop the broker: Metadata v1 for the topic "".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../src/protocol/errors.js';
import { Metadata } from '../../src/protocol/messages/metadata.js';
import { startBrokerProcess, withBroker } from '../helpers/broker.js';
import { requireClient, runPython, uniqueTopic } from '../helpers/clients.js';
import { RawClient } from '../helpers/raw-client.js';

const INVALID: number[] = [ErrorCode.INVALID_TOPIC_EXCEPTION, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION];

test('Metadata for the topic "" in every version answers INVALID_TOPIC_EXCEPTION and the broker keeps serving', async () => {
  await withBroker(async (b) => {
    for (let v = Metadata.minVersion; v <= Metadata.maxVersion; v++) {
      const c = await RawClient.connect(b.port);
      try {
        const res = await c.send(Metadata, v, { topics: [{ name: '' }], allowAutoTopicCreation: true });
        assert.equal(res.topics.length, 1, `v${v}`);
        assert.ok(INVALID.includes(res.topics[0]!.errorCode), `v${v}: error ${res.topics[0]!.errorCode}`);
        if (v >= 10) {
          const byId = await c.send(Metadata, v, {
            topics: [{ name: null, topicId: '0f0f0f0f-0000-4000-8000-000000000001' }],
          });
          assert.equal(byId.topics[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_ID, `v${v} unknown id`);
        }
      } finally {
        c.close();
      }
    }
    const c = await RawClient.connect(b.port);
    const all = await c.send(Metadata, 1, { topics: null });
    c.close();
    assert.ok(Array.isArray(all.topics), 'the broker still answers');
  });
});

test('kafka-python sending to the topic "" fails on the client; the broker process keeps serving', async (t) => {
  if (!requireClient(t, 'kafka-python')) return;
  const proc = await startBrokerProcess();
  try {
    const topic = uniqueTopic('after-empty');
    const { summary } = await runPython('kp_empty_topic.py', [proc.bootstrap, topic], { timeoutMs: 120_000 });
    assert.equal(summary.ok, true, JSON.stringify(summary));
    assert.notEqual(summary.emptyTopicSend, 'sent', 'the send to "" must not succeed');
    const alive = await RawClient.connect(proc.port);
    const md = await alive.send(Metadata, 1, { topics: [{ name: topic }] });
    alive.close();
    assert.equal(md.topics[0]!.errorCode, 0);
    assert.doesNotMatch(proc.output(), /TypeError|uncaught/i, 'no exception in the broker log');
  } finally {
    await proc.cleanup();
  }
});
