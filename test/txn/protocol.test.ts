/**
 * Idempotence and transactions at the protocol level: sequence checks, duplicates, epochs, the transaction APIs'
 * errors for bad input, read_committed fetches (LSO, aborted transactions), timeouts, operator APIs, and state
 * that survives a restart.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ErrorCode } from '../../src/protocol/errors.js';
import { decodeBatches } from '../../src/protocol/records/batch.js';
import { AddOffsetsToTxn } from '../../src/protocol/messages/add-offsets-to-txn.js';
import { AddPartitionsToTxn } from '../../src/protocol/messages/add-partitions-to-txn.js';
import { DescribeProducers } from '../../src/protocol/messages/describe-producers.js';
import { DescribeTransactions } from '../../src/protocol/messages/describe-transactions.js';
import { ListTransactions } from '../../src/protocol/messages/list-transactions.js';
import { TxnOffsetCommit } from '../../src/protocol/messages/txn-offset-commit.js';
import { OffsetFetch } from '../../src/protocol/messages/offset-fetch.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { addPartitions, batch, createTopic, endTxn, fetchOne, initPid, produce } from './helpers.js';

let tb: TestBroker;
let c: RawClient;

before(async () => {
  tb = await startTestBroker({ config: { 'transaction.abort.timed.out.transaction.cleanup.interval.ms': '100' } });
  c = await RawClient.connect(tb.port);
});
after(async () => {
  c.close();
  await tb.stop();
});

async function values(records: Buffer): Promise<string[]> {
  const out: string[] = [];
  for (const b of await decodeBatches(records)) {
    if (b.header.isControl) continue;
    for (const r of b.records) out.push(r.value!.toString());
  }
  return out;
}

/** What a read_committed client keeps: records of aborted transactions dropped, as clients do with the list. */
async function visible(f: {
  records: Buffer;
  abortedTransactions: Array<{ producerId: number; firstOffset: number }> | null;
}): Promise<string[]> {
  const pending = [...(f.abortedTransactions ?? [])].sort((a, b) => a.firstOffset - b.firstOffset);
  const active = new Set<number>();
  const out: string[] = [];
  for (const b of await decodeBatches(f.records)) {
    const h = b.header;
    while (pending.length > 0 && pending[0]!.firstOffset <= h.baseOffset + h.lastOffsetDelta)
      active.add(pending.shift()!.producerId);
    if (h.isControl) {
      active.delete(h.producerId);
      continue;
    }
    if (h.isTransactional && active.has(h.producerId)) continue;
    for (const r of b.records) out.push(r.value!.toString());
  }
  return out;
}

describe('idempotent producer', () => {
  test('InitProducerId without a transactional id gives fresh ids for every version 0-5', async () => {
    const seen = new Set<number>();
    for (let v = 0; v <= 5; v++) {
      const r = await initPid(c, null, 60_000, v);
      assert.equal(r.errorCode, 0);
      assert.equal(r.producerEpoch, 0);
      assert.ok(r.producerId >= 0);
      assert.ok(!seen.has(r.producerId), 'producer ids are never reused');
      seen.add(r.producerId);
    }
  });

  test('in-order batches append; a retried batch gets its original offset and is not stored twice', async () => {
    await createTopic(c, 'idem-dup');
    const pid = await initPid(c);
    assert.equal((await produce(c, 'idem-dup', 0, await batch(pid, 0, ['a', 'b']))).baseOffset, 0);
    assert.equal((await produce(c, 'idem-dup', 0, await batch(pid, 2, ['c']))).baseOffset, 2);
    const retry = await produce(c, 'idem-dup', 0, await batch(pid, 0, ['a', 'b']));
    assert.deepEqual([retry.errorCode, retry.baseOffset], [0, 0]);
    const retry2 = await produce(c, 'idem-dup', 0, await batch(pid, 2, ['c']));
    assert.deepEqual([retry2.errorCode, retry2.baseOffset], [0, 2]);
    const f = await fetchOne(c, 'idem-dup', 0, 0, 0);
    assert.equal(f.highWatermark, 3);
    assert.deepEqual(await values(f.records), ['a', 'b', 'c']);
  });

  test('a sequence gap is OUT_OF_ORDER_SEQUENCE_NUMBER and stores nothing', async () => {
    await createTopic(c, 'idem-gap');
    const pid = await initPid(c);
    await produce(c, 'idem-gap', 0, await batch(pid, 0, ['a']));
    const r = await produce(c, 'idem-gap', 0, await batch(pid, 5, ['x']));
    assert.equal(r.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.equal((await fetchOne(c, 'idem-gap', 0, 0, 0)).highWatermark, 1);
  });

  test('an older epoch is INVALID_PRODUCER_EPOCH; a new epoch must restart at sequence 0', async () => {
    await createTopic(c, 'idem-epoch');
    const pid = await initPid(c);
    const e1 = { producerId: pid.producerId, producerEpoch: 1 };
    assert.equal((await produce(c, 'idem-epoch', 0, await batch(e1, 0, ['a']))).errorCode, 0);
    assert.equal(
      (await produce(c, 'idem-epoch', 0, await batch(pid, 1, ['old']))).errorCode,
      ErrorCode.INVALID_PRODUCER_EPOCH,
    );
    const e2 = { producerId: pid.producerId, producerEpoch: 2 };
    assert.equal(
      (await produce(c, 'idem-epoch', 0, await batch(e2, 3, ['x']))).errorCode,
      ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    );
    assert.equal((await produce(c, 'idem-epoch', 0, await batch(e2, 0, ['b']))).errorCode, 0);
    assert.deepEqual(await values((await fetchOne(c, 'idem-epoch', 0, 0, 0)).records), ['a', 'b']);
  });

  test('an unknown producer id starting above sequence 0 is UNKNOWN_PRODUCER_ID', async () => {
    await createTopic(c, 'idem-unknown');
    const r = await produce(c, 'idem-unknown', 0, await batch({ producerId: 987654, producerEpoch: 0 }, 7, ['x']));
    assert.equal(r.errorCode, ErrorCode.UNKNOWN_PRODUCER_ID);
    assert.equal((await fetchOne(c, 'idem-unknown', 0, 0, 0)).highWatermark, 0);
  });

  test('DescribeProducers lists the producer with its last sequence', async () => {
    const r = (await c.send(DescribeProducers, 0, { topics: [{ name: 'idem-dup', partitionIndexes: [0, 9] }] })) as any;
    const [p0, p9] = r.topics[0].partitions;
    assert.equal(p0.errorCode, 0);
    assert.equal(p0.activeProducers.length, 1);
    assert.equal(p0.activeProducers[0].lastSequence, 2);
    assert.equal(p9.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });
});

describe('transactions', () => {
  test('commit and abort: read_committed stops at the LSO, then skips aborted records via abortedTransactions', async () => {
    await createTopic(c, 'txn-rc');
    const tid = 'rc-' + Date.now();
    const pid = await initPid(c, tid);
    assert.equal(pid.errorCode, 0);
    assert.deepEqual(await addPartitions(c, tid, pid, 'txn-rc', [0]), [0]);
    assert.equal((await produce(c, 'txn-rc', 0, await batch(pid, 0, ['a1', 'a2'], true), tid)).errorCode, 0);
    // open transaction: read_committed sees nothing yet, read_uncommitted sees it
    let f = await fetchOne(c, 'txn-rc', 0, 0, 1);
    assert.equal(f.lastStableOffset, 0);
    assert.equal(f.records.length, 0);
    assert.deepEqual(await values((await fetchOne(c, 'txn-rc', 0, 0, 0)).records), ['a1', 'a2']);
    assert.equal(await endTxn(c, tid, pid, false), 0);
    // second transaction, committed
    assert.deepEqual(await addPartitions(c, tid, pid, 'txn-rc', [0]), [0]);
    assert.equal((await produce(c, 'txn-rc', 0, await batch(pid, 2, ['c1'], true), tid)).errorCode, 0);
    assert.equal(await endTxn(c, tid, pid, true), 0);
    f = await fetchOne(c, 'txn-rc', 0, 0, 1);
    assert.equal(f.lastStableOffset, 5); // a1 a2 ABORT c1 COMMIT
    assert.equal(f.highWatermark, 5);
    assert.deepEqual(f.abortedTransactions, [{ producerId: pid.producerId, firstOffset: 0 }]);
    assert.deepEqual(await visible(f), ['c1']);
    const batches = await decodeBatches(f.records);
    assert.deepEqual(
      batches.map((b) => [b.header.baseOffset, b.header.isControl]),
      [
        [0, false],
        [2, true],
        [3, false],
        [4, true],
      ],
    );
    // fetching past the aborted range returns no aborted transactions
    assert.deepEqual((await fetchOne(c, 'txn-rc', 0, 3, 1)).abortedTransactions, []);
  });

  test('KIP-890: a transactional write to a partition not added to the transaction is rejected', async () => {
    await createTopic(c, 'txn-verify', 2);
    const tid = 'verify-' + Date.now();
    const pid = await initPid(c, tid);
    assert.equal(
      (await produce(c, 'txn-verify', 0, await batch(pid, 0, ['x'], true), tid)).errorCode,
      ErrorCode.INVALID_TXN_STATE,
    );
    assert.deepEqual(await addPartitions(c, tid, pid, 'txn-verify', [0]), [0]);
    assert.equal(
      (await produce(c, 'txn-verify', 1, await batch(pid, 0, ['y'], true), tid)).errorCode,
      ErrorCode.INVALID_TXN_STATE,
    );
    assert.equal((await produce(c, 'txn-verify', 0, await batch(pid, 0, ['z'], true), tid)).errorCode, 0);
    // verify-only (v4, the broker-to-coordinator form) reports what is in the transaction
    const r = (await c.send(AddPartitionsToTxn, 4, {
      transactions: [
        {
          transactionalId: tid,
          producerId: pid.producerId,
          producerEpoch: pid.producerEpoch,
          verifyOnly: true,
          topics: [{ name: 'txn-verify', partitions: [0, 1] }],
        },
      ],
    } as never)) as any;
    assert.deepEqual(
      r.resultsByTransaction[0].topicResults[0].resultsByPartition.map((p: any) => p.partitionErrorCode),
      [0, ErrorCode.INVALID_TXN_STATE],
    );
    assert.equal(await endTxn(c, tid, pid, true), 0);
    assert.equal(
      (await fetchOne(c, 'txn-verify', 1, 0, 0)).highWatermark,
      0,
      'nothing was written to the partition not added',
    );
  });

  test('bad input: unknown ids, wrong producer ids and epochs, EndTxn without a transaction, bad timeouts', async () => {
    await createTopic(c, 'txn-bad');
    assert.equal((await initPid(c, 'bad-timeout', 0)).errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    assert.equal((await initPid(c, 'bad-timeout', 900_001)).errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    assert.equal((await initPid(c, '')).errorCode, ErrorCode.INVALID_REQUEST);
    const unknown = { producerId: 424242, producerEpoch: 0 };
    assert.equal(await endTxn(c, 'never-initialized', unknown, true), ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    assert.deepEqual(await addPartitions(c, 'never-initialized', unknown, 'txn-bad', [0]), [
      ErrorCode.INVALID_PRODUCER_ID_MAPPING,
    ]);
    const tid = 'bad-' + Date.now();
    const pid = await initPid(c, tid);
    assert.equal(await endTxn(c, tid, pid, true), ErrorCode.INVALID_TXN_STATE, 'EndTxn with no transaction open');
    assert.equal(
      await endTxn(c, tid, { ...pid, producerId: pid.producerId + 1000 }, true),
      ErrorCode.INVALID_PRODUCER_ID_MAPPING,
    );
    assert.equal(
      await endTxn(c, tid, { ...pid, producerEpoch: pid.producerEpoch + 1 }, true),
      ErrorCode.PRODUCER_FENCED,
    );
    assert.equal(
      await endTxn(c, tid, { ...pid, producerEpoch: pid.producerEpoch + 1 }, true, 1),
      ErrorCode.INVALID_PRODUCER_EPOCH,
      'v1 says INVALID_PRODUCER_EPOCH',
    );
    assert.deepEqual(await addPartitions(c, tid, pid, 'no-such-topic', [0]), [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    // TxnOffsetCommit before AddOffsetsToTxn
    const toc = (await c.send(TxnOffsetCommit, 3, {
      transactionalId: tid,
      groupId: 'g-bad',
      producerId: pid.producerId,
      producerEpoch: pid.producerEpoch,
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [
        {
          name: 'txn-bad',
          partitions: [{ partitionIndex: 0, committedOffset: 5, committedLeaderEpoch: -1, committedMetadata: null }],
        },
      ],
    })) as any;
    assert.equal(toc.topics[0].partitions[0].errorCode, ErrorCode.INVALID_TXN_STATE);
    // nothing partial: the transaction is still Empty with no partitions
    const d = (await c.send(DescribeTransactions, 0, { transactionalIds: [tid, 'never-initialized'] })) as any;
    assert.equal(d.transactionStates[0].transactionState, 'Empty');
    assert.deepEqual(d.transactionStates[0].topics, []);
    assert.equal(d.transactionStates[1].errorCode, ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
  });

  test('a second InitProducerId fences the first: its open transaction is aborted, its epoch rejected', async () => {
    await createTopic(c, 'txn-fence');
    const tid = 'fence-' + Date.now();
    const old = await initPid(c, tid);
    await addPartitions(c, tid, old, 'txn-fence', [0]);
    await produce(c, 'txn-fence', 0, await batch(old, 0, ['zombie'], true), tid);
    const fresh = await initPid(c, tid);
    assert.equal(fresh.producerId, old.producerId);
    assert.ok(fresh.producerEpoch > old.producerEpoch);
    assert.equal(await endTxn(c, tid, old, true), ErrorCode.PRODUCER_FENCED);
    assert.equal(
      (await produce(c, 'txn-fence', 0, await batch(old, 1, ['zombie2'], true), tid)).errorCode,
      ErrorCode.INVALID_PRODUCER_EPOCH,
    );
    const f = await fetchOne(c, 'txn-fence', 0, 0, 1);
    assert.deepEqual(await values(f.records), ['zombie'], 'the aborted record stays in the log');
    assert.deepEqual(await visible(f), [], 'but read_committed clients drop it');
    assert.equal(f.abortedTransactions?.length, 1);
    // KIP-360: the old epoch may no longer ask for a bump; the current one may
    assert.equal((await initPid(c, tid, 60_000, 4, old)).errorCode, ErrorCode.PRODUCER_FENCED);
    const bumped = await initPid(c, tid, 60_000, 4, fresh);
    assert.deepEqual([bumped.errorCode, bumped.producerEpoch], [0, fresh.producerEpoch + 1]);
  });

  test('a transaction past its timeout is aborted and its producer fenced', async () => {
    await createTopic(c, 'txn-timeout');
    const tid = 'timeout-' + Date.now();
    const pid = await initPid(c, tid, 300);
    await addPartitions(c, tid, pid, 'txn-timeout', [0]);
    await produce(c, 'txn-timeout', 0, await batch(pid, 0, ['late'], true), tid);
    let state = '';
    for (let i = 0; i < 100 && state !== 'CompleteAbort'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      state = ((await c.send(DescribeTransactions, 0, { transactionalIds: [tid] })) as any).transactionStates[0]
        .transactionState;
    }
    assert.equal(state, 'CompleteAbort');
    assert.equal(await endTxn(c, tid, pid, true), ErrorCode.PRODUCER_FENCED);
    const f = await fetchOne(c, 'txn-timeout', 0, 0, 1);
    assert.equal(f.lastStableOffset, 2);
    assert.deepEqual(f.abortedTransactions, [{ producerId: pid.producerId, firstOffset: 0 }]);
    assert.deepEqual(await visible(f), []);
  });

  test('TxnOffsetCommit offsets reach the group only on commit; ListTransactions filters', async () => {
    await createTopic(c, 'txn-offsets');
    const tid = 'offs-' + Date.now();
    const group = 'g-' + Date.now();
    const pid = await initPid(c, tid);
    const commitOffset = async (offset: number) => {
      const a = (await c.send(AddOffsetsToTxn, 3, {
        transactionalId: tid,
        producerId: pid.producerId,
        producerEpoch: pid.producerEpoch,
        groupId: group,
      })) as any;
      assert.equal(a.errorCode, 0);
      const r = (await c.send(TxnOffsetCommit, 3, {
        transactionalId: tid,
        groupId: group,
        producerId: pid.producerId,
        producerEpoch: pid.producerEpoch,
        generationId: -1,
        memberId: '',
        groupInstanceId: null,
        topics: [
          {
            name: 'txn-offsets',
            partitions: [
              { partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: 'm' },
            ],
          },
        ],
      })) as any;
      assert.equal(r.topics[0].partitions[0].errorCode, 0);
    };
    const committed = async () => {
      const r = (await c.send(OffsetFetch, 7, {
        groupId: group,
        topics: [{ name: 'txn-offsets', partitionIndexes: [0] }],
        requireStable: false,
      } as never)) as any;
      return r.topics[0].partitions[0].committedOffset as number;
    };
    const stable = async (version: number) => {
      const body =
        version >= 8
          ? {
              groups: [{ groupId: group, topics: [{ name: 'txn-offsets', partitionIndexes: [0] }] }],
              requireStable: true,
            }
          : { groupId: group, topics: [{ name: 'txn-offsets', partitionIndexes: [0] }], requireStable: true };
      const r = (await c.send(OffsetFetch, version, body as never)) as any;
      const p = version >= 8 ? r.groups[0].topics[0].partitions[0] : r.topics[0].partitions[0];
      return [p.errorCode, p.committedOffset];
    };
    await commitOffset(7);
    assert.deepEqual(
      await stable(7),
      [88, -1],
      'require_stable: UNSTABLE_OFFSET_COMMIT while a transaction stages the offset',
    );
    assert.deepEqual(await stable(8), [88, -1]);
    const listed = (await c.send(ListTransactions, 1, {
      stateFilters: ['Ongoing', 'Bogus'],
      producerIdFilters: [pid.producerId],
      durationFilter: -1,
    })) as any;
    assert.deepEqual(listed.unknownStateFilters, ['Bogus']);
    assert.deepEqual(
      listed.transactionStates.map((t: any) => t.transactionalId),
      [tid],
    );
    assert.equal(await committed(), -1, 'staged offsets are invisible before the commit');
    assert.equal(await endTxn(c, tid, pid, false), 0);
    assert.equal(await committed(), -1, 'aborted offsets are dropped');
    await commitOffset(11);
    assert.equal(await endTxn(c, tid, pid, true), 0);
    assert.equal(await committed(), 11);
    assert.deepEqual(await stable(7), [0, 11], 'stable again once the transaction committed');
  });
});

describe('restart', () => {
  test('dedup state, open transactions and the LSO survive a restart; the open transaction can still commit', async () => {
    const dir = tb.dataDir;
    const pid = await initPid(c);
    await createTopic(c, 'restart-idem');
    await produce(c, 'restart-idem', 0, await batch(pid, 0, ['r0']));
    await produce(c, 'restart-idem', 0, await batch(pid, 1, ['r1']));
    await createTopic(c, 'restart-txn');
    const tid = 'restart-' + Date.now();
    const tp = await initPid(c, tid);
    await addPartitions(c, tid, tp, 'restart-txn', [0]);
    await produce(c, 'restart-txn', 0, await batch(tp, 0, ['committed'], true), tid);
    await endTxn(c, tid, tp, true);
    await addPartitions(c, tid, tp, 'restart-txn', [0]);
    await produce(c, 'restart-txn', 0, await batch(tp, 1, ['open'], true), tid);

    c.close();
    await tb.broker.close(); // tb.stop() in after() removes the dir
    // same data dir, new broker in this process
    const tb2 = await startTestBroker({
      dataDir: dir,
      config: { 'transaction.abort.timed.out.transaction.cleanup.interval.ms': '100' },
    });
    const c2 = await RawClient.connect(tb2.port);
    try {
      const dup = await produce(c2, 'restart-idem', 0, await batch(pid, 1, ['r1']));
      assert.deepEqual([dup.errorCode, dup.baseOffset], [0, 1]);
      assert.equal((await produce(c2, 'restart-idem', 0, await batch(pid, 2, ['r2']))).baseOffset, 2);
      let f = await fetchOne(c2, 'restart-txn', 0, 0, 1);
      assert.equal(f.lastStableOffset, 2, 'the open transaction still holds the LSO');
      assert.equal(await endTxn(c2, tid, tp, true), 0);
      f = await fetchOne(c2, 'restart-txn', 0, 0, 1);
      assert.deepEqual(await values(f.records), ['committed', 'open']);
      const fresh = await initPid(c2);
      assert.ok(
        fresh.producerId > tp.producerId && fresh.producerId > pid.producerId,
        'no producer id is reused after a restart',
      );
    } finally {
      c2.close();
      await tb2.stop();
    }
  });
});
