/**
 * Consume in a consumer group and commit by hand after processing each batch.
 * Run: npx tsc -p examples && node dist/examples/consume-group.js [bootstrap] [topic] [group]
 * Stop with Ctrl-C: the consumer commits, leaves the group and exits.
 */
import { createConsumer, jsonDeserializer, stringDeserializer } from '../src/index.js';

const bootstrap = process.argv[2] ?? 'localhost:9092';
const topic = process.argv[3] ?? 'orders';
const groupId = process.argv[4] ?? 'order-processors';

const consumer = createConsumer({
  bootstrapServers: bootstrap,
  groupId,
  autoOffsetReset: 'earliest',
  enableAutoCommit: false,
  keyDeserializer: stringDeserializer,
  valueDeserializer: jsonDeserializer,
});

consumer.subscribe([topic], {
  onAssigned: (ps) => console.log('assigned', ps.map((p) => `${p.topic}-${p.partition}`).join(' ')),
  onRevoked: (ps) => console.log('revoked', ps.map((p) => `${p.topic}-${p.partition}`).join(' ')),
});

process.once('SIGINT', () => void consumer.close());

// The batch API hands out one partition's fetched records at a time.
for await (const batch of consumer.batches()) {
  for (const record of batch.records) {
    console.log(`${record.partition}@${record.offset} ${record.key}: ${JSON.stringify(record.value)}`);
  }
  await consumer.commit();
}
