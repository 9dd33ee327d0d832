/**
 * confluent-kafka-python 1.7.0 (librdkafka 2.0.2) against Samsa: 10,000 records with delivery callbacks,
 * read back in order through assign() (no consumer group).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { withBroker } from '../helpers/broker.js';
import { requireClient, runPython, uniqueTopic } from '../helpers/clients.js';

describe('confluent-kafka-python', () => {
  for (const codec of ['none', 'zstd']) {
    test(`Producer with delivery callbacks and flush, Consumer with assign: 10,000 records, compression ${codec}`, async (t) => {
      if (!requireClient(t, 'confluent-kafka')) return;
      await withBroker(async (b) => {
        const topic = uniqueTopic(`ck-${codec}`);
        const { summary } = await runPython('ck_roundtrip.py', [b.bootstrap, topic, '10000', codec], {
          timeoutMs: 120_000,
        });
        assert.equal(summary.ok, true);
        assert.equal(summary.produced, 10_000);
        assert.equal(summary.consumed, 10_000);
        assert.equal(summary.codec, codec);
        if (summary.client_errors.length > 0) t.diagnostic(`librdkafka reported: ${summary.client_errors.join('; ')}`);
      });
    });
  }
});
