/**
 * TLS for SSL and SASL_SSL listeners, configured with Kafka's names (src/broker/config/keys/tls.ts): the broker's
 * keystore (PEM file, inline PEM or PKCS12), the truststore client certificates are checked against (PEM or
 * PKCS12), ssl.client.auth, ssl.enabled.protocols and ssl.cipher.suites. JKS stores are refused with the keytool
 * command that converts them. The key and trust files are watched and reloaded into the running server
 * (`setSecureContext`) when they change; a reload that fails keeps the certificates in use and logs why.
 *
 * PKCS12 keystores are read by Node itself; a PKCS12 truststore (certificates only) is turned into PEM with the
 * openssl command, which must then be installed.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { createSecureContext, type SecureContextOptions, type TlsOptions, type Server as TlsServer } from 'node:tls';

/** Reads one setting for the listener being configured (per-listener override first). */
export type TlsSettingReader = (key: string) => string | string[] | null;

export type ClientAuth = 'none' | 'requested' | 'required';

export interface TlsListenerSettings {
  options: TlsOptions;
  clientAuth: ClientAuth;
  /** Files to watch for changes. */
  files: string[];
}

/** The kind of a key or trust store file, from its first bytes. */
export function detectStoreType(data: Buffer): 'PEM' | 'PKCS12' | 'JKS' | 'UNKNOWN' {
  if (data.length >= 4 && data.readUInt32BE(0) === 0xfeedfeed) return 'JKS';
  if (data.length >= 4 && data.readUInt32BE(0) === 0xcececece) return 'JKS'; // JCEKS
  if (data.subarray(0, 4096).toString('latin1').includes('-----BEGIN ')) return 'PEM';
  if (data.length > 0 && data[0] === 0x30) return 'PKCS12';
  return 'UNKNOWN';
}

export function jksError(key: string, file: string): Error {
  return new Error(
    `${key} ${file} is a Java keystore (JKS), which Samsa cannot read; convert it to PKCS12 with ` +
      `'keytool -importkeystore -srckeystore ${file} -srcstoretype JKS -destkeystore ${file}.p12 -deststoretype PKCS12' ` +
      `and set ${key.replace(/location$/, 'type')}=PKCS12 and ${key}=${file}.p12`,
  );
}

function readStore(key: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new Error(`${key}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function storeType(typeKey: string, declared: string | null, key: string, file: string, data: Buffer): string {
  const type = declared?.toUpperCase() ?? detectStoreType(data);
  if (type === 'JKS' || detectStoreType(data) === 'JKS') throw jksError(key, file);
  if (type === 'UNKNOWN') throw new Error(`${key} ${file} is neither PEM nor PKCS12; set ${typeKey}`);
  return type;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g;

/** The PEM blocks of a text whose label matches `label`. */
export function pemBlocks(text: string, label: (l: string) => boolean): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(PEM_BLOCK)) if (label(m[1]!)) out.push(m[0]);
  return out;
}

/** The certificates of a PKCS12 store, as PEM, through the openssl command. */
export function pkcs12Certificates(file: string, password: string | null, key = 'ssl.truststore.location'): string {
  try {
    return execFileSync('openssl', ['pkcs12', '-in', file, '-nokeys', '-passin', 'env:SAMSA_STORE_PASSWORD'], {
      env: { ...process.env, SAMSA_STORE_PASSWORD: password ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    }).toString('utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') {
      throw new Error(`${key} ${file} is PKCS12, which needs the openssl command; install it or use a PEM truststore`);
    }
    throw new Error(
      `${key} ${file}: cannot read the PKCS12 store (wrong password?): ${
        String(e.stderr ?? e.message)
          .trim()
          .split('\n')[0]
      }`,
    );
  }
}

/** Reads the TLS settings of one listener into Node's options; throws an Error with a clear message. */
export function readTlsSettings(get: TlsSettingReader, listener: string): TlsListenerSettings {
  const str = (k: string) => {
    const v = get(k);
    return v === null || v === '' ? null : String(v);
  };
  const files: string[] = [];
  const opts: SecureContextOptions & TlsOptions = {};

  // Keystore: the broker's certificate chain and key.
  const ksLocation = str('ssl.keystore.location');
  const keyPassword = str('ssl.key.password');
  if (ksLocation !== null) {
    files.push(ksLocation);
    const data = readStore('ssl.keystore.location', ksLocation);
    const type = storeType('ssl.keystore.type', str('ssl.keystore.type'), 'ssl.keystore.location', ksLocation, data);
    if (type === 'PKCS12') {
      opts.pfx = data;
      opts.passphrase = str('ssl.keystore.password') ?? keyPassword ?? undefined;
    } else {
      const text = data.toString('utf8');
      const certs = pemBlocks(text, (l) => l === 'CERTIFICATE');
      const keys = pemBlocks(text, (l) => l.endsWith('PRIVATE KEY'));
      if (certs.length === 0 || keys.length === 0) {
        throw new Error(
          `ssl.keystore.location ${ksLocation} must hold the certificate chain and the private key in PEM`,
        );
      }
      opts.cert = certs.join('\n');
      opts.key = keys[0];
      if (keyPassword !== null) opts.passphrase = keyPassword;
    }
  } else {
    const chain = str('ssl.keystore.certificate.chain');
    const key = str('ssl.keystore.key');
    if (chain === null || key === null) {
      throw new Error(
        `listener ${listener} needs a certificate: set ssl.keystore.location, or ssl.keystore.certificate.chain and ssl.keystore.key`,
      );
    }
    opts.cert = chain;
    opts.key = key;
    if (keyPassword !== null) opts.passphrase = keyPassword;
  }

  // Truststore: the CAs client certificates must chain to.
  const tsLocation = str('ssl.truststore.location');
  if (tsLocation !== null) {
    files.push(tsLocation);
    const data = readStore('ssl.truststore.location', tsLocation);
    const type = storeType(
      'ssl.truststore.type',
      str('ssl.truststore.type'),
      'ssl.truststore.location',
      tsLocation,
      data,
    );
    const pem =
      type === 'PKCS12' ? pkcs12Certificates(tsLocation, str('ssl.truststore.password')) : data.toString('utf8');
    const cas = pemBlocks(pem, (l) => l === 'CERTIFICATE');
    if (cas.length === 0) throw new Error(`ssl.truststore.location ${tsLocation} holds no certificate`);
    opts.ca = cas;
  } else {
    const inline = str('ssl.truststore.certificates');
    if (inline !== null) opts.ca = pemBlocks(inline, (l) => l === 'CERTIFICATE');
  }

  const clientAuth = (str('ssl.client.auth') ?? 'none').toLowerCase() as ClientAuth;
  // Certificates are checked after the handshake (src/broker/broker.ts), so that a refusal is logged with its reason.
  opts.requestCert = clientAuth !== 'none';
  opts.rejectUnauthorized = false;

  const protocols = (get('ssl.enabled.protocols') as string[] | null) ?? ['TLSv1.2', 'TLSv1.3'];
  const order = ['TLSv1.2', 'TLSv1.3'] as const;
  const enabled = order.filter((p) => protocols.includes(p));
  if (enabled.length === 0) throw new Error('ssl.enabled.protocols enables neither TLSv1.2 nor TLSv1.3');
  opts.minVersion = enabled[0];
  opts.maxVersion = enabled[enabled.length - 1];
  const ciphers = (get('ssl.cipher.suites') as string[] | null) ?? [];
  if (ciphers.length > 0) opts.ciphers = ciphers.join(':');

  // Fail now, with the key named, rather than at the first handshake.
  try {
    createSecureContext(opts);
  } catch (err) {
    const msg = (err as Error).message;
    const what = /cipher/i.test(msg)
      ? 'ssl.cipher.suites'
      : /passphrase|decrypt|mac verify|bad decrypt/i.test(msg)
        ? 'ssl.keystore.password / ssl.key.password'
        : 'ssl.keystore / ssl.truststore';
    throw new Error(`listener ${listener}: TLS settings rejected (${what}): ${msg}`);
  }
  return { options: { ...opts, handshakeTimeout: 10_000 }, clientAuth, files };
}

/**
 * Watches the key and trust files of a TLS listener and installs new certificates into `server` when they change.
 * Returns a function that stops watching.
 */
export function watchTlsFiles(
  server: TlsServer,
  settings: TlsListenerSettings,
  reread: () => TlsListenerSettings,
  log: { info(msg: string): void; warn(msg: string): void },
  listener: string,
  intervalMs = 1000,
): () => void {
  const onChange = (cur: { mtimeMs: number }, prev: { mtimeMs: number }) => {
    if (cur.mtimeMs === prev.mtimeMs) return;
    try {
      const next = reread();
      server.setSecureContext(next.options);
      log.info(`listener ${listener}: TLS certificates reloaded`);
    } catch (err) {
      log.warn(
        `listener ${listener}: TLS certificates not reloaded, keeping the current ones: ${(err as Error).message}`,
      );
    }
  };
  const files = [...new Set(settings.files)];
  for (const f of files) watchFile(f, { interval: intervalMs, persistent: false }, onChange);
  return () => {
    for (const f of files) unwatchFile(f, onChange);
  };
}

/**
 * TLS options for a broker's own connections to other brokers' SSL or SASL_SSL listener (the inter-broker
 * listener): its keystore as the client certificate and its truststore as the CAs, read with the same keys
 * (and per-listener overrides through `get`). The shape fits Node's `tls.connect` and Samsa's client `tls`.
 */
export function interBrokerTlsOptions(
  get: TlsSettingReader,
  listener: string,
): { ca?: Array<string | Buffer>; cert?: string | Buffer; key?: string | Buffer; pfx?: Buffer; passphrase?: string } {
  const { options } = readTlsSettings(get, listener);
  const out: ReturnType<typeof interBrokerTlsOptions> = {};
  if (options.ca !== undefined)
    out.ca = (Array.isArray(options.ca) ? options.ca : [options.ca]) as Array<string | Buffer>;
  if (options.pfx !== undefined) out.pfx = options.pfx as Buffer;
  if (typeof options.cert === 'string' || Buffer.isBuffer(options.cert)) out.cert = options.cert;
  if (typeof options.key === 'string' || Buffer.isBuffer(options.key)) out.key = options.key;
  if (options.passphrase !== undefined) out.passphrase = options.passphrase;
  return out;
}
