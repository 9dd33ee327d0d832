/**
 * kafka-python 2.0.2 against Samsa. The python scripts in py/ do the client work and check every answer
 * themselves (exit 1 with the reason); here we check they succeeded and that their summaries add up.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { withBroker } from '../helpers/broker.js';
import { requireClient, runPython, uniqueTopic } from '../helpers/clients.js';

describe('kafka-python', () => {
  test('producer (json, pickle, partitions, futures, callbacks, headers, nulls, codecs) and assign/seek consumer', async (t) => {
    if (!requireClient(t, 'kafka-python')) return;
    await withBroker({ config: { 'num.partitions': '3' } }, async (b) => {
      const { summary } = await runPython('kp_produce_consume.py', [b.bootstrap, uniqueTopic('kp')], {
        timeoutMs: 120_000,
      });
      assert.equal(summary.ok, true);
      // 60 sends spread round-robin over 3 partitions, then 30 callback sends to partition 0.
      assert.deepEqual(summary.future_offsets, { '0': 20, '1': 20, '2': 20 });
      assert.equal(summary.json_records, 90);
      assert.equal(summary.pickle_records, 5 * 40);
      assert.deepEqual(summary.codecs, ['none', 'gzip', 'snappy', 'lz4', 'zstd']);
      assert.equal(summary.times_checked, true);
      // kafka-python infers the broker's version from ApiVersions; zstd needs it to be at least 2.1.
      assert.ok(summary.api_version[0] >= 2, `kafka-python inferred broker version ${summary.api_version}`);
    });
  });

  test('KafkaAdminClient: create_topics, describe_configs, alter_configs, create_partitions, delete_topics', async (t) => {
    if (!requireClient(t, 'kafka-python')) return;
    await withBroker(async (b) => {
      const prefix = uniqueTopic('kpadmin');
      const { summary } = await runPython('kp_admin.py', [b.bootstrap, prefix], { timeoutMs: 120_000 });
      assert.equal(summary.ok, true);
      assert.deepEqual(summary.topics_checked, [`${prefix}-a`, `${prefix}-b`, `${prefix}-c`]);
      assert.ok(summary.config_entries >= 10);
      // The broker's own view agrees with what the client was told: only the re-created topic remains.
      assert.deepEqual(
        b.broker.topics.names().filter((n) => n.startsWith(prefix)),
        [`${prefix}-a`],
      );
    });
  });
});
