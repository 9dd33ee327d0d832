/**
 * Read a partition without a group: from the beginning, an offset, or a timestamp.
 * Run: npx tsc -p examples && node dist/examples/consume-assign.js [bootstrap] [topic] [partition] [start]
 * start: "earliest" (default), "latest", an offset, or an ISO date.
 */
import { createConsumer } from '../src/index.js';

const bootstrap = process.argv[2] ?? 'localhost:9092';
const topic = process.argv[3] ?? 'orders';
const partition = Number(process.argv[4] ?? 0);
const start = process.argv[5] ?? 'earliest';

const consumer = createConsumer({ bootstrapServers: bootstrap, autoOffsetReset: 'earliest', maxWaitMs: 200 });
const tp = { topic, partition };
consumer.assign([tp]);
if (start === 'latest') consumer.seekToEnd([tp]);
else if (/^\d+$/.test(start)) consumer.seek(tp, Number(start));
else if (start !== 'earliest') consumer.seekToTimestamp(tp, Date.parse(start));

let count = 0;
const idle = setTimeout(() => void consumer.close(), 3000);
for await (const r of consumer) {
  idle.refresh();
  count++;
  console.log(
    `${r.offset} ${new Date(r.timestamp).toISOString()} ${r.key?.toString() ?? '-'} ${r.value?.toString() ?? '-'}`,
  );
}
console.log(`${count} records`);
