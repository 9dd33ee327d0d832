/** Shared pieces of the client tests: a broker per test file and small helpers. */
import { withBroker, type TestBroker, type TestBrokerOptions } from '../helpers/broker.js';
import { Admin } from '../../src/client/admin.js';

export { withBroker, type TestBroker, type TestBrokerOptions };

let n = 0;
export function topicName(prefix: string): string {
  return `${prefix}-${process.pid}-${n++}-${Math.random().toString(36).slice(2, 6)}`;
}

/** Creates topics through our admin client. */
export async function createTopic(
  bootstrap: string,
  name: string,
  partitions = 1,
  configs?: Record<string, string>,
): Promise<void> {
  const admin = new Admin({ bootstrapServers: bootstrap });
  try {
    await admin.createTopics([{ name, numPartitions: partitions, replicationFactor: 1, configs }]);
  } finally {
    admin.close();
  }
}

/** Resolves with the first `count` items of an async iterable. */
export async function take<T>(it: AsyncIterable<T>, count: number, timeoutMs = 20000): Promise<T[]> {
  const out: T[] = [];
  if (count === 0) return out;
  const timer = new Promise<never>((_, rej) => {
    const t = setTimeout(() => rej(new Error(`timed out with ${out.length} of ${count} items`)), timeoutMs);
    t.unref();
  });
  const read = (async () => {
    for await (const x of it) {
      out.push(x);
      if (out.length >= count) break;
    }
    return out;
  })();
  return Promise.race([read, timer]);
}
