/**
 * Create a topic with partitions and a config, then describe it.
 * Run: npx tsc -p examples && node dist/examples/create-topic.js [bootstrap] [topic]
 */
import { createAdmin } from '../src/index.js';

const bootstrap = process.argv[2] ?? 'localhost:9092';
const topic = process.argv[3] ?? 'orders';

const admin = createAdmin({ bootstrapServers: bootstrap });
try {
  await admin.createTopics([
    { name: topic, numPartitions: 6, replicationFactor: 1, configs: { 'retention.ms': '604800000' } },
  ]);
  const [info] = await admin.describeTopics([topic]);
  console.log(
    `${topic}: ${info!.partitions.length} partitions, leaders ${info!.partitions.map((p) => p.leader).join(',')}`,
  );
} catch (err) {
  // Every failure is a KafkaError with the broker's code.
  console.error(`failed: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  admin.close();
}
