/**
 * Coordinators through a broker kill (kill -9), on the fault cluster (test/helpers/faults.ts; __consumer_offsets and
 * __transaction_state with replication factor 3):
 * - a KafkaJS consumer group reading a topic the idempotent writer fills, committing offsets, while the group
 *   coordinator's broker is killed: the group carries on with the new coordinator, reads every acknowledged record,
 *   and its committed offsets reach the end of every partition;
 * - a KafkaJS transactional producer committing (and now and then aborting) transactions over three partitions while
 *   the transaction coordinator's broker is killed: transactions commit again on the new coordinator; read with
 *   read_committed (kcat), every committed transaction is there exactly once, no aborted one is, and one whose
 *   outcome the client never learned is there completely or not at all.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Producer } from 'kafkajs';
import { kcatConsumeAll } from '../helpers/clients.js';
import { coordinatorOf, FaultWriter, requireFaultTools, sleep, withFaultCluster } from '../helpers/faults.js';

test('a consumer group committing offsets through the kill of its coordinator', { timeout: 900_000 }, async (t) => {
  if (!requireFaultTools(t)) return;
  await withFaultCluster(t, async (c) => {
    const topic = `faults-group-${process.pid}`;
    await c.createTopic(topic, 3);
    const kafka = await c.kafka('samsa-faults-group');
    const writer = new FaultWriter(kafka, topic, [0, 1, 2], 5, 20);
    writer.start();
    const groupId = `faults-g-${process.pid}`;
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200, sessionTimeout: 10_000, heartbeatInterval: 500 });
    const consumed: string[] = [];
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommitInterval: 200,
        eachMessage: async ({ message }) => void consumed.push(message.value!.toString()),
      });
      const waitConsumed = async (n: number, what: string): Promise<void> => {
        const start = Date.now();
        while (consumed.length < n) {
          if (Date.now() - start > 60_000) throw new Error(`group consumer: ${what} (${consumed.length} consumed)`);
          await sleep(50);
        }
      };
      await waitConsumed(100, 'nothing consumed before the fault');
      const coordinator = await coordinatorOf(c, groupId, 0);
      await c.kill(coordinator);
      const killedAt = Date.now();
      await waitConsumed(consumed.length + 100, 'no progress after the coordinator was killed');
      // Records already written can be consumed before the dead broker's session expires and the coordinator
      // moves: wait for the move (the group's commits are checked at the end).
      let moved = await coordinatorOf(c, groupId, 0);
      while (moved === coordinator && Date.now() - killedAt < 30_000) {
        await sleep(200);
        moved = await coordinatorOf(c, groupId, 0);
      }
      assert.notEqual(moved, coordinator);
      t.diagnostic(
        `group coordinator ${coordinator} killed; ${moved} took over; group progressing ${Date.now() - killedAt} ms later`,
      );
      await c.restart(coordinator);
      await writer.stop();
      await c.waitHealed([topic, '__consumer_offsets']);
      const acked = [...writer.acked.values()].flat();
      const start = Date.now();
      const have = (): Set<string> => new Set(consumed);
      while (!acked.every((a) => have().has(a.value))) {
        if (Date.now() - start > 60_000) {
          const missing = acked.filter((a) => !have().has(a.value));
          throw new Error(
            `group consumer missed ${missing.length} acknowledged records, e.g. ${missing.slice(0, 5).map((a) => a.value)}`,
          );
        }
        await sleep(100);
      }
      await sleep(1000); // a last auto-commit
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await writer.stop();
    }
    const admin = kafka.admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(topic);
      const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
      for (const e of ends) {
        const got = committed[0]!.partitions.find((p) => p.partition === e.partition)!;
        assert.equal(got.offset, e.high, `committed offset of partition ${e.partition} reaches its end`);
      }
    } finally {
      await admin.disconnect();
    }
    const dup = consumed.length - new Set(consumed).size;
    t.diagnostic(`${writer.stats.acked} acknowledged, ${consumed.length} consumed (${dup} again after a rebalance)`);
  });
});

test('transactions through the kill of the transaction coordinator', { timeout: 900_000 }, async (t) => {
  if (!requireFaultTools(t)) return;
  await withFaultCluster(t, async (c) => {
    const topic = `faults-txn-${process.pid}`;
    await c.createTopic(topic, 3);
    const kafka = await c.kafka('samsa-faults-txn');
    const transactionalId = `faults-tid-${process.pid}`;
    const outcome = new Map<number, 'committed' | 'aborted' | 'unknown'>();
    let producer: Producer | undefined;
    let stop = false;
    let errors = 0;
    let lastError = '';
    let committedAfterKill = 0;
    let killedAt = Number.POSITIVE_INFINITY;
    const loop = (async () => {
      for (let i = 0; !stop; i++) {
        try {
          if (producer === undefined) {
            producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
            await producer.connect();
          }
        } catch (err) {
          lastError = (err as Error).message;
          producer = undefined;
          await sleep(200);
          i--;
          continue;
        }
        outcome.set(i, 'unknown');
        try {
          const txn = await producer.transaction();
          for (let p = 0; p < 3; p++) await txn.send({ topic, messages: [{ partition: p, value: `t${i}-p${p}` }] });
          if (i % 4 === 3) {
            await txn.abort();
            outcome.set(i, 'aborted');
          } else {
            await txn.commit();
            outcome.set(i, 'committed');
            if (Date.now() > killedAt) committedAfterKill++;
          }
        } catch (err) {
          errors++;
          lastError = (err as Error).message;
          const old = producer;
          producer = undefined;
          await old.disconnect().catch(() => undefined);
          await sleep(100);
        }
      }
    })();
    const waitCommitted = async (n: number, what: string): Promise<void> => {
      const start = Date.now();
      while ([...outcome.values()].filter((o) => o === 'committed').length < n) {
        if (Date.now() - start > 60_000) throw new Error(`transactions: ${what} (last error: ${lastError})`);
        await sleep(50);
      }
    };
    try {
      await waitCommitted(10, 'none committed before the fault');
      const coordinator = await coordinatorOf(c, transactionalId, 1);
      killedAt = Date.now();
      await c.kill(coordinator);
      const start = Date.now();
      while (committedAfterKill < 10) {
        if (Date.now() - start > 60_000)
          throw new Error(
            `transactions stopped committing after coordinator ${coordinator} was killed (last error: ${lastError})`,
          );
        await sleep(50);
      }
      const moved = await coordinatorOf(c, transactionalId, 1);
      assert.notEqual(moved, coordinator);
      t.diagnostic(
        `transaction coordinator ${coordinator} killed; ${moved} took over; 10 commits within ${Date.now() - start} ms`,
      );
      await c.restart(coordinator);
    } finally {
      stop = true;
      await loop;
      await producer?.disconnect().catch(() => undefined);
    }
    await c.waitHealed([topic, '__transaction_state']);
    const read = await kcatConsumeAll(c.bootstrap, topic, ['-X', 'isolation.level=read_committed'], {
      timeoutMs: 120_000,
    });
    const values = read.map((m) => m.payload ?? '');
    assert.equal(new Set(values).size, values.length, 'no record twice');
    const present = new Set(values);
    const problems: string[] = [];
    for (const [i, o] of outcome) {
      const n = [0, 1, 2].filter((p) => present.has(`t${i}-p${p}`)).length;
      if (o === 'committed' && n !== 3) problems.push(`committed transaction ${i}: ${n} of 3 records`);
      if (o === 'aborted' && n !== 0) problems.push(`aborted transaction ${i}: ${n} of 3 records visible`);
      if (o === 'unknown' && n !== 0 && n !== 3) problems.push(`transaction ${i} (outcome unknown): ${n} of 3 records`);
    }
    assert.deepEqual(problems, []);
    const count = (x: string): number => [...outcome.values()].filter((o) => o === x).length;
    t.diagnostic(
      `transactions: ${count('committed')} committed, ${count('aborted')} aborted, ${count('unknown')} unknown, ${errors} client errors`,
    );
  });
});
