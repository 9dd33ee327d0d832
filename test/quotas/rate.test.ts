/**
 * The quota arithmetic with an injected clock: Kafka's sampled rate (the span is never shorter than num - 1
 * windows, old samples drop out), the throttle time X = (O - T) / T * W, and the precedence of quota entities.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SampledRate } from '../../src/broker/quotas/rate.js';
import { ClientQuotas } from '../../src/broker/quotas/client-quotas.js';
import type { QuotaRecord } from '../../src/broker/quotas/entities.js';
import type { ClientQuotaStore } from '../../src/broker/quotas/store.js';

const WINDOW = { samples: 11, windowMs: 1000 };

describe('SampledRate', () => {
  test('a first burst is measured over num - 1 windows, not over the milliseconds it took', () => {
    const r = new SampledRate(WINDOW);
    r.record(1000, 0);
    // 1000 bytes over (11 - 1) * 1 s = 100 B/s
    assert.equal(r.rate(0), 100);
    assert.equal(r.spanMs(0), 10_000);
    assert.equal(r.rate(500), 1000 / 10.5);
  });

  test('the throttle time brings the observed rate back to the bound', () => {
    const r = new SampledRate(WINDOW);
    // 3000 bytes at t=0 with a bound of 100 B/s: observed 300 B/s over 10 s, X = (300 - 100) / 100 * 10 s = 20 s.
    assert.equal(r.recordAndThrottle(3000, 100, 0), 20_000);
    // 20 s later the samples have left the 11 s window: within the bound again.
    assert.equal(r.throttleMs(100, 20_000), 0);
    // Within the bound: no throttle.
    const q = new SampledRate(WINDOW);
    assert.equal(q.recordAndThrottle(500, 100, 0), 0);
  });

  test('a capped throttle (request and connection-rate quotas) is at most one window', () => {
    const r = new SampledRate(WINDOW);
    assert.equal(r.recordAndThrottle(1e6, 1, 0, 1000), 1000);
  });

  test('samples older than the whole window no longer count, and a steady rate is measured as such', () => {
    const r = new SampledRate(WINDOW);
    for (let t = 0; t < 30_000; t += 100) r.record(10, t); // 100 B/s for 30 s
    const rate = r.rate(30_000);
    assert.ok(Math.abs(rate - 100) < 10, `steady rate measured as ${rate}`);
    assert.ok(r.spanMs(30_000) <= 12_000);
    // Nothing for the whole window: zero.
    assert.equal(r.rate(60_000), 0);
    assert.ok(r.idle(60_000));
  });

  test('a negative recording takes a value back (a throttled fetch that is not sent)', () => {
    const r = new SampledRate(WINDOW);
    r.record(5000, 0);
    r.record(-5000, 0);
    assert.equal(r.rate(0), 0);
  });
});

class MemoryStore implements ClientQuotaStore {
  constructor(public records: QuotaRecord[] = []) {}
  async load(): Promise<QuotaRecord[]> {
    return this.records;
  }
  async save(records: readonly QuotaRecord[]): Promise<void> {
    this.records = records.map((r) => ({ entity: { ...r.entity }, values: { ...r.values } }));
  }
}

describe('ClientQuotas precedence', () => {
  const quotas = async (records: QuotaRecord[]) => {
    const q = new ClientQuotas(new MemoryStore(records), WINDOW);
    await q.load();
    return q;
  };
  /** The bound that applies, read back through the largest fetch allowed in a window. */
  const bound = (q: ClientQuotas, user: string, clientId: string) =>
    q.maxFetchBytes(user, clientId, 0) / ((WINDOW.samples - 1) * (WINDOW.windowMs / 1000));

  test('no quota: nothing is measured and nothing throttled', async () => {
    const q = await quotas([]);
    assert.equal(q.active, false);
    assert.equal(q.recordProduce('alice', 'c', 1e9, 0), 0);
  });

  test("Kafka's order: user+client, user+default client, user, default user+client, ..., default client", async () => {
    const all: QuotaRecord[] = [
      { entity: { user: 'alice', clientId: 'app' }, values: { consumer_byte_rate: 1 } },
      { entity: { user: 'alice', clientId: null }, values: { consumer_byte_rate: 2 } },
      { entity: { user: 'alice' }, values: { consumer_byte_rate: 3 } },
      { entity: { user: null, clientId: 'app' }, values: { consumer_byte_rate: 4 } },
      { entity: { user: null, clientId: null }, values: { consumer_byte_rate: 5 } },
      { entity: { user: null }, values: { consumer_byte_rate: 6 } },
      { entity: { clientId: 'app' }, values: { consumer_byte_rate: 7 } },
      { entity: { clientId: null }, values: { consumer_byte_rate: 8 } },
    ];
    for (let i = 0; i < all.length; i++) {
      const q = await quotas(all.slice(i));
      assert.equal(bound(q, 'alice', 'app'), i + 1, `level ${i + 1}`);
    }
    const q = await quotas(all);
    assert.equal(bound(q, 'bob', 'other'), 5, 'bob gets the default user and default client quota');
  });

  test('a user quota is shared by all her clients; a default client quota gives each client id its own', async () => {
    const q = await quotas([
      { entity: { user: 'alice' }, values: { producer_byte_rate: 100 } },
      { entity: { clientId: null }, values: { producer_byte_rate: 100 } },
    ]);
    // alice: 1000 B from client a, then 1000 B from client b share one rate: 2000 B over 10 s = 200 B/s.
    assert.equal(q.recordProduce('alice', 'a', 1000, 0), 0);
    assert.equal(q.recordProduce('alice', 'b', 1000, 0), 10_000);
    // Others by client id: each id measured alone.
    assert.equal(q.recordProduce('bob', 'x', 1000, 0), 0);
    assert.equal(q.recordProduce('carol', 'y', 1000, 0), 0);
  });

  test('alter: validation with Kafka messages, storage, and removal', async () => {
    const store = new MemoryStore();
    const q = new ClientQuotas(store, WINDOW);
    await q.load();
    const res = await q.alter(
      [
        {
          entity: [{ entityType: 'user', entityName: 'alice' }],
          ops: [{ key: 'producer_byte_rate', value: 1024, remove: false }],
        },
        {
          entity: [{ entityType: 'user', entityName: 'bob' }],
          ops: [{ key: 'producer_byte_rate', value: 1.5, remove: false }],
        },
        { entity: [{ entityType: 'user', entityName: 'carol' }], ops: [{ key: 'nonsense', value: 1, remove: false }] },
        {
          entity: [
            { entityType: 'ip', entityName: '10.0.0.1' },
            { entityType: 'user', entityName: 'x' },
          ],
          ops: [],
        },
        { entity: [{ entityType: 'client-id', entityName: '' }], ops: [] },
        {
          entity: [{ entityType: 'user', entityName: 'dave' }],
          ops: [{ key: 'request_percentage', value: -1, remove: false }],
        },
      ],
      false,
    );
    assert.deepEqual(
      res.map((r) => [r.errorCode, r.errorMessage]),
      [
        [0, null],
        [42, 'producer_byte_rate cannot be a fractional value.'],
        [42, 'Invalid configuration key nonsense'],
        [42, 'Invalid quota entity combination, IP entity should not be combined with User or ClientId'],
        [42, 'Empty client-id not supported'],
        [42, 'Quota request_percentage must be greater than 0'],
      ],
    );
    assert.deepEqual(store.records, [{ entity: { user: 'alice' }, values: { producer_byte_rate: 1024 } }]);
    assert.equal(q.active, true);
    await q.alter(
      [
        {
          entity: [{ entityType: 'user', entityName: 'alice' }],
          ops: [{ key: 'producer_byte_rate', value: 0, remove: true }],
        },
      ],
      false,
    );
    assert.deepEqual(store.records, []);
    assert.equal(q.active, false);
  });
});
