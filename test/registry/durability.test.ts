/**
 * The registry's state lives in the `_schemas` topic: after kill -9 of the broker process, a restarted process
 * serves the same subjects, versions, ids and settings, and hands out new ids after the old ones.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freePort, startBrokerProcess } from '../helpers/broker.js';
import { call } from './helpers.js';

async function waitForRegistry(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(`${url}/`)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`registry at ${url} did not answer in time`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('ids, subjects and settings survive kill -9 of the broker process', async () => {
  const httpPort = await freePort();
  const url = `http://127.0.0.1:${httpPort}`;
  const config = { 'schema.registry.enabled': 'true', 'schema.registry.listeners': url };
  const first = await startBrokerProcess({ config });
  let second: Awaited<ReturnType<typeof startBrokerProcess>> | undefined;
  try {
    await waitForRegistry(url);
    const a = JSON.stringify({ type: 'record', name: 'A', fields: [{ name: 'x', type: 'int' }] });
    const b = JSON.stringify({ type: 'record', name: 'B', fields: [{ name: 'y', type: 'string' }] });
    const idA = (await call(url, 'POST', '/subjects/dur-a/versions', { schema: a })).body.id;
    const idB = (await call(url, 'POST', '/subjects/dur-b/versions', { schema: b })).body.id;
    assert.equal((await call(url, 'POST', '/subjects/dur-a2/versions', { schema: a })).body.id, idA);
    await call(url, 'PUT', '/config/dur-b', { compatibility: 'NONE' });
    await call(url, 'DELETE', '/subjects/dur-a2');

    first.kill('SIGKILL');
    await first.exited;
    second = await startBrokerProcess({ config, dataDir: first.dataDir, port: first.port });
    await waitForRegistry(url);

    assert.deepEqual((await call(url, 'GET', '/subjects')).body, ['dur-a', 'dur-b']);
    assert.deepEqual((await call(url, 'GET', '/subjects?deleted=true')).body, ['dur-a', 'dur-a2', 'dur-b']);
    assert.deepEqual((await call(url, 'GET', '/subjects/dur-a/versions/1')).body, {
      subject: 'dur-a',
      version: 1,
      id: idA,
      schema: a,
    });
    assert.deepEqual((await call(url, 'GET', `/schemas/ids/${idB}`)).body, { schema: b });
    assert.deepEqual((await call(url, 'GET', '/config/dur-b')).body, { compatibilityLevel: 'NONE' });
    // The same schema under a new subject keeps its id; a new schema gets a new one.
    assert.equal((await call(url, 'POST', '/subjects/dur-c/versions', { schema: b })).body.id, idB);
    const c = JSON.stringify({ type: 'record', name: 'C', fields: [] });
    const idC = (await call(url, 'POST', '/subjects/dur-c2/versions', { schema: c })).body.id;
    assert.ok(idC > Math.max(idA, idB));
  } finally {
    await second?.cleanup();
    await first.cleanup();
  }
});
