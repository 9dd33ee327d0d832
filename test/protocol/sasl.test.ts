/**
 * SASL wire helpers: the SCRAM-SHA-256 exchange of RFC 7677's example (section 3) reproduced byte for byte, SCRAM
 * message parsing (escaped names, GS2 headers, proofs), PLAIN, and Kafka's JAAS syntax for PLAIN users.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  parsePlain,
  parseScramClientFinal,
  parseScramClientFirst,
  parseScramServerFinal,
  parseScramServerFirst,
  scramClientProof,
  scramCredentialFromSalted,
  scramEscapeName,
  scramSaltedPassword,
  scramUnescapeName,
} from '../../src/protocol/sasl.js';
import { parseJaasConfig, plainUsers } from '../../src/security/sasl/jaas.js';
import { createExchange } from '../../src/security/sasl/mechanisms.js';

const RFC7677 = {
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal:
    'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};

test('SCRAM-SHA-256: the client proof and server signature of RFC 7677', () => {
  const sf = parseScramServerFirst(RFC7677.serverFirst);
  assert.ok(typeof sf !== 'string');
  const salted = scramSaltedPassword('SCRAM-SHA-256', 'pencil', sf.salt, sf.iterations);
  const withoutProof = `c=biws,r=${sf.nonce}`;
  const authMessage = `n=user,r=rOprNGfwEbeRWgbNEkqO,${RFC7677.serverFirst},${withoutProof}`;
  const { proof, serverSignature } = scramClientProof('SCRAM-SHA-256', salted, authMessage);
  assert.equal(`${withoutProof},p=${proof.toString('base64')}`, RFC7677.clientFinal);
  assert.equal(`v=${serverSignature.toString('base64')}`, RFC7677.serverFinal);
});

test('the broker side verifies the RFC 7677 proof and answers with its signature', () => {
  const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
  const credential = scramCredentialFromSalted(
    'SCRAM-SHA-256',
    scramSaltedPassword('SCRAM-SHA-256', 'pencil', salt, 4096),
    salt,
    4096,
  );
  const ex = createExchange('SCRAM-SHA-256', {
    plainPassword: () => undefined,
    scram: (user) => (user === 'user' ? credential : undefined),
  })!;
  // The broker picks its own nonce; answer its challenge the way the RFC's client would.
  const first = ex.evaluate(Buffer.from(RFC7677.clientFirst)).challenge.toString();
  const sf = parseScramServerFirst(first);
  assert.ok(typeof sf !== 'string' && sf.nonce.startsWith('rOprNGfwEbeRWgbNEkqO') && sf.iterations === 4096);
  const withoutProof = `c=biws,r=${sf.nonce}`;
  const { proof, serverSignature } = scramClientProof(
    'SCRAM-SHA-256',
    scramSaltedPassword('SCRAM-SHA-256', 'pencil', sf.salt, 4096),
    `n=user,r=rOprNGfwEbeRWgbNEkqO,${first},${withoutProof}`,
  );
  const done = ex.evaluate(Buffer.from(`${withoutProof},p=${proof.toString('base64')}`));
  assert.equal(done.user, 'user');
  const fin = parseScramServerFinal(done.challenge.toString());
  assert.ok(typeof fin !== 'string' && fin.signature.equals(serverSignature));
  // A wrong proof fails.
  const ex2 = createExchange('SCRAM-SHA-256', { plainPassword: () => undefined, scram: () => credential })!;
  const f2 = parseScramServerFirst(ex2.evaluate(Buffer.from(RFC7677.clientFirst)).challenge.toString());
  assert.ok(typeof f2 !== 'string');
  assert.throws(
    () => ex2.evaluate(Buffer.from(`c=biws,r=${f2.nonce},p=${Buffer.alloc(32, 1).toString('base64')}`)),
    /invalid credentials with SASL mechanism SCRAM-SHA-256/,
  );
});

test('SCRAM messages: escaped names, GS2 headers and malformed input', () => {
  assert.equal(scramEscapeName('a,b=c'), 'a=2Cb=3Dc');
  assert.equal(scramUnescapeName('a=2Cb=3Dc'), 'a,b=c');
  assert.equal(scramUnescapeName('bad=41'), undefined);
  const f = parseScramClientFirst('n,,n=a=2Cb,r=xyz');
  assert.ok(typeof f !== 'string');
  assert.equal(f.username, 'a,b');
  assert.equal(f.gs2Header, 'n,,');
  assert.match(String(parseScramClientFirst('p=tls-unique,,n=a,r=x')), /channel binding is not supported/);
  assert.match(String(parseScramClientFirst('n,,r=x')), /lacks n= or r=/);
  assert.match(String(parseScramClientFirst('n,a=other,n=a,r=x')), /authorization id must be the user name/);
  assert.match(String(parseScramClientFinal('c=biws,r=x')), /lacks a proof/);
  assert.match(String(parseScramServerFinal('e=invalid-proof')), /invalid-proof/);
});

test('PLAIN messages and Kafka JAAS users', () => {
  assert.deepEqual(parsePlain(Buffer.from('\0alice\0secret')), { authzid: '', username: 'alice', password: 'secret' });
  assert.equal(parsePlain(Buffer.from('alice\0secret')), undefined);
  const modules = parseJaasConfig(
    'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="a\\"b" ' +
      'user_admin="admin-secret" user_alice=alice-secret;',
  );
  assert.equal(modules[0]!.loginModule, 'org.apache.kafka.common.security.plain.PlainLoginModule');
  assert.equal(modules[0]!.options.get('password'), 'a"b');
  assert.deepEqual(
    [...plainUsers(modules)],
    [
      ['admin', 'admin-secret'],
      ['alice', 'alice-secret'],
    ],
  );
  assert.throws(() => parseJaasConfig('org.Foo required a="b"'), /must end with ;/);
  assert.throws(() => parseJaasConfig('org.Foo always;'), /control flag/);
});
