/**
 * Log compaction seen through kafka-python: keyed records written to a topic created with cleanup.policy=compact
 * (small segments, min.cleanable.dirty.ratio=0.01) are compacted by the broker's background cleaner; a consumer
 * reading from the beginning then gets exactly one record per key, the latest, at the offset the producer got.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withBroker } from '../helpers/broker.js';
import { PYTHON, requireClient, run, uniqueTopic } from '../helpers/clients.js';

const SCRIPT = `
import json, sys, time
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic

bootstrap, topic = sys.argv[1], sys.argv[2]
admin = KafkaAdminClient(bootstrap_servers=bootstrap)
admin.create_topics([NewTopic(topic, 1, 1, topic_configs={
    'cleanup.policy': 'compact', 'segment.bytes': '2048', 'segment.ms': '200',
    'min.cleanable.dirty.ratio': '0.01', 'delete.retention.ms': '3600000'})])
admin.close()

KEYS, ROUNDS = 25, 12
producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=0, compression_type='gzip')
latest = {}
for r in range(ROUNDS):
    futs = [(k, producer.send(topic, key=('key-%d' % k).encode(), value=('v-%d-%d' % (k, r)).encode())) for k in range(KEYS)]
    producer.flush()
    for k, f in futs:
        latest['key-%d' % k] = (f.get(10).offset, 'v-%d-%d' % (k, r))
# a tombstone stays visible (delete.retention.ms is long) as the only record of its key
f = producer.send(topic, key=b'key-3', value=None)
producer.flush()
latest['key-3'] = (f.get(10).offset, None)
# after segment.ms, one more record rolls the segment so everything above is out of the active segment
time.sleep(0.5)
f = producer.send(topic, key=b'filler', value=b'x')
producer.flush()
latest['filler'] = (f.get(10).offset, 'x')
written = KEYS * ROUNDS + 2
producer.close()

tp = TopicPartition(topic, 0)

def read_all():
    c = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=3000)
    c.assign([tp])
    c.seek_to_beginning(tp)
    end = c.end_offsets([tp])[tp]
    out = []
    while c.position(tp) < end:
        batch = c.poll(timeout_ms=1000)
        for msgs in batch.values():
            for m in msgs:
                out.append((m.offset, m.key.decode() if m.key is not None else None, m.value.decode() if m.value is not None else None))
    c.close()
    return out

deadline = time.time() + 30
records = read_all()
while len(records) > len(latest) and time.time() < deadline:
    time.sleep(0.3)
    records = read_all()
print(json.dumps({'written': written, 'records': records,
                  'latest': {k: [o, v] for k, (o, v) in latest.items()}}))
`;

test('kafka-python: a compacted topic keeps only the latest value per key, at its original offset', async (t) => {
  if (!requireClient(t, 'kafka-python')) return;
  await withBroker({ config: { 'log.cleaner.backoff.ms': '100' } }, async (b) => {
    const topic = uniqueTopic('compacted');
    const r = await run(PYTHON, ['-u', '-c', SCRIPT, b.bootstrap, topic], {
      timeoutMs: 90_000,
      env: { PYTHONDONTWRITEBYTECODE: '1' },
    });
    const last = r.stdout.trim().split('\n').pop() ?? '';
    const s = JSON.parse(last) as {
      written: number;
      records: [number, string | null, string | null][];
      latest: Record<string, [number, string | null]>;
    };
    assert.equal(s.written, 302);
    const keys = Object.keys(s.latest);
    assert.equal(keys.length, 26);
    // one record per key: the latest value, at the offset the producer was given
    assert.equal(
      s.records.length,
      keys.length,
      `got ${s.records.length} records: ${JSON.stringify(s.records.slice(0, 40))}`,
    );
    const got = new Map(s.records.map(([o, k, v]) => [k, [o, v]]));
    for (const k of keys) assert.deepEqual(got.get(k), s.latest[k], `key ${k}`);
    assert.deepEqual(got.get('key-3'), [s.latest['key-3']![0], null]);
    // offsets are preserved, so they now have gaps, and still increase
    const offs = s.records.map(([o]) => o);
    assert.deepEqual(
      offs,
      [...offs].sort((x, y) => x - y),
    );
    assert.equal(offs[offs.length - 1], 301);
    // the broker's log for the partition shrank to the cleaned segment(s) plus the active one
    const log = b.broker.logs.getLog(topic, 0);
    assert.ok(log, 'no log');
    assert.ok(log.segmentCount <= 3, `${log.segmentCount} segments`);
  });
});
