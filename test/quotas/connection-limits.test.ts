/**
 * Connection limits decided at accept time, with an injected clock: the creation rate makes a connection wait (at
 * most one window), an IP over its connection_creation_rate quota is refused after its throttle time, and counts
 * per IP, per listener and for the broker are given back when connections close.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBrokerConfig } from '../../src/broker/config/index.js';
import { ConnectionLimits, normalizeIp } from '../../src/broker/quotas/connection-limits.js';

const WINDOW = { samples: 11, windowMs: 1000 };
const limits = (props: Record<string, string>, ipQuota?: (ip: string) => number | undefined) =>
  new ConnectionLimits(parseBrokerConfig({ 'log.dirs': '/tmp/unused', ...props }), WINDOW, ipQuota);

test('max.connection.creation.rate: connections beyond the rate wait, at most one window', () => {
  const l = limits({ 'max.connection.creation.rate': '5' });
  const delays = Array.from({ length: 60 }, () => l.admit('PLAINTEXT', '10.0.0.1', 0)).map((a) => {
    assert.ok(a.admit);
    return a.delayMs;
  });
  // 5/s over the 10 s minimum span: 50 connections fit, then each waits, capped at one window.
  assert.deepEqual(delays.slice(0, 50), Array(50).fill(0));
  assert.ok(delays.slice(50).every((d) => d > 0 && d <= 1000));
  assert.equal(l.count(), 60);
});

test('listener.name.<l>.max.connection.creation.rate applies to its listener only', () => {
  const l = limits({ 'listener.name.plaintext.max.connection.creation.rate': '1' });
  for (let i = 0; i < 10; i++) assert.equal((l.admit('PLAINTEXT', '10.0.0.1', 0) as { delayMs: number }).delayMs, 0);
  assert.ok((l.admit('PLAINTEXT', '10.0.0.1', 0) as { delayMs: number }).delayMs > 0);
});

test('connection_creation_rate of an IP: refused after the throttle time, not counted', () => {
  const l = limits({}, (ip) => (ip === '10.0.0.9' ? 2 : undefined));
  for (let i = 0; i < 20; i++) assert.ok(l.admit('PLAINTEXT', '10.0.0.9', 0).admit);
  const refused = l.admit('PLAINTEXT', '10.0.0.9', 0);
  assert.equal(refused.admit, false);
  assert.ok(refused.delayMs > 0 && refused.delayMs <= 1000);
  assert.equal(l.count('10.0.0.9'), 20);
  assert.ok(l.admit('PLAINTEXT', '10.0.0.10', 0).admit, 'other IPs are not limited');
});

test('max.connections and per-IP counts are given back on close; IPv4-mapped addresses count as IPv4', () => {
  const l = limits({ 'max.connections': '2' });
  assert.ok(l.admit('PLAINTEXT', '::ffff:10.0.0.1', 0).admit);
  assert.ok(l.admit('PLAINTEXT', '10.0.0.1', 0).admit);
  assert.equal(l.count('10.0.0.1'), 2);
  const third = l.admit('PLAINTEXT', '10.0.0.2', 0);
  assert.equal(third.admit, false);
  assert.match((third as { reason: string }).reason, /maximum of 2 connections \(max\.connections\)/);
  l.release('PLAINTEXT', '::ffff:10.0.0.1');
  assert.ok(l.admit('PLAINTEXT', '10.0.0.2', 0).admit);
  assert.equal(normalizeIp('::1'), '::1');
});

test('a bad max.connections.per.ip.overrides stops the broker config', () => {
  assert.throws(() => parseBrokerConfig({ 'max.connections.per.ip.overrides': '10.0.0.1=5' }), /ip:count pairs/);
});
