/**
 * kill -9 of the controller while KafkaJS's idempotent producer writes acks=all to an RF 3, min.insync.replicas 2
 * topic: another broker becomes controller, the partitions the dead one led move, and after it restarts the
 * cluster heals, every acknowledged record reads back exactly once in order, and the replicas' logs are identical
 * (test/helpers/faults.ts). FAULT_ROUNDS sets the number of rounds.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { faultRounds, runScenario, sleep } from '../helpers/faults.js';

test('kill -9 of the controller', { timeout: 1_800_000 }, async (t) => {
  await runScenario(
    t,
    'controller-kill',
    { rounds: faultRounds(2) },
    async ({ c, partitions, writer, round, note }) => {
      const controller = await c.controller();
      assert.ok(controller > 0, 'a controller');
      const killedAt = Date.now();
      await c.kill(controller);
      let next = -1;
      while (next < 0 || next === controller) {
        if (Date.now() - killedAt > 30_000) throw new Error(`no new controller after killing ${controller}`);
        await sleep(100);
        next = await c.controller().catch(() => -1);
      }
      const elected = Date.now() - killedAt;
      await writer.waitForAcks(10 * partitions.length, 30_000);
      note(`round ${round + 1}: killed controller ${controller}; ${next} elected after ${elected} ms`);
      await c.restart(controller);
    },
  );
});
