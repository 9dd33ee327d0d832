/**
 * The inter-broker client with the security of the inter-broker listener, against a broker's SASL_SSL listener:
 * the settings are read from broker properties as Kafka names them (inter.broker.listener.name,
 * sasl.mechanism.inter.broker.protocol, the listener's JAAS username/password, its keystore and truststore,
 * ssl.endpoint.identification.algorithm), a PLAIN and a SCRAM-SHA-512 login work, a wrong password fails with the
 * broker's reason, and the peer's certificate is checked against its host unless the algorithm is empty.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parseBrokerConfig } from '../../src/broker/config/index.js';
import { InterBrokerClient, type InterBrokerSecurity } from '../../src/broker/inter-broker.js';
import { interBrokerListenerName, interBrokerSecurity } from '../../src/broker/inter-broker-security.js';
import { ApiVersions } from '../../src/protocol/messages/api-versions.js';
import { makeCerts } from '../helpers/tls.js';
import { withBroker } from '../helpers/broker.js';
import { createScramUsers, PLAIN_JAAS } from '../helpers/sasl.js';
import type { CertsResult } from '../../src/security/certs.js';

/** Broker properties with a PLAINTEXT listener and a SASL_SSL listener INTERNAL (the inter-broker one). */
function props(certs: CertsResult, host: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    listeners: `PLAINTEXT://127.0.0.1:0,INTERNAL://${host}:0`,
    'listener.security.protocol.map': 'INTERNAL:SASL_SSL,PLAINTEXT:PLAINTEXT',
    'inter.broker.listener.name': 'INTERNAL',
    'ssl.keystore.location': certs.brokerKeystore,
    'ssl.truststore.location': certs.ca,
    'listener.name.internal.plain.sasl.jaas.config': PLAIN_JAAS,
    ...extra,
  };
}

async function apiVersions(port: number, host: string, security: InterBrokerSecurity | undefined) {
  const c = new InterBrokerClient(
    () => ({ host, port }),
    'inter-broker-test',
    5000,
    () => security,
  );
  try {
    return await c.send(ApiVersions, 3, { clientSoftwareName: 'samsa', clientSoftwareVersion: '1' }, 5000);
  } finally {
    c.close();
  }
}

describe('inter-broker security', () => {
  test('settings come from the inter-broker listener with Kafka names', async (t) => {
    const certs = await makeCerts(t);
    const c = parseBrokerConfig(props(certs, '127.0.0.1'));
    assert.equal(interBrokerListenerName(c), 'INTERNAL');
    const s = interBrokerSecurity(c)!;
    assert.equal(s.listener, 'INTERNAL');
    assert.deepEqual(s.sasl, { mechanism: 'PLAIN', username: 'admin', password: 'admin-secret' });
    assert.ok(s.tls?.cert !== undefined && s.tls.key !== undefined && s.tls.ca !== undefined);
    assert.equal(s.tls?.rejectUnauthorized, true);
    assert.equal(s.tls?.checkServerIdentity, undefined);

    // security.inter.broker.protocol names a listener of that name; SCRAM takes its own JAAS entry.
    const scram = parseBrokerConfig({
      listeners: 'SASL_PLAINTEXT://127.0.0.1:0,PLAINTEXT://127.0.0.1:0',
      'security.inter.broker.protocol': 'SASL_PLAINTEXT',
      'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-512',
      'listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config':
        'org.apache.kafka.common.security.scram.ScramLoginModule required username="broker" password="b-secret";',
    });
    assert.deepEqual(interBrokerSecurity(scram), {
      listener: 'SASL_PLAINTEXT',
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'broker', password: 'b-secret' },
    });
    // A plaintext inter-broker listener needs nothing.
    assert.equal(interBrokerSecurity(parseBrokerConfig({ listeners: 'PLAINTEXT://127.0.0.1:0' })), undefined);
    // Settings that cannot work are refused with the key named.
    assert.throws(
      () =>
        interBrokerSecurity(parseBrokerConfig({ ...props(certs, '127.0.0.1'), 'inter.broker.listener.name': 'NOPE' })),
      /inter.broker.listener.name: no listener named NOPE/,
    );
    assert.throws(
      () =>
        interBrokerSecurity(
          parseBrokerConfig({
            listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
            'security.inter.broker.protocol': 'SASL_PLAINTEXT',
          }),
        ),
      /listener.name.sasl_plaintext.plain.sasl.jaas.config/,
    );
  });

  test('PLAIN and SCRAM-SHA-512 logins over TLS; a wrong password fails with the reason', async (t) => {
    const certs = await makeCerts(t);
    await withBroker({ config: props(certs, '127.0.0.1') }, async (b) => {
      const internal = b.broker.listeners.find((l) => l.name === 'INTERNAL')!;
      const base = interBrokerSecurity(parseBrokerConfig(props(certs, '127.0.0.1')))!;
      const ok = await apiVersions(internal.port, '127.0.0.1', base);
      assert.equal(ok.errorCode, 0);

      await createScramUsers(b, [{ user: 'broker', password: 'b-secret', mechanisms: ['SCRAM-SHA-512'] }]);
      const scram = { ...base, sasl: { mechanism: 'SCRAM-SHA-512', username: 'broker', password: 'b-secret' } };
      assert.equal((await apiVersions(internal.port, '127.0.0.1', scram)).errorCode, 0);

      const wrong = { ...base, sasl: { mechanism: 'SCRAM-SHA-512', username: 'broker', password: 'nope' } };
      await assert.rejects(
        apiVersions(internal.port, '127.0.0.1', wrong),
        /SASL SCRAM-SHA-512 authentication as broker with 127\.0\.0\.1:\d+ \(listener INTERNAL\) failed: Authentication failed/,
      );
      const wrongPlain = { ...base, sasl: { mechanism: 'PLAIN', username: 'admin', password: 'nope' } };
      await assert.rejects(apiVersions(internal.port, '127.0.0.1', wrongPlain), /SASL PLAIN authentication as admin/);

      // Plaintext bytes to the TLS port, or TLS without the CA, do not get through.
      await assert.rejects(apiVersions(internal.port, '127.0.0.1', { listener: 'INTERNAL', sasl: base.sasl }));
      const other = await makeCerts(t, { caSubject: '/CN=Other CA' });
      await assert.rejects(
        apiVersions(internal.port, '127.0.0.1', {
          ...base,
          tls: { ...base.tls, ca: [readFileSync(other.ca, 'utf8')] },
        }),
        /TLS to 127\.0\.0\.1:\d+ \(listener INTERNAL\) failed/,
      );
    });
  });

  test('a session with a lifetime (connections.max.reauth.ms) is renewed on the same connection', async (t) => {
    const certs = await makeCerts(t);
    const config = props(certs, '127.0.0.1', { 'listener.name.internal.connections.max.reauth.ms': '1000' });
    await withBroker({ config }, async (b) => {
      const internal = b.broker.listeners.find((l) => l.name === 'INTERNAL')!;
      const security = interBrokerSecurity(parseBrokerConfig(config))!;
      const c = new InterBrokerClient(
        () => ({ host: '127.0.0.1', port: internal.port }),
        'reauth-test',
        5000,
        () => security,
      );
      try {
        // Past three lifetimes: without re-authentication the broker would close the connection at the first
        // request after one second, and that request would fail.
        const until = Date.now() + 3500;
        let sent = 0;
        while (Date.now() < until) {
          const r = await c.send(ApiVersions, 3, { clientSoftwareName: 'samsa', clientSoftwareVersion: '1' }, 5000);
          assert.equal(r.errorCode, 0);
          sent++;
          await new Promise((res) => setTimeout(res, 100));
        }
        assert.ok(sent > 20, `${sent} requests`);
        assert.ok(!b.logLines().some((l) => /expired/.test(l)), b.logTail(10));
      } finally {
        c.close();
      }
    });
  });

  test('the peer certificate must name its host unless ssl.endpoint.identification.algorithm is empty', async (t) => {
    const certs = await makeCerts(t);
    // 127.0.0.2 is loopback too, but the broker certificate names only localhost, 127.0.0.1 and ::1.
    await withBroker({ config: props(certs, '127.0.0.2') }, async (b) => {
      const internal = b.broker.listeners.find((l) => l.name === 'INTERNAL')!;
      const checked = interBrokerSecurity(parseBrokerConfig(props(certs, '127.0.0.2')))!;
      await assert.rejects(apiVersions(internal.port, '127.0.0.2', checked), /IP: 127\.0\.0\.2 is not in the cert/);
      const unchecked = interBrokerSecurity(
        parseBrokerConfig(props(certs, '127.0.0.2', { 'ssl.endpoint.identification.algorithm': '' })),
      )!;
      assert.equal((await apiVersions(internal.port, '127.0.0.2', unchecked)).errorCode, 0);
    });
  });
});
