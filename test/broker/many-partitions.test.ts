/**
 * 10,000 partitions on one broker: created through CreateTopics, each written and read back, with the number of
 * open file descriptors bounded by log.dir.max.open.files; and the topics survive a restart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker } from '../../src/broker/broker.js';
import { CreateTopics } from '../../src/protocol/messages/create-topics.js';
import { Fetch } from '../../src/protocol/messages/fetch.js';
import { Produce } from '../../src/protocol/messages/produce.js';
import { decodeBatches, encodeBatch } from '../../src/protocol/records/batch.js';
import { silentLogger } from '../../src/storage/logger.js';
import { RawClient } from '../helpers/raw-client.js';

const TOPICS = 20;
const PER_TOPIC = 500; // 10,000 partitions in all
const MAX_OPEN = 300;

const openFds = (): number => readdirSync('/proc/self/fd').length;

test('10,000 partitions with bounded open files, surviving a restart', { timeout: 240_000 }, async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'samsa-many-'));
  const config = { 'log.dir.max.open.files': String(MAX_OPEN) };
  const fdsBefore = openFds();
  let broker = await startBroker({ port: 0, dataDir, config, logger: silentLogger });
  try {
    let client = await RawClient.connect(broker.port);
    const names = Array.from({ length: TOPICS }, (_, i) => `many-${i}`);
    const created = await client.send(CreateTopics, 7, {
      topics: names.map((name) => ({ name, numPartitions: PER_TOPIC, replicationFactor: 1 })),
      timeoutMs: 60_000,
    });
    assert.ok(
      created.topics.every((t) => t.errorCode === 0),
      JSON.stringify(created.topics.find((t) => t.errorCode !== 0)),
    );

    // One record into every partition, one Produce request per topic.
    for (const name of names) {
      const partitionData = [];
      for (let p = 0; p < PER_TOPIC; p++) {
        partitionData.push({
          index: p,
          records: await encodeBatch({ records: [{ key: null, value: Buffer.from(`${name}/${p}`) }] }),
        });
      }
      const res = await client.send(Produce, 9, { acks: 1, timeoutMs: 10_000, topicData: [{ name, partitionData }] });
      assert.ok(res.responses[0]!.partitionResponses.every((r) => r.errorCode === 0 && r.baseOffset === 0));
    }
    const fdsLoaded = openFds() - fdsBefore;
    assert.ok(fdsLoaded <= MAX_OPEN + 50, `${fdsLoaded} descriptors open for 10,000 partitions (bound ${MAX_OPEN})`);
    client.close();
    await broker.close();

    // After a restart every partition is there and holds its record.
    broker = await startBroker({ port: 0, dataDir, config, logger: silentLogger });
    client = await RawClient.connect(broker.port);
    let read = 0;
    for (const name of names) {
      const res = await client.send(Fetch, 11, {
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 64 << 20,
        topics: [
          {
            topic: name,
            partitions: Array.from({ length: PER_TOPIC }, (_, p) => ({
              partition: p,
              fetchOffset: 0,
              partitionMaxBytes: 1 << 16,
            })),
          },
        ],
      });
      for (const part of res.responses[0]!.partitions) {
        assert.equal(part.errorCode, 0);
        const [batch] = await decodeBatches(part.records!);
        assert.equal(batch!.records[0]!.value!.toString(), `${name}/${part.partitionIndex}`);
        read++;
      }
    }
    assert.equal(read, TOPICS * PER_TOPIC);
    const fdsAfterRead = openFds() - fdsBefore;
    assert.ok(fdsAfterRead <= MAX_OPEN + 50, `${fdsAfterRead} descriptors open after reading 10,000 partitions`);
    client.close();
  } finally {
    await broker.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
