/**
 * Faults of a partition leader, with KafkaJS's idempotent producer writing acks=all to an RF 3,
 * min.insync.replicas 2 topic throughout (test/helpers/faults.ts): kill -9 of the leader, repeated over the
 * partitions; and SIGSTOP of the leader for longer than its session, then SIGCONT: the others elect a new leader,
 * the old one is fenced and must drop whatever it holds that was never committed. After each fault the cluster
 * heals, every acknowledged record reads back exactly once in order (kcat), and at the end the three replicas'
 * segment files hold the same batches. FAULT_ROUNDS sets the number of rounds (`npm run faults`).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kcat, kcatConsumeAll } from '../helpers/clients.js';
import { describeTopic, faultRounds, runScenario, SESSION_MS, sleep, type TopicView } from '../helpers/faults.js';

test('kill -9 of a partition leader, repeated', { timeout: 1_800_000 }, async (t) => {
  const failovers: number[] = [];
  const r = await runScenario(
    t,
    'leader-kill',
    { rounds: faultRounds(3) },
    async ({ c, topic, partitions, writer, round, note }) => {
      const p = partitions[round % partitions.length]!;
      const leader = await c.leaderOf(topic, p);
      assert.ok(leader > 0, `partition ${p} has a leader`);
      const killedAt = Date.now();
      await c.kill(leader);
      // The first acknowledgement of a send started after the kill: it can only have come from a new leader.
      const firstAck = async (): Promise<{ at: number; leader: number }> => {
        const deadline = Date.now() + 30_000;
        for (;;) {
          const ack = writer.ackTimes.get(p)!.find((x) => x.sentAt > killedAt);
          if (ack !== undefined) return { at: ack.ackedAt, leader: await c.leaderOf(topic, p) };
          if (Date.now() > deadline)
            throw new Error(
              `no acknowledged produce on ${topic}-${p} after killing leader ${leader} (${writer.lastError})`,
            );
          await sleep(10);
        }
      };
      const { at, leader: newLeader } = await firstAck();
      assert.ok(newLeader > 0 && newLeader !== leader, `a new leader (${newLeader}) for partition ${p}`);
      failovers.push(at - killedAt);
      note(
        `round ${round + 1}: killed leader ${leader} of partition ${p}; ${newLeader} leads; first ack after ${at - killedAt} ms`,
      );
      await c.restart(leader);
    },
  );
  if (r === undefined) return;
  assert.ok(r.acked > 0);
  t.diagnostic(`failover times (kill -9 to first acknowledged produce): ${failovers.join(', ')} ms`);
});

/** librdkafka settings of the SIGSTOP probe: acks=all, idempotent, the writer's 3 s request timeout. */
const PROBE_PRODUCER: Record<string, string> = {
  'request.required.acks': '-1',
  'enable.idempotence': 'true',
  'socket.timeout.ms': '3000',
  'message.timeout.ms': '40000',
};

test('SIGSTOP of a partition leader past its session, then SIGCONT', { timeout: 1_800_000 }, async (t) => {
  await runScenario(
    t,
    'leader-stop',
    { rounds: faultRounds(2) },
    async ({ c, topic, partitions, writer, round, note }) => {
      const p = partitions[round % partitions.length]!;
      const leader = await c.leaderOf(topic, p);
      assert.ok(leader > 0);
      // A probe beside the writer: a one-partition topic led by the same broker, and a fresh kcat (librdkafka,
      // acks=all, idempotent, 3 s socket timeout like the writer's request timeout) producing one record to it the
      // moment the broker is paused. librdkafka gives up on a broker that does not answer and asks another, so
      // the time to its acknowledgement is the cluster's failover as a well-behaved client sees it.
      const probe = `${topic}-probe-${round}`;
      const admin = (await c.kafka('samsa-faults-probe')).admin();
      await admin.connect();
      try {
        await admin.createTopics({
          topics: [
            {
              topic: probe,
              replicaAssignment: [{ partition: 0, replicas: [leader, ...c.ids.filter((x) => x !== leader)] }],
              configEntries: [{ name: 'min.insync.replicas', value: '2' }],
            },
          ],
          waitForLeaders: true,
        });
      } finally {
        await admin.disconnect();
      }
      await c.waitHealed([probe], 30_000);
      assert.equal(await c.leaderOf(probe, 0), leader);
      const mark = c.broker(leader).output().length;
      c.pause(leader);
      const pausedAt = Date.now();
      const probeValue = `probe-${round}-${pausedAt}`;
      const probed = kcat(
        c.bootstrap,
        ['-P', '-t', probe, '-p', '0'].concat(...Object.entries(PROBE_PRODUCER).map(([k, v]) => ['-X', `${k}=${v}`])),
        { input: `${probeValue}\n`, timeoutMs: 45_000 },
      ).then(() => Date.now() - pausedAt);
      let newLeader = leader;
      while (newLeader === leader || newLeader < 0) {
        if (Date.now() - pausedAt > 30_000)
          throw new Error(`no new leader for ${topic}-${p} while ${leader} is paused`);
        await sleep(100);
        newLeader = await c.leaderOf(topic, p).catch(() => leader);
      }
      const elected = Date.now() - pausedAt;
      // As in Kafka, once its session is gone the paused broker is out of the cluster as the others describe it:
      // not among the brokers of Metadata (so clients stop choosing it), out of every ISR (so acks=all does not
      // wait for it), listed as an offline replica.
      let fenced = -1;
      while (fenced < 0) {
        const views = await Promise.all(
          c.ids.filter((id) => c.live(id)).map((id) => describeTopic(c.broker(id).port, topic)),
        ).catch(() => []);
        const out = (v: TopicView): boolean =>
          !v.brokers.includes(leader) &&
          v.partitions.every((x) => !x.isr.includes(leader) && x.offline.includes(leader) && x.leader !== leader);
        if (views.length > 0 && views.every(out)) fenced = Date.now() - pausedAt;
        else if (Date.now() - pausedAt > 30_000)
          throw new Error(`live brokers still describe paused broker ${leader}: ${JSON.stringify(views)}`);
        else await sleep(100);
      }
      const probeMs = await probed;
      assert.ok(probeMs < 15_000, `kcat's record acknowledged ${probeMs} ms after the pause (over 15 s)`);
      // The writer moves on too: 3-10 s mostly, up to about 30 s when KafkaJS keeps choosing the paused broker,
      // whose socket is still open, for its metadata requests (one chance in three each time, 3-6 s lost).
      await writer.waitForAcks(10 * partitions.length, 60_000);
      const acked = Date.now() - pausedAt;
      // Stay paused well past the session so the old leader wakes up to a cluster that moved on.
      await sleep(Math.max(0, 2 * SESSION_MS - (Date.now() - pausedAt)));
      c.resume(leader);
      const resumedAt = Date.now();
      note(
        `round ${round + 1}: paused leader ${leader} of partition ${p}; ${newLeader} elected after ${elected} ms, ${leader} out of Metadata and ISRs after ${fenced} ms; kcat's record acknowledged after ${probeMs} ms, the KafkaJS writer's next ${10 * partitions.length} after ${acked} ms; resumed after ${resumedAt - pausedAt} ms`,
      );
      await c.waitHealed([topic, probe]);
      const read = await kcatConsumeAll(c.bootstrap, probe, [], { timeoutMs: 60_000 });
      assert.deepEqual(
        read.map((m) => m.payload),
        [probeValue],
        `the probe topic holds kcat's record once (${JSON.stringify(read.map((m) => m.payload))})`,
      );
      // What the old leader said on waking up: it finds its session gone, registers again, follows the new
      // leaders and truncates whatever it appended as a stale leader (requests that waited in its socket).
      const woke = new Set(
        c
          .broker(leader)
          .output()
          .slice(mark)
          .split('\n')
          .filter((l) => /truncated|session|fenced|registered/i.test(l))
          .map((l) => l.replace(/^\S+\s+\S+\s+/, '').replace(/ \w+=.*$/, '')),
      );
      note(
        `round ${round + 1}: old leader ${leader} back in every ISR ${Date.now() - resumedAt} ms after SIGCONT; it logged: ${[...woke].join(' | ')}`,
      );
    },
  );
});
