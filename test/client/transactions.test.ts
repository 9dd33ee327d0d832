/**
 * Transactions in our producer: committed records appear to read_committed consumers, aborted ones never do,
 * open ones only after the commit; read_uncommitted consumers (ours and kafka-python's default) see every data
 * record but no control record. Offsets sent to a transaction reach the group only if it commits.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Consumer } from '../../src/client/consumer.js';
import { ClientStateError, ErrorCode, KafkaError } from '../../src/client/errors.js';
import { Producer } from '../../src/client/producer.js';
import { EndTxn } from '../../src/protocol/messages/end-txn.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { requireClient, runPython } from '../helpers/clients.js';
import { createTopic, take, topicName } from './helpers.js';

async function readValues(
  bootstrap: string,
  topic: string,
  isolationLevel: 'read_committed' | 'read_uncommitted',
  count: number,
  settleMs = 600,
): Promise<string[]> {
  const c = new Consumer<null, string | null>({
    bootstrapServers: bootstrap,
    autoOffsetReset: 'earliest',
    isolationLevel,
    maxWaitMs: 100,
    keyDeserializer: () => null,
    valueDeserializer: (b) => (b === null ? null : b.toString()),
  });
  c.assign([{ topic, partition: 0 }]);
  const got = await take(c, count, 10000);
  const extra = await take(c, 1, settleMs).catch(() => []);
  await c.close();
  return [...got, ...extra].map((r) => r.value!);
}

describe('transactional producer', () => {
  let b: TestBroker;
  let supported = false;
  before(async () => {
    b = await startTestBroker({ logLevel: 'warn' });
    const p = new Producer({ bootstrapServers: b.bootstrap });
    supported = await p.cluster.supports(EndTxn);
    await p.close();
  });
  after(async () => {
    await b.stop();
  });

  test('commit and abort: visibility for read_committed and read_uncommitted (ours and kafka-python)', async (t) => {
    if (!supported) return t.skip('the broker does not offer transactions');
    const topic = topicName('txn');
    await createTopic(b.bootstrap, topic, 1);
    const p = new Producer<string, string>({ bootstrapServers: b.bootstrap, transactionalId: topicName('tid') });
    await assert.rejects(
      p.send({ topic, value: 'too early' }),
      (e: unknown) => e instanceof KafkaError && e.code === ErrorCode.INVALID_TXN_STATE,
    );
    await p.initTransactions();
    assert.ok(p.producerId >= 0);
    const batch = async (prefix: string, n: number) => {
      await Promise.all(
        Array.from({ length: n }, (_, i) => p.send({ topic, key: `${prefix}${i}`, value: `${prefix}${i}` })),
      );
    };
    p.beginTransaction();
    await batch('c', 10);
    await p.commitTransaction();
    p.beginTransaction();
    await batch('a', 5);
    await p.abortTransaction();
    p.beginTransaction();
    await batch('d', 3);
    await p.commitTransaction();
    p.beginTransaction();
    assert.throws(
      () => p.beginTransaction(),
      (e: unknown) => e instanceof ClientStateError,
    );
    await p.abortTransaction(); // nothing was sent: nothing to end on the broker, the state returns to ready
    await p.close();

    const committed = [...Array.from({ length: 10 }, (_, i) => `c${i}`), 'd0', 'd1', 'd2'];
    const everything = [
      ...Array.from({ length: 10 }, (_, i) => `c${i}`),
      ...Array.from({ length: 5 }, (_, i) => `a${i}`),
      'd0',
      'd1',
      'd2',
    ];
    assert.deepEqual(await readValues(b.bootstrap, topic, 'read_committed', 13), committed);
    assert.deepEqual(await readValues(b.bootstrap, topic, 'read_uncommitted', 18), everything);
    if (requireClient(t, 'kafka-python')) {
      // kafka-python 2.0.2 predates skipping control batches: it hands the three transaction markers (commit,
      // abort, commit) to the application as records with a 4-byte key. Everything else must match.
      const { summary } = await runPython(
        '../../client/py/kp_client_interop.py',
        ['consume', b.bootstrap, topic, '21'],
        { timeoutMs: 60_000 },
      );
      const recs = summary.records as Array<{ key: string | null; value: string }>;
      const isMarker = (r: { key: string | null }) =>
        r.key !== null && r.key.length === 4 && r.key.startsWith('\u0000\u0000\u0000');
      assert.deepEqual(
        recs.filter((r) => !isMarker(r)).map((r) => r.value),
        everything,
        'kafka-python (read_uncommitted) sees every data record',
      );
      assert.deepEqual(
        recs.filter(isMarker).map((r) => r.key!.charCodeAt(3)),
        [1, 0, 1],
        'and the commit, abort, commit markers',
      );
    }
  });

  test('an open transaction is invisible to read_committed until it commits', async (t) => {
    if (!supported) return t.skip('the broker does not offer transactions');
    const topic = topicName('txn-open');
    await createTopic(b.bootstrap, topic, 1);
    const p = new Producer<string, string>({ bootstrapServers: b.bootstrap, transactionalId: topicName('tid') });
    await p.initTransactions();
    p.beginTransaction();
    await Promise.all([p.send({ topic, value: 'x' }), p.send({ topic, value: 'y' })]);
    const c = new Consumer<null, string | null>({
      bootstrapServers: b.bootstrap,
      autoOffsetReset: 'earliest',
      isolationLevel: 'read_committed',
      maxWaitMs: 100,
      valueDeserializer: (v) => (v === null ? null : v.toString()),
      keyDeserializer: () => null,
    });
    c.assign([{ topic, partition: 0 }]);
    await assert.rejects(take(c, 1, 800), /timed out/);
    await c.close(); // take() left a reader waiting on it; a fresh consumer reads after the commit
    assert.deepEqual(await readValues(b.bootstrap, topic, 'read_uncommitted', 2), ['x', 'y']);
    await p.commitTransaction();
    assert.deepEqual(await readValues(b.bootstrap, topic, 'read_committed', 2), ['x', 'y']);
    await p.close();
  });

  test('a second producer with the same transactional id fences the first and aborts its open transaction', async (t) => {
    if (!supported) return t.skip('the broker does not offer transactions');
    const topic = topicName('txn-fence');
    await createTopic(b.bootstrap, topic, 1);
    const tid = topicName('tid');
    const p1 = new Producer<string, string>({ bootstrapServers: b.bootstrap, transactionalId: tid });
    await p1.initTransactions();
    p1.beginTransaction();
    await p1.send({ topic, value: 'zombie' });
    const p2 = new Producer<string, string>({ bootstrapServers: b.bootstrap, transactionalId: tid });
    await p2.initTransactions();
    assert.ok(p2.producerEpoch > p1.producerEpoch || p2.producerId !== p1.producerId);
    p2.beginTransaction();
    await p2.send({ topic, value: 'live' });
    await p2.commitTransaction();
    await assert.rejects(p1.commitTransaction(), (e: unknown) => e instanceof KafkaError && !e.retriable);
    await p1.close().catch(() => {});
    await p2.close();
    assert.deepEqual(await readValues(b.bootstrap, topic, 'read_committed', 1), ['live']);
  });

  for (const outcome of ['commit', 'abort'] as const) {
    test(`sendOffsetsToTransaction: consumed offsets reach the group only on commit (${outcome})`, async (t) => {
      if (!supported) return t.skip('the broker does not offer transactions');
      const input = topicName('txn-in');
      const output = topicName('txn-out');
      const group = topicName('txn-g');
      await createTopic(b.bootstrap, input, 1);
      await createTopic(b.bootstrap, output, 1);
      const seed = new Producer<string, string>({ bootstrapServers: b.bootstrap });
      await Promise.all(Array.from({ length: 20 }, (_, i) => seed.send({ topic: input, value: `in${i}` })));
      await seed.close();

      const c = new Consumer<null, string | null>({
        bootstrapServers: b.bootstrap,
        groupId: group,
        autoOffsetReset: 'earliest',
        enableAutoCommit: false,
        isolationLevel: 'read_committed',
        heartbeatIntervalMs: 200,
        valueDeserializer: (v) => (v === null ? null : v.toString()),
        keyDeserializer: () => null,
      });
      c.subscribe([input]);
      const records = await take(c, 20, 15000);
      const p = new Producer<string, string>({ bootstrapServers: b.bootstrap, transactionalId: topicName('tid') });
      await p.initTransactions();
      p.beginTransaction();
      for (const r of records) p.produce({ topic: output, value: r.value!.toUpperCase() });
      const meta = c.groupMetadata();
      assert.equal(meta.groupId, group);
      assert.ok(meta.generationId >= 1 && meta.memberId !== '');
      await p.sendOffsetsToTransaction(c.positions(), meta);
      if (outcome === 'commit') await p.commitTransaction();
      else await p.abortTransaction();
      const [off] = await c.committed([{ topic: input, partition: 0 }]);
      assert.equal(off!.offset, outcome === 'commit' ? 20 : -1);
      const out = await readValues(b.bootstrap, output, 'read_committed', outcome === 'commit' ? 20 : 0);
      assert.equal(out.length, outcome === 'commit' ? 20 : 0);
      if (outcome === 'commit')
        assert.deepEqual(
          out,
          records.map((r) => r.value!.toUpperCase()),
        );
      await p.close();
      await c.close();
    });
  }
});
