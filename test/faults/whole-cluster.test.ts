/**
 * Every broker killed at once (kill -9) and started again on its data while KafkaJS's idempotent producer writes
 * acks=all to an RF 3, min.insync.replicas 2 topic: the writer fails until the brokers are back, then carries on;
 * the cluster heals, every record acknowledged before and after reads back exactly once in order, and the
 * replicas' logs are identical (test/helpers/faults.ts). FAULT_ROUNDS sets the number of rounds.
 */
import { test } from 'node:test';
import { faultRounds, runScenario, sleep } from '../helpers/faults.js';

test('whole-cluster kill -9 and restart', { timeout: 1_800_000 }, async (t) => {
  await runScenario(t, 'all-kill', { rounds: faultRounds(1) }, async ({ c, round, note }) => {
    await c.killAll();
    await sleep(500);
    const start = Date.now();
    await Promise.all(c.ids.map((id) => c.restart(id)));
    note(`round ${round + 1}: all brokers killed; restarted in ${Date.now() - start} ms`);
  });
});
