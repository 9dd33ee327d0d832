/**
 * The transaction coordinator without sockets: loading and unloading a __transaction_state partition (state comes
 * back; NOT_COORDINATOR while unloaded, COORDINATOR_LOAD_IN_PROGRESS while loading) and a transaction past its
 * timeout aborted when the mock clock reaches the abort task.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeBatches } from '../../src/protocol/records/batch.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { startCoordinators } from '../helpers/coordinators.js';

const FENCED = ErrorCode.PRODUCER_FENCED;

test('a transactional id survives unload and reload; NOT_COORDINATOR and LOAD_IN_PROGRESS meanwhile', async () => {
  const h = await startCoordinators();
  try {
    assert.equal(h.topics.create('data', 2, 1, {}).errorCode, 0);
    const init = await h.txn.initProducerId('tid-a', 60_000, -1, -1, FENCED);
    assert.equal(init.errorCode, 0);
    const added = await h.txn.addPartitions(
      'tid-a',
      init.producerId,
      init.producerEpoch,
      [{ name: 'data', partitions: [0, 1] }],
      FENCED,
    );
    assert.deepEqual(
      added.flatMap((t) => t.results.map((r) => r.errorCode)),
      [0, 0],
    );
    const p = h.txn.partitionFor('tid-a');

    h.txn.onResign(p, 0);
    assert.equal(h.txn.get('tid-a'), undefined);
    assert.equal(
      await h.txn.endTxn('tid-a', init.producerId, init.producerEpoch, true, FENCED),
      ErrorCode.NOT_COORDINATOR,
    );
    assert.equal((await h.txn.initProducerId('tid-a', 60_000, -1, -1, FENCED)).errorCode, ErrorCode.NOT_COORDINATOR);

    const loading = h.txn.onBecomeLeader(p, 1);
    assert.equal(
      await h.txn.endTxn('tid-a', init.producerId, init.producerEpoch, true, FENCED),
      ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
    );
    await loading;
    const m = h.txn.get('tid-a');
    assert.equal(m?.state, 'Ongoing');
    assert.equal(m?.producerId, init.producerId);
    assert.deepEqual([...(m?.partitions.get('data') ?? [])].sort(), [0, 1]);
    assert.equal(await h.txn.endTxn('tid-a', init.producerId, init.producerEpoch, true, FENCED), 0);
    assert.equal(h.txn.get('tid-a')?.state, 'CompleteCommit');
    // Both partitions got a COMMIT marker.
    for (const part of [0, 1]) {
      const log = h.topics.partition('data', part)!;
      const batches = await decodeBatches(log.read(0, 1 << 20, { minOneBatch: true }).records);
      assert.deepEqual(
        batches.map((b) => b.header.isControl),
        [true],
      );
    }
  } finally {
    await h.close();
  }
});

test('a transaction past its timeout is aborted by the abort task on the clock, fencing its producer', async () => {
  const h = await startCoordinators({ 'transaction.abort.timed.out.transaction.cleanup.interval.ms': '10000' });
  try {
    assert.equal(h.topics.create('data', 1, 1, {}).errorCode, 0);
    const init = await h.txn.initProducerId('tid-slow', 15_000, -1, -1, FENCED);
    const pid = init.producerId;
    await h.txn.addPartitions('tid-slow', pid, init.producerEpoch, [{ name: 'data', partitions: [0] }], FENCED);
    h.clock.advance(10_000);
    assert.equal(h.txn.get('tid-slow')?.state, 'Ongoing', 'still within its timeout at the first check');
    h.clock.advance(10_000);
    const m = h.txn.get('tid-slow')!;
    assert.equal(m.state, 'CompleteAbort');
    assert.equal(m.producerEpoch, init.producerEpoch + 1, 'the epoch was bumped to fence the old producer');
    const log = h.topics.partition('data', 0)!;
    assert.equal(log.logEndOffset, 1, 'an ABORT marker was written');
    assert.equal(await h.txn.endTxn('tid-slow', pid, init.producerEpoch, true, FENCED), FENCED);
    // The state was written: after a reload the abort is still there.
    const p = h.txn.partitionFor('tid-slow');
    h.txn.onResign(p, 0);
    await h.txn.onBecomeLeader(p, 1);
    assert.equal(h.txn.get('tid-slow')?.state, 'CompleteAbort');
    assert.equal(h.txn.get('tid-slow')?.producerEpoch, init.producerEpoch + 1);
  } finally {
    await h.close();
  }
});
