/**
 * An exception that escapes everything (here a timer planted with --import) stops `samsa start` cleanly: it is
 * logged as FATAL, the broker is closed (acknowledged records survive a restart) and the exit code is non-zero.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metadata } from '../../src/protocol/messages/metadata.js';
import { Produce } from '../../src/protocol/messages/produce.js';
import { ListOffsets } from '../../src/protocol/messages/list-offsets.js';
import { encodeBatch } from '../../src/protocol/records/batch.js';
import { startBrokerProcess } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';

// NODE_OPTIONS splits on spaces, so the planted module has none.
const BOMB = "data:text/javascript,globalThis.setTimeout(()=>{throw(Error('planted-failure'))},8000)";

test('an uncaught exception is logged, the broker closes cleanly and the process exits non-zero', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'samsa-fatal-'));
  try {
    const proc = await startBrokerProcess({ dataDir: dir, env: { NODE_OPTIONS: `--import=${BOMB}` } });
    try {
      const c = await RawClient.connect(proc.port);
      await c.send(Metadata, 4, { topics: [{ name: 'kept' }], allowAutoTopicCreation: true });
      const batch = await encodeBatch({ records: [{ key: null, value: 'acknowledged' }] });
      const res = await c.send(Produce, 9, {
        acks: -1,
        timeoutMs: 5000,
        topicData: [{ name: 'kept', partitionData: [{ index: 0, records: batch }] }],
      });
      assert.equal(res.responses[0]!.partitionResponses[0]!.errorCode, 0);
      c.close();
      const exit = await proc.exited;
      assert.equal(exit.code, 1, proc.output());
      assert.match(proc.output(), /FATAL.*uncaught exception: stopping the broker/);
      assert.match(proc.output(), /planted-failure/);
    } finally {
      await proc.cleanup();
    }
    const again = await startBrokerProcess({ dataDir: dir });
    try {
      const c = await RawClient.connect(again.port);
      const lo = await c.send(ListOffsets, 1, {
        replicaId: -1,
        topics: [{ name: 'kept', partitions: [{ partitionIndex: 0, timestamp: -1 }] }],
      });
      c.close();
      assert.equal(lo.topics[0]!.partitions[0]!.offset, 1, 'the acknowledged record is there after the restart');
    } finally {
      await again.cleanup();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
