/** The runnable examples in examples/ do what docs/client.md says, against a real broker. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startTestBroker } from '../helpers/broker.js';
import { projectRoot } from '../helpers/spec.js';

interface Run {
  code: number | null;
  out: string;
}

/** Runs dist/examples/<name>.js; `stopWhen` sends SIGINT once the output matches (for examples that run until stopped). */
function runExample(name: string, args: string[], stopWhen?: RegExp, limitMs = 30_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(projectRoot, 'dist', 'examples', `${name}.js`), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let stopped = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not finish in ${limitMs} ms:\n${out}`));
    }, limitMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (stopWhen && !stopped && stopWhen.test(out)) {
        stopped = true; // once: the example stops cleanly on its first SIGINT
        child.kill('SIGINT');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

test('examples: create a topic, produce JSON with a key, read it back by assignment and in a group', {
  timeout: 120_000,
}, async () => {
  const tb = await startTestBroker();
  try {
    const bootstrap = tb.bootstrap;
    const created = await runExample('create-topic', [bootstrap, 'orders']);
    assert.equal(created.code, 0, created.out);
    assert.ok(tb.broker.topics.get('orders'), 'the topic exists');

    const produced = await runExample('produce-json', [bootstrap, 'orders']);
    assert.equal(produced.code, 0, produced.out);
    const stored = /stored at orders-(\d+)@0/.exec(produced.out);
    assert.ok(stored, produced.out);
    assert.match(produced.out, /1000 orders sent/);
    const total = tb.broker.topics.partitionsOf('orders')!.reduce((n, log) => n + log.logEndOffset, 0);
    assert.equal(total, 1000, 'all 1000 orders are stored');
    const partition = Number(stored[1]);
    const read = await runExample('consume-assign', [bootstrap, 'orders', String(partition), 'earliest']);
    assert.equal(read.code, 0, read.out);
    assert.match(read.out, /customer-42 \{"id":1,"customer":"customer-42","amount":19\.9\}/);

    const group = await runExample('consume-group', [bootstrap, 'orders', 'example-group'], /customer-42/);
    assert.match(group.out, /assigned/);
    assert.match(group.out, /customer-42: \{"id":1/);
    assert.equal(group.code, 0, group.out);
  } finally {
    await tb.stop();
  }
});
