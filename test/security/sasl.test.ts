/**
 * SASL on the broker, driven byte by byte with the raw test client and with Samsa's client: what an
 * unauthenticated connection may send, the v0 raw-token flow, wrong passwords (SASL_AUTHENTICATION_FAILED with a
 * message, a growing delay, the connection closed, the event published and counted) while authenticated clients are
 * served, an unauthenticated oversized frame, connections.max.reauth.ms, SCRAM users altered, described and kept
 * across a restart, and the principal handed to the authorizer.
 */
import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { startBroker } from '../../src/broker/broker.js';
import type { AuthFailureEvent } from '../../src/broker/observe.js';
import { createAdmin, createProducer } from '../../src/client/index.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { ApiVersions } from '../../src/protocol/messages/api-versions.js';
import { Metadata } from '../../src/protocol/messages/metadata.js';
import { SaslAuthenticate } from '../../src/protocol/messages/sasl-authenticate.js';
import { SaslHandshake } from '../../src/protocol/messages/sasl-handshake.js';
import { encodePlain } from '../../src/protocol/sasl.js';
import { principalString, type Authorizer } from '../../src/security/authorizer.js';
import { silentLogger } from '../../src/storage/logger.js';
import { startTestBroker, withBroker, type TestBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { createScramUsers, listenerAddress, PLAIN_JAAS, saslBrokerConfig } from '../helpers/sasl.js';

const METADATA_ALL = { topics: null, allowAutoTopicCreation: false };

/** A raw connection authenticated with PLAIN through SaslHandshake v1 and SaslAuthenticate v2. */
async function plainLogin(port: number, user: string, password: string) {
  const c = await RawClient.connect(port);
  const hs = await c.send(SaslHandshake, 1, { mechanism: 'PLAIN' });
  assert.equal(hs.errorCode, 0);
  const res = await c.send(SaslAuthenticate, 2, { authBytes: encodePlain(user, password) });
  return { c, res };
}

describe('SASL on a SASL_PLAINTEXT listener', () => {
  test('before authentication only ApiVersions and SASL requests are served; others close the connection', async () => {
    await withBroker({ config: saslBrokerConfig() }, async (b) => {
      const c1 = await RawClient.connect(b.port);
      const versions = await c1.send(ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' });
      assert.equal(versions.errorCode, 0);
      for (const key of [17, 36, 50, 51])
        assert.ok(
          versions.apiKeys.some((k) => k.apiKey === key),
          `API ${key}`,
        );
      await assert.rejects(c1.send(Metadata, 12, METADATA_ALL), /connection closed/);
      assert.ok(
        b.logLines().some((l) => /Metadata request before SASL authentication on listener SASL_PLAINTEXT/.test(l)),
      );

      // After a v1 handshake only SaslAuthenticate.
      const c2 = await RawClient.connect(b.port);
      const hs = await c2.send(SaslHandshake, 1, { mechanism: 'PLAIN' });
      assert.deepEqual(hs, { errorCode: 0, mechanisms: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] });
      await assert.rejects(c2.send(ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' }));

      // An unknown mechanism: UNSUPPORTED_SASL_MECHANISM with the enabled list, then the connection closes.
      const c3 = await RawClient.connect(b.port);
      const bad = await c3.send(SaslHandshake, 1, { mechanism: 'GSSAPI' });
      assert.equal(bad.errorCode, ErrorCode.UNSUPPORTED_SASL_MECHANISM);
      assert.deepEqual(bad.mechanisms, ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']);
      await c3.whenClosed();

      // The PLAINTEXT listener of the same broker needs no authentication, and refuses SASL requests.
      const plain = await RawClient.connect(Number(listenerAddress(b, 'PLAINTEXT').split(':')[1]));
      assert.equal(
        (await plain.send(SaslHandshake, 1, { mechanism: 'PLAIN' })).errorCode,
        ErrorCode.ILLEGAL_SASL_STATE,
      );
      assert.ok((await plain.send(Metadata, 12, METADATA_ALL)).brokers.length > 0);
      for (const c of [c1, c2, c3, plain]) c.close();
    });
  });

  test('a wrong password gets SASL_AUTHENTICATION_FAILED with a message, published and counted, while others are served', async () => {
    const tb = await startTestBroker({
      config: saslBrokerConfig({ 'metrics.listeners': 'http://127.0.0.1:0' }),
      services: { metrics: true },
    });
    const events: AuthFailureEvent[] = [];
    const onFailure = (m: unknown) => events.push(m as AuthFailureEvent);
    diagnostics.subscribe('samsa:auth-failure', onFailure);
    try {
      const good = await plainLogin(tb.port, 'alice', 'alice-secret');
      assert.equal(good.res.errorCode, 0);
      const pending = plainLogin(tb.port, 'alice', 'not-her-password');
      // The failure is answered after a delay; meanwhile the authenticated connection is served.
      const md = await good.c.send(Metadata, 12, METADATA_ALL);
      assert.equal(md.brokers.length, 1);
      const { c, res } = await pending;
      assert.equal(res.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
      assert.equal(res.errorMessage, 'Authentication failed: Invalid username or password');
      await c.whenClosed();
      // An unknown user gets the same answer.
      const unknown = await plainLogin(tb.port, 'mallory', 'x');
      assert.equal(unknown.res.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
      assert.equal(unknown.res.errorMessage, 'Authentication failed: Invalid username or password');

      assert.deepEqual(
        events.map((e) => [e.listener, e.mechanism, e.user]),
        [
          ['SASL_PLAINTEXT', 'PLAIN', 'alice'],
          ['SASL_PLAINTEXT', 'PLAIN', 'mallory'],
        ],
      );
      assert.match(events[0]!.remote, /^127\.0\.0\.1:\d+$/);
      const failedLines = tb
        .logLines()
        .filter((l) => /failed authentication with 127\.0\.0\.1:\d+ \(Authentication failed/.test(l));
      assert.equal(failedLines.length, 2, 'each failure logged once');
      const metrics = await (await fetch(tb.broker.services.get('metrics')!.urls[0]!)).text();
      assert.match(
        metrics,
        /kafka_server_socketservermetrics_failed_authentication_total\{listener="SASL_PLAINTEXT"\} 2\b/,
      );
      assert.match(
        metrics,
        /kafka_server_socketservermetrics_successful_authentication_total\{listener="SASL_PLAINTEXT"\} 1\b/,
      );
      assert.ok((await good.c.send(Metadata, 12, METADATA_ALL)).brokers.length === 1, 'still served');
      good.c.close();
    } finally {
      diagnostics.unsubscribe('samsa:auth-failure', onFailure);
      await tb.stop();
    }
  });

  test('repeated failures from one address are answered later and later', async () => {
    await withBroker(
      { config: saslBrokerConfig({ 'connection.failed.authentication.delay.ms': '100' }) },
      async (b) => {
        const times: number[] = [];
        for (let i = 0; i < 4; i++) {
          const t0 = performance.now();
          const { res } = await plainLogin(b.port, 'alice', 'wrong');
          times.push(performance.now() - t0);
          assert.equal(res.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
        }
        // 100, 200, 400, 800 ms (doubling per recent failure).
        assert.ok(times[0]! >= 90 && times[0]! < 400, `first failure after ${times[0]} ms`);
        assert.ok(times[3]! >= 750, `fourth failure after ${times[3]} ms`);
        // A success from the address resets the delay.
        assert.equal((await plainLogin(b.port, 'alice', 'alice-secret')).res.errorCode, 0);
        const t0 = performance.now();
        await plainLogin(b.port, 'alice', 'wrong');
        assert.ok(performance.now() - t0 < 400);
      },
    );
  });

  test('an oversized frame before authentication closes the connection without reading it', async () => {
    await withBroker({ config: saslBrokerConfig({ 'sasl.server.max.receive.size': '4096' }) }, async (b) => {
      const c = await RawClient.connect(b.port);
      const head = Buffer.alloc(4);
      head.writeInt32BE(64 * 1024 * 1024);
      c.writeRaw(head);
      await c.whenClosed();
      assert.ok(b.logLines().some((l) => /frame of 67108864 bytes from an unauthenticated client/.test(l)));
      // After authentication the usual socket.request.max.bytes applies.
      const { c: ok, res } = await plainLogin(b.port, 'alice', 'alice-secret');
      assert.equal(res.errorCode, 0);
      const md = await ok.send(Metadata, 12, {
        topics: [{ name: 'x'.repeat(5000) }],
        allowAutoTopicCreation: false,
      });
      assert.equal(md.topics.length, 1);
      ok.close();
    });
  });

  test('SaslHandshake v0 and raw tokens (the flow of kafka-python 2.0.2)', async () => {
    await withBroker({ config: saslBrokerConfig() }, async (b) => {
      const c = await RawClient.connect(b.port);
      assert.equal((await c.send(SaslHandshake, 0, { mechanism: 'PLAIN' })).errorCode, 0);
      const token = encodePlain('alice', 'alice-secret');
      const frame = Buffer.alloc(4 + token.length);
      frame.writeInt32BE(token.length);
      token.copy(frame, 4);
      const reply = c.readRawFrame();
      c.writeRaw(frame);
      assert.equal((await reply).length, 0);
      assert.equal((await c.send(Metadata, 12, METADATA_ALL)).brokers.length, 1);
      c.close();
      // A wrong password in the raw flow: the connection is closed.
      const w = await RawClient.connect(b.port);
      await w.send(SaslHandshake, 0, { mechanism: 'PLAIN' });
      const bad = encodePlain('alice', 'nope');
      const f2 = Buffer.alloc(4 + bad.length);
      f2.writeInt32BE(bad.length);
      bad.copy(f2, 4);
      w.writeRaw(f2);
      await w.whenClosed();
    });
  });

  test('connections.max.reauth.ms: the lifetime is returned, an expired session is closed, re-authentication extends it', async () => {
    await withBroker({ config: saslBrokerConfig({ 'connections.max.reauth.ms': '1500' }) }, async (b) => {
      const a = await plainLogin(b.port, 'alice', 'alice-secret');
      assert.equal(Number(a.res.sessionLifetimeMs), 1500);
      const r = await plainLogin(b.port, 'alice', 'alice-secret');
      // v0 SaslAuthenticate has no lifetime field.
      const v0 = await RawClient.connect(b.port);
      await v0.send(SaslHandshake, 1, { mechanism: 'PLAIN' });
      assert.equal(
        (await v0.send(SaslAuthenticate, 0, { authBytes: encodePlain('alice', 'alice-secret') })).errorCode,
        0,
      );
      v0.close();

      await new Promise((res) => setTimeout(res, 1000));
      // Re-authenticate `r` before it expires (same mechanism and principal).
      assert.equal((await r.c.send(SaslHandshake, 1, { mechanism: 'PLAIN' })).errorCode, 0);
      const again = await r.c.send(SaslAuthenticate, 2, { authBytes: encodePlain('alice', 'alice-secret') });
      assert.equal(again.errorCode, 0);
      await new Promise((res) => setTimeout(res, 800));
      await assert.rejects(a.c.send(Metadata, 12, METADATA_ALL), /connection closed/);
      assert.ok(b.logLines().some((l) => /SASL session expired/.test(l)));
      assert.equal((await r.c.send(Metadata, 12, METADATA_ALL)).brokers.length, 1);
      // Re-authenticating as someone else is refused.
      await r.c.send(SaslHandshake, 1, { mechanism: 'PLAIN' });
      const other = await r.c.send(SaslAuthenticate, 2, { authBytes: encodePlain('admin', 'admin-secret') });
      assert.equal(other.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
      assert.match(other.errorMessage ?? '', /Cannot change principals/);
      r.c.close();

      // Samsa's client re-authenticates by itself and keeps producing past several lifetimes.
      const producer = createProducer({
        bootstrapServers: b.bootstrap,
        sasl: { mechanism: 'PLAIN', username: 'alice', password: 'alice-secret' },
      });
      try {
        for (let i = 0; i < 8; i++) {
          await producer.send({ topic: 'reauth', value: Buffer.from(`v${i}`) });
          await new Promise((res) => setTimeout(res, 500));
        }
      } finally {
        await producer.close();
      }
      assert.equal(b.logLines().filter((l) => /SASL session expired/.test(l)).length, 1);
    });
  });

  test('SCRAM users: altered and described with Kafka errors, used by Samsa client, kept across a restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'samsa-scram-'));
    let b: TestBroker | undefined;
    try {
      b = await startTestBroker({ dataDir, config: saslBrokerConfig() });
      await createScramUsers(b, [
        { user: 'bob', password: 'bob-secret' },
        { user: 'eve', password: 'eve-secret', mechanisms: ['SCRAM-SHA-512'] },
      ]);
      const admin = createAdmin({ bootstrapServers: listenerAddress(b, 'PLAINTEXT') });
      try {
        assert.deepEqual(await admin.describeUserScramCredentials(), [
          {
            user: 'bob',
            credentials: [
              { mechanism: 'SCRAM-SHA-256', iterations: 4096 },
              { mechanism: 'SCRAM-SHA-512', iterations: 4096 },
            ],
          },
          { user: 'eve', credentials: [{ mechanism: 'SCRAM-SHA-512', iterations: 4096 }] },
        ]);
        await assert.rejects(admin.describeUserScramCredentials(['nobody']), /RESOURCE_NOT_FOUND/);
        await assert.rejects(
          admin.alterUserScramCredentials({
            upsertions: [{ user: 'x', mechanism: 'SCRAM-SHA-256', password: 'p', iterations: 100 }],
          }),
          /UNACCEPTABLE_CREDENTIAL.*Too few iterations/,
        );
        await assert.rejects(
          admin.alterUserScramCredentials({ deletions: [{ user: 'eve', mechanism: 'SCRAM-SHA-256' }] }),
          /RESOURCE_NOT_FOUND/,
        );
        await assert.rejects(
          admin.alterUserScramCredentials({
            upsertions: [{ user: 'eve', mechanism: 'SCRAM-SHA-512', password: 'new' }],
            deletions: [{ user: 'eve', mechanism: 'SCRAM-SHA-512' }],
          }),
          /DUPLICATE_RESOURCE/,
        );
      } finally {
        admin.close();
      }
      for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
        const a = createAdmin({
          bootstrapServers: b.bootstrap,
          sasl: { mechanism, username: 'bob', password: 'bob-secret' },
        });
        try {
          assert.equal((await a.describeCluster()).brokers.length, 1, mechanism);
        } finally {
          a.close();
        }
        const bad = createAdmin({
          bootstrapServers: b.bootstrap,
          retries: 0,
          sasl: { mechanism, username: 'bob', password: 'wrong' },
        });
        try {
          await assert.rejects(bad.describeCluster(), /SASL_AUTHENTICATION_FAILED|authentication .* failed/i);
        } finally {
          bad.close();
        }
      }
      await b.stop();
      b = await startTestBroker({ dataDir, config: saslBrokerConfig() });
      const after = createAdmin({
        bootstrapServers: b.bootstrap,
        sasl: { mechanism: 'SCRAM-SHA-512', username: 'eve', password: 'eve-secret' },
      });
      try {
        assert.equal((await after.describeUserScramCredentials(['eve']))[0]!.credentials.length, 1);
      } finally {
        after.close();
      }
    } finally {
      await b?.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test('the authorizer sees User:<name> of the authenticated client', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'samsa-sasl-principal-'));
    const seen = new Set<string>();
    const authorizer: Authorizer = {
      authorize(requester) {
        seen.add(`${requester.listenerName} ${principalString(requester.principal)}`);
        return true;
      },
    };
    const broker = await startBroker({
      dataDir,
      logger: silentLogger,
      authorizer,
      port: 0,
      host: '127.0.0.1',
      config: { listeners: 'SASL_PLAINTEXT://127.0.0.1:0', 'sasl.jaas.config': PLAIN_JAAS },
    });
    try {
      const admin = createAdmin({
        bootstrapServers: `127.0.0.1:${broker.port}`,
        sasl: { mechanism: 'plain', username: 'admin', password: 'admin-secret' },
      });
      try {
        await admin.createTopics([{ name: 'p', numPartitions: 1 }]);
      } finally {
        admin.close();
      }
      assert.ok(seen.has('SASL_PLAINTEXT User:admin'), [...seen].join(', '));
      assert.ok(![...seen].some((s) => s.includes('ANONYMOUS')));
    } finally {
      await broker.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
