/**
 * Certificates for a local TLS setup, made with the openssl command: a CA, a broker certificate (subject
 * alternative names localhost, 127.0.0.1, ::1 and any extra host names) and client certificates, all signed by the
 * CA, in PEM (and the broker's also as a PKCS12 keystore). `samsa certs create` and the TLS tests use it.
 *
 * Files written to `dir`: ca.pem, ca.key, broker.pem, broker.key, broker-keystore.pem (certificate chain and key
 * in one file, as Kafka's ssl.keystore.type=PEM takes it), broker.p12 (password in `storePassword`), and per client
 * <name>.pem, <name>.key and <name>-keystore.pem. Keys are EC P-256 (PKCS#8), unencrypted, readable by the owner
 * only.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';

export interface CertsOptions {
  dir: string;
  /** Extra host names (or IP addresses) for the broker certificate. */
  hostnames?: string[];
  /** Client certificates to make: their common names (file names too). */
  clients?: string[];
  /** Validity in days (default 825). */
  days?: number;
  /** Password of broker.p12 (default "changeit"). */
  storePassword?: string;
  /** Subject of the CA (default /CN=Samsa local CA). */
  caSubject?: string;
  /** Organisation put into every client certificate's subject (O=...), default none. */
  organization?: string;
}

export interface CertsResult {
  dir: string;
  ca: string;
  caKey: string;
  brokerCert: string;
  brokerKey: string;
  brokerP12: string;
  /** Certificate chain and key in one PEM file. */
  brokerKeystore: string;
  storePassword: string;
  clients: Record<string, { cert: string; key: string; keystore: string }>;
}

/** Writes certificate, CA and key into one PEM file (a Kafka PEM keystore). */
async function writeKeystore(path: string, cert: string, ca: string, key: string): Promise<void> {
  const [c, a, k] = await Promise.all([readFile(cert, 'utf8'), readFile(ca, 'utf8'), readFile(key, 'utf8')]);
  await writeFile(path, `${c.trim()}\n${a.trim()}\n${k.trim()}\n`, { mode: 0o600 });
}

/** Runs openssl; rejects with a clear message when it is missing or fails. */
export function openssl(args: string[], cwd?: string, env?: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'openssl',
      args,
      { cwd, env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
            reject(
              new Error(
                'the openssl command is needed to make certificates; install OpenSSL (e.g. apt-get install openssl)',
              ),
            );
          } else
            reject(new Error(`openssl ${args[0]} failed: ${String(stderr).trim().split('\n').slice(-2).join(' ')}`));
          return;
        }
        resolve(stdout);
      },
    );
  });
}

const subjectValue = (s: string) => s.replace(/[/\\]/g, (c) => `\\${c}`);

async function newKey(path: string): Promise<void> {
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path]);
  await chmod(path, 0o600);
}

/**
 * Signs a certificate for `subject` with the CA. `validity` either a number of days from now, or explicit
 * start/end dates (YYYYMMDDHHMMSSZ) for certificates already expired or not yet valid (made with `openssl ca`).
 */
export async function signCertificate(opts: {
  dir: string;
  name: string;
  subject: string;
  ca: string;
  caKey: string;
  sans?: string[];
  clientAuth?: boolean;
  days?: number;
  startDate?: string;
  endDate?: string;
}): Promise<{ cert: string; key: string }> {
  const key = join(opts.dir, `${opts.name}.key`);
  const cert = join(opts.dir, `${opts.name}.pem`);
  const csr = join(opts.dir, `${opts.name}.csr`);
  const ext = join(opts.dir, `${opts.name}.ext`);
  await newKey(key);
  await openssl(['req', '-new', '-key', key, '-subj', opts.subject, '-out', csr]);
  const lines = [
    'basicConstraints=CA:FALSE',
    'keyUsage=digitalSignature,keyEncipherment',
    `extendedKeyUsage=${opts.clientAuth ? 'clientAuth' : 'serverAuth,clientAuth'}`,
  ];
  if (opts.sans && opts.sans.length > 0) {
    lines.push(`subjectAltName=${opts.sans.map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',')}`);
  }
  await writeFile(ext, `${lines.join('\n')}\n`);
  if (opts.startDate !== undefined || opts.endDate !== undefined) {
    // openssl x509 cannot set dates in the past; openssl ca can, with a throwaway database.
    const db = join(opts.dir, `${opts.name}.db`);
    await mkdir(db, { recursive: true });
    await writeFile(join(db, 'index.txt'), '');
    const conf = join(db, 'ca.cnf');
    await writeFile(
      conf,
      [
        '[ca]',
        'default_ca=local',
        '[local]',
        `database=${join(db, 'index.txt')}`,
        `new_certs_dir=${db}`,
        'default_md=sha256',
        'policy=anything',
        'copy_extensions=none',
        'rand_serial=yes',
        'unique_subject=no',
        '[anything]',
        'commonName=supplied',
        '',
      ].join('\n'),
    );
    await openssl([
      'ca',
      '-batch',
      '-notext',
      '-config',
      conf,
      '-cert',
      opts.ca,
      '-keyfile',
      opts.caKey,
      '-in',
      csr,
      '-out',
      cert,
      '-extfile',
      ext,
      '-startdate',
      opts.startDate ?? '20200101000000Z',
      '-enddate',
      opts.endDate ?? '20300101000000Z',
      '-preserveDN',
    ]);
  } else {
    await openssl([
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      opts.ca,
      '-CAkey',
      opts.caKey,
      '-set_serial',
      `0x${randomBytes(8).toString('hex')}`,
      '-days',
      String(opts.days ?? 825),
      '-sha256',
      '-extfile',
      ext,
      '-out',
      cert,
    ]);
  }
  await Promise.all([
    rm(csr, { force: true }),
    rm(ext, { force: true }),
    rm(join(opts.dir, `${opts.name}.db`), { recursive: true, force: true }),
  ]);
  return { cert, key };
}

/** Makes a CA and a broker certificate, and the client certificates asked for. */
export async function createCertificates(opts: CertsOptions): Promise<CertsResult> {
  const { dir } = opts;
  const days = opts.days ?? 825;
  const storePassword = opts.storePassword ?? 'changeit';
  await mkdir(dir, { recursive: true });
  const ca = join(dir, 'ca.pem');
  const caKey = join(dir, 'ca.key');
  await newKey(caKey);
  await openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    caKey,
    '-sha256',
    '-days',
    String(days),
    '-subj',
    opts.caSubject ?? '/CN=Samsa local CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-out',
    ca,
  ]);
  const sans = [...new Set(['localhost', '127.0.0.1', '::1', ...(opts.hostnames ?? [])])];
  const broker = await signCertificate({ dir, name: 'broker', subject: '/CN=localhost', ca, caKey, sans, days });
  const brokerP12 = join(dir, 'broker.p12');
  await openssl(
    [
      'pkcs12',
      '-export',
      '-in',
      broker.cert,
      '-inkey',
      broker.key,
      '-certfile',
      ca,
      '-name',
      'broker',
      '-out',
      brokerP12,
      '-passout',
      'env:SAMSA_STORE_PASSWORD',
    ],
    undefined,
    { SAMSA_STORE_PASSWORD: storePassword },
  );
  const brokerKeystore = join(dir, 'broker-keystore.pem');
  await writeKeystore(brokerKeystore, broker.cert, ca, broker.key);
  const clients: CertsResult['clients'] = {};
  for (const name of opts.clients ?? []) {
    if (!/^[A-Za-z0-9._-]+$/.test(name))
      throw new Error(`client name '${name}' may use only letters, digits, '.', '_' and '-'`);
    const org = opts.organization ? `/O=${subjectValue(opts.organization)}` : '';
    const made = await signCertificate({
      dir,
      name,
      subject: `${org}/CN=${subjectValue(name)}`,
      ca,
      caKey,
      clientAuth: true,
      days,
    });
    const keystore = join(dir, `${name}-keystore.pem`);
    await writeKeystore(keystore, made.cert, ca, made.key);
    clients[name] = { ...made, keystore };
  }
  return {
    dir,
    ca,
    caKey,
    brokerCert: broker.cert,
    brokerKey: broker.key,
    brokerP12,
    brokerKeystore,
    storePassword,
    clients,
  };
}
