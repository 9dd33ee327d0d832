/**
 * Open-file limits: the segment-file cache stays well inside the process's descriptor limit (a laptop's default
 * is often 1024, or 256 on macOS), survives running out anyway, and a topic that cannot be created whole is not
 * created at all.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { startBroker } from '../../src/broker/broker.js';
import { CreateTopics } from '../../src/protocol/messages/create-topics.js';
import { Produce } from '../../src/protocol/messages/produce.js';
import { encodeBatch } from '../../src/protocol/records/batch.js';
import { defaultMaxOpenFiles } from '../../src/storage/file-cache.js';
import { silentLogger } from '../../src/storage/logger.js';
import { startBrokerProcess } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { projectRoot } from '../helpers/spec.js';

test('the default cache size is half the descriptor limit, at most 1000', () => {
  assert.equal(defaultMaxOpenFiles(1000, 1024), 512);
  assert.equal(defaultMaxOpenFiles(1000, 256), 128);
  assert.equal(defaultMaxOpenFiles(1000, 20000), 1000);
  assert.equal(defaultMaxOpenFiles(1000, Infinity), 1000);
  assert.equal(defaultMaxOpenFiles(1000, 10), 16);
  assert.equal(defaultMaxOpenFiles(1000, undefined), 128, 'limit unknown');
  assert.equal(defaultMaxOpenFiles(50, 1024), 50, 'never above what is configured');
});

/** Creates a 300-partition topic and appends one batch to every partition, all through the wire. */
async function manyPartitions(port: number): Promise<void> {
  const c = await RawClient.connect(port);
  try {
    const created = await c.send(CreateTopics, 7, {
      topics: [{ name: 'wide', numPartitions: 300, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    assert.equal(created.topics[0]!.errorCode, 0, created.topics[0]!.errorMessage ?? '');
    const records = await encodeBatch({ records: [{ key: null, value: Buffer.from('v') }] });
    for (let round = 0; round < 2; round++) {
      const res = await c.send(Produce, 9, {
        transactionalId: null,
        acks: 1,
        timeoutMs: 5000,
        topicData: [{ name: 'wide', partitionData: Array.from({ length: 300 }, (_, index) => ({ index, records })) }],
      });
      const errors = res.responses[0]!.partitionResponses.filter((p) => p.errorCode !== 0);
      assert.deepEqual(errors, []);
      assert.ok(res.responses[0]!.partitionResponses.every((p) => p.baseOffset === round));
    }
  } finally {
    c.close();
  }
}

test('300 partitions under `ulimit -n 200`: the cache stays within half the limit, even when set higher', async () => {
  const configs: Array<Record<string, string>> = [{}, { 'log.dir.max.open.files': '1000' }];
  for (const config of configs) {
    const b = await startBrokerProcess({ fdLimit: 200, config });
    try {
      await manyPartitions(b.port).catch((e: Error) => {
        throw new Error(`${e.message}\n--- broker output ---\n${b.output().slice(-3000)}`);
      });
      assert.equal(b.child.exitCode, null, 'the broker is still running');
      assert.match(b.output(), /keeping at most 100 segment files open \(half the process's open-file limit of 200/);
    } finally {
      await b.cleanup();
    }
  }
});

test('a topic whose partitions cannot all be created is not created: KAFKA_STORAGE_ERROR, nothing left behind', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'samsa-fd-'));
  try {
    const b = await startBroker({ port: 0, dataDir, logger: silentLogger });
    try {
      // A file where partition 5's directory must go.
      writeFileSync(join(dataDir, 'blocked-5'), 'not a directory');
      const c = await RawClient.connect(b.port);
      const res = await c.send(CreateTopics, 7, {
        topics: [{ name: 'blocked', numPartitions: 8, replicationFactor: 1, assignments: [], configs: [] }],
        timeoutMs: 5000,
        validateOnly: false,
      });
      c.close();
      assert.equal(res.topics[0]!.errorCode, 56);
      assert.match(res.topics[0]!.errorMessage ?? '', /could not be created/);
      assert.equal(b.topics.get('blocked'), undefined);
      assert.equal(b.topics.partitionsOf('blocked'), undefined);
      const left = (await readdir(dataDir)).filter(
        (n) => n.startsWith('blocked-') && n !== 'blocked-5' && !n.endsWith('-delete'),
      );
      assert.deepEqual(left, []);
      // Partitions added to an existing topic: the same all-or-nothing rule.
      assert.equal(b.topics.create('grow', 2, 1, {}).errorCode, 0);
      writeFileSync(join(dataDir, 'grow-3'), 'not a directory');
      const grown = b.topics.createPartitions('grow', 5, false);
      assert.equal(grown.errorCode, 56);
      assert.equal(b.topics.partitionsOf('grow')!.length, 2);
      assert.equal(b.topics.get('grow')!.partitions, 2);
    } finally {
      await b.close();
    }
    // After a restart the half-made topic is not there either.
    const again = await startBroker({ port: 0, dataDir, logger: silentLogger });
    assert.equal(again.topics.get('blocked'), undefined);
    assert.equal(again.topics.partitionsOf('grow')!.length, 2);
    await again.close();
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('where the limit is unknown and the cache hits EMFILE, it shrinks to half of what it holds and goes on', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'samsa-emfile-'));
  try {
    const script = `
      const fs = require('node:fs');
      import(${JSON.stringify(pathToFileURL(join(projectRoot, 'dist/src/storage/file-cache.js')).href)}).then(({ FileCache }) => {
        const cache = new FileCache(1000);
        for (let i = 0; i < 300; i++) cache.create(${JSON.stringify(dir)} + '/f' + i);
        // another file outside the cache still opens: the cache left room
        const fd = fs.openSync(${JSON.stringify(dir)} + '/other', 'w');
        fs.closeSync(fd);
        console.log(JSON.stringify({ size: cache.size, limit: cache.limit }));
      });`;
    const out = execFileSync('/bin/sh', ['-c', `ulimit -n 64 && exec "$0" -e "$1"`, process.execPath, script], {
      encoding: 'utf8',
    });
    const r = JSON.parse(out) as { size: number; limit: number };
    assert.ok(r.limit < 64 && r.limit >= 4, `limit ${r.limit}`);
    assert.ok(r.size <= r.limit, `size ${r.size} within ${r.limit}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
