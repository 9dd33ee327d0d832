/**
 * etcd killed (kill -9) and restarted on its data while KafkaJS's idempotent producer writes acks=all to an RF 3,
 * min.insync.replicas 2 topic: briefly (within the brokers' session) and for longer than the session, when every
 * broker considers its session lost and steps down. With etcd back the cluster heals without restarting a broker,
 * every acknowledged record reads back exactly once in order, and the replicas' logs are identical
 * (test/helpers/faults.ts). FAULT_ROUNDS sets the number of rounds.
 */
import { test } from 'node:test';
import { faultRounds, runScenario, SESSION_MS } from '../helpers/faults.js';

test('etcd killed and restarted', { timeout: 1_800_000 }, async (t) => {
  await runScenario(t, 'etcd-restart', { rounds: faultRounds(2) }, async ({ c, round, note }) => {
    const downMs = round % 2 === 0 ? SESSION_MS / 2 : SESSION_MS * 2;
    await c.restartEtcd(downMs);
    note(`round ${round + 1}: etcd down ${downMs} ms`);
  });
});
