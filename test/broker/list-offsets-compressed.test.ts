/** ListOffsets by timestamp finds the exact record inside compressed batches, for every codec. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ListOffsets } from '../../src/protocol/messages/list-offsets.js';
import { Produce } from '../../src/protocol/messages/produce.js';
import { encodeBatch } from '../../src/protocol/records/batch.js';
import { Compression } from '../../src/protocol/records/layout.js';
import { startTestBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';

test('offsets by timestamp and max timestamp are exact inside compressed batches', async () => {
  const tb = await startTestBroker();
  const client = await RawClient.connect(tb.broker.port);
  try {
    for (const codec of [Compression.None, Compression.Gzip, Compression.Snappy, Compression.Lz4, Compression.Zstd]) {
      const topic = `ts-${codec}`;
      assert.equal(tb.broker.topics.create(topic, 1, 1, {}).errorCode, 0);
      // Offsets 0-4 at 1000..5000, with the largest timestamp in the middle record.
      const stamps = [1000, 2000, 9000, 4000, 5000];
      const records = await encodeBatch({
        records: stamps.map((t) => ({ key: null, value: Buffer.from(`${t}`), timestamp: t })),
        compression: codec,
      });
      await client.send(Produce, 9, {
        acks: 1,
        timeoutMs: 1000,
        topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
      });
      const ask = async (timestamp: number) => {
        const res = await client.send(ListOffsets, 7, {
          replicaId: -1,
          topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp }] }],
        });
        const p = res.topics[0]!.partitions[0]!;
        assert.equal(p.errorCode, 0);
        return [p.offset, p.timestamp];
      };
      assert.deepEqual(await ask(1500), [1, 2000], `codec ${codec}: first record at or after 1500`);
      assert.deepEqual(await ask(2500), [2, 9000], `codec ${codec}: first record at or after 2500`);
      assert.deepEqual(await ask(-3), [2, 9000], `codec ${codec}: max timestamp`);
      assert.deepEqual(await ask(10000), [-1, -1], `codec ${codec}: none after`);
    }
  } finally {
    client.close();
    await tb.stop();
  }
});
