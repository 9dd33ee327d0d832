/**
 * No acknowledged record is ever lost: producers write to a broker process that is killed with SIGKILL at a random
 * moment; after a restart on the same data directory every acknowledged record is readable at its offset, and new
 * appends continue after the last record that survived.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Fetch } from '../../src/protocol/messages/fetch.js';
import { Metadata } from '../../src/protocol/messages/metadata.js';
import { Produce } from '../../src/protocol/messages/produce.js';
import { decodeBatches, encodeBatch } from '../../src/protocol/records/batch.js';
import { Compression } from '../../src/protocol/records/layout.js';
import { startBrokerProcess } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';

const TOPIC = 'crash';
const PARTITIONS = 3;

interface Acked {
  partition: number;
  offset: number;
  value: string;
}

async function produceUntilKilled(port: number, acked: Acked[], stop: { now: boolean }): Promise<void> {
  const client = await RawClient.connect(port);
  let seq = 0;
  const conn = Math.random().toString(36).slice(2, 6);
  try {
    while (!stop.now) {
      const partition = seq % PARTITIONS;
      const values = Array.from({ length: 10 }, (_, i) => `${conn}-${seq}-${i}`);
      const records = await encodeBatch({
        records: values.map((v) => ({ key: null, value: Buffer.from(v) })),
        compression: seq % 4 === 0 ? Compression.Lz4 : Compression.None,
      });
      seq++;
      let res: Awaited<ReturnType<typeof client.send<typeof Produce>>>;
      try {
        res = await client.send(Produce, 9, {
          acks: 1,
          timeoutMs: 5000,
          topicData: [{ name: TOPIC, partitionData: [{ index: partition, records }] }],
        });
      } catch {
        return; // the broker died under us: this batch was never acknowledged
      }
      const p = res.responses[0]!.partitionResponses[0]!;
      assert.equal(p.errorCode, 0);
      for (const [i, value] of values.entries()) acked.push({ partition, offset: p.baseOffset + i, value });
    }
  } finally {
    client.close();
  }
}

async function readAll(port: number): Promise<Map<string, string>> {
  const client = await RawClient.connect(port);
  const found = new Map<string, string>();
  try {
    for (let partition = 0; partition < PARTITIONS; partition++) {
      let offset = 0;
      for (;;) {
        const res = await client.send(Fetch, 11, {
          maxWaitMs: 0,
          minBytes: 0,
          maxBytes: 8 << 20,
          topics: [{ topic: TOPIC, partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: 8 << 20 }] }],
        });
        const part = res.responses[0]!.partitions[0]!;
        assert.equal(part.errorCode, 0);
        const batches = await decodeBatches(part.records ?? Buffer.alloc(0));
        if (batches.length === 0) break;
        for (const b of batches) {
          for (const r of b.records) {
            found.set(`${partition}:${r.offset}`, r.value!.toString());
            offset = r.offset + 1;
          }
        }
      }
    }
  } finally {
    client.close();
  }
  return found;
}

test('every acknowledged record survives kill -9 at random moments', { timeout: 120_000 }, async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'samsa-crash-'));
  const acked: Acked[] = [];
  try {
    for (let round = 0; round < 3; round++) {
      const broker = await startBrokerProcess({
        dataDir,
        config: { 'num.partitions': String(PARTITIONS), 'log.segment.bytes': '65536' },
      });
      try {
        const meta = await RawClient.connect(broker.port);
        await meta.send(Metadata, 9, { topics: [{ name: TOPIC }], allowAutoTopicCreation: true });
        meta.close();
        const stop = { now: false };
        const producers = [0, 1, 2, 3].map(() => produceUntilKilled(broker.port, acked, stop));
        await new Promise((r) => setTimeout(r, 300 + Math.random() * 1200));
        broker.kill('SIGKILL');
        await broker.exited;
        stop.now = true;
        await Promise.all(producers);
      } finally {
        await broker.cleanup();
      }
    }
    assert.ok(acked.length > 100, `expected many acknowledged records, got ${acked.length}`);

    const broker = await startBrokerProcess({ dataDir });
    try {
      const found = await readAll(broker.port);
      const lost = acked.filter((a) => found.get(`${a.partition}:${a.offset}`) !== a.value);
      assert.equal(lost.length, 0, `lost or changed acknowledged records, e.g. ${JSON.stringify(lost.slice(0, 3))}`);
      // Offsets continue after the surviving tail.
      const client = await RawClient.connect(broker.port);
      const maxOffset = Math.max(
        -1,
        ...[...found.keys()].filter((k) => k.startsWith('0:')).map((k) => Number(k.slice(2))),
      );
      const res = await client.send(Produce, 9, {
        acks: -1,
        timeoutMs: 5000,
        topicData: [
          {
            name: TOPIC,
            partitionData: [
              { index: 0, records: await encodeBatch({ records: [{ key: null, value: Buffer.from('after') }] }) },
            ],
          },
        ],
      });
      client.close();
      assert.equal(res.responses[0]!.partitionResponses[0]!.baseOffset, maxOffset + 1);
    } finally {
      await broker.cleanup();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
