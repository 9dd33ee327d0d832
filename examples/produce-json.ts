/**
 * Produce JSON values with a string key. Records with the same key go to the same partition (the Java client's
 * partitioner), so each customer's orders stay in order.
 * Run: npx tsc -p examples && node dist/examples/produce-json.js [bootstrap] [topic]
 */
import { createProducer, jsonSerializer, stringSerializer } from '../src/index.js';

interface Order {
  id: number;
  customer: string;
  amount: number;
}

const bootstrap = process.argv[2] ?? 'localhost:9092';
const topic = process.argv[3] ?? 'orders';

const producer = createProducer<string, Order>({
  bootstrapServers: bootstrap,
  keySerializer: stringSerializer as (k: string) => string,
  valueSerializer: jsonSerializer,
  compression: 'lz4',
  lingerMs: 5,
});

// One promise per record: resolves with partition and offset once stored.
const meta = await producer.send({
  topic,
  key: 'customer-42',
  value: { id: 1, customer: 'customer-42', amount: 19.9 },
  headers: { source: 'example' },
});
console.log(`stored at ${meta.topic}-${meta.partition}@${meta.offset}`);

// Many records without a promise each: produce() and a final flush() (which reports any failure).
for (let i = 2; i <= 1000; i++) {
  producer.produce({
    topic,
    key: `customer-${i % 50}`,
    value: { id: i, customer: `customer-${i % 50}`, amount: i / 10 },
  });
}
await producer.flush();
await producer.close();
console.log('1000 orders sent');
