/**
 * `samsa users create|list|delete` against a broker with a SASL_PLAINTEXT listener: the users it creates log in
 * with kcat (SCRAM-SHA-256) and kafka-python (SCRAM-SHA-512), are listed with their mechanisms and iterations,
 * and cannot log in once deleted. Wrong usage exits 2 with one line. `--command-config` with PLAIN (JAAS) and SCRAM
 * (sasl.username) properties reaches the SASL listener; a wrong password exits 1 with SASL_AUTHENTICATION_FAILED.
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
    const topic = uniqueTopic('cli-users-kp');
    const security = {
      security_protocol: 'SASL_PLAINTEXT',
      sasl_mechanism: 'SCRAM-SHA-512',
      sasl_plain_username: 'grace',
      sasl_plain_password: 'grace-secret',
    };
    const { summary } = await runPython(
      'kp_secure_group.py',
      [broker.bootstrap, topic, `${topic}-g`, '10', JSON.stringify(security)],
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

test('--command-config with SASL properties: samsa talks to the SASL listener (PLAIN JAAS, SCRAM via sasl.username)', async () => {
  const run2 = (args: string[]) => {
    const env = { ...process.env };
    delete env.LOG_LEVEL;
    return run(process.execPath, [BIN, ...args, '--bootstrap-server', broker.bootstrap], {
      allowFailure: true,
      timeoutMs: 60_000,
      env,
    });
  };
  const plain = join(broker.dataDir, 'plain.properties');
  writeFileSync(
    plain,
    'security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\n' +
      'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret";\n',
  );
  const created = await run2(['topics', 'create', 'via-sasl', '--partitions', '2', '--command-config', plain]);
  assert.equal(created.code, 0, created.stderr);
  await ok(['users', 'create', 'olga', '--mechanism', 'SCRAM-SHA-256', '--password', 'olga-secret']);
  const scram = join(broker.dataDir, 'scram.properties');
  writeFileSync(
    scram,
    'security.protocol=SASL_PLAINTEXT\nsasl.mechanisms=SCRAM-SHA-256\nsasl.username=olga\nsasl.password=olga-secret\n',
  );
  const listed = await run2(['topics', 'list', '--command-config', scram]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /via-sasl/);
  writeFileSync(
    scram,
    'security.protocol=SASL_PLAINTEXT\nsasl.mechanisms=SCRAM-SHA-256\nsasl.username=olga\nsasl.password=bad\n',
  );
  const refused = await run2(['topics', 'list', '--command-config', scram]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^samsa: error: SASL_AUTHENTICATION_FAILED/);
  // Without SASL settings the SASL listener closes the connection on the first request after ApiVersions.
  const none = await run2(['topics', 'list']);
  assert.notEqual(none.code, 0);
});
