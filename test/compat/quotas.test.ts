/**
 * Client quotas through clients no one here wrote: quotas set and described with @platformatic/kafka's admin
 * (AlterClientQuotas, DescribeClientQuotas), then kafka-python producers and consumers: one client id over its
 * producer_byte_rate / consumer_byte_rate is held to within 20% of its quota, with throttle_time_ms in its
 * responses, while a client with another id runs unthrottled beside it. Small quota windows (2 x 1 s) keep the
 * burst a window allows short, so a run of seconds measures the steady rate.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Producer } from '../../src/client/producer.js';
import { withBroker } from '../helpers/broker.js';
import { requireClient, runPython, uniqueTopic } from '../helpers/clients.js';

const pk = (await import('@platformatic/kafka' as string)) as any;

const QUOTA = 50_000; // bytes per second
const SECONDS = 14;
const WARMUP = 3;
const CONFIG = { 'quota.window.num': '2', 'quota.window.size.seconds': '1', 'num.partitions': '1' };

async function withAdmin<T>(bootstrap: string, fn: (admin: any) => Promise<T>): Promise<T> {
  const admin = new pk.Admin({ clientId: 'compat-quotas-admin', bootstrapBrokers: [bootstrap] });
  try {
    return await fn(admin);
  } finally {
    await admin.close();
  }
}

describe('client quotas through @platformatic/kafka and kafka-python', () => {
  test('AlterClientQuotas and DescribeClientQuotas through @platformatic/kafka, with Kafka errors', async () => {
    await withBroker(async (b) => {
      await withAdmin(b.bootstrap, async (admin) => {
        const res = await admin.alterClientQuotas({
          entries: [
            {
              entities: [{ entityType: 'user', entityName: 'alice' }],
              ops: [{ key: 'producer_byte_rate', value: 1024, remove: false }],
            },
            {
              entities: [{ entityType: 'client-id', entityName: null }],
              ops: [{ key: 'consumer_byte_rate', value: 4096, remove: false }],
            },
          ],
        });
        assert.deepEqual(
          res.map((e: any) => e.errorCode),
          [0, 0],
        );
        // The library throws on an entry's error; the response it carries has Kafka's code and message.
        await assert.rejects(
          admin.alterClientQuotas({
            entries: [
              {
                entities: [{ entityType: 'client-id', entityName: 'bad' }],
                ops: [{ key: 'producer_byte_rate', value: -5, remove: false }],
              },
            ],
          }),
          (err: any) => {
            const entry = err.errors?.[0]?.response?.entries?.[0];
            assert.equal(entry?.errorCode, 42);
            assert.equal(entry?.errorMessage, 'Quota producer_byte_rate must be greater than 0');
            return true;
          },
        );
        const users = await admin.describeClientQuotas({ components: [{ entityType: 'user', matchType: 2 }] });
        assert.deepEqual(users, [
          {
            entity: [{ entityType: 'user', entityName: 'alice' }],
            values: [{ key: 'producer_byte_rate', value: 1024 }],
          },
        ]);
        const defaults = await admin.describeClientQuotas({
          components: [{ entityType: 'client-id', matchType: 1 }],
          strict: true,
        });
        assert.deepEqual(defaults, [
          {
            entity: [{ entityType: 'client-id', entityName: null }],
            values: [{ key: 'consumer_byte_rate', value: 4096 }],
          },
        ]);
        await assert.rejects(
          admin.describeClientQuotas({
            components: [
              { entityType: 'user', matchType: 0, match: 'a' },
              { entityType: 'ip', matchType: 2 },
            ],
          }),
        );
      });
    });
  });

  test('a kafka-python producer over producer_byte_rate is held to its quota; another client id is not', async (t) => {
    if (!requireClient(t, 'kafka-python')) return;
    await withBroker({ config: CONFIG }, async (b) => {
      const topic = uniqueTopic('quota-produce');
      assert.equal(b.broker.topics.create(topic, 1, 1, {}).errorCode, 0);
      await withAdmin(b.bootstrap, (admin) =>
        admin.alterClientQuotas({
          entries: [
            {
              entities: [{ entityType: 'client-id', entityName: 'limited-producer' }],
              ops: [{ key: 'producer_byte_rate', value: QUOTA, remove: false }],
            },
          ],
        }),
      );
      const args = (id: string) => ['produce', b.bootstrap, topic, id, String(SECONDS), String(WARMUP)];
      const [limited, free] = await Promise.all([
        runPython('kp_quota.py', args('limited-producer'), { timeoutMs: 120_000 }),
        runPython('kp_quota.py', args('free-producer'), { timeoutMs: 120_000 }),
      ]);
      const l = limited.summary;
      const f = free.summary;
      t.diagnostic(`limited ${Math.round(l.rate)} B/s (quota ${QUOTA}), throttle max ${l.throttleMax} ms`);
      t.diagnostic(`free ${Math.round(f.rate)} B/s, throttle max ${f.throttleMax} ms`);
      assert.ok(l.ok && f.ok, `${limited.result.stderr}\n${free.result.stderr}`);
      assert.ok(Math.abs(l.rate - QUOTA) <= QUOTA * 0.2, `limited producer at ${l.rate} B/s, quota ${QUOTA}`);
      assert.ok(l.throttleMax > 0, 'the limited producer saw throttle_time_ms in its responses');
      assert.equal(f.throttleMax, 0, 'the other client id is never throttled');
      assert.ok(f.rate > QUOTA * 2, `the other client id runs free: ${f.rate} B/s`);
    });
  });

  test('a kafka-python consumer over consumer_byte_rate is held to its quota; another client id is not', async (t) => {
    if (!requireClient(t, 'kafka-python')) return;
    await withBroker({ config: CONFIG }, async (b) => {
      const topic = uniqueTopic('quota-fetch');
      assert.equal(b.broker.topics.create(topic, 1, 1, {}).errorCode, 0);
      const producer = new Producer({ bootstrapServers: b.bootstrap, lingerMs: 5 });
      const value = Buffer.alloc(1000, 'y');
      await Promise.all(Array.from({ length: 1500 }, () => producer.send({ topic, partition: 0, value })));
      await producer.close();
      await withAdmin(b.bootstrap, (admin) =>
        admin.alterClientQuotas({
          entries: [
            {
              entities: [{ entityType: 'client-id', entityName: 'limited-consumer' }],
              ops: [{ key: 'consumer_byte_rate', value: QUOTA, remove: false }],
            },
          ],
        }),
      );
      const args = (id: string) => ['consume', b.bootstrap, topic, id, String(SECONDS), String(WARMUP)];
      const [limited, free] = await Promise.all([
        runPython('kp_quota.py', args('limited-consumer'), { timeoutMs: 120_000 }),
        runPython('kp_quota.py', args('free-consumer'), { timeoutMs: 120_000 }),
      ]);
      const l = limited.summary;
      const f = free.summary;
      t.diagnostic(`limited ${Math.round(l.rate)} B/s (quota ${QUOTA}), throttle max ${l.throttleMax} ms`);
      t.diagnostic(`free: ${f.bytes} B in ${f.elapsed.toFixed(2)} s, throttle max ${f.throttleMax} ms`);
      assert.ok(l.ok && f.ok, `${limited.result.stderr}\n${free.result.stderr}`);
      assert.ok(Math.abs(l.rate - QUOTA) <= QUOTA * 0.2, `limited consumer at ${l.rate} B/s, quota ${QUOTA}`);
      assert.ok(l.throttleMax > 0, 'the limited consumer saw throttle_time_ms in its responses');
      assert.equal(f.bytes, 1_500_000, 'the other client id read everything');
      assert.equal(f.throttleMax, 0, 'the other client id is never throttled');
      assert.ok(f.bytes / f.elapsed > QUOTA * 2, 'the other client id runs free');
    });
  });
});
