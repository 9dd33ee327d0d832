/**
 * Producer ids in cluster mode: blocks come from a cluster-wide source (an etcd counter in Samsa), the next block is
 * reserved while half of the current one is left, and an exhausted manager answers COORDINATOR_NOT_AVAILABLE (so
 * clients retry) instead of reusing or inventing ids.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ErrorCode } from '../../src/protocol/errors.js';
import {
  PRODUCER_ID_BLOCK_SIZE,
  ProducerIdManager,
  ProducerIdsUnavailable,
} from '../../src/broker/txn/producer-ids.js';

test('cluster blocks: ids only from reserved blocks, next block reserved ahead, none reused', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'samsa-pids-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  let counter = 5000; // another broker already took 0..4999
  const asked: number[] = [];
  let hold: Promise<void> | undefined;
  const m = new ProducerIdManager(dir);
  await m.useBlockSource(async (count) => {
    asked.push(count);
    await hold;
    const start = counter;
    counter += count;
    return { start, end: counter };
  });
  assert.equal(m.allocate(), 5000);
  const ids = [5000];
  for (let i = 1; i < PRODUCER_ID_BLOCK_SIZE; i++) ids.push(m.allocate());
  await new Promise((r) => setImmediate(r));
  // Half-way through the first block the second was reserved; the first block's ids are consecutive.
  assert.equal(asked.length, 2);
  assert.deepEqual(
    ids,
    Array.from({ length: PRODUCER_ID_BLOCK_SIZE }, (_, i) => 5000 + i),
  );
  counter += 1000; // more ids taken elsewhere meanwhile
  let release!: () => void;
  hold = new Promise((r) => (release = r));
  // The second block (6000..6999) is used next; then the source is slow and the manager runs dry.
  for (let i = 0; i < PRODUCER_ID_BLOCK_SIZE; i++) assert.equal(m.allocate(), 6000 + i);
  assert.throws(
    () => m.allocate(),
    (e: unknown) => e instanceof ProducerIdsUnavailable && e.code === ErrorCode.COORDINATOR_NOT_AVAILABLE,
  );
  const waiting = m.allocateAsync();
  release();
  assert.equal(await waiting, 8000);
});
