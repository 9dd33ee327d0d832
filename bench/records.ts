/**
 * Micro-benchmark for record batch validation (not a test). Builds 1000-record batches and reports how fast
 * validateBatches (CRC-32C + header checks), assignOffsets and decodeRecords get through them.
 *
 *   npx tsc -p . && node dist/bench/records.js
 */
import {
  assignOffsets,
  decodeRecords,
  encodeBatch,
  validateBatches,
  validateBatchesDeep,
} from '../src/protocol/records/batch.js';
import { Compression } from '../src/protocol/records/compression.js';

const RECORDS_PER_BATCH = 1000;
const VALUE_SIZE = 100;

async function makeBatch(codec: Compression): Promise<Buffer> {
  const records = [];
  for (let i = 0; i < RECORDS_PER_BATCH; i++) {
    const value = Buffer.alloc(VALUE_SIZE, `value-${i}-`);
    records.push({ key: `key-${i}`, value, timestamp: 1_700_000_000_000 + i });
  }
  return encodeBatch({ records, compression: codec, producerId: 1, producerEpoch: 0, baseSequence: 0 });
}

async function measure(label: string, bytes: number, records: number, fn: () => unknown): Promise<void> {
  // Warm up, then run for roughly one second.
  for (let i = 0; i < 50; i++) await fn();
  let iterations = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < 1e9) {
    for (let i = 0; i < 20; i++) await fn();
    iterations += 20;
    elapsed = Number(process.hrtime.bigint() - start);
  }
  const secs = elapsed / 1e9;
  const mbps = (bytes * iterations) / secs / 1e6;
  const rps = (records * iterations) / secs / 1e6;
  console.log(`${label.padEnd(44)} ${mbps.toFixed(0).padStart(6)} MB/s ${rps.toFixed(2).padStart(7)} M records/s`);
}

const opts = { maxBatchBytes: 16 << 20 };
for (const codec of [Compression.None, Compression.Lz4, Compression.Zstd]) {
  const batch = await makeBatch(codec);
  const name = Compression[codec];
  console.log(`-- ${name}: ${RECORDS_PER_BATCH} records, ${batch.length} bytes per batch`);
  await measure(`validateBatches (${name})`, batch.length, RECORDS_PER_BATCH, () => {
    const r = validateBatches(batch, opts);
    if (!r.ok) throw new Error(r.message);
  });
  await measure(`validateBatches deepCheck (${name})`, batch.length, RECORDS_PER_BATCH, async () => {
    const r = await validateBatchesDeep(batch, opts);
    if (!r.ok) throw new Error(r.message);
  });
  await measure(`assignOffsets (${name})`, batch.length, RECORDS_PER_BATCH, () => assignOffsets(batch, 0));
  await measure(`decodeRecords (${name})`, batch.length, RECORDS_PER_BATCH, () => decodeRecords(batch));
}
