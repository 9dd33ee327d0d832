import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyStartFlags, collectProperties } from '../../src/cli/start.js';

const BIN = fileURLToPath(new URL('../../../bin/samsa.js', import.meta.url));
const PKG = fileURLToPath(new URL('../../../package.json', import.meta.url));

function samsaEnv(
  env: Record<string, string | undefined>,
  ...args: string[]
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 20_000, env });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function samsa(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env = { ...process.env };
  delete env.LOG_LEVEL;
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 20_000, env });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Usage errors: exit 2, one "samsa: error:" line naming the problem, no stack trace. */
function assertUsageError(args: string[], pattern: RegExp): void {
  const r = samsa(...args);
  assert.equal(r.status, 2, `samsa ${args.join(' ')} exited ${r.status}; stderr: ${r.stderr}`);
  assert.match(r.stderr, /^samsa: error: /);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace expected');
  assert.equal(r.stdout, '');
}

test('--version prints the package version', async () => {
  const { version } = JSON.parse(await readFile(PKG, 'utf8')) as { version: string };
  const r = samsa('--version');
  assert.equal(r.status, 0);
  assert.equal(r.stdout.trim(), version);
});

test('--help lists the start command; start --help documents its options', () => {
  const top = samsa('--help');
  assert.equal(top.status, 0);
  assert.match(top.stdout, /Usage: samsa/);
  assert.match(top.stdout, /start \[options\]/);
  const start = samsa('start', '--help');
  assert.equal(start.status, 0);
  for (const opt of [
    '--config',
    '--port',
    '--host',
    '--data-dir',
    '--node-id',
    '--override',
    '--log-level',
    '--log-format',
  ]) {
    assert.ok(start.stdout.includes(opt), `start --help should mention ${opt}`);
  }
});

test('no command, unknown command, unknown option, extra argument: exit 2', () => {
  assert.equal(samsa().status, 2);
  assertUsageError(['bogus'], /unknown command 'bogus'/);
  assertUsageError(['start', '--bogus'], /unknown option '--bogus'/);
  assertUsageError(['start', 'extra'], /too many arguments/);
});

test('bad flag values: exit 2 naming the option and what is expected', () => {
  assertUsageError(
    ['start', '--port', '-5'],
    /--port <port>' argument '-5' is invalid\. expected an integer from 0 to 65535/,
  );
  assertUsageError(['start', '--port', '70000'], /argument '70000' is invalid/);
  assertUsageError(['start', '--port', 'abc'], /argument 'abc' is invalid/);
  assertUsageError(['start', '--node-id', '1.5'], /--node-id <id>' argument '1\.5' is invalid/);
  assertUsageError(['start', '--log-level', 'loud'], /argument 'loud' is invalid\. Allowed choices are trace, debug/);
  assertUsageError(['start', '--log-format', 'xml'], /argument 'xml' is invalid/);
  assertUsageError(['start', '--port'], /option '-p, --port <port>' argument missing/);
  const badEnv = samsaEnv({ ...process.env, LOG_LEVEL: 'chatty' }, 'start');
  assert.equal(badEnv.status, 2);
  assert.match(badEnv.stderr, /^samsa: error: invalid LOG_LEVEL 'chatty' in the environment: expected one of trace/);
});

test('override syntax and config errors: exit 2 and say where the bad setting came from', async () => {
  assertUsageError(['start', '--override', 'nokey'], /invalid override 'nokey': expected key=value/);
  assertUsageError(
    ['start', '--override', 'num.partitions=abc'],
    /invalid value 'abc' for num\.partitions: expected a 32-bit integer >= 1 \(set by --override num\.partitions=abc\)/,
  );
  assertUsageError(
    ['start', '-o', 'listeners=PLAINTEXT://h:99999'],
    /invalid value 'PLAINTEXT:\/\/h:99999' for listeners: expected NAME:\/\/host:port/,
  );
  assertUsageError(
    ['start', '--config', '/nonexistent/samsa/server.properties'],
    /cannot read config file \/nonexistent\/samsa\/server\.properties: no such file/,
  );

  const dir = await mkdtemp(join(tmpdir(), 'samsa-cli-'));
  try {
    const file = join(dir, 'server.properties');
    await writeFile(file, '# test\nnum.partitions=2\nlog.retention.hourz=5\n');
    assertUsageError(
      ['start', '--config', file],
      new RegExp(
        `unknown configuration key 'log\\.retention\\.hourz' \\(did you mean 'log\\.retention\\.hours'\\?\\) \\(set in ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)`,
      ),
    );
    await writeFile(file, 'node.id=2\nbroker.id=3\nlisteners=SSL://:9093\n');
    const r = samsa('start', '--config', file);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /2 configuration problems:/);
    assert.match(r.stderr, /broker\.id \(3\) and node\.id \(2\)/);
    assert.match(r.stderr, /listener SSL uses SSL but has no certificate: set ssl.keystore.location/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('precedence: file < --override (later wins) < dedicated flags', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'samsa-cli-'));
  try {
    const file = join(dir, 'server.properties');
    await writeFile(
      file,
      'num.partitions=2\nnode.id=4\nlog.dirs=/from/file\nlisteners=PLAINTEXT://:9092,CONTROLLER://:9093\ncontroller.listener.names=CONTROLLER\n',
    );
    const { props, origins } = collectProperties({
      config: file,
      override: ['num.partitions=3', 'num.partitions=5', 'node.id=6'],
      nodeId: 7,
      dataDir: '/from/flag',
      port: 19092,
    });
    assert.equal(props['num.partitions'], '5');
    assert.equal(props['node.id'], '7');
    assert.equal(props['log.dirs'], '/from/flag');
    assert.equal(props['listeners'], 'PLAINTEXT://:19092,CONTROLLER://:9093');
    assert.equal(origins.get('num.partitions'), 'by --override num.partitions=5');
    assert.equal(origins.get('log.dirs'), 'by --data-dir');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('--host/--port rewrite the first client listener and the matching advertised entry', () => {
  const props: Record<string, string> = {
    listeners: 'CONTROLLER://:9093,CLIENT://:9092',
    'controller.listener.names': 'CONTROLLER',
    'advertised.listeners': 'CLIENT://broker.example:9092',
    'broker.id': '1',
  };
  applyStartFlags(props, { host: '::1', port: 0, nodeId: 9 });
  assert.equal(props['listeners'], 'CONTROLLER://:9093,CLIENT://[::1]:0');
  assert.equal(props['advertised.listeners'], 'CLIENT://broker.example:0');
  assert.equal(props['broker.id'], '9');
  assert.equal(props['node.id'], '9');

  const defaults: Record<string, string> = {};
  applyStartFlags(defaults, { host: '0.0.0.0' });
  assert.equal(defaults['listeners'], 'PLAINTEXT://0.0.0.0:9092');
});

// End to end: only meaningful once the broker builds; skipped (not passed) until then.
const brokerAvailable = await import('../../src/broker/broker.js').then(
  () => true,
  () => false,
);

test('start logs one startup line, serves the port, and exits 0 on SIGTERM', {
  skip: !brokerAvailable && 'broker does not build yet',
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'samsa-cli-'));
  try {
    const child = spawn(
      process.execPath,
      [
        BIN,
        'start',
        '--port',
        '0',
        '--data-dir',
        join(dir, 'data'),
        '--log-format',
        'json',
        // The services samsa start turns on, on free ports.
        '--override',
        'metrics.listeners=http://127.0.0.1:0',
        '--override',
        'console.listeners=http://127.0.0.1:0',
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    const started = new Promise<Record<string, unknown>>((resolve, reject) => {
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        stderr += chunk;
        for (const line of stderr.split('\n')) {
          if (line.includes('Samsa broker started')) resolve(JSON.parse(line) as Record<string, unknown>);
        }
      });
      child.on('exit', (code) => reject(new Error(`exited early with ${code}: ${stderr}`)));
    });
    const rec = await started;
    assert.equal(rec.dataDir, join(dir, 'data'));
    assert.equal(typeof rec.startupMs, 'number');
    const m = /^PLAINTEXT:\/\/(.+):(\d+)$/.exec(String(rec.listener));
    assert.ok(m, `listener field: ${String(rec.listener)}`);
    const port = Number(m[2]);
    assert.ok(port > 0);
    await new Promise<void>((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => {
        s.end();
        resolve();
      });
      s.on('error', reject);
    });
    // The web console's front end is found from the CLI bundle too (its code lives in dist/chunks).
    let consoleUrl: string | undefined;
    for (let i = 0; i < 100 && consoleUrl === undefined; i++) {
      consoleUrl = /console listening on (http:\/\/[^"\s]+)/.exec(stderr)?.[1];
      if (consoleUrl === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(consoleUrl, `no console listening line in: ${stderr}`);
    const page = await fetch(`${consoleUrl}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/i);
    assert.doesNotMatch(stderr, /console is not built/);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
