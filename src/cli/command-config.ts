/**
 * `--command-config client.properties`: the security settings of a Kafka client in Kafka's (and librdkafka's)
 * property names, as Kafka's tools take them, turned into Samsa client options.
 *
 * - `security.protocol`: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL.
 * - Trust: `ssl.truststore.location` (PEM or PKCS12, `ssl.truststore.type`, `ssl.truststore.password`),
 *   `ssl.truststore.certificates` (inline PEM), or librdkafka's `ssl.ca.location`.
 * - Client certificate: `ssl.keystore.location` (PEM with certificate and key, or PKCS12; `ssl.keystore.type`,
 *   `ssl.keystore.password`, `ssl.key.password`), `ssl.keystore.certificate.chain` + `ssl.keystore.key` (inline),
 *   or librdkafka's `ssl.certificate.location` + `ssl.key.location`.
 * - `ssl.endpoint.identification.algorithm`: `https` (default) checks the broker's host name; empty turns it off.
 *   librdkafka's `enable.ssl.certificate.verification=false` turns off certificate checking altogether.
 * - SASL: `sasl.mechanism` (or librdkafka's `sasl.mechanisms`) with `sasl.jaas.config` (PlainLoginModule or
 *   ScramLoginModule with username and password) or librdkafka's `sasl.username` / `sasl.password`.
 *
 * Other client properties are accepted and reported as not used.
 */
import { readFileSync } from 'node:fs';
import { loadProperties } from '../broker/config/index.js';
import type { ClientTlsOptions, SaslMechanism, SaslOptions } from '../client/index.js';
import { detectStoreType, jksError, pemBlocks, pkcs12Certificates } from '../security/tls.js';
import { parseJaasConfig as parseJaasModules } from '../security/sasl/jaas.js';
import { UsageError } from './common.js';

export interface CommandConfig {
  securityProtocol: 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
  tls?: ClientTlsOptions;
  sasl?: SaslOptions;
  /** Properties given but not used by Samsa's client. */
  unused: string[];
}

const PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;

/** Properties read here (anything else is reported as unused). */
const KNOWN = new Set([
  'security.protocol',
  'ssl.truststore.location',
  'ssl.truststore.type',
  'ssl.truststore.password',
  'ssl.truststore.certificates',
  'ssl.ca.location',
  'ssl.keystore.location',
  'ssl.keystore.type',
  'ssl.keystore.password',
  'ssl.key.password',
  'ssl.keystore.certificate.chain',
  'ssl.keystore.key',
  'ssl.certificate.location',
  'ssl.key.location',
  'ssl.endpoint.identification.algorithm',
  'enable.ssl.certificate.verification',
  'sasl.mechanism',
  'sasl.mechanisms',
  'sasl.jaas.config',
  'sasl.username',
  'sasl.password',
]);

/** One JAAS login module entry: `<class> <flag> key="value" ...;`. */
export interface JaasEntry {
  loginModule: string;
  flag: string;
  options: Record<string, string>;
}

/**
 * Parses a `sasl.jaas.config` value (its first login module entry, as Kafka's clients take it) with the broker's
 * JAAS parser (src/security/sasl/jaas.ts). Throws an Error describing what is wrong.
 */
export function parseJaasConfig(text: string): JaasEntry {
  const [first] = parseJaasModules(text);
  return { loginModule: first!.loginModule, flag: first!.flag, options: Object.fromEntries(first!.options) };
}

function readFile(key: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new UsageError(`${key}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** The client options of a set of Kafka client properties. Throws UsageError naming the property at fault. */
export function clientSecurityFromProperties(props: Record<string, string>): CommandConfig {
  const get = (k: string) => {
    const v = props[k]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const proto = (get('security.protocol') ?? 'PLAINTEXT').toUpperCase();
  if (!(PROTOCOLS as readonly string[]).includes(proto)) {
    throw new UsageError(
      `security.protocol: expected one of ${PROTOCOLS.join(', ')}, got '${props['security.protocol']}'`,
    );
  }
  const securityProtocol = proto as CommandConfig['securityProtocol'];
  const result: CommandConfig = {
    securityProtocol,
    unused: Object.keys(props).filter((k) => !KNOWN.has(k)),
  };

  if (securityProtocol === 'SSL' || securityProtocol === 'SASL_SSL') {
    const tls: ClientTlsOptions = {};
    // Trust.
    const ts = get('ssl.truststore.location') ?? get('ssl.ca.location');
    const tsKey = get('ssl.truststore.location') ? 'ssl.truststore.location' : 'ssl.ca.location';
    if (ts !== undefined) {
      const data = readFile(tsKey, ts);
      const type = get('ssl.truststore.type')?.toUpperCase() ?? detectStoreType(data);
      if (type === 'JKS' || detectStoreType(data) === 'JKS') throw new UsageError(jksError(tsKey, ts).message);
      let pem: string;
      try {
        pem =
          type === 'PKCS12'
            ? pkcs12Certificates(ts, get('ssl.truststore.password') ?? null, tsKey)
            : data.toString('utf8');
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      const cas = pemBlocks(pem, (l) => l === 'CERTIFICATE');
      if (cas.length === 0) throw new UsageError(`${tsKey} ${ts} holds no certificate`);
      tls.ca = cas;
    } else if (get('ssl.truststore.certificates') !== undefined) {
      tls.ca = pemBlocks(get('ssl.truststore.certificates')!, (l) => l === 'CERTIFICATE');
    }
    // Client certificate.
    const keyPassword = get('ssl.key.password');
    const ks = get('ssl.keystore.location');
    if (ks !== undefined) {
      const data = readFile('ssl.keystore.location', ks);
      const type = get('ssl.keystore.type')?.toUpperCase() ?? detectStoreType(data);
      if (type === 'JKS' || detectStoreType(data) === 'JKS')
        throw new UsageError(jksError('ssl.keystore.location', ks).message);
      if (type === 'PKCS12') {
        tls.pfx = data;
        tls.passphrase = get('ssl.keystore.password') ?? keyPassword;
      } else {
        const text = data.toString('utf8');
        const certs = pemBlocks(text, (l) => l === 'CERTIFICATE');
        const keys = pemBlocks(text, (l) => l.endsWith('PRIVATE KEY'));
        if (certs.length === 0 || keys.length === 0) {
          throw new UsageError(`ssl.keystore.location ${ks} must hold a certificate and its private key in PEM`);
        }
        tls.cert = certs.join('\n');
        tls.key = keys[0];
        tls.passphrase = keyPassword;
      }
    } else if (get('ssl.keystore.certificate.chain') !== undefined || get('ssl.keystore.key') !== undefined) {
      if (get('ssl.keystore.certificate.chain') === undefined || get('ssl.keystore.key') === undefined) {
        throw new UsageError('ssl.keystore.certificate.chain and ssl.keystore.key go together');
      }
      tls.cert = get('ssl.keystore.certificate.chain');
      tls.key = get('ssl.keystore.key');
      tls.passphrase = keyPassword;
    } else if (get('ssl.certificate.location') !== undefined || get('ssl.key.location') !== undefined) {
      if (get('ssl.certificate.location') === undefined || get('ssl.key.location') === undefined) {
        throw new UsageError('ssl.certificate.location and ssl.key.location go together');
      }
      tls.cert = readFile('ssl.certificate.location', get('ssl.certificate.location')!);
      tls.key = readFile('ssl.key.location', get('ssl.key.location')!);
      tls.passphrase = keyPassword;
    }
    if (tls.passphrase === undefined) delete tls.passphrase;
    const algorithm = props['ssl.endpoint.identification.algorithm'];
    if (algorithm !== undefined) {
      const a = algorithm.trim().toLowerCase();
      if (a === '' || a === 'none') tls.checkHostname = false;
      else if (a !== 'https') {
        throw new UsageError(`ssl.endpoint.identification.algorithm: expected https or empty, got '${algorithm}'`);
      }
    }
    const verify = get('enable.ssl.certificate.verification');
    if (verify !== undefined && verify.toLowerCase() === 'false') tls.rejectUnauthorized = false;
    result.tls = tls;
  }

  if (securityProtocol === 'SASL_PLAINTEXT' || securityProtocol === 'SASL_SSL') {
    let mechanism = (get('sasl.mechanism') ?? get('sasl.mechanisms'))?.toUpperCase();
    let username = get('sasl.username');
    let password = get('sasl.password');
    const jaas = get('sasl.jaas.config');
    if (jaas !== undefined) {
      let entry: JaasEntry;
      try {
        entry = parseJaasConfig(jaas);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      const module = entry.loginModule.split('.').pop();
      if (module === 'PlainLoginModule') mechanism ??= 'PLAIN';
      else if (module === 'ScramLoginModule') {
        if (mechanism === undefined || !mechanism.startsWith('SCRAM-')) {
          throw new UsageError('sasl.mechanism must be SCRAM-SHA-256 or SCRAM-SHA-512 with ScramLoginModule');
        }
      } else {
        throw new UsageError(
          `sasl.jaas.config: ${entry.loginModule} is not supported (PlainLoginModule, ScramLoginModule)`,
        );
      }
      username = entry.options['username'];
      password = entry.options['password'];
    }
    if (username === undefined || password === undefined) {
      throw new UsageError(
        `security.protocol ${securityProtocol} needs a username and password: sasl.jaas.config (PlainLoginModule or ScramLoginModule) or sasl.username and sasl.password`,
      );
    }
    mechanism ??= 'PLAIN';
    if (!['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'].includes(mechanism)) {
      throw new UsageError(`sasl.mechanism: expected PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, got '${mechanism}'`);
    }
    result.sasl = { mechanism: mechanism as SaslMechanism, username, password };
  }
  return result;
}

/** Reads a `--command-config` file. */
export function loadCommandConfig(file: string): CommandConfig {
  return clientSecurityFromProperties(loadProperties(file));
}
