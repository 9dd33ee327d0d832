/**
 * `samsa users create|list|delete` against a broker with a SASL_PLAINTEXT listener: the users it creates log in
 * with kcat (SCRAM-SHA-256) and kafka-python (SCRAM-SHA-512), are listed with their mechanisms and iterations,
 * and cannot log in once deleted. Wrong usage exits 2 with one line.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { kcat, requireClient, run, runPython, uniqueTopic, type RunResult } from '../helpers/clients.js';
import { listenerAddress, saslBrokerConfig } from '../helpers/sasl.js';

const BIN = fileURLToPath(new URL('../../../bin/samsa.js', import.meta.url));

let broker: TestBroker;

before(async () => {
  broker = await startTestBroker({ config: saslBrokerConfig() });
});

after(async () => {
  await broker?.stop();
});

function samsa(args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  const all = { ...process.env, ...env };
  delete all.LOG_LEVEL;
  return run(process.execPath, [BIN, ...args, '--bootstrap-server', listenerAddress(broker, 'PLAINTEXT')], {
    allowFailure: true,
    timeoutMs: 60_000,
    env: all,
  });
}

async function ok(args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  const r = await samsa(args, env);
  assert.equal(r.code, 0, `samsa ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

const scram = (mechanism: string, user: string, password: string) => [
  '-X',
  'security.protocol=SASL_PLAINTEXT',
  '-X',
  `sasl.mechanism=${mechanism}`,
  '-X',
  `sasl.username=${user}`,
  '-X',
  `sasl.password=${password}`,
];

test('users create, list and delete; the users log in with kcat and kafka-python until deleted', async (t) => {
  const created = await ok(['users', 'create', 'frank', '--password', 'frank-secret']);
  assert.match(created.stdout, /Created SCRAM credentials for user frank \(SCRAM-SHA-256, SCRAM-SHA-512\)/);
  const file = join(broker.dataDir, 'grace.txt');
  writeFileSync(file, 'grace-secret\n');
  await ok([
    'users',
    'create',
    'grace',
    '--mechanism',
    'SCRAM-SHA-512',
    '--password-file',
    file,
    '--iterations',
    '8192',
  ]);
  await ok(['users', 'create', 'heidi'], { SAMSA_USER_PASSWORD: 'heidi-secret' });

  const listed = await ok(['users', 'list', '--json']);
  assert.deepEqual(JSON.parse(listed.stdout), [
    {
      user: 'frank',
      credentials: [
        { mechanism: 'SCRAM-SHA-256', iterations: 4096 },
        { mechanism: 'SCRAM-SHA-512', iterations: 4096 },
      ],
    },
    { user: 'grace', credentials: [{ mechanism: 'SCRAM-SHA-512', iterations: 8192 }] },
    {
      user: 'heidi',
      credentials: [
        { mechanism: 'SCRAM-SHA-256', iterations: 4096 },
        { mechanism: 'SCRAM-SHA-512', iterations: 4096 },
      ],
    },
  ]);
  const text = await ok(['users', 'list', 'grace']);
  assert.match(text.stdout, /USER\s+MECHANISMS\ngrace\s+SCRAM-SHA-512 \(iterations 8192\)/);

  const haveKcat = requireClient(t, 'kcat');
  if (haveKcat) {
    const topic = uniqueTopic('cli-users');
    await kcat(broker.bootstrap, ['-P', '-t', topic, ...scram('SCRAM-SHA-256', 'frank', 'frank-secret')], {
      input: 'hello\n',
    });
    const wrongMech = await kcat(
      broker.bootstrap,
      ['-L', '-m', '5', ...scram('SCRAM-SHA-256', 'grace', 'grace-secret')],
      {
        allowFailure: true,
        timeoutMs: 30_000,
      },
    );
    assert.notEqual(wrongMech.code, 0, 'grace has no SCRAM-SHA-256 credential');
  }
  if (requireClient(t, 'kafka-python')) {
    const { summary } = await runPython(
      'sasl_kp.py',
      [broker.bootstrap, uniqueTopic('cli-users-kp'), 'SASL_PLAINTEXT', 'SCRAM-SHA-512', 'grace', 'grace-secret', '10'],
      { timeoutMs: 120_000 },
    );
    assert.equal(summary.distinct, 10);
  }

  const deleted = await ok(['users', 'delete', 'frank']);
  assert.match(deleted.stdout, /Deleted SCRAM credentials of user frank \(SCRAM-SHA-256, SCRAM-SHA-512\)/);
  await ok(['users', 'delete', 'heidi', '--mechanism', 'SCRAM-SHA-512']);
  assert.deepEqual(
    JSON.parse((await ok(['users', 'list', '--json'])).stdout).map((u: { user: string }) => u.user),
    ['grace', 'heidi'],
  );
  if (haveKcat) {
    const gone = await kcat(broker.bootstrap, ['-L', '-m', '5', ...scram('SCRAM-SHA-256', 'frank', 'frank-secret')], {
      allowFailure: true,
      timeoutMs: 30_000,
    });
    assert.notEqual(gone.code, 0, 'a deleted user cannot log in');
    assert.match(gone.stderr, /Authentication failed|SASL authentication error/);
  }

  const missing = await samsa(['users', 'delete', 'nobody']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^samsa: error: RESOURCE_NOT_FOUND/);
});

test('users: wrong usage exits 2 with one line', async () => {
  for (const [args, pattern] of [
    [['users', 'create', 'x'], /a password is needed/],
    [
      ['users', 'create', 'x', '--password', 'p', '--mechanism', 'PLAIN'],
      /--mechanism: expected SCRAM-SHA-256 or SCRAM-SHA-512/,
    ],
    [['users', 'create', 'x', '--password', 'p', '--iterations', '10'], /expected an integer from 4096 to 16384/],
  ] as Array<[string[], RegExp]>) {
    const r = await samsa(args, { SAMSA_USER_PASSWORD: '' });
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
  }
});
