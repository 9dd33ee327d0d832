/**
 * A KIP-848 client (librdkafka >= 2.4 through node-rdkafka, group.protocol=consumer) against Samsa: server-side
 * assignment and incremental reconciliation seen from a real client.
 *
 * node-rdkafka is not a dependency (it builds librdkafka from source, ~2-12 min): install it with
 * `npm install --no-save node-rdkafka` (its install script must be allowed) or point SAMSA_NODE_RDKAFKA at a
 * directory whose node_modules has it. librdkafka 2.12 speaks ConsumerGroupHeartbeat v1 only; while the broker
 * advertises v0 the test is skipped with a notice.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConsumerGroupHeartbeat } from '../../src/protocol/messages/consumer-group-heartbeat.js';
import { withBroker } from '../helpers/broker.js';
import { uniqueTopic } from '../helpers/clients.js';
import { projectRoot } from '../helpers/spec.js';

function loadRdkafka(): any {
  const bases = [process.env['SAMSA_NODE_RDKAFKA'], projectRoot].filter((x): x is string => !!x);
  for (const base of bases) {
    try {
      return createRequire(join(base, 'package.json'))('node-rdkafka');
    } catch {
      // try the next place
    }
  }
  return undefined;
}

async function waitFor(what: string, pred: () => boolean, limitMs = 60_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** node-rdkafka, or undefined after marking the test skipped (an error when SAMSA_REQUIRE_CLIENTS=1). */
function rdkafkaOrSkip(t: { skip: (msg: string) => void }): any {
  const Kafka = loadRdkafka();
  if (!Kafka) {
    const msg = 'node-rdkafka not installed (npm install --no-save node-rdkafka, or set SAMSA_NODE_RDKAFKA)';
    if (process.env['SAMSA_REQUIRE_CLIENTS'] === '1') throw new Error(msg);
    t.skip(`NOTICE: ${msg}`);
    return undefined;
  }
  if (ConsumerGroupHeartbeat.maxVersion < 1) {
    t.skip('NOTICE: librdkafka >= 2.12 needs ConsumerGroupHeartbeat v1, the schema declares v0 only');
    return undefined;
  }
  return Kafka;
}

describe('KIP-848 consumer protocol with librdkafka', () => {
  test('two members: the second gets partitions only after the first revoked them; every record once', async (t) => {
    const Kafka = rdkafkaOrSkip(t);
    if (!Kafka) return;
    await withBroker({ config: { 'group.consumer.heartbeat.interval.ms': '500' } }, async (b) => {
      const topic = uniqueTopic('k848');
      const group = `${topic}-g`;
      assert.equal(b.broker.topics.create(topic, 4, 1, {}).errorCode, 0);
      const events: string[] = [];
      const members: any[] = [];
      const member = (name: string) => {
        const held = new Set<number>();
        const received: string[] = [];
        const c = new Kafka.KafkaConsumer(
          {
            'bootstrap.servers': b.bootstrap,
            'group.id': group,
            'group.protocol': 'consumer',
            'enable.auto.commit': true,
            'auto.commit.interval.ms': 200,
            rebalance_cb(this: any, err: any, assignment: Array<{ partition: number }>) {
              const assign = err.code === Kafka.CODES.ERRORS.ERR__ASSIGN_PARTITIONS;
              for (const a of assignment) {
                if (assign) {
                  // No partition may be handed to two members at once.
                  const other = members.find((m) => m.name !== name && m.held.has(a.partition));
                  if (other) events.push(`DOUBLE ${a.partition} ${name} ${other.name}`);
                  held.add(a.partition);
                } else held.delete(a.partition);
              }
              events.push(`${name} ${assign ? 'assign' : 'revoke'} ${assignment.map((a) => a.partition).join(',')}`);
              if (assign) this.incrementalAssign(assignment);
              else this.incrementalUnassign(assignment);
            },
          },
          { 'auto.offset.reset': 'earliest' },
        );
        c.on('data', (m: any) => received.push(m.value.toString()));
        c.connect();
        c.on('ready', () => {
          c.subscribe([topic]);
          c.consume();
        });
        const m = { name, c, held, received };
        members.push(m);
        return m;
      };
      const a = member('A');
      try {
        await waitFor('A to own all four partitions', () => a.held.size === 4);
        const bm = member('B');
        await waitFor('two partitions each', () => a.held.size === 2 && bm.held.size === 2);
        const { Kafka: KJS, logLevel } = await import('kafkajs');
        const producer = new KJS({ brokers: [b.bootstrap], logLevel: logLevel.NOTHING }).producer();
        await producer.connect();
        await producer.send({
          topic,
          messages: Array.from({ length: 40 }, (_, i) => ({ partition: i % 4, value: `r${i}` })),
        });
        await producer.disconnect();
        await waitFor('every record', () => new Set([...a.received, ...bm.received]).size === 40);
        assert.equal(a.received.length + bm.received.length, 40, 'no record twice');
        assert.deepEqual(
          events.filter((e) => e.startsWith('DOUBLE')),
          [],
        );
        const d = b.broker.groups.consumerGroupDescribe(group);
        assert.ok('members' in d && d.groupState === 'Stable' && d.members.length === 2, JSON.stringify(d));
      } finally {
        await Promise.all(members.map((m) => new Promise((r) => m.c.disconnect(r))));
      }
    });
  });

  test('a regex subscription sent to the broker picks up a matching topic created after the join', async (t) => {
    const Kafka = rdkafkaOrSkip(t);
    if (!Kafka) return;
    await withBroker({ config: { 'group.consumer.heartbeat.interval.ms': '500' } }, async (b) => {
      const prefix = uniqueTopic('kre').replace(/[^a-zA-Z0-9]/g, '');
      const first = `${prefix}-1`;
      const later = `${prefix}-2`;
      assert.equal(b.broker.topics.create(first, 1, 1, {}).errorCode, 0);
      const held = new Set<string>();
      const received: string[] = [];
      const c = new Kafka.KafkaConsumer(
        {
          'bootstrap.servers': b.bootstrap,
          'group.id': `${prefix}-g`,
          'group.protocol': 'consumer',
          'topic.metadata.refresh.interval.ms': 1000,
          rebalance_cb(this: any, err: any, assignment: Array<{ topic: string; partition: number }>) {
            const assign = err.code === Kafka.CODES.ERRORS.ERR__ASSIGN_PARTITIONS;
            for (const a of assignment)
              assign ? held.add(`${a.topic}:${a.partition}`) : held.delete(`${a.topic}:${a.partition}`);
            if (assign) this.incrementalAssign(assignment);
            else this.incrementalUnassign(assignment);
          },
        },
        { 'auto.offset.reset': 'earliest' },
      );
      c.on('data', (m: any) => received.push(`${m.topic}:${m.value.toString()}`));
      c.connect();
      c.on('ready', () => {
        c.subscribe([`^${prefix}-.*`]);
        c.consume();
      });
      try {
        await waitFor(`${first} assigned`, () => held.has(`${first}:0`));
        assert.equal(b.broker.topics.create(later, 1, 1, {}).errorCode, 0);
        await waitFor(`${later} assigned`, () => held.has(`${later}:0`));
        const member = b.broker.groups.consumerGroupDescribe(`${prefix}-g`);
        assert.ok('members' in member && member.members[0]!.subscribedTopicRegex !== null, JSON.stringify(member));
        const { Kafka: KJS, logLevel } = await import('kafkajs');
        const producer = new KJS({ brokers: [b.bootstrap], logLevel: logLevel.NOTHING }).producer();
        await producer.connect();
        await producer.send({ topic: first, messages: [{ value: 'a' }] });
        await producer.send({ topic: later, messages: [{ value: 'b' }] });
        await producer.disconnect();
        await waitFor('both records', () => received.length === 2);
        assert.deepEqual(received.sort(), [`${first}:a`, `${later}:b`]);
      } finally {
        await new Promise((r) => c.disconnect(r));
      }
    });
  });
});
