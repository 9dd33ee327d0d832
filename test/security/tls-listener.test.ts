/**
 * SSL listeners: who gets in and who does not, and the broker keeps serving everyone else. Certificates are made
 * by the test (src/security/certs.ts, openssl). Checked with Samsa's own client, raw sockets, kcat and the
 * `samsa` CLI with --command-config:
 * - ssl.client.auth=required: no client certificate, a certificate from another CA, and an expired certificate
 *   are refused; a good one is served, with principal User:<RFC 2253 DN> mapped by ssl.principal.mapping.rules;
 * - plaintext bytes sent to a TLS port close that connection only;
 * - PKCS12 keystore and truststore work; a JKS one stops the start with the keytool command that converts it;
 * - replacing the key file installs the new certificate without a restart.
 */
import assert from 'node:assert/strict';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { startBroker } from '../../src/broker/broker.js';
import { createAdmin, type ClientTlsOptions } from '../../src/client/index.js';
import { principalString, type Authorizer } from '../../src/security/authorizer.js';
import { openssl, signCertificate } from '../../src/security/certs.js';
import { mapDistinguishedName, parseMappingRules } from '../../src/security/ssl-principal.js';
import { interBrokerTlsOptions } from '../../src/security/tls.js';
import { listenerValue, parseBrokerConfig } from '../../src/broker/config/index.js';
import { silentLogger } from '../../src/storage/logger.js';
import { startTestBroker, withBroker } from '../helpers/broker.js';
import { kcat, kcatSaslSsl, requireClient, run } from '../helpers/clients.js';
import { PLAIN_JAAS, PLAIN_USERS } from '../helpers/sasl.js';
import { makeCerts, sslBrokerConfig } from '../helpers/tls.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';

const BIN = fileURLToPath(new URL('../../../bin/samsa.js', import.meta.url));

/** Lists topics with Samsa's admin client over TLS; resolves to the list or rejects with the failure. */
async function listTopics(port: number, tls: ClientTlsOptions, host = 'localhost'): Promise<string[]> {
  const admin = createAdmin({
    bootstrapServers: `${host}:${port}`,
    tls,
    connectTimeoutMs: 5000,
    requestTimeoutMs: 5000,
    retries: 0,
  });
  try {
    return await admin.listTopics();
  } finally {
    admin.close();
  }
}

async function clientTls(certs: { ca: string }, cert?: string, key?: string): Promise<ClientTlsOptions> {
  return {
    ca: await readFile(certs.ca),
    ...(cert ? { cert: await readFile(cert) } : {}),
    ...(key ? { key: await readFile(key) } : {}),
  };
}

/** An authorizer that records the principal of every request and allows everything. */
function recordingAuthorizer(seen: Set<string>): Authorizer {
  return {
    authorize(r) {
      seen.add(`${r.listenerName} ${r.securityProtocol} ${principalString(r.principal)}`);
      return true;
    },
  };
}

async function withDataDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'samsa-tls-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('SSL listener with ssl.client.auth=required', () => {
  test('a good client certificate is served as User:<DN>; none, foreign-CA and expired ones are refused, others keep being served', async (t) => {
    const certs = await makeCerts(t, { clients: ['alice'], organization: 'Acme' });
    const foreign = await makeCerts(t, { clients: ['mallory'], caSubject: '/CN=Other CA' });
    const expired = await signCertificate({
      dir: certs.dir,
      name: 'expired',
      subject: '/CN=expired',
      ca: certs.ca,
      caKey: certs.caKey,
      clientAuth: true,
      startDate: '20200101000000Z',
      endDate: '20210101000000Z',
    });
    const seen = new Set<string>();
    await withDataDir(async (dataDir) => {
      const broker = await startBroker({
        dataDir,
        logger: silentLogger,
        authorizer: recordingAuthorizer(seen),
        config: {
          ...sslBrokerConfig(certs),
          listeners: 'SSL://127.0.0.1:0,PLAINTEXT://127.0.0.1:0',
        },
      });
      try {
        const ssl = broker.listeners[0]!.port;
        const plain = broker.listeners[1]!.port;
        // Listing topics asks the authorizer about each one, so there must be one.
        assert.equal(broker.topics.create('t', 1, 1, {}).errorCode, 0);
        const good = await clientTls(certs, certs.clients.alice!.cert, certs.clients.alice!.key);
        assert.ok(Array.isArray(await listTopics(ssl, good)));
        assert.deepEqual([...seen], ['SSL SSL User:CN=alice,O=Acme']);

        await assert.rejects(listTopics(ssl, await clientTls(certs)), 'no client certificate');
        await assert.rejects(
          listTopics(ssl, await clientTls(certs, foreign.clients.mallory!.cert, foreign.clients.mallory!.key)),
          'a certificate from another CA',
        );
        await assert.rejects(
          listTopics(ssl, await clientTls(certs, expired.cert, expired.key)),
          'an expired certificate',
        );
        await assert.rejects(
          listTopics(ssl, { ca: await readFile(foreign.ca) }),
          'a client that does not trust the broker',
        );

        // The broker served the good client all along, and still does, on both listeners.
        assert.ok(Array.isArray(await listTopics(ssl, good)));
        const admin = createAdmin({ bootstrapServers: `127.0.0.1:${plain}`, retries: 0 });
        try {
          assert.ok(Array.isArray(await admin.listTopics()));
        } finally {
          admin.close();
        }
      } finally {
        await broker.close();
      }
    });
  });

  test('kcat: refused without a certificate and with an expired one, served with a good one', async (t) => {
    if (!requireClient(t, 'kcat')) return;
    const certs = await makeCerts(t, { clients: ['alice'] });
    const expired = await signCertificate({
      dir: certs.dir,
      name: 'expired',
      subject: '/CN=expired',
      ca: certs.ca,
      caKey: certs.caKey,
      clientAuth: true,
      startDate: '20200101000000Z',
      endDate: '20210101000000Z',
    });
    await withBroker({ config: sslBrokerConfig(certs) }, async (b) => {
      const bootstrap = `localhost:${b.port}`;
      const ssl = ['-X', 'security.protocol=ssl', '-X', `ssl.ca.location=${certs.ca}`];
      const none = await kcat(bootstrap, [...ssl, '-L', '-m', '5'], { allowFailure: true });
      assert.notEqual(none.code, 0);
      assert.match(b.logTail(80), /refusing TLS client: no client certificate \(ssl.client.auth=required\)/);
      const old = await kcat(
        bootstrap,
        [
          ...ssl,
          '-X',
          `ssl.certificate.location=${expired.cert}`,
          '-X',
          `ssl.key.location=${expired.key}`,
          '-L',
          '-m',
          '5',
        ],
        { allowFailure: true },
      );
      assert.notEqual(old.code, 0);
      assert.match(b.logTail(80), /refusing TLS client: client certificate has expired \(CERT_HAS_EXPIRED\)/);
      const good = await kcat(bootstrap, [
        ...ssl,
        '-X',
        `ssl.certificate.location=${certs.clients.alice!.cert}`,
        '-X',
        `ssl.key.location=${certs.clients.alice!.key}`,
        '-L',
        '-J',
      ]);
      assert.equal((JSON.parse(good.stdout) as { brokers: unknown[] }).brokers.length, 1);
    });
  });

  test('plaintext bytes sent to the TLS port close that connection; the broker keeps serving TLS clients', async (t) => {
    const certs = await makeCerts(t);
    await withBroker({ config: sslBrokerConfig(certs) }, async (b) => {
      const good = await clientTls(certs, certs.clients.alice!.cert, certs.clients.alice!.key);
      // A Kafka ApiVersions request in the clear, as a client configured for PLAINTEXT sends it.
      const frame = Buffer.from('0000001b00120003000000010009706c61696e746578740000', 'hex');
      const closed = await new Promise<string>((resolve, reject) => {
        const s = connect(b.port, '127.0.0.1', () => s.write(frame));
        const got: Buffer[] = [];
        s.on('data', (d) => got.push(d));
        s.on('error', () => {});
        s.on('close', () => resolve(Buffer.concat(got).toString('latin1')));
        setTimeout(() => reject(new Error('the broker left a plaintext connection to its TLS port open')), 10_000);
      });
      assert.ok(!closed.includes('plaintext'), 'no Kafka response comes back');
      assert.ok(Array.isArray(await listTopics(b.port, good)));
      assert.match(b.logTail(40), /TLS handshake failed: .*plaintext client on a TLS listener/);
    });
  });
});

describe('ssl.client.auth=requested and SASL_SSL', () => {
  test('requested: no certificate is served as User:ANONYMOUS, a good one as its DN, a foreign one is refused', async (t) => {
    const certs = await makeCerts(t, { clients: ['alice'] });
    const foreign = await makeCerts(t, { clients: ['mallory'], caSubject: '/CN=Other CA' });
    const seen = new Set<string>();
    await withDataDir(async (dataDir) => {
      const broker = await startBroker({
        dataDir,
        logger: silentLogger,
        authorizer: recordingAuthorizer(seen),
        config: sslBrokerConfig(certs, { 'ssl.client.auth': 'requested' }),
      });
      try {
        assert.equal(broker.topics.create('t', 1, 1, {}).errorCode, 0);
        await listTopics(broker.port, await clientTls(certs));
        assert.deepEqual([...seen], ['SSL SSL User:ANONYMOUS']);
        seen.clear();
        await listTopics(broker.port, await clientTls(certs, certs.clients.alice!.cert, certs.clients.alice!.key));
        assert.deepEqual([...seen], ['SSL SSL User:CN=alice']);
        await assert.rejects(
          listTopics(broker.port, await clientTls(certs, foreign.clients.mallory!.cert, foreign.clients.mallory!.key)),
        );
      } finally {
        await broker.close();
      }
    });
  });

  test('a SASL_SSL listener speaks TLS and serves nothing but ApiVersions and SASL before authentication', async (t) => {
    const certs = await makeCerts(t);
    await withBroker(
      { config: sslBrokerConfig(certs, { listeners: 'SASL_SSL://127.0.0.1:0', 'ssl.client.auth': 'none' }) },
      async (b) => {
        assert.equal(b.broker.listeners[0]!.securityProtocol, 'SASL_SSL');
        const socket = tlsConnect({
          host: '127.0.0.1',
          port: b.port,
          ca: await readFile(certs.ca),
          servername: 'localhost',
        });
        await new Promise<void>((resolve, reject) => {
          socket.once('secureConnect', () => resolve());
          socket.once('error', reject);
        });
        const frames: Buffer[] = [];
        socket.on('data', (d: Buffer) => frames.push(d));
        const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
        // ApiVersions v0 (correlation 1), then Metadata v0 for all topics (correlation 2).
        socket.write(Buffer.from('0000000a0012000000000001ffff', 'hex'));
        await new Promise((r) => setTimeout(r, 500));
        assert.ok(frames.length > 0, 'ApiVersions is answered before authentication');
        assert.equal(Buffer.concat(frames).readInt32BE(4), 1, 'the answer is to correlation id 1');
        socket.write(Buffer.from('0000000e0003000000000002ffff00000000', 'hex'));
        await closed;
        assert.match(b.logTail(20), /Metadata request before SASL authentication on listener SASL_SSL/);
      },
    );
  });
});

describe('protocols and cipher suites', () => {
  test('ssl.enabled.protocols and ssl.cipher.suites decide what a client can negotiate; a bad suite stops the start', async (t) => {
    const certs = await makeCerts(t);
    const config = sslBrokerConfig(certs, {
      'ssl.client.auth': 'none',
      'ssl.enabled.protocols': 'TLSv1.2',
      'ssl.cipher.suites': 'ECDHE-ECDSA-AES256-GCM-SHA384',
    });
    await withBroker({ config }, async (b) => {
      const handshake = (opts: { minVersion?: 'TLSv1.3' }) =>
        new Promise<{ protocol: string | null; cipher: string }>((resolve, reject) => {
          const s = tlsConnect({ host: '127.0.0.1', port: b.port, servername: 'localhost', ca: [caPem], ...opts });
          s.once('secureConnect', () => {
            const r = { protocol: s.getProtocol(), cipher: s.getCipher().name };
            s.destroy();
            resolve(r);
          });
          s.once('error', reject);
        });
      const caPem = await readFile(certs.ca);
      assert.deepEqual(await handshake({}), { protocol: 'TLSv1.2', cipher: 'ECDHE-ECDSA-AES256-GCM-SHA384' });
      await assert.rejects(handshake({ minVersion: 'TLSv1.3' }), 'a TLS 1.3-only client finds no common version');
    });
    await assert.rejects(
      startTestBroker({ config: { ...config, 'ssl.cipher.suites': 'NO-SUCH-CIPHER' } }),
      /listener SSL: TLS settings rejected \(ssl.cipher.suites\)/,
    );
    assert.throws(
      () => parseBrokerConfig({ ...config, 'ssl.enabled.protocols': 'TLSv1.1' }),
      /invalid value 'TLSv1.1' for ssl.enabled.protocols: expected TLSv1.2 and\/or TLSv1.3/,
    );
  });
});

describe('inter-broker TLS', () => {
  test("a broker's own keystore and truststore authenticate it to another broker's SSL listener", async (t) => {
    const certs = await makeCerts(t);
    const config = sslBrokerConfig(certs);
    await withBroker({ config }, async (b) => {
      const tls = interBrokerTlsOptions(
        (k) => listenerValue(b.broker.config, 'SSL', k) as string | string[] | null,
        'SSL',
      );
      assert.ok(Array.isArray(await listTopics(b.port, tls)));
    });
  });
});

describe('principal mapping', () => {
  test("ssl.principal.mapping.rules follow Kafka's RULE:pattern/replacement/[LU] and DEFAULT", () => {
    const rules = parseMappingRules(
      'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/,RULE:^CN=(.*?),OU=(.*?),O=(.*?),L=(.*?),ST=(.*?),C=(.*?)$/$1@$2/L, RULE:^.*[Cc][Nn]=([a-zA-Z0-9.]*).*$/$1/U, DEFAULT',
    );
    assert.equal(mapDistinguishedName(rules, 'CN=kafka-client,OU=ServiceUsers,O=Acme'), 'kafka-client');
    assert.equal(
      mapDistinguishedName(rules, 'CN=Duke,OU=JavaSoft,O=Sun Microsystems,L=Santa Clara,ST=CA,C=US'),
      'duke@javasoft',
    );
    assert.equal(mapDistinguishedName(rules, 'OU=x,CN=bob'), 'BOB');
    assert.equal(mapDistinguishedName(parseMappingRules('RULE:^CN=(a.*)$/$1/'), 'CN=bob'), undefined);
    assert.equal(mapDistinguishedName(parseMappingRules('DEFAULT'), 'CN=bob,O=x'), 'CN=bob,O=x');
    assert.equal(mapDistinguishedName(parseMappingRules('RULE:^CN=([^,]*),O=(.*)$/$2\\/$1/'), 'CN=a,O=b'), 'b/a');
    assert.throws(() => parseMappingRules('RULE:^CN=(.*)$/$1'), /not RULE:pattern\/replacement\/\[LU\]/);
    assert.throws(() => parseMappingRules('SOMETHING'), /neither DEFAULT nor RULE/);
  });

  test('a broker maps client certificates with its rules, and refuses a certificate no rule applies to', async (t) => {
    const certs = await makeCerts(t, { clients: ['alice', 'bob'], organization: 'Acme' });
    const seen = new Set<string>();
    await withDataDir(async (dataDir) => {
      const broker = await startBroker({
        dataDir,
        logger: silentLogger,
        authorizer: recordingAuthorizer(seen),
        config: sslBrokerConfig(certs, { 'ssl.principal.mapping.rules': 'RULE:^CN=(alice),O=Acme$/$1/U' }),
      });
      try {
        const port = broker.port;
        assert.equal(broker.topics.create('t', 1, 1, {}).errorCode, 0);
        await listTopics(port, await clientTls(certs, certs.clients.alice!.cert, certs.clients.alice!.key));
        assert.deepEqual([...seen], ['SSL SSL User:ALICE']);
        await assert.rejects(listTopics(port, await clientTls(certs, certs.clients.bob!.cert, certs.clients.bob!.key)));
        assert.deepEqual([...seen], ['SSL SSL User:ALICE'], 'bob was never served');
      } finally {
        await broker.close();
      }
    });
  });
});

describe('key and trust stores', () => {
  test('a PKCS12 keystore and a PKCS12 truststore work', async (t) => {
    const certs = await makeCerts(t);
    const trustP12 = join(certs.dir, 'trust.p12');
    await openssl(['pkcs12', '-export', '-nokeys', '-in', certs.ca, '-out', trustP12, '-passout', 'pass:trustpw']);
    const config = sslBrokerConfig(certs, {
      'ssl.keystore.type': 'PKCS12',
      'ssl.keystore.location': certs.brokerP12,
      'ssl.keystore.password': certs.storePassword,
      'ssl.truststore.type': 'PKCS12',
      'ssl.truststore.location': trustP12,
      'ssl.truststore.password': 'trustpw',
    });
    await withBroker({ config }, async (b) => {
      assert.ok(
        Array.isArray(
          await listTopics(b.port, await clientTls(certs, certs.clients.alice!.cert, certs.clients.alice!.key)),
        ),
      );
    });
    await assert.rejects(
      startTestBroker({ config: { ...config, 'ssl.keystore.password': 'wrong' } }),
      /listener SSL: TLS settings rejected \(ssl.keystore.password/,
    );
  });

  test('a JKS keystore stops the start with the keytool command that converts it', async (t) => {
    const certs = await makeCerts(t);
    const jks = join(certs.dir, 'broker.jks');
    const made = await run(
      'keytool',
      [
        '-importkeystore',
        '-srckeystore',
        certs.brokerP12,
        '-srcstoretype',
        'PKCS12',
        '-srcstorepass',
        certs.storePassword,
        '-destkeystore',
        jks,
        '-deststoretype',
        'JKS',
        '-deststorepass',
        'changeit',
        '-noprompt',
      ],
      { allowFailure: true },
    ).catch(() => undefined);
    if (made === undefined || made.code !== 0) {
      // No keytool here: a file with the JKS magic number is what the broker recognises JKS by.
      await writeFile(jks, Buffer.concat([Buffer.from('feedfeed00000002', 'hex'), Buffer.alloc(64)]));
    }
    await assert.rejects(
      startTestBroker({ config: sslBrokerConfig(certs, { 'ssl.keystore.location': jks, 'ssl.keystore.type': 'JKS' }) }),
      new RegExp(
        `ssl.keystore.location ${jks} is a Java keystore \\(JKS\\).*keytool -importkeystore -srckeystore ${jks} -srcstoretype JKS -destkeystore ${jks}.p12 -deststoretype PKCS12`,
      ),
    );
    // Without ssl.keystore.type the file is recognised too.
    await assert.rejects(
      startTestBroker({ config: sslBrokerConfig(certs, { 'ssl.keystore.location': jks, 'ssl.keystore.type': '' }) }),
      /is a Java keystore \(JKS\)/,
    );
  });

  test('replacing the key and certificate file installs them without a restart', async (t) => {
    const first = await makeCerts(t);
    const second = await makeCerts(t, { caSubject: '/CN=Second CA' });
    const keystore = join(first.dir, 'live-keystore.pem');
    await copyFile(first.brokerKeystore, keystore);
    // The truststore holds both CAs, so clients of either CA can present their certificates.
    const trust = join(first.dir, 'both-cas.pem');
    await writeFile(trust, `${await readFile(first.ca, 'utf8')}${await readFile(second.ca, 'utf8')}`);
    const config = sslBrokerConfig(first, { 'ssl.keystore.location': keystore, 'ssl.truststore.location': trust });
    await withBroker({ config }, async (b) => {
      const trustsFirst = await clientTls(first, first.clients.alice!.cert, first.clients.alice!.key);
      const trustsSecond = await clientTls(second, second.clients.alice!.cert, second.clients.alice!.key);
      await listTopics(b.port, trustsFirst);
      await assert.rejects(listTopics(b.port, trustsSecond), 'the broker still shows the first certificate');
      await writeFile(keystore, await readFile(second.brokerKeystore));
      const deadline = Date.now() + 15_000;
      for (;;) {
        try {
          await listTopics(b.port, trustsSecond);
          break;
        } catch (err) {
          if (Date.now() > deadline) throw err;
          await new Promise((r) => setTimeout(r, 300));
        }
      }
      await assert.rejects(listTopics(b.port, trustsFirst), 'the first certificate is no longer shown');
      assert.match(b.logTail(40), /listener SSL: TLS certificates reloaded/);
    });
  });
});

describe('samsa CLI over SSL', () => {
  test('topics, produce and consume with --command-config client.properties', async (t) => {
    const certs = await makeCerts(t, { clients: ['alice'] });
    const props = join(certs.dir, 'client.properties');
    await writeFile(
      props,
      [
        'security.protocol=SSL',
        'ssl.truststore.type=PEM',
        `ssl.truststore.location=${certs.ca}`,
        'ssl.keystore.type=PEM',
        `ssl.keystore.location=${certs.clients.alice!.keystore}`,
        'ssl.endpoint.identification.algorithm=https',
        '',
      ].join('\n'),
    );
    const rdkafkaProps = join(certs.dir, 'librdkafka.properties');
    await writeFile(
      rdkafkaProps,
      [
        'security.protocol=ssl',
        `ssl.ca.location=${certs.ca}`,
        `ssl.certificate.location=${certs.clients.alice!.cert}`,
        `ssl.key.location=${certs.clients.alice!.key}`,
        '',
      ].join('\n'),
    );
    await withBroker({ config: sslBrokerConfig(certs) }, async (b) => {
      const bootstrap = `localhost:${b.port}`;
      const samsa = (args: string[], input?: string) =>
        run(process.execPath, [BIN, ...args, '--bootstrap-server', bootstrap], { input, allowFailure: true });
      const created = await samsa(['topics', 'create', 'tls-cli', '--partitions', '2', '--command-config', props]);
      assert.equal(created.code, 0, created.stderr);
      const produced = await samsa(['produce', '-t', 'tls-cli', '--command-config', rdkafkaProps], 'one\ntwo\nthree\n');
      assert.equal(produced.code, 0, produced.stderr);
      const consumed = await samsa([
        'consume',
        '-t',
        'tls-cli',
        '--from-beginning',
        '--max-messages',
        '3',
        '--command-config',
        props,
      ]);
      assert.equal(consumed.code, 0, consumed.stderr);
      assert.deepEqual(consumed.stdout.trim().split('\n').sort(), ['one', 'three', 'two']);
      // Without the client settings the CLI cannot talk to the SSL listener.
      const plain = await samsa(['topics', 'list']);
      assert.notEqual(plain.code, 0);
      // A bad property is a usage error naming it.
      await writeFile(props, 'security.protocol=TLS\n');
      const bad = await samsa(['topics', 'list', '--command-config', props]);
      assert.equal(bad.code, 2);
      assert.match(
        bad.stderr,
        /security.protocol: expected one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL, got 'TLS'/,
      );
    });
  });
});

describe('SASL_SSL', () => {
  test('samsa CLI and kcat over SASL_SSL with PLAIN: TLS plus a login; a wrong password is refused', async (t) => {
    const certs = await makeCerts(t);
    const config = sslBrokerConfig(certs, {
      listeners: 'SASL_SSL://127.0.0.1:0',
      'ssl.client.auth': 'none',
      'listener.name.sasl_ssl.plain.sasl.jaas.config': PLAIN_JAAS,
    });
    const props = join(certs.dir, 'sasl-ssl.properties');
    const write = (password: string) =>
      writeFile(
        props,
        [
          'security.protocol=SASL_SSL',
          `ssl.truststore.location=${certs.ca}`,
          'sasl.mechanism=PLAIN',
          `sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="${password}";`,
          '',
        ].join('\n'),
      );
    await withBroker({ config }, async (b) => {
      const bootstrap = `localhost:${b.port}`;
      const samsa = (args: string[], input?: string) =>
        run(process.execPath, [BIN, ...args, '--bootstrap-server', bootstrap, '--command-config', props], {
          input,
          allowFailure: true,
        });
      await write(PLAIN_USERS.alice);
      const created = await samsa(['topics', 'create', 'sasl-ssl-cli']);
      assert.equal(created.code, 0, created.stderr);
      const produced = await samsa(['produce', '-t', 'sasl-ssl-cli'], 'a\nb\n');
      assert.equal(produced.code, 0, produced.stderr);
      const consumed = await samsa(['consume', '-t', 'sasl-ssl-cli', '--from-beginning', '--max-messages', '2']);
      assert.equal(consumed.code, 0, consumed.stderr);
      assert.deepEqual(consumed.stdout.trim().split('\n'), ['a', 'b']);
      await write('wrong');
      const refused = await samsa(['topics', 'list']);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /SASL_AUTHENTICATION_FAILED/);
      if (requireClient(t, 'kcat')) {
        const msgs = await kcat(bootstrap, [
          ...kcatSaslSsl(certs.ca, 'PLAIN', 'alice', PLAIN_USERS.alice),
          '-C',
          '-t',
          'sasl-ssl-cli',
          '-o',
          'beginning',
          '-e',
          '-q',
        ]);
        assert.deepEqual(msgs.stdout.trim().split('\n'), ['a', 'b']);
      }
    });
  });
});
