/**
 * --command-config: Kafka and librdkafka client property names turned into Samsa client options (TLS files read,
 * PKCS12 and JKS recognised, sasl.jaas.config parsed), and clear usage errors naming the property at fault.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { clientSecurityFromProperties, parseJaasConfig } from '../../src/cli/command-config.js';
import { openssl } from '../../src/security/certs.js';
import { makeCerts } from '../helpers/tls.js';

test('sasl.jaas.config: login module, flag and quoted or bare options', () => {
  assert.deepEqual(
    parseJaasConfig(
      'org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="p\\"w;x" tokenauth=false;',
    ),
    {
      loginModule: 'org.apache.kafka.common.security.scram.ScramLoginModule',
      flag: 'required',
      options: { username: 'alice', password: 'p"w;x', tokenauth: 'false' },
    },
  );
  assert.throws(() => parseJaasConfig('PlainLoginModule username="a";'), /<LoginModule class> required/);
  assert.throws(() => parseJaasConfig('PlainLoginModule required username="a"'), /must end with ;/);
  assert.throws(() => parseJaasConfig('PlainLoginModule required username="a;'), /unterminated quote/);
});

test('SASL settings: PlainLoginModule, ScramLoginModule with sasl.mechanism, librdkafka sasl.username', () => {
  assert.deepEqual(
    clientSecurityFromProperties({
      'security.protocol': 'SASL_PLAINTEXT',
      'sasl.mechanism': 'PLAIN',
      'sasl.jaas.config':
        'org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="alice-secret";',
    }).sasl,
    { mechanism: 'PLAIN', username: 'alice', password: 'alice-secret' },
  );
  assert.deepEqual(
    clientSecurityFromProperties({
      'security.protocol': 'sasl_plaintext',
      'sasl.mechanism': 'SCRAM-SHA-512',
      'sasl.jaas.config':
        'org.apache.kafka.common.security.scram.ScramLoginModule required username="bob" password="b";',
    }).sasl,
    { mechanism: 'SCRAM-SHA-512', username: 'bob', password: 'b' },
  );
  assert.deepEqual(
    clientSecurityFromProperties({
      'security.protocol': 'SASL_PLAINTEXT',
      'sasl.mechanisms': 'SCRAM-SHA-256',
      'sasl.username': 'carol',
      'sasl.password': 'c',
    }).sasl,
    { mechanism: 'SCRAM-SHA-256', username: 'carol', password: 'c' },
  );
  assert.throws(
    () =>
      clientSecurityFromProperties({
        'security.protocol': 'SASL_PLAINTEXT',
        'sasl.jaas.config':
          'org.apache.kafka.common.security.scram.ScramLoginModule required username="a" password="b";',
      }),
    /sasl.mechanism must be SCRAM-SHA-256 or SCRAM-SHA-512 with ScramLoginModule/,
  );
  assert.throws(
    () => clientSecurityFromProperties({ 'security.protocol': 'SASL_SSL' }),
    /needs a username and password/,
  );
  assert.throws(
    () => clientSecurityFromProperties({ 'security.protocol': 'TLS' }),
    /security.protocol: expected one of/,
  );
});

test('TLS settings: PEM keystore, librdkafka file names, PKCS12 stores, JKS refused, host name check off', async (t) => {
  const certs = await makeCerts(t, { clients: ['alice'] });
  const ca = await readFile(certs.ca, 'utf8');
  const pem = clientSecurityFromProperties({
    'security.protocol': 'SSL',
    'ssl.truststore.location': certs.ca,
    'ssl.keystore.location': certs.clients.alice!.keystore,
    'request.timeout.ms': '1000',
  });
  assert.equal(pem.securityProtocol, 'SSL');
  assert.deepEqual(pem.tls?.ca, [ca.trim()]);
  assert.match(String(pem.tls?.cert), /^-----BEGIN CERTIFICATE-----/);
  assert.match(String(pem.tls?.key), /^-----BEGIN PRIVATE KEY-----/);
  assert.deepEqual(pem.unused, ['request.timeout.ms']);

  const rd = clientSecurityFromProperties({
    'security.protocol': 'ssl',
    'ssl.ca.location': certs.ca,
    'ssl.certificate.location': certs.clients.alice!.cert,
    'ssl.key.location': certs.clients.alice!.key,
    'ssl.endpoint.identification.algorithm': '',
  });
  assert.equal(String(rd.tls?.cert), await readFile(certs.clients.alice!.cert, 'utf8'));
  assert.equal(rd.tls?.checkHostname, false);

  const trustP12 = join(certs.dir, 'client-trust.p12');
  await openssl(['pkcs12', '-export', '-nokeys', '-in', certs.ca, '-out', trustP12, '-passout', 'pass:tpw']);
  const p12 = clientSecurityFromProperties({
    'security.protocol': 'SSL',
    'ssl.truststore.type': 'PKCS12',
    'ssl.truststore.location': trustP12,
    'ssl.truststore.password': 'tpw',
    'ssl.keystore.location': certs.brokerP12,
    'ssl.keystore.password': certs.storePassword,
  });
  assert.deepEqual(p12.tls?.ca, [ca.trim()]);
  assert.ok(Buffer.isBuffer(p12.tls?.pfx));
  assert.equal(p12.tls?.passphrase, certs.storePassword);

  const jks = join(certs.dir, 'client.jks');
  await writeFile(jks, Buffer.concat([Buffer.from('feedfeed00000002', 'hex'), Buffer.alloc(32)]));
  assert.throws(
    () => clientSecurityFromProperties({ 'security.protocol': 'SSL', 'ssl.truststore.location': jks }),
    /ssl.truststore.location .*client.jks is a Java keystore \(JKS\).*keytool -importkeystore/,
  );
  assert.throws(
    () =>
      clientSecurityFromProperties({ 'security.protocol': 'SSL', 'ssl.ca.location': join(certs.dir, 'missing.pem') }),
    /ssl.ca.location: cannot read .*missing.pem \(ENOENT\)/,
  );
  assert.throws(
    () => clientSecurityFromProperties({ 'security.protocol': 'SSL', 'ssl.certificate.location': certs.ca }),
    /ssl.certificate.location and ssl.key.location go together/,
  );
});
