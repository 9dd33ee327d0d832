/**
 * KafkaJS 2.2.4's producer against Samsa: send and sendBatch with keys, headers and gzip. What it wrote is read
 * back by a different client (kafka-python, and kcat for one topic), so the check does not rest on KafkaJS alone.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Kafka as KafkaType, Message, RecordMetadata } from 'kafkajs';
import { withBroker, type TestBroker } from '../helpers/broker.js';
import { kcatConsumeAll, detectClient, requireClient, runPython, uniqueTopic } from '../helpers/clients.js';

interface Dumped {
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: [string, string | null][];
}

const b64 = (v: Buffer | string | null | undefined): string | null =>
  v === null || v === undefined ? null : Buffer.from(v).toString('base64');

/** The (name, value) pairs KafkaJS puts on the wire for a headers object: arrays become repeated names. */
function headerPairs(h: Message['headers']): [string, string | null][] {
  const out: [string, string | null][] = [];
  for (const [k, v] of Object.entries(h ?? {})) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) out.push([k, b64(one)]);
  }
  return out;
}

async function makeKafka(bootstrap: string): Promise<KafkaType> {
  const { Kafka, logLevel } = await import('kafkajs');
  return new Kafka({
    clientId: 'samsa-compat-kafkajs',
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 2 },
  });
}

async function dump(b: TestBroker, topic: string): Promise<{ records: Dumped[]; end: Record<string, number> }> {
  const { summary } = await runPython('kp_dump.py', [b.bootstrap, topic], { timeoutMs: 60_000 });
  return summary;
}

/**
 * Compares what was sent with what kafka-python read: every message once, with its key, value and headers, in
 * send order within each partition, at the offsets that KafkaJS's RecordMetadata promised.
 */
function checkReadBack(
  sent: { partition: number; msg: Message }[],
  got: Dumped[],
  firstOffset: Map<number, number>,
  what: string,
): void {
  assert.equal(got.length, sent.length, `${what}: records read back`);
  const byPart = new Map<number, Dumped[]>();
  for (const r of got) byPart.set(r.partition, [...(byPart.get(r.partition) ?? []), r]);
  for (const [p, recs] of byPart) {
    const want = sent.filter((s) => s.partition === p);
    assert.equal(recs.length, want.length, `${what}: records in partition ${p}`);
    recs.forEach((r, i) => {
      const m = want[i]!.msg;
      const where = `${what}: partition ${p} offset ${r.offset}`;
      assert.equal(r.offset, (firstOffset.get(p) ?? 0) + i, `${where}: offset`);
      assert.equal(r.key, b64(m.key), `${where}: key`);
      assert.equal(r.value, b64(m.value), `${where}: value`);
      assert.deepEqual(r.headers, headerPairs(m.headers), `${where}: headers`);
      if (m.timestamp !== undefined) assert.equal(r.timestamp, Number(m.timestamp), `${where}: timestamp`);
    });
  }
}

describe('KafkaJS producer', () => {
  test('send with keys, headers, explicit partitions and gzip; read back by kafka-python and kcat', async (t) => {
    if (!requireClient(t, 'kafkajs') || !requireClient(t, 'kafka-python')) return;
    await withBroker({ config: { 'num.partitions': '3' } }, async (b) => {
      const kafka = await makeKafka(b.bootstrap);
      const { CompressionTypes } = await import('kafkajs');
      const producer = kafka.producer({ allowAutoTopicCreation: true });
      await producer.connect();
      try {
        const topic = uniqueTopic('kjs-send');
        const sent: { partition: number; msg: Message }[] = [];
        const firstOffset = new Map<number, number>();
        const ts = Date.now() - 60_000;
        // Three sends: plain, gzip, plain again, so offsets must continue across calls and codecs.
        for (const [round, compression] of [
          CompressionTypes.None,
          CompressionTypes.GZIP,
          CompressionTypes.None,
        ].entries()) {
          const messages: Message[] = [];
          for (let i = 0; i < 150; i++) {
            const n = round * 1000 + i;
            messages.push({
              partition: n % 3,
              key: n % 11 === 0 ? null : `key-${n}`,
              value: n % 13 === 0 ? null : Buffer.from(Array.from({ length: n % 300 }, (_, j) => (n + j) % 256)),
              headers:
                n % 2 === 0
                  ? { round: String(round), bin: Buffer.from([0, 255, n % 256]), multi: ['a', 'b'] }
                  : undefined,
              timestamp: String(ts + n),
            });
          }
          const md: RecordMetadata[] = await producer.send({ topic, messages, compression, acks: -1 });
          const before = new Map<number, number>();
          for (const s of sent) before.set(s.partition, (before.get(s.partition) ?? 0) + 1);
          assert.equal(md.length, 3, 'one RecordMetadata per partition');
          for (const r of md) {
            assert.equal(r.topicName, topic);
            assert.equal(r.errorCode, 0, `errorCode for partition ${r.partition}`);
            // Each partition's batch starts where the previous send left that partition.
            assert.equal(
              Number(r.baseOffset),
              before.get(r.partition) ?? 0,
              `baseOffset of partition ${r.partition}, round ${round}`,
            );
          }
          for (const m of messages) sent.push({ partition: m.partition!, msg: m });
        }
        for (let p = 0; p < 3; p++) firstOffset.set(p, 0);
        const { records, end } = await dump(b, topic);
        assert.deepEqual(end, { '0': 150, '1': 150, '2': 150 }, 'end offsets');
        checkReadBack(sent, records, firstOffset, 'send');

        // kcat sees the same values for partition 1 (kcat prints text; these values are bytes, so compare lengths
        // and keys only).
        if (detectClient('kcat').available) {
          const k = await kcatConsumeAll(b.bootstrap, topic, ['-p', '1'], { timeoutMs: 30_000 });
          const want = sent.filter((s) => s.partition === 1);
          assert.deepEqual(
            k.map((m) => [m.offset, m.key]),
            want.map((s, i) => [i, s.msg.key === null || s.msg.key === undefined ? null : String(s.msg.key)]),
          );
        }
      } finally {
        await producer.disconnect();
      }
    });
  });

  test('sendBatch to two topics with keyed partitioning and gzip; read back by kafka-python', async (t) => {
    if (!requireClient(t, 'kafkajs') || !requireClient(t, 'kafka-python')) return;
    await withBroker({ config: { 'num.partitions': '4' } }, async (b) => {
      const kafka = await makeKafka(b.bootstrap);
      const { CompressionTypes, Partitioners } = await import('kafkajs');
      const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      try {
        const topics = [uniqueTopic('kjs-batch-a'), uniqueTopic('kjs-batch-b')];
        const perTopic = topics.map((topic, ti) => ({
          topic,
          messages: Array.from(
            { length: 400 },
            (_, i): Message => ({
              key: `user-${i % 37}`,
              value: JSON.stringify({ topic: ti, i, text: 'x'.repeat(i % 50) }),
              headers: { 'content-type': 'application/json', seq: String(i) },
            }),
          ),
        }));
        const md = await producer.sendBatch({ topicMessages: perTopic, compression: CompressionTypes.GZIP, acks: -1 });
        for (const r of md) assert.equal(r.errorCode, 0, `errorCode ${r.topicName}-${r.partition}`);
        for (const { topic, messages } of perTopic) {
          const { records, end } = await dump(b, topic);
          assert.equal(records.length, messages.length, `${topic}: records`);
          // KafkaJS chose the partitions (murmur2 of the key); learn them from what was stored, then require
          // that every key stayed on one partition and every partition kept send order at offsets 0..n-1.
          const partOfKey = new Map<string, number>();
          for (const r of records) {
            const key = Buffer.from(r.key!, 'base64').toString();
            const p = partOfKey.get(key);
            assert.ok(p === undefined || p === r.partition, `key ${key} on partitions ${p} and ${r.partition}`);
            partOfKey.set(key, r.partition);
          }
          assert.ok(new Set(partOfKey.values()).size > 1, 'keys spread over more than one partition');
          const sent = messages.map((msg) => ({ partition: partOfKey.get(String(msg.key))!, msg }));
          checkReadBack(sent, records, new Map(), `sendBatch ${topic}`);
          const mdHere = md.filter((r) => r.topicName === topic);
          assert.deepEqual(
            mdHere.map((r) => [r.partition, Number(r.baseOffset)]).sort((x, y) => x[0]! - y[0]!),
            [...new Set(sent.map((s) => s.partition))].sort((x, y) => x - y).map((p) => [p, 0]),
            `${topic}: RecordMetadata`,
          );
          for (const [p, n] of Object.entries(end))
            assert.equal(n, sent.filter((s) => s.partition === Number(p)).length);
        }
      } finally {
        await producer.disconnect();
      }
    });
  });
});
