/**
 * Our consumer and a librdkafka consumer (confluent-kafka-python) in one classic consumer group: they split a
 * 4-partition topic with the range assignor, receive every record exactly once between them, and when one leaves
 * the other continues its partitions from the offsets it committed.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { rangeAssignor } from '../../src/client/assignors.js';
import { Consumer, type ConsumerRecord } from '../../src/client/consumer.js';
import { Producer } from '../../src/client/producer.js';
import { partitionForKey } from '../../src/client/partitioner.js';
import type { TopicPartition } from '../../src/client/consumer.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { PYTHON, requireClient } from '../helpers/clients.js';
import { projectRoot } from '../helpers/spec.js';
import { createTopic, topicName } from './helpers.js';

interface PyEvent {
  ev: 'assigned' | 'revoked' | 'record' | 'closed' | 'error';
  partitions?: number[];
  partition?: number;
  offset?: number;
  key?: string | null;
  value?: string | null;
  committed?: Record<string, number>;
  error?: string;
}

/** A confluent-kafka group member in a child process; its events arrive as JSON lines. */
class PyMember {
  readonly events: PyEvent[] = [];
  readonly records: PyEvent[] = [];
  assigned = new Set<number>();
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;
  private stderr = '';
  private listeners: Array<() => void> = [];

  constructor(bootstrap: string, topic: string, group: string) {
    const script = join(projectRoot, 'test', 'client', 'py', 'ck_group_member.py');
    this.child = spawn(PYTHON, ['-u', script, bootstrap, topic, group, 'range'], {
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      if (line.trim() === '') return;
      const e = JSON.parse(line) as PyEvent;
      this.events.push(e);
      if (e.ev === 'record') this.records.push(e);
      if (e.ev === 'assigned') this.assigned = new Set(e.partitions);
      if (e.ev === 'revoked') for (const p of e.partitions!) this.assigned.delete(p);
      for (const f of this.listeners) f();
    });
    this.exited = new Promise((r) => this.child.once('exit', (code) => r(code)));
  }

  /** Waits until `pred` holds, re-checked on each event and every 100 ms. */
  async until(pred: () => boolean, what: string, ms = 30000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}; python stderr:\n${this.stderr.slice(-3000)}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 100);
        this.listeners.push(() => {
          clearTimeout(t);
          r();
        });
      });
      this.listeners = [];
    }
  }

  /** Asks it to commit, leave the group and exit. */
  async stop(): Promise<PyEvent> {
    this.child.stdin!.end('stop\n');
    const code = await this.exited;
    assert.equal(code, 0, `python member exited with ${code}:\n${this.stderr.slice(-3000)}`);
    const closed = this.events.find((e) => e.ev === 'closed');
    assert.ok(closed, 'python member printed no closed event');
    return closed;
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}

/** Our member, reading in the background into `records`. */
function ourMember(bootstrap: string, topic: string, group: string) {
  const c = new Consumer<string | null, string | null>({
    bootstrapServers: bootstrap,
    groupId: group,
    autoOffsetReset: 'earliest',
    assignors: [rangeAssignor],
    heartbeatIntervalMs: 300,
    sessionTimeoutMs: 10000,
    rebalanceTimeoutMs: 15000,
    autoCommitIntervalMs: 500,
    keyDeserializer: (b) => (b === null ? null : b.toString()),
    valueDeserializer: (b) => (b === null ? null : b.toString()),
  });
  const state = {
    c,
    records: [] as ConsumerRecord<string | null, string | null>[],
    assigned: new Set<number>(),
    error: undefined as Error | undefined,
  };
  c.subscribe([topic], {
    onAssigned: (tps: TopicPartition[]) => {
      for (const tp of tps) state.assigned.add(tp.partition);
    },
    onRevoked: (tps: TopicPartition[]) => {
      for (const tp of tps) state.assigned.delete(tp.partition);
    },
    onLost: (tps: TopicPartition[]) => {
      for (const tp of tps) state.assigned.delete(tp.partition);
    },
  });
  const loop = (async () => {
    try {
      for await (const r of c) state.records.push(r);
    } catch (e) {
      state.error = e as Error;
    }
  })();
  return { ...state, state, loop };
}

async function waitFor(pred: () => boolean, what: string, ms = 30000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function produceKeyed(bootstrap: string, topic: string, prefix: string, n: number): Promise<void> {
  const p = new Producer({ bootstrapServers: bootstrap, lingerMs: 2 });
  await Promise.all(
    Array.from({ length: n }, (_, i) => p.send({ topic, key: `${prefix}-k${i}`, value: `${prefix}-${i}` })),
  );
  await p.close();
}

describe('a consumer group shared with librdkafka (confluent-kafka-python)', () => {
  let b: TestBroker;
  before(async () => {
    b = await startTestBroker({ logLevel: 'warn' });
  });
  after(async () => {
    await b.stop();
  });

  for (const leaver of ['librdkafka', 'samsa'] as const) {
    test(`range assignor on both sides: every record once; ${leaver} leaves and the other continues from committed offsets`, async (t) => {
      if (!requireClient(t, 'confluent-kafka')) return;
      const topic = topicName('ckshare');
      const group = topicName('ckg');
      await createTopic(b.bootstrap, topic, 4);
      const N = 400;
      // Records written before anyone joined: they are split by whoever owns each partition after the first
      // rebalance, so these test commit-on-revoke hand-over as well.
      await produceKeyed(b.bootstrap, topic, 'a', N / 2);
      const ours = ourMember(b.bootstrap, topic, group);
      const py = new PyMember(b.bootstrap, topic, group);
      t.after(() => py.kill());
      try {
        await py.until(() => py.assigned.size === 2, 'librdkafka to own two partitions');
        await waitFor(() => ours.state.assigned.size === 2, 'our consumer to own two partitions');
        assert.deepEqual(
          [...ours.state.assigned, ...py.assigned].sort(),
          [0, 1, 2, 3],
          'the two members hold all four partitions between them, without overlap',
        );
        // Range over one topic of four partitions: each member holds a contiguous pair.
        for (const s of [ours.state.assigned, py.assigned]) {
          const l = [...s].sort();
          assert.equal(l[1]! - l[0]!, 1, `range gives contiguous partitions, got ${l}`);
        }
        await produceKeyed(b.bootstrap, topic, 'b', N / 2);
        const total = () => ours.state.records.length + py.records.length;
        await waitFor(() => total() >= N, `${N} records (have ${total()})`, 30000);
        await new Promise((r) => setTimeout(r, 500)); // any duplicate would show up now
        const seen = new Map<string, number>();
        for (const r of ours.state.records) seen.set(r.value!, (seen.get(r.value!) ?? 0) + 1);
        for (const r of py.records) seen.set(r.value!, (seen.get(r.value!) ?? 0) + 1);
        assert.equal(seen.size, N, 'every record was received');
        assert.deepEqual(
          [...seen.values()].filter((n) => n !== 1),
          [],
          'no record was received twice',
        );
        // Each record came from the member owning its partition, and the partition follows the Java key hash.
        for (const r of ours.state.records) {
          assert.ok(
            ours.state.assigned.has(r.partition),
            `our consumer got a record of partition ${r.partition} it does not own`,
          );
          assert.equal(r.partition, partitionForKey(Buffer.from(r.key!), 4));
        }
        for (const r of py.records)
          assert.ok(py.assigned.has(r.partition!), `librdkafka got a record of partition ${r.partition}`);
        assert.ok(ours.state.records.length > 0 && py.records.length > 0, 'both members got records');

        const leftParts = leaver === 'librdkafka' ? [...py.assigned] : [...ours.state.assigned];
        const oursBefore = ours.state.records.length;
        const pyBefore = py.records.length;
        if (leaver === 'librdkafka') {
          const closed = await py.stop();
          // It committed its positions: the end of each of its partitions.
          for (const p of leftParts)
            assert.ok((closed.committed?.[String(p)] ?? -1) > 0, `librdkafka committed partition ${p}`);
          await waitFor(() => ours.state.assigned.size === 4, 'our consumer to take all four partitions', 30000);
        } else {
          await ours.c.close();
          await ours.loop;
          await py.until(() => py.assigned.size === 4, 'librdkafka to take all four partitions', 30000);
        }
        // New records after the hand-over: the survivor gets exactly these, nothing of what the leaver had read.
        const M = 100;
        await produceKeyed(b.bootstrap, topic, 'c', M);
        const survivor =
          leaver === 'librdkafka'
            ? () => ours.state.records.slice(oursBefore).map((r) => r.value!)
            : () => py.records.slice(pyBefore).map((r) => r.value!);
        await waitFor(
          () => survivor().length >= M,
          `the survivor to get ${M} new records (has ${survivor().length})`,
          30000,
        );
        await new Promise((r) => setTimeout(r, 500));
        const after = survivor();
        assert.equal(
          after.length,
          M,
          `the survivor re-read records of the leaver: ${after.filter((v) => !v.startsWith('c-')).slice(0, 5)}`,
        );
        assert.equal(new Set(after).size, M);
        assert.ok(after.every((v) => v.startsWith('c-')));
        assert.equal(ours.state.error, undefined);
        assert.deepEqual(
          py.events.filter((e) => e.ev === 'error'),
          [],
        );
      } finally {
        if (leaver === 'librdkafka') {
          await ours.c.close();
          await ours.loop;
        } else {
          await py.stop().catch(() => py.kill());
        }
      }
    });
  }
});
