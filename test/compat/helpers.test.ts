/** The compat suite's own helpers: client detection, running commands with a limit, the python summary contract. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { freePort } from '../helpers/broker.js';
import { clientsRequired, detectClient, PY_DIR, PYTHON, run, runPython } from '../helpers/clients.js';

describe('compat helpers', () => {
  test('run() resolves with output on success', async () => {
    const r = await run(process.execPath, ['-e', 'process.stdin.pipe(process.stdout); console.error("e")'], {
      input: 'hello',
    });
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'hello');
    assert.equal(r.stderr, 'e\n');
  });

  test('run() rejects on non-zero exit, showing stdout and stderr', async () => {
    await assert.rejects(
      run(process.execPath, ['-e', 'console.log("out-text"); console.error("err-text"); process.exit(3)']),
      (e: Error) => /exit 3/.test(e.message) && /out-text/.test(e.message) && /err-text/.test(e.message),
    );
    const r = await run(process.execPath, ['-e', 'process.exit(4)'], { allowFailure: true });
    assert.equal(r.code, 4);
  });

  test('run() kills a child that outlives its timeout', async () => {
    await assert.rejects(
      run(process.execPath, ['-e', 'console.log("started"); setTimeout(() => {}, 60000)'], { timeoutMs: 300 }),
      (e: Error) => /timed out after 300 ms/.test(e.message) && /started/.test(e.message),
    );
  });

  test('run() reports a command that does not exist', async () => {
    await assert.rejects(run('/nonexistent/samsa-no-such-tool', []), /could not run/);
  });

  test('freePort() returns a usable port', async () => {
    const p = await freePort();
    assert.ok(Number.isInteger(p) && p > 0 && p < 65536);
  });

  test('client detection reports each client, and all of them when CI requires them', () => {
    const names = ['kcat', 'kafka-python', 'confluent-kafka', 'kafkajs'] as const;
    for (const n of names) {
      const info = detectClient(n);
      assert.equal(typeof info.available, 'boolean');
      assert.ok(info.detail.length > 0, `${n}: detail`);
      if (!info.available) process.stderr.write(`NOTICE: ${n} not available: ${info.detail}\n`);
    }
    // kafkajs is a devDependency, so after npm ci it is always there.
    assert.equal(detectClient('kafkajs').available, true);
    if (clientsRequired()) for (const n of names) assert.equal(detectClient(n).available, true, `${n} required`);
  });

  test('python scripts print a JSON summary last and exit 1 on a failed check', async (t) => {
    if (!existsSync(PYTHON)) {
      t.skip(`NOTICE: ${PYTHON} not found`);
      return;
    }
    assert.ok(existsSync(join(PY_DIR, '_common.py')), `python scripts at ${PY_DIR}`);
    // Every script at least compiles with the interpreter CI uses.
    const r = await run(PYTHON, [
      '-c',
      'import ast,sys,glob\nfor f in glob.glob(sys.argv[1] + "/*.py"): ast.parse(open(f).read(), f)',
      PY_DIR,
    ]);
    assert.equal(r.code, 0);
    // A script given no broker fails a check (or raises) and says so in its summary, with exit status 1.
    await assert.rejects(
      runPython('kp_dump.py', [], { timeoutMs: 30_000 }),
      (e: Error) => /exit 1/.test(e.message) && /"ok": false/.test(e.message),
    );
  });
});
