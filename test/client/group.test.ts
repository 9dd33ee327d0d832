import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Admin } from '../../src/client/admin.js';
import {
  cooperativeStickyAssignor,
  rangeAssignor,
  roundRobinAssignor,
  type MemberSubscription,
} from '../../src/client/assignors.js';
import { Consumer, type ConsumerRecord } from '../../src/client/consumer.js';
import { Producer } from '../../src/client/producer.js';
import { JoinGroup } from '../../src/protocol/messages/join-group.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { createTopic, topicName } from './helpers.js';

const member = (
  memberId: string,
  topics: string[],
  owned: Record<string, number[]> = {},
  generationId = 1,
): MemberSubscription => ({
  memberId,
  topics,
  ownedPartitions: Object.entries(owned).map(([topic, partitions]) => ({ topic, partitions })),
  generationId,
});

describe('assignors', () => {
  test('range: contiguous ranges per topic, extra partitions to the first members', () => {
    const out = rangeAssignor.assign(
      [member('b', ['t']), member('a', ['t', 'u'])],
      new Map([
        ['t', 5],
        ['u', 2],
      ]),
    );
    assert.deepEqual(out.get('a'), { t: [0, 1, 2], u: [0, 1] });
    assert.deepEqual(out.get('b'), { t: [3, 4] });
  });

  test('roundrobin: partitions dealt out in turn', () => {
    const out = roundRobinAssignor.assign([member('a', ['t']), member('b', ['t'])], new Map([['t', 5]]));
    assert.deepEqual(out.get('a'), { t: [0, 2, 4] });
    assert.deepEqual(out.get('b'), { t: [1, 3] });
  });

  test('cooperative-sticky: keeps owners, balances, withholds partitions that change owner', () => {
    // a owned everything; b joins. a keeps 3, and the 3 that move to b are withheld this round.
    const first = cooperativeStickyAssignor.assign(
      [member('a', ['t'], { t: [0, 1, 2, 3, 4, 5] }), member('b', ['t'])],
      new Map([['t', 6]]),
    );
    assert.equal(first.get('a')!['t']!.length, 3);
    assert.deepEqual(first.get('b'), {});
    // Next round a owns its 3: b gets the other 3, nothing of a's moves.
    const kept = first.get('a')!['t']!;
    const second = cooperativeStickyAssignor.assign(
      [member('a', ['t'], { t: kept }, 2), member('b', ['t'], {}, 2)],
      new Map([['t', 6]]),
    );
    assert.deepEqual(second.get('a'), { t: kept });
    assert.deepEqual([...second.get('b')!['t']!, ...kept].sort(), [0, 1, 2, 3, 4, 5]);
  });
});

describe('consumer groups', () => {
  let b: TestBroker;
  let hasGroups = false;
  before(async () => {
    b = await startTestBroker({ logLevel: 'warn' });
    hasGroups =
      b.broker.dispatcher !== undefined &&
      (await new Admin({ bootstrapServers: b.bootstrap }).cluster.supports(JoinGroup));
  });
  after(async () => {
    await b.stop();
  });

  async function fill(topic: string, n: number): Promise<void> {
    const p = new Producer({ bootstrapServers: b.bootstrap });
    await Promise.all(Array.from({ length: n }, (_, i) => p.send({ topic, key: `k${i}`, value: `${i}` })));
    await p.close();
  }

  for (const assignor of [rangeAssignor, cooperativeStickyAssignor]) {
    test(`two members share partitions without duplicates, commit, and hand over on leave (${assignor.name})`, async (t) => {
      if (!hasGroups) return t.skip('broker has no group coordinator');
      const topic = topicName(`grp-${assignor.name}`);
      const groupId = topicName('g');
      await createTopic(b.bootstrap, topic, 4);
      await fill(topic, 200);
      const events: string[] = [];
      const mk = (name: string) => {
        const c = new Consumer({
          bootstrapServers: b.bootstrap,
          groupId,
          autoOffsetReset: 'earliest',
          assignors: [assignor],
          heartbeatIntervalMs: 200,
          sessionTimeoutMs: 10000,
          rebalanceTimeoutMs: 10000,
          enableAutoCommit: false,
        });
        c.subscribe([topic], {
          onAssigned: (ps) => void events.push(`${name}+${ps.length}`),
          onRevoked: (ps) => void events.push(`${name}-${ps.length}`),
        });
        return c;
      };
      const c1 = mk('c1');
      const c2 = mk('c2');
      const seen = new Map<string, ConsumerRecord>();
      const dups: string[] = [];
      const read = async (c: Consumer) => {
        for await (const r of c) {
          const k = `${r.partition}:${r.offset}`;
          if (seen.has(k)) dups.push(k);
          seen.set(k, r);
          if (seen.size >= 200) break;
        }
      };
      // Wait until both are members with partitions, then read everything.
      const deadline = Date.now() + 20000;
      while ((c1.assignment().length === 0 || c2.assignment().length === 0) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      assert.equal(
        c1.assignment().length + c2.assignment().length,
        4,
        `assignments ${JSON.stringify([c1.assignment(), c2.assignment()])}`,
      );
      await Promise.race([Promise.all([read(c1), read(c2)]), new Promise((r) => setTimeout(r, 2000))]);
      const wait = Date.now() + 15000;
      while (seen.size < 200 && Date.now() < wait) await new Promise((r) => setTimeout(r, 50));
      assert.equal(seen.size, 200);
      assert.deepEqual(dups, []);
      await c1.commit();
      await c2.commit();
      const admin = new Admin({ bootstrapServers: b.bootstrap });
      const committed = await admin.listGroupOffsets(groupId);
      assert.equal(
        committed.reduce((s, o) => s + o.offset, 0),
        200,
      );
      const [desc] = await admin.describeGroups([groupId]);
      assert.equal(desc!.members.length, 2);
      assert.equal(desc!.protocol, assignor.name);
      await c2.close();
      const until = Date.now() + 20000;
      while (c1.assignment().length !== 4 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      assert.equal(c1.assignment().length, 4);
      await c1.close();
      assert.ok(events.some((e) => e.startsWith('c1+')) && events.some((e) => e.startsWith('c2+')), events.join(' '));
      // Offsets can be reset and the group deleted once it is empty.
      await admin.resetGroupOffsets(groupId, [{ topic, partition: 0 }], 'earliest');
      assert.equal((await admin.listGroupOffsets(groupId, [{ topic, partition: 0 }]))[0]!.offset, 0);
      assert.ok((await admin.listGroups()).some((g) => g.groupId === groupId));
      await admin.deleteGroups([groupId]);
      admin.close();
    });
  }

  test('a new member resumes from committed offsets; subscribe by pattern', async (t) => {
    if (!hasGroups) return t.skip('broker has no group coordinator');
    const prefix = topicName('pat');
    const topic = `${prefix}-x`;
    const groupId = topicName('g');
    await createTopic(b.bootstrap, topic, 1);
    await fill(topic, 30);
    const c = new Consumer({
      bootstrapServers: b.bootstrap,
      groupId,
      autoOffsetReset: 'earliest',
      heartbeatIntervalMs: 200,
      enableAutoCommit: true,
    });
    c.subscribe(new RegExp(`^${prefix}-`));
    let n = 0;
    for await (const r of c) {
      n++;
      if (r.offset === 19) break;
    }
    assert.equal(n, 20);
    await c.close(); // commits position 20 on the way out
    const c2 = new Consumer({
      bootstrapServers: b.bootstrap,
      groupId,
      autoOffsetReset: 'earliest',
      heartbeatIntervalMs: 200,
    });
    c2.subscribe([topic]);
    const it = c2[Symbol.asyncIterator]();
    assert.equal((await it.next()).value.offset, 20);
    assert.deepEqual(await c2.committed([{ topic, partition: 0 }]), [{ topic, partition: 0, offset: 20 }]);
    await c2.close();
  });
});
