/**
 * The cluster config keys: Kafka's names and defaults, and etcd.endpoints validated as etcd client URLs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseBrokerConfig } from '../../src/broker/config/index.js';

test('cluster keys have Kafka defaults', () => {
  const c = parseBrokerConfig({});
  assert.equal(c.values.get('broker.session.timeout.ms'), 9000);
  assert.equal(c.values.get('broker.heartbeat.interval.ms'), 2000);
  assert.equal(c.values.get('replica.lag.time.max.ms'), 30000);
  assert.equal(c.values.get('unclean.leader.election.enable'), false);
  assert.equal(c.values.get('auto.leader.rebalance.enable'), true);
  assert.equal(c.values.get('leader.imbalance.check.interval.seconds'), 300);
  assert.equal(c.values.get('leader.imbalance.per.broker.percentage'), 10);
  assert.equal(c.values.get('replica.fetch.wait.max.ms'), 500);
  assert.equal(c.values.get('etcd.endpoints'), null);
});

test('etcd.endpoints takes etcd client URLs', () => {
  const c = parseBrokerConfig({ 'etcd.endpoints': 'http://127.0.0.1:2379,https://etcd.example:2379' });
  assert.deepEqual(c.values.get('etcd.endpoints'), ['http://127.0.0.1:2379', 'https://etcd.example:2379']);
  // The broker joins the cluster with it: no "has no effect" warning any more.
  assert.ok(!c.warnings.some((w) => w.startsWith('etcd.endpoints has no effect')));
  for (const bad of ['127.0.0.1:2379', 'http://host', 'ftp://h:1']) {
    assert.throws(
      () => parseBrokerConfig({ 'etcd.endpoints': bad }),
      (e: unknown) => e instanceof ConfigError && e.key === 'etcd.endpoints',
      bad,
    );
  }
  assert.throws(() => parseBrokerConfig({ 'broker.session.timeout.ms': '10' }), ConfigError);
});
