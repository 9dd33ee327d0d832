/**
 * KIP-848 consumer groups survive a broker restart: members, epochs, the assignor, targets and current assignments
 * are in __consumer_offsets (Kafka's consumer group records, key versions 3-8), and members that left, members
 * whose session expired and deleted groups are tombstones that stay gone.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startBroker, type Broker } from '../../src/broker/broker.js';
import { parseKey } from '../../src/broker/groups/records.js';
import { OFFSETS_TOPIC } from '../../src/broker/groups/offsets.js';
import { replayInternalTopic } from '../../src/broker/internal-topic.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { ConsumerGroupDescribe } from '../../src/protocol/messages/consumer-group-describe.js';
import { ConsumerGroupHeartbeat } from '../../src/protocol/messages/consumer-group-heartbeat.js';
import { DeleteGroups } from '../../src/protocol/messages/delete-groups.js';
import { ListGroups } from '../../src/protocol/messages/list-groups.js';
import { silentLogger } from '../../src/storage/logger.js';
import { RawClient } from '../helpers/raw-client.js';

const SESSION_MS = 3000;
let dir: string;
let broker: Broker;
let c: RawClient;

const start = async () => {
  broker = await startBroker({
    port: 0,
    dataDir: dir,
    logger: silentLogger as never,
    config: { 'group.consumer.session.timeout.ms': String(SESSION_MS) },
  });
  c = await RawClient.connect(broker.port);
};
const stop = async () => {
  c.close();
  await broker.close();
};

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'samsa-kip848-persist-'));
  await start();
});

after(async () => {
  await stop();
  await rm(dir, { recursive: true, force: true });
});

type Owned = Array<{ topicId: string; partitions: number[] }> | null;
interface Member {
  id: string;
  epoch: number;
  owned: number[];
}

const hb = (
  groupId: string,
  memberId: string,
  memberEpoch: number,
  owned: Owned,
  extra: Record<string, unknown> = {},
) =>
  c.send(ConsumerGroupHeartbeat, 0, {
    groupId,
    memberId,
    memberEpoch,
    instanceId: null,
    rackId: null,
    rebalanceTimeoutMs: memberEpoch === 0 ? 30000 : -1,
    subscribedTopicNames: memberEpoch === 0 ? ['pt'] : null,
    serverAssignor: memberEpoch === 0 ? 'range' : null,
    topicPartitions: owned,
    ...extra,
  });
const parts = (r: { assignment: { topicPartitions: Array<{ topicId: string; partitions: number[] }> } | null }) =>
  r.assignment === null ? null : r.assignment.topicPartitions.flatMap((t) => t.partitions).sort();
const own = (ps: number[]): Owned => [{ topicId: broker.topics.get('pt')!.topicId, partitions: ps }];

async function joinMember(groupId: string): Promise<Member> {
  const r = await hb(groupId, '', 0, []);
  assert.equal(r.errorCode, 0);
  return { id: r.memberId!, epoch: r.memberEpoch, owned: parts(r) ?? [] };
}

/** One heartbeat of a member that reports exactly what it was last told it owns. */
async function beat(groupId: string, m: Member): Promise<void> {
  const r = await hb(groupId, m.id, m.epoch, own(m.owned));
  assert.equal(r.errorCode, 0, `heartbeat of ${m.id}: ${r.errorMessage}`);
  m.epoch = r.memberEpoch;
  if (r.assignment !== null) m.owned = parts(r)!;
}

const describe = async (groupId: string) => {
  const d = await c.send(ConsumerGroupDescribe, 0, { groupIds: [groupId], includeAuthorizedOperations: false });
  const g = d.groups[0]!;
  // Members in a fixed order: the comparison is about content.
  return { ...g, members: [...g.members].sort((x, y) => (x.memberId < y.memberId ? -1 : 1)) };
};

async function stabilize(groupId: string, members: Member[]): Promise<void> {
  for (let round = 0; round < 20; round++) {
    for (const m of members) await beat(groupId, m);
    const d = await describe(groupId);
    // Stable on the broker is not enough: a member learns of partitions freed by another at its next heartbeat.
    const told = (m: Member) => {
      const seen =
        d.members.find((x) => x.memberId === m.id)?.assignment.topicPartitions.flatMap((t) => t.partitions) ?? [];
      return [...seen].sort().join() === [...m.owned].sort().join();
    };
    if (d.groupState === 'Stable' && members.every((m) => m.epoch === d.assignmentEpoch && told(m))) return;
  }
  assert.fail(`group ${groupId} did not become Stable`);
}

test('a KIP-848 group comes back after a restart with its members, epochs and assignments; left members and deleted groups do not', async () => {
  broker.topics.create('pt', 4, 1, {});

  // Three members; the third leaves, the other two settle on two partitions each.
  const a = await joinMember('pg');
  const b = await joinMember('pg');
  const gone = await joinMember('pg');
  await stabilize('pg', [a, b, gone]);
  const left = await hb('pg', gone.id, -1, null);
  assert.equal(left.errorCode, 0);
  await stabilize('pg', [a, b]);
  assert.deepEqual([a.owned.length, b.owned.length], [2, 2]);
  assert.deepEqual([...a.owned, ...b.owned].sort(), [0, 1, 2, 3]);
  const before = await describe('pg');
  assert.deepEqual(
    [before.errorCode, before.groupState, before.assignorName, before.members.length],
    [0, 'Stable', 'range', 2],
  );
  assert.ok(before.groupEpoch >= 4);

  // A group whose only member left, then deleted; and one left empty (not deleted).
  const d = await joinMember('pg-deleted');
  assert.equal((await hb('pg-deleted', d.id, -1, null)).errorCode, 0);
  const del = await c.send(DeleteGroups, 2, { groupsNames: ['pg-deleted'] });
  assert.equal(del.results[0]!.errorCode, 0);
  const e = await joinMember('pg-empty');
  assert.equal((await hb('pg-empty', e.id, -1, null)).errorCode, 0);
  const emptyBefore = await describe('pg-empty');

  await stop();
  await start();

  // Described exactly as before, without a heartbeat.
  assert.deepEqual(await describe('pg'), before);
  // An empty group keeps its epochs; its assignor is recorded only in member records, so it is back to the default.
  assert.deepEqual(await describe('pg-empty'), { ...emptyBefore, assignorName: 'uniform' });
  assert.equal((await describe('pg-deleted')).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  const listed = await c.send(ListGroups, 5, { statesFilter: [], typesFilter: ['consumer'] });
  assert.deepEqual(listed.groups.map((g) => g.groupId).sort(), ['pg', 'pg-empty']);

  // Both members go on with their ids and epochs: accepted, same partitions, no rebalance.
  const ra = await hb('pg', a.id, a.epoch, null);
  assert.deepEqual([ra.errorCode, ra.memberEpoch], [0, a.epoch]);
  assert.ok(ra.assignment === null || JSON.stringify(parts(ra)) === JSON.stringify(a.owned), 'A keeps its partitions');
  const rb = await hb('pg', b.id, b.epoch, own(b.owned));
  assert.deepEqual([rb.errorCode, rb.memberEpoch, parts(rb)], [0, b.epoch, b.owned]);
  assert.deepEqual(await describe('pg'), before);
  // The member that left is not back.
  assert.equal((await hb('pg', gone.id, gone.epoch, null)).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);

  // Sessions count from the load: B stops heartbeating and is removed after the session timeout; A gets all four.
  const t0 = Date.now();
  while (Date.now() - t0 < SESSION_MS + 1500) {
    await beat('pg', a);
    await new Promise((r) => setTimeout(r, 300));
  }
  await beat('pg', a);
  const expired = await describe('pg');
  assert.deepEqual(
    expired.members.map((m) => m.memberId),
    [a.id],
  );
  assert.ok(expired.groupEpoch > before.groupEpoch);
  assert.deepEqual(a.owned, [0, 1, 2, 3]);

  // The expiry is in the log too: B stays gone after another restart, A keeps its new epoch.
  await stop();
  await start();
  assert.deepEqual(await describe('pg'), expired);
  const again = await hb('pg', a.id, a.epoch, own(a.owned));
  assert.deepEqual([again.errorCode, again.memberEpoch], [0, a.epoch]);
  assert.equal((await hb('pg', b.id, b.epoch, null)).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);

  // What is in the log uses Kafka's key versions 3-8; the deleted group's keys end in tombstones.
  const versions = new Set<number>();
  const last = new Map<string, Buffer | null>();
  await replayInternalTopic(
    OFFSETS_TOPIC,
    broker.topics.partitionsOf(OFFSETS_TOPIC) ?? [],
    silentLogger as never,
    (r) => {
      const k = parseKey(r.key);
      if (k.kind === 'consumer') versions.add(k.version);
      last.set(r.key.toString('hex'), r.value === null ? null : Buffer.from(r.value));
    },
  );
  assert.deepEqual([...versions].sort(), [3, 4, 5, 6, 7, 8]);
  const deletedKeys = [...last].filter(([k]) => Buffer.from(k, 'hex').includes(Buffer.from('pg-deleted')));
  assert.ok(deletedKeys.length >= 4);
  assert.ok(
    deletedKeys.every(([, v]) => v === null),
    'every record of the deleted group is a tombstone',
  );
});

test('under a flush-per-write policy a heartbeat is answered only once the group state it wrote is on disk', async () => {
  const fdir = await mkdtemp(join(tmpdir(), 'samsa-kip848-flush-'));
  const b = await startBroker({
    port: 0,
    dataDir: fdir,
    logger: silentLogger as never,
    config: { 'log.flush.interval.messages': '1' },
  });
  const raw = await RawClient.connect(b.port);
  try {
    b.topics.create('flushed', 2, 1, {});
    const unflushed = () =>
      (b.topics.partitionsOf(OFFSETS_TOPIC) ?? [])
        .filter((l) => l.recoveryPoint < l.logEndOffset)
        .map((l) => l.partition);
    for (let i = 0; i < 5; i++) {
      const r = await raw.send(ConsumerGroupHeartbeat, 0, {
        groupId: `flush-${i}`,
        memberId: '',
        memberEpoch: 0,
        instanceId: null,
        rackId: null,
        rebalanceTimeoutMs: 30000,
        subscribedTopicNames: ['flushed'],
        serverAssignor: null,
        topicPartitions: [],
      });
      assert.equal(r.errorCode, 0);
      // read before anything else can run: the response was sent after the fdatasync, not before
      assert.deepEqual(unflushed(), [], `group flush-${i}`);
    }
  } finally {
    raw.close();
    await b.close();
    await rm(fdir, { recursive: true, force: true });
  }
});
