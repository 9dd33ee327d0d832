import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import {
  resolveLogConfig,
  resolveTopicConfigEntries,
  TOPIC_CONFIGS,
  topicConfigDef,
  validateTopicConfig,
} from '../../src/storage/log-config.js';
import { MetadataStore } from '../../src/storage/metadata-store.js';
import { withTempDir } from './helpers.js';

test('the topic config table covers Kafka 3.9 topic configs', () => {
  const names = [
    'cleanup.policy',
    'compression.type',
    'delete.retention.ms',
    'file.delete.delay.ms',
    'flush.messages',
    'flush.ms',
    'follower.replication.throttled.replicas',
    'index.interval.bytes',
    'leader.replication.throttled.replicas',
    'local.retention.bytes',
    'local.retention.ms',
    'max.compaction.lag.ms',
    'max.message.bytes',
    'message.downconversion.enable',
    'message.format.version',
    'message.timestamp.after.max.ms',
    'message.timestamp.before.max.ms',
    'message.timestamp.difference.max.ms',
    'message.timestamp.type',
    'min.cleanable.dirty.ratio',
    'min.compaction.lag.ms',
    'min.insync.replicas',
    'preallocate',
    'remote.storage.enable',
    'retention.bytes',
    'retention.ms',
    'segment.bytes',
    'segment.index.bytes',
    'segment.jitter.ms',
    'segment.ms',
    'unclean.leader.election.enable',
  ];
  for (const n of names) assert.ok(topicConfigDef(n), n);
  for (const d of TOPIC_CONFIGS) {
    assert.ok(d.doc.length > 10, d.name);
    if (d.default !== null)
      assert.equal(validateTopicConfig(d.name, d.default), null, `${d.name} default must validate`);
  }
  assert.deepEqual(
    topicConfigDef('retention.ms')!.brokerSynonyms.map((s) => s.name),
    ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'],
  );
  assert.equal(topicConfigDef('max.message.bytes')!.brokerSynonyms[0]!.name, 'message.max.bytes');
});

test('validateTopicConfig checks names, types and ranges', () => {
  assert.match(validateTopicConfig('no.such.config', '1')!, /Unknown topic config/);
  assert.equal(validateTopicConfig('retention.ms', '-1'), null);
  assert.match(validateTopicConfig('retention.ms', '-2')!, /at least -1/);
  assert.match(validateTopicConfig('segment.bytes', 'abc')!, /integer/);
  assert.match(validateTopicConfig('segment.bytes', '3000000000')!, /32-bit/);
  assert.equal(validateTopicConfig('cleanup.policy', 'compact,delete'), null);
  assert.match(validateTopicConfig('cleanup.policy', 'compact,shred')!, /shred/);
  assert.match(validateTopicConfig('min.cleanable.dirty.ratio', '1.5')!, /no more than 1/);
  assert.match(validateTopicConfig('message.timestamp.type', 'Whenever')!, /CreateTime/);
  assert.match(validateTopicConfig('preallocate', 'yes')!, /true or false/);
  assert.equal(validateTopicConfig('leader.replication.throttled.replicas', '0:1,1:2'), null);
  assert.notEqual(validateTopicConfig('leader.replication.throttled.replicas', 'all'), null);
  assert.equal(validateTopicConfig('flush.messages', '9223372036854775807'), null);
  assert.notEqual(validateTopicConfig('flush.messages', '9223372036854775808'), null);
});

test('resolveLogConfig: topic override > broker synonyms in order > Kafka default', () => {
  const d = resolveLogConfig({}, {});
  assert.equal(d.segmentBytes, 1073741824);
  assert.equal(d.retentionMs, 604800000);
  assert.equal(d.retentionBytes, -1);
  assert.equal(d.indexIntervalBytes, 4096);
  assert.equal(d.segmentIndexBytes, 10485760);
  assert.equal(d.cleanupPolicy, 'delete');
  assert.ok(d.flushMessages > 9e18);
  assert.equal(d.maxMessageBytes, 1048588);
  assert.equal(resolveLogConfig({}, { 'log.retention.hours': '1' }).retentionMs, 3600000);
  assert.equal(resolveLogConfig({}, { 'log.retention.hours': '1', 'log.retention.minutes': '2' }).retentionMs, 120000);
  assert.equal(resolveLogConfig({}, { 'log.retention.ms': '5', 'log.retention.minutes': '2' }).retentionMs, 5);
  assert.equal(resolveLogConfig({ 'retention.ms': '7' }, { 'log.retention.ms': '5' }).retentionMs, 7);
  assert.equal(resolveLogConfig({}, { 'log.segment.bytes': '2048' }).segmentBytes, 2048);
  assert.equal(resolveLogConfig({}, { 'log.roll.hours': '2' }).segmentMs, 7200000);
  assert.equal(resolveLogConfig({}, { 'log.flush.interval.messages': '1' }).flushMessages, 1);
  assert.equal(resolveLogConfig({ 'cleanup.policy': 'delete,compact' }, {}).cleanupPolicy, 'compact,delete');
  assert.throws(() => resolveLogConfig({ 'segment.bytes': '1' }, {}), /segment.bytes/);
  const entries = resolveTopicConfigEntries({ 'retention.ms': '9' }, { 'log.segment.bytes': '4096' });
  assert.equal(entries.find((e) => e.name === 'retention.ms')!.source, 'topic');
  const seg = entries.find((e) => e.name === 'segment.bytes')!;
  assert.deepEqual([seg.source, seg.synonym, seg.value], ['broker', 'log.segment.bytes', '4096']);
  assert.equal(entries.find((e) => e.name === 'flush.ms')!.source, 'default');
});

test('metadata store persists topics atomically across reopen', () =>
  withTempDir(async (dir) => {
    const s = new MetadataStore(dir);
    await s.open();
    assert.deepEqual(s.list(), []);
    const a = s.createTopic({ name: 'a', partitions: 3, configs: { 'retention.ms': '1000' } });
    assert.match(a.topicId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    s.createTopic({ name: 'b', partitions: 1, topicId: '00000000-0000-0000-0000-0000000000bb' });
    assert.throws(() => s.createTopic({ name: 'a', partitions: 1 }));
    s.setPartitions('a', 5);
    s.setConfigs('b', { 'cleanup.policy': 'compact' });
    // a leftover temp file from an interrupted write is ignored
    fs.writeFileSync(path.join(dir, 'samsa-metadata.json.tmp'), '{garbage');
    const t = new MetadataStore(dir);
    await t.open();
    assert.deepEqual(t.get('a'), { name: 'a', topicId: a.topicId, partitions: 5, configs: { 'retention.ms': '1000' } });
    assert.deepEqual(t.get('b')!.configs, { 'cleanup.policy': 'compact' });
    assert.equal(t.getById('00000000-0000-0000-0000-0000000000bb')!.name, 'b');
    assert.equal(t.deleteTopic('a'), true);
    assert.equal(t.deleteTopic('a'), false);
    const u = new MetadataStore(dir);
    await u.open();
    assert.deepEqual(
      u.list().map((x) => x.name),
      ['b'],
    );
  }));
