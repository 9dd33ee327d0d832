/** Topic metadata and per-topic settings survive restarts; deleting a topic removes its data. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker } from '../../src/broker/broker.js';
import { encodeBatch } from '../../src/protocol/records/batch.js';
import { silentLogger } from '../../src/storage/logger.js';

test('topics, partitions and config overrides survive a restart; delete removes the data', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'samsa-topics-'));
  try {
    let b = await startBroker({ port: 0, dataDir, logger: silentLogger });
    assert.equal(b.topics.create('kept', 3, 1, { 'retention.ms': '12345', 'cleanup.policy': 'delete' }).errorCode, 0);
    assert.equal(b.topics.create('gone', 2, 1, {}).errorCode, 0);
    b.topics
      .partition('kept', 2)!
      .appendAsLeader(await encodeBatch({ records: [{ key: null, value: Buffer.from('x') }] }));
    const id = b.topics.get('kept')!.topicId;
    await b.close();

    // A stray partition directory of an unknown topic (a crash during a delete) is cleaned up at startup.
    mkdirSync(join(dataDir, 'stray-0'));
    b = await startBroker({ port: 0, dataDir, logger: silentLogger });
    assert.equal(b.topics.get('kept')!.topicId, id);
    assert.equal(b.topics.partitionsOf('kept')!.length, 3);
    assert.equal(b.topics.partition('kept', 1)!.config.retentionMs, 12345, 'override applied to logs found on disk');
    assert.equal(b.topics.partition('kept', 2)!.logEndOffset, 1);
    assert.ok(!existsSync(join(dataDir, 'stray-0')), 'stray partition directory removed');

    assert.equal(b.topics.delete('gone').errorCode, 0);
    assert.equal(b.topics.delete('gone').errorCode, 3);
    await b.close();
    const left = readdirSync(dataDir).filter((n) => n.startsWith('gone-') && !n.endsWith('-delete'));
    assert.deepEqual(left, []);

    b = await startBroker({ port: 0, dataDir, logger: silentLogger });
    assert.equal(b.topics.get('gone'), undefined);
    assert.equal(b.topics.create('gone', 1, 1, {}).errorCode, 0, 'the name can be reused');
    assert.equal(b.topics.partition('gone', 0)!.logEndOffset, 0);
    await b.close();
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
