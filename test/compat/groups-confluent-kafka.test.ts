/**
 * confluent-kafka (librdkafka) consumer groups against Samsa: members sharing a topic without duplicates, the
 * cooperative-sticky assignor, and a member killed without leaving whose partitions move to the survivor.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { withBroker } from '../helpers/broker.js';
import { PY_DIR, PYTHON, requireClient, runPython, uniqueTopic } from '../helpers/clients.js';

const FAST_GROUPS = { 'group.initial.rebalance.delay.ms': '200' };

/** A member process and what it has reported so far. */
class MemberProcess {
  readonly child: ChildProcess;
  assigned: number[] = [];
  readonly received: string[] = [];
  private rest = '';
  exited = false;

  constructor(bootstrap: string, topic: string, group: string) {
    this.child = spawn(PYTHON, ['-u', join(PY_DIR, 'groups_ck_member.py'), bootstrap, topic, group], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (d: Buffer) => {
      const lines = (this.rest + d.toString()).split('\n');
      this.rest = lines.pop()!;
      for (const l of lines) {
        if (l.startsWith('ASSIGN '))
          this.assigned = l
            .slice(7)
            .split(',')
            .filter((x) => x !== '')
            .map(Number);
        else if (l.startsWith('MSG ')) this.received.push(l.slice(4));
      }
    });
    this.child.stderr!.resume();
    this.child.once('exit', () => (this.exited = true));
  }

  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}

async function waitFor(what: string, pred: () => boolean, limitMs = 60_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('confluent-kafka consumer groups', () => {
  test('two members share a topic with auto commit and no duplicates; cooperative-sticky moves only what must move', async (t) => {
    if (!requireClient(t, 'confluent-kafka')) return;
    await withBroker({ config: FAST_GROUPS }, async (b) => {
      const prefix = uniqueTopic('ckg');
      const { summary } = await runPython('groups_ck_share.py', [b.bootstrap, prefix], { timeoutMs: 200_000 });
      assert.deepEqual(summary.offsets, { '0': 50, '1': 50, '2': 50, '3': 50 });
      const coop = summary.cooperative as { a: number[]; b: number[]; revoked: number[][] };
      assert.equal(coop.a.length, 2);
      assert.equal(coop.b.length, 2);
      assert.deepEqual(coop.revoked, [coop.b]);
    });
  });

  test('a member killed with SIGKILL: after the session timeout the survivor owns its partitions and nothing is lost', async (t) => {
    if (!requireClient(t, 'confluent-kafka')) return;
    await withBroker({ config: FAST_GROUPS }, async (b) => {
      const topic = uniqueTopic('ckkill');
      const group = `${topic}-g`;
      assert.equal(b.broker.topics.create(topic, 4, 1, {}).errorCode, 0);
      const { Kafka, logLevel } = await import('kafkajs');
      const kafka = new Kafka({ clientId: 'samsa-groups-test', brokers: [b.bootstrap], logLevel: logLevel.NOTHING });
      const producer = kafka.producer();
      await producer.connect();
      const send = async (prefix: string, n: number) => {
        for (let p = 0; p < 4; p++) {
          const messages = [];
          for (let i = p; i < n; i += 4) messages.push({ value: `${prefix}${i}` });
          await producer.send({ topic, messages: messages.map((m) => ({ ...m, partition: p })) });
        }
      };
      const a = new MemberProcess(b.bootstrap, topic, group);
      const victim = new MemberProcess(b.bootstrap, topic, group);
      try {
        await waitFor('two partitions each', () => a.assigned.length === 2 && victim.assigned.length === 2);
        await send('x', 40);
        await waitFor('the first 40 records', () => new Set([...a.received, ...victim.received]).size === 40);
        const victimHad = [...victim.assigned];
        victim.kill();
        const killedAt = Date.now();
        await send('y', 40);
        await waitFor('the survivor to own all four partitions', () => a.assigned.length === 4, 40_000);
        const movedAfter = Date.now() - killedAt;
        await waitFor(
          'every record',
          () => {
            const all = new Set([...a.received, ...victim.received]);
            return all.size === 80;
          },
          30_000,
        );
        // The survivor read the victim's partitions' new records itself.
        for (let i = 0; i < 40; i++) {
          if (victimHad.includes(i % 4)) assert.ok(a.received.includes(`y${i}`), `survivor read y${i}`);
        }
        const desc = b.broker.groups.describeGroup(group);
        assert.equal(desc.members.length, 1);
        t.diagnostic(`partitions moved ${movedAfter} ms after SIGKILL (session.timeout.ms=6000)`);
      } finally {
        a.kill();
        victim.kill();
        await producer.disconnect();
      }
    });
  });
});
