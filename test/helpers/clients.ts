/**
 * Third-party Kafka clients for compatibility tests: finding them, and running them with a time limit.
 *
 * A client that is not installed makes its tests skip with a visible NOTICE, so a developer without kcat can
 * still run the suite; CI sets SAMSA_REQUIRE_CLIENTS=1 and then a missing client is a failure.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { projectRoot } from './spec.js';

export type ClientName = 'kcat' | 'kafka-python' | 'confluent-kafka' | 'kafkajs';

/** Debian's python packages load only in the system interpreter, not in a python3 earlier on PATH. */
export const PYTHON = process.env['SAMSA_PYTHON'] ?? '/usr/bin/python3';
export const KCAT = process.env['SAMSA_KCAT'] ?? 'kcat';
/** Where the python scripts live: the sources, not dist/ (tsc does not copy them). */
export const PY_DIR = join(projectRoot, 'test', 'compat', 'py');

const HOW_TO_INSTALL: Record<ClientName, string> = {
  kcat: 'apt-get install kcat',
  'kafka-python': 'apt-get install python3-kafka python3-snappy python3-lz4 python3-zstandard python3-crc32c',
  'confluent-kafka': 'apt-get install python3-confluent-kafka',
  kafkajs: 'npm ci (kafkajs is a devDependency)',
};

export interface ClientInfo {
  available: boolean;
  /** Version string when available, or why it is not. */
  detail: string;
}

const cache = new Map<ClientName, ClientInfo>();

function probe(cmd: string, args: string[]): ClientInfo {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 15_000 });
  if (r.error) return { available: false, detail: r.error.message };
  if (r.status !== 0)
    return { available: false, detail: (r.stderr || r.stdout).trim().split('\n').pop() ?? `exit ${r.status}` };
  return { available: true, detail: (r.stdout || r.stderr).trim() };
}

export function detectClient(name: ClientName): ClientInfo {
  let info = cache.get(name);
  if (info) return info;
  switch (name) {
    case 'kcat': {
      info = probe(KCAT, ['-V']);
      if (info.available) info.detail = info.detail.split('\n').find((l) => l.startsWith('Version')) ?? info.detail;
      break;
    }
    case 'kafka-python':
      info = probe(PYTHON, ['-c', 'import kafka; print(kafka.__version__)']);
      break;
    case 'confluent-kafka':
      info = probe(PYTHON, [
        '-c',
        'import confluent_kafka as c; print(c.version()[0], "librdkafka", c.libversion()[0])',
      ]);
      break;
    case 'kafkajs': {
      try {
        const req = createRequire(join(projectRoot, 'package.json'));
        const pkg = req('kafkajs/package.json') as { version: string };
        info = { available: true, detail: pkg.version };
      } catch (err) {
        info = { available: false, detail: (err as Error).message.split('\n')[0]! };
      }
      break;
    }
  }
  cache.set(name, info);
  return info;
}

export const clientsRequired = (): boolean => process.env['SAMSA_REQUIRE_CLIENTS'] === '1';

/**
 * Call at the top of a test. Returns true when the client is there. When it is not, the test fails if
 * SAMSA_REQUIRE_CLIENTS=1, and otherwise is marked skipped with a NOTICE (the caller must then return).
 */
export function requireClient(t: TestContext, name: ClientName): boolean {
  const info = detectClient(name);
  if (info.available) return true;
  const msg = `${name} not installed (${info.detail}); install with: ${HOW_TO_INSTALL[name]}`;
  if (clientsRequired()) throw new Error(`SAMSA_REQUIRE_CLIENTS=1 but ${msg}`);
  t.skip(`NOTICE: ${msg}`);
  // Also say it on stderr, since reporters often hide skip reasons.
  process.stderr.write(`NOTICE: skipping "${t.name}": ${msg}\n`);
  return false;
}

export interface RunOptions {
  /** Written to the child's stdin, which is then closed. */
  input?: string | Buffer;
  /** Kill the child after this long. Default 60 s. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Accept a non-zero exit instead of failing. */
  allowFailure?: boolean;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function clip(s: string, max = 6000): string {
  return s.length <= max ? s : `[... ${s.length - max} chars cut ...]\n${s.slice(-max)}`;
}

/** Runs a command to completion; rejects (showing stdout and stderr) on timeout or, by default, on non-zero exit. */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const t0 = Date.now();
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    const describe = (what: string, stdout: string, stderr: string): string =>
      `${what}: ${cmd} ${args.map((a) => (/[\s'"]/.test(a) ? JSON.stringify(a) : a)).join(' ')}\n` +
      `--- stdout ---\n${clip(stdout)}\n--- stderr ---\n${clip(stderr)}`;
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(describe(`could not run (${e.message})`, '', '')));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      const result = { code, signal, stdout, stderr, ms: Date.now() - t0 };
      if (timedOut) reject(new Error(describe(`timed out after ${timeoutMs} ms`, stdout, stderr)));
      else if (code !== 0 && !opts.allowFailure) reject(new Error(describe(`exit ${code ?? signal}`, stdout, stderr)));
      else resolve(result);
    });
    // A child that exits before reading all its input gives EPIPE; its exit status tells the real story.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

/** kcat with the given arguments; `-b bootstrap` is added first. */
export function kcat(bootstrap: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return run(KCAT, ['-b', bootstrap, ...args], opts);
}

/** kcat's `-X` options for an SSL listener: the CA to trust and a client certificate and key. */
export function kcatSsl(ca: string, cert: string, key: string): string[] {
  const props = [
    'security.protocol=ssl',
    `ssl.ca.location=${ca}`,
    `ssl.certificate.location=${cert}`,
    `ssl.key.location=${key}`,
  ];
  return props.flatMap((p) => ['-X', p]);
}

/** kcat's `-X` options for a SASL_SSL listener: the CA to trust and a SASL user. */
export function kcatSaslSsl(ca: string, mechanism: string, username: string, password: string): string[] {
  const props = [
    'security.protocol=sasl_ssl',
    `ssl.ca.location=${ca}`,
    `sasl.mechanisms=${mechanism}`,
    `sasl.username=${username}`,
    `sasl.password=${password}`,
  ];
  return props.flatMap((p) => ['-X', p]);
}

export interface KcatMessage {
  topic: string;
  partition: number;
  offset: number;
  tstype?: string;
  ts?: number;
  key: string | null;
  payload: string | null;
  headers?: string[] | null;
}

/**
 * Reads a whole topic (or one partition) from the beginning to its end with kcat -C -e -J.
 * Messages come back in the order kcat printed them.
 */
export async function kcatConsumeAll(
  bootstrap: string,
  topic: string,
  extra: string[] = [],
  opts: RunOptions = {},
): Promise<KcatMessage[]> {
  const r = await kcat(bootstrap, ['-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-J', ...extra], opts);
  const msgs: KcatMessage[] = [];
  for (const line of r.stdout.split('\n')) {
    if (line.trim() === '') continue;
    try {
      msgs.push(JSON.parse(line) as KcatMessage);
    } catch {
      throw new Error(`kcat printed a line that is not JSON: ${line}\n--- stderr ---\n${clip(r.stderr)}`);
    }
  }
  return msgs;
}

/** Runs test/compat/py/<script> with the system python; the last non-empty stdout line must be a JSON summary. */
export async function runPython<T = any>(
  script: string,
  args: string[],
  opts: RunOptions = {},
): Promise<{ summary: T; result: RunResult }> {
  const file = join(PY_DIR, script);
  const result = await run(PYTHON, ['-u', file, ...args], {
    ...opts,
    env: { PYTHONDONTWRITEBYTECODE: '1', ...opts.env },
  });
  const last = result.stdout.trim().split('\n').pop() ?? '';
  try {
    return { summary: JSON.parse(last) as T, result };
  } catch {
    throw new Error(
      `${script} did not print a JSON summary last\n--- stdout ---\n${clip(result.stdout)}\n--- stderr ---\n${clip(result.stderr)}`,
    );
  }
}

/** A topic name that no other test uses. */
export function uniqueTopic(prefix: string): string {
  return `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}
