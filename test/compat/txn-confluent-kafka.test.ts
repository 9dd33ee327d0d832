/**
 * confluent-kafka-python (librdkafka) idempotent and transactional producers against Samsa (txn_ck.py does the
 * client side; each mode checks what read_committed and read_uncommitted consumers see).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { withBroker } from '../helpers/broker.js';
import { requireClient, runPython, uniqueTopic } from '../helpers/clients.js';

const opts = { timeoutMs: 150_000 };

describe('confluent-kafka exactly-once', () => {
  test('enable.idempotence=True: 10,000 records on 3 partitions, read back with no duplicates or gaps', async (t) => {
    if (!requireClient(t, 'confluent-kafka')) return;
    await withBroker({ config: { 'num.partitions': '3' } }, async (b) => {
      const { summary } = await runPython(
        'txn_ck.py',
        ['idempotent', b.bootstrap, uniqueTopic('ck-idem'), '10000'],
        opts,
      );
      assert.equal(summary.ok, true, summary.error);
      assert.equal(summary.consumed, 10_000);
      assert.equal(summary.distinct, 10_000);
    });
  });

  test('committed and aborted transactions as read_committed and read_uncommitted consumers see them', async (t) => {
    if (!requireClient(t, 'confluent-kafka')) return;
    await withBroker({ config: { 'num.partitions': '2' } }, async (b) => {
      const { summary } = await runPython('txn_ck.py', ['commit-abort', b.bootstrap, uniqueTopic('ck-ca')], opts);
      assert.equal(summary.ok, true, summary.error);
      assert.equal(summary.read_committed, 16);
      assert.equal(summary.read_uncommitted, 26);
    });
  });

  test('an open transaction holds read_committed consumers at the last stable offset', async (t) => {
    if (!requireClient(t, 'confluent-kafka')) return;
    await withBroker({ config: { 'num.partitions': '1' } }, async (b) => {
      const { summary } = await runPython('txn_ck.py', ['lso', b.bootstrap, uniqueTopic('ck-lso')], opts);
      assert.equal(summary.ok, true, summary.error);
      assert.deepEqual([summary.held, summary.uncommitted, summary.after_commit], [5, 10, 10]);
      // 5 records and the COMMIT marker are stable; the open transaction's records are not
      assert.deepEqual(summary.watermarks_while_open, [0, 6]);
    });
  });

  test('consume-transform-produce with send_offsets_to_transaction commits the group offsets atomically', async (t) => {
    if (!requireClient(t, 'confluent-kafka')) return;
    await withBroker({ config: { 'num.partitions': '1' } }, async (b) => {
      const { summary } = await runPython(
        'txn_ck.py',
        ['ctp', b.bootstrap, uniqueTopic('ck-in'), uniqueTopic('ck-out'), uniqueTopic('ck-grp')],
        opts,
      );
      assert.equal(summary.ok, true, summary.error);
      assert.equal(summary.processed, 60);
      assert.equal(summary.output, 60);
      assert.equal(summary.aborted_once, true);
      assert.ok(summary.output_uncommitted > 60);
    });
  });

  test('a second producer with the same transactional.id fences the first', async (t) => {
    if (!requireClient(t, 'confluent-kafka')) return;
    await withBroker({ config: { 'num.partitions': '1' } }, async (b) => {
      const { summary } = await runPython('txn_ck.py', ['fence', b.bootstrap, uniqueTopic('ck-fence')], opts);
      assert.equal(summary.ok, true, summary.error);
      assert.equal(summary.fenced.fatal, true);
      assert.equal(summary.fenced.name, '_FENCED');
    });
  });
});
