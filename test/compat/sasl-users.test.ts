/**
 * SCRAM users managed by a client no one here wrote: @platformatic/kafka's AlterUserScramCredentials and
 * DescribeUserScramCredentials (sent over a SASL PLAIN connection as the JAAS admin), with Kafka's errors for a
 * bad request; the users then log in with @platformatic/kafka's own SCRAM implementation and with kcat, and a
 * deleted credential no longer works.
 */
import assert from 'node:assert/strict';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { withBroker } from '../helpers/broker.js';
import { kcat, requireClient } from '../helpers/clients.js';
import { saslBrokerConfig } from '../helpers/sasl.js';

const pk = (await import('@platformatic/kafka' as string)) as any;

/** What Kafka's admin client sends for a password: a random salt and PBKDF2(password, salt, iterations). */
function upsertion(name: string, mechanism: 1 | 2, password: string, iterations = 4096) {
  const salt = randomBytes(24);
  const [hash, len] = mechanism === 1 ? ['sha256', 32] : ['sha512', 64];
  return {
    name,
    mechanism,
    iterations,
    salt,
    saltedPassword: pbkdf2Sync(password, salt, iterations, len as number, hash as string),
  };
}

test('@platformatic/kafka alters and describes SCRAM users; they log in with its SCRAM and with kcat', async (t) => {
  await withBroker({ config: saslBrokerConfig() }, async (b) => {
    const conn = new pk.Connection('compat-scram-admin', {
      sasl: { mechanism: 'PLAIN', username: 'admin', password: 'admin-secret' },
    });
    try {
      await conn.connect('127.0.0.1', b.port);
      const alter = pk.alterUserScramCredentialsV0.api.async;
      const describe = pk.describeUserScramCredentialsV0.api.async;
      const res = await alter(
        conn,
        [],
        [upsertion('ivan', 1, 'ivan-secret'), upsertion('ivan', 2, 'ivan-secret', 8192)],
      );
      assert.deepEqual(res.results, [{ user: 'ivan', errorCode: 0, errorMessage: null }]);
      const described = await describe(conn, [{ name: 'ivan' }]);
      assert.equal(described.errorCode, 0);
      assert.deepEqual(described.results[0].credentialInfos, [
        { mechanism: 1, iterations: 4096 },
        { mechanism: 2, iterations: 8192 },
      ]);
      // Kafka's per-user errors; the library throws on them, carrying the response.
      await assert.rejects(alter(conn, [], [upsertion('judy', 1, 'x', 1000)]), (err: any) => {
        const r = err.response?.results?.[0] ?? err.errors?.[0]?.response?.results?.[0];
        assert.equal(r?.errorCode, 93, JSON.stringify(err.response ?? err.message));
        assert.match(r?.errorMessage ?? '', /Too few iterations/);
        return true;
      });
      await assert.rejects(describe(conn, [{ name: 'judy' }]), (err: any) => {
        const r = err.response?.results?.[0] ?? err.errors?.[0]?.response?.results?.[0];
        assert.equal(r?.errorCode, 91, JSON.stringify(err.response ?? err.message));
        return true;
      });
    } finally {
      await conn.close();
    }

    for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512']) {
      const admin = new pk.Admin({
        clientId: `compat-scram-${mechanism}`,
        bootstrapBrokers: [b.bootstrap],
        sasl: { mechanism, username: 'ivan', password: 'ivan-secret' },
      });
      try {
        await admin.createTopics({ topics: [`scram-${mechanism.toLowerCase()}`], partitions: 1, replicas: 1 });
        assert.ok((await admin.listTopics()).includes(`scram-${mechanism.toLowerCase()}`));
      } finally {
        await admin.close();
      }
    }

    if (!requireClient(t, 'kcat')) return;
    const sasl = ['-X', 'security.protocol=SASL_PLAINTEXT', '-X', 'sasl.mechanism=SCRAM-SHA-256'];
    const who = ['-X', 'sasl.username=ivan', '-X', 'sasl.password=ivan-secret'];
    const listed = await kcat(b.bootstrap, ['-L', '-J', ...sasl, ...who]);
    assert.ok(
      (JSON.parse(listed.stdout).topics as Array<{ topic: string }>).some((x) => x.topic === 'scram-scram-sha-256'),
    );

    const conn2 = new pk.Connection('compat-scram-admin2', {
      sasl: { mechanism: 'PLAIN', username: 'admin', password: 'admin-secret' },
    });
    try {
      await conn2.connect('127.0.0.1', b.port);
      const del = await pk.alterUserScramCredentialsV0.api.async(conn2, [{ name: 'ivan', mechanism: 1 }], []);
      assert.deepEqual(del.results, [{ user: 'ivan', errorCode: 0, errorMessage: null }]);
    } finally {
      await conn2.close();
    }
    const refused = await kcat(b.bootstrap, ['-L', '-m', '5', ...sasl, ...who], {
      allowFailure: true,
      timeoutMs: 30_000,
    });
    assert.notEqual(refused.code, 0, 'the deleted SCRAM-SHA-256 credential must not log in');
  });
});
