/**
 * kcat (librdkafka) against Samsa: metadata, produce and consume round trips with every compression codec,
 * keys and headers, and the old protocol (no ApiVersions; message format v0 and v1).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { withBroker } from '../helpers/broker.js';
import { kcat, kcatConsumeAll, requireClient, uniqueTopic, type KcatMessage } from '../helpers/clients.js';

const PARTITIONS = 3;

/** 1000 distinct lines: key:value, values of varied length and characters (no newline, no ':'). */
function makeLines(tag: string, n = 1000): { key: string; value: string }[] {
  const out: { key: string; value: string }[] = [];
  for (let i = 0; i < n; i++) {
    const pad = 'abcdefghijklmnopqrstuvwxyz0123456789 _-é中'.repeat(1 + (i % 13)).slice(0, (i * 37) % 400);
    out.push({ key: `k${i}`, value: `${tag} ${i} ${pad}` });
  }
  return out;
}

/** kcat -J prints headers as a flat [name, value, name, value] list. */
function headerPairs(m: KcatMessage): [string, string][] {
  const flat = m.headers ?? [];
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
  return pairs;
}

/**
 * Checks that `got` holds exactly the produced lines, each once, that every partition's offsets run 0..n-1
 * without gaps, and that within a partition the records kept the order they were sent in.
 */
function checkRoundTrip(got: KcatMessage[], sent: { key: string; value: string }[], topic: string): void {
  assert.equal(got.length, sent.length, `record count read back from ${topic}`);
  const index = new Map(sent.map((s, i) => [s.key, i]));
  const seen = new Set<string>();
  const byPartition = new Map<number, KcatMessage[]>();
  for (const m of got) {
    assert.equal(m.topic, topic);
    assert.ok(
      m.key !== null && index.has(m.key),
      `unexpected key ${JSON.stringify(m.key)} at ${m.partition}@${m.offset}`,
    );
    assert.ok(!seen.has(m.key!), `key ${m.key} read twice`);
    seen.add(m.key!);
    assert.equal(m.payload, sent[index.get(m.key!)!]!.value, `value of key ${m.key}`);
    const list = byPartition.get(m.partition) ?? [];
    list.push(m);
    byPartition.set(m.partition, list);
  }
  for (const [p, list] of byPartition) {
    list.sort((a, b) => a.offset - b.offset);
    assert.deepEqual(
      list.map((m) => m.offset),
      list.map((_, i) => i),
      `offsets of partition ${p} are 0..${list.length - 1}`,
    );
    const order = list.map((m) => index.get(m.key!)!);
    assert.deepEqual(
      order,
      [...order].sort((a, b) => a - b),
      `partition ${p} kept send order`,
    );
  }
}

describe('kcat', () => {
  // Each test gets its own broker (in-process, fresh temp dir); topics are auto-created with 3 partitions.
  const opts = { config: { 'num.partitions': String(PARTITIONS) } };

  test('-L lists the broker and the topics with their partitions', async (t) => {
    if (!requireClient(t, 'kcat')) return;
    await withBroker(opts, async (b) => {
      const topic = uniqueTopic('kcat-meta');
      await kcat(b.bootstrap, ['-P', '-t', topic, '-K:'], { input: 'a:1\nb:2\nc:3\n', timeoutMs: 30_000 });
      const r = await kcat(b.bootstrap, ['-L', '-J'], { timeoutMs: 30_000 });
      const md = JSON.parse(r.stdout) as {
        brokers: { id: number; name: string }[];
        topics: {
          topic: string;
          error?: string;
          partitions: { partition: number; leader: number; replicas: { id: number }[]; isrs: { id: number }[] }[];
        }[];
      };
      const nodeId = b.broker.nodeId;
      assert.deepEqual(md.brokers, [{ id: nodeId, name: `127.0.0.1:${b.port}` }]);
      const tm = md.topics.find((x) => x.topic === topic);
      assert.ok(tm, `topic ${topic} missing from -L output: ${r.stdout}`);
      assert.equal(tm.error, undefined, `topic error in metadata: ${tm.error}`);
      assert.deepEqual(
        [...tm.partitions].sort((x, y) => x.partition - y.partition),
        Array.from({ length: PARTITIONS }, (_, p) => ({
          partition: p,
          leader: nodeId,
          replicas: [{ id: nodeId }],
          isrs: [{ id: nodeId }],
        })),
      );
      // And the plain-text listing that people read.
      const text = await kcat(b.bootstrap, ['-L', '-t', topic], { timeoutMs: 30_000 });
      assert.match(text.stdout, new RegExp(`1 brokers:\\s+broker ${nodeId} at 127\\.0\\.0\\.1:${b.port}`));
      assert.match(text.stdout, new RegExp(`topic "${topic}" with ${PARTITIONS} partitions:`));
    });
  });

  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
    test(`produce and consume 1000 keyed lines with headers, compression ${codec}`, async (t) => {
      if (!requireClient(t, 'kcat')) return;
      await withBroker(opts, async (b) => {
        const topic = uniqueTopic(`kcat-${codec}`);
        const sent = makeLines(codec);
        const input = sent.map((s) => `${s.key}:${s.value}\n`).join('');
        await kcat(
          b.bootstrap,
          [
            '-P',
            '-t',
            topic,
            '-K:',
            '-H',
            'source=kcat',
            '-H',
            `codec=${codec}`,
            '-H',
            'empty=',
            '-X',
            `compression.codec=${codec}`,
          ],
          { input, timeoutMs: 30_000 },
        );
        const got = await kcatConsumeAll(b.bootstrap, topic, [], { timeoutMs: 30_000 });
        checkRoundTrip(got, sent, topic);
        for (const m of got) {
          assert.deepEqual(
            headerPairs(m),
            [
              ['source', 'kcat'],
              ['codec', codec],
              ['empty', ''],
            ],
            `headers at ${m.partition}@${m.offset}`,
          );
          assert.equal(m.tstype, 'create', 'timestamp type');
        }
        // A single partition read from a middle offset starts exactly there.
        const p0 = got.filter((m) => m.partition === 0).sort((x, y) => x.offset - y.offset);
        assert.ok(p0.length > 10, `partition 0 got only ${p0.length} records`);
        const tail = await kcat(b.bootstrap, ['-C', '-t', topic, '-p', '0', '-o', '10', '-e', '-q', '-J'], {
          timeoutMs: 30_000,
        });
        const tailMsgs = tail.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as KcatMessage);
        assert.deepEqual(
          tailMsgs.map((m) => [m.offset, m.key, m.payload]),
          p0.slice(10).map((m) => [m.offset, m.key, m.payload]),
          'consume partition 0 from offset 10',
        );
      });
    });
  }

  test('tiny fetch sizes: lz4 batches larger than the fetch limit are still all read', async (t) => {
    if (!requireClient(t, 'kcat')) return;
    await withBroker(opts, async (b) => {
      // The limits are smaller than one compressed batch: the broker must still return the first batch whole
      // (otherwise the consumer never progresses), and a partial batch at the end of a response must be skipped.
      const topic = uniqueTopic('kcat-small-fetch');
      const sent = makeLines('small', 300);
      await kcat(b.bootstrap, ['-P', '-t', topic, '-p', '0', '-K:', '-X', 'compression.codec=lz4'], {
        input: sent.map((s) => `${s.key}:${s.value}\n`).join(''),
        timeoutMs: 30_000,
      });
      const got = await kcatConsumeAll(
        b.bootstrap,
        topic,
        ['-X', 'message.max.bytes=1000', '-X', 'fetch.max.bytes=1024', '-X', 'max.partition.fetch.bytes=512'],
        {
          timeoutMs: 60_000,
        },
      );
      checkRoundTrip(got, sent, topic);
      assert.ok(got.every((m) => m.partition === 0));
    });
  });

  // No ApiVersions request: librdkafka assumes the old broker's API set. 0.9 means message format v0 (no
  // timestamps), 0.10 means v1 (timestamps), both with the old wrapper-message compression.
  const legacy = [
    { fallback: '0.9.0.1', codecs: ['none', 'gzip', 'snappy'], timestamps: false },
    { fallback: '0.10.2.1', codecs: ['none', 'gzip', 'snappy', 'lz4'], timestamps: true },
  ];
  for (const { fallback, codecs, timestamps } of legacy) {
    for (const codec of codecs) {
      test(`old protocol (broker.version.fallback=${fallback}) round trip, compression ${codec}`, async (t) => {
        if (!requireClient(t, 'kcat')) return;
        await withBroker(opts, async (b) => {
          const old = ['-X', 'api.version.request=false', '-X', `broker.version.fallback=${fallback}`];
          const topic = uniqueTopic(`kcat-v${fallback.replaceAll('.', '')}-${codec}`);
          const sent = makeLines(`legacy-${codec}`, 500);
          const t0 = Date.now();
          await kcat(b.bootstrap, ['-P', '-t', topic, '-K:', ...old, '-X', `compression.codec=${codec}`], {
            input: sent.map((s) => `${s.key}:${s.value}\n`).join(''),
            timeoutMs: 30_000,
          });
          const t1 = Date.now();
          const gotOld = await kcatConsumeAll(b.bootstrap, topic, old, { timeoutMs: 30_000 });
          checkRoundTrip(gotOld, sent, topic);
          if (timestamps) {
            for (const m of gotOld) {
              assert.equal(m.tstype, 'create', `timestamp type at ${m.partition}@${m.offset}`);
              // Allow a second either side for clock granularity between processes.
              assert.ok(m.ts! >= t0 - 1000 && m.ts! <= t1 + 1000, `timestamp ${m.ts} outside [${t0}, ${t1}]`);
            }
          }
          // What an old client wrote, a current client reads the same.
          const gotNew = await kcatConsumeAll(b.bootstrap, topic, [], { timeoutMs: 30_000 });
          checkRoundTrip(gotNew, sent, topic);
          // And what a current client writes, an old client reads.
          const topic2 = `${topic}-fromnew`;
          await kcat(b.bootstrap, ['-P', '-t', topic2, '-K:', '-X', `compression.codec=${codec}`], {
            input: sent.map((s) => `${s.key}:${s.value}\n`).join(''),
            timeoutMs: 30_000,
          });
          checkRoundTrip(await kcatConsumeAll(b.bootstrap, topic2, old, { timeoutMs: 30_000 }), sent, topic2);
        });
      });
    }
  }
});
