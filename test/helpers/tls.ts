/**
 * Certificates for TLS tests, made by the test with `samsa certs create`'s code (openssl): a CA, a broker
 * certificate for localhost/127.0.0.1 and client certificates, in a temp dir removed when the test ends, and the
 * broker settings of an SSL listener that uses them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { createCertificates, type CertsOptions, type CertsResult } from '../../src/security/certs.js';

/** Makes certificates in a fresh temp dir, removed after the test (or suite) `t` ends. */
export async function makeCerts(
  t: Pick<TestContext, 'after'> | undefined,
  opts: Omit<CertsOptions, 'dir'> = {},
): Promise<CertsResult> {
  const dir = await mkdtemp(join(tmpdir(), 'samsa-certs-'));
  t?.after(() => rm(dir, { recursive: true, force: true }));
  return createCertificates({ clients: ['alice'], ...opts, dir });
}

/** Broker config for one SSL listener with the PEM keystore and the CA as truststore. */
export function sslBrokerConfig(certs: CertsResult, extra: Record<string, string> = {}): Record<string, string> {
  return {
    listeners: 'SSL://127.0.0.1:0',
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': certs.brokerKeystore,
    'ssl.truststore.type': 'PEM',
    'ssl.truststore.location': certs.ca,
    'ssl.client.auth': 'required',
    ...extra,
  };
}
