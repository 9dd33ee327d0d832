/**
 * Quotas and connection limits on a running broker: quotas set with `samsa quotas` survive a restart and are
 * described the same afterwards; a client id over request_percentage gets throttle_time_ms and its connection is
 * muted for that time while another connection is served; max.connections.per.ip closes the extra connection while
 * the open ones keep working, and a slot freed by a closing connection is usable again.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { AlterClientQuotas } from '../../src/protocol/messages/alter-client-quotas.js';
import { ApiVersions } from '../../src/protocol/messages/api-versions.js';
import { Metadata } from '../../src/protocol/messages/metadata.js';
import { startTestBroker, withBroker } from '../helpers/broker.js';
import { run } from '../helpers/clients.js';
import { RawClient } from '../helpers/raw-client.js';

const BIN = fileURLToPath(new URL('../../../bin/samsa.js', import.meta.url));

async function samsa(bootstrap: string, args: string[]) {
  const r = await run(process.execPath, [BIN, ...args, '--bootstrap-server', bootstrap], { allowFailure: true });
  return r;
}

describe('client quotas on a broker', () => {
  test('quotas set with samsa quotas survive a restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'samsa-quotas-'));
    try {
      let b = await startTestBroker({ dataDir });
      try {
        const set = await samsa(b.bootstrap, [
          'quotas',
          'alter',
          '--entity-type',
          'users',
          '--entity-name',
          'alice',
          '--entity-type',
          'clients',
          '--entity-default',
          '--add-config',
          'producer_byte_rate=1048576,request_percentage=25.5',
        ]);
        assert.equal(set.code, 0, set.stderr);
        assert.match(set.stdout, /Completed updating quotas for user-principal 'alice', the default client-id/);
        const bad = await samsa(b.bootstrap, ['quotas', 'alter', '--client', 'x', '--add-config', 'nonsense=1']);
        assert.equal(bad.code, 1);
        assert.match(bad.stderr, /INVALID_REQUEST.*Invalid configuration key nonsense/);
      } finally {
        await b.stop();
      }
      b = await startTestBroker({ dataDir });
      try {
        const d = await samsa(b.bootstrap, ['quotas', 'describe', '--user', 'alice', '--client-defaults']);
        assert.equal(d.code, 0, d.stderr);
        assert.equal(
          d.stdout,
          "Quota configs for user-principal 'alice', the default client-id are " +
            'producer_byte_rate=1048576.0, request_percentage=25.5\n',
        );
        const json = await samsa(b.bootstrap, ['quotas', 'describe', '--json']);
        assert.deepEqual(JSON.parse(json.stdout), [
          {
            entity: { user: 'alice', 'client-id': null },
            values: { producer_byte_rate: 1048576, request_percentage: 25.5 },
          },
        ]);
        const del = await samsa(b.bootstrap, [
          'quotas',
          'alter',
          '--user',
          'alice',
          '--client-defaults',
          '--delete-config',
          'producer_byte_rate,request_percentage',
        ]);
        assert.equal(del.code, 0, del.stderr);
        assert.equal((await samsa(b.bootstrap, ['quotas', 'describe'])).stdout, 'No quota configs found.\n');
      } finally {
        await b.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test('request_percentage: throttle_time_ms in the response, the connection muted, others served', async () => {
    await withBroker({ config: { 'quota.window.num': '2', 'quota.window.size.seconds': '1' } }, async (b) => {
      // Client id `busy` may use 0.001% of a thread: any request exceeds it.
      const admin = await RawClient.connect(b.port, '127.0.0.1', 'admin');
      const res = await admin.send(AlterClientQuotas, 1, {
        entries: [
          {
            entity: [{ entityType: 'client-id', entityName: 'busy' }],
            ops: [{ key: 'request_percentage', value: 0.001, remove: false }],
          },
        ],
        validateOnly: false,
      });
      assert.equal(res.entries[0]!.errorCode, 0);
      const busy = await RawClient.connect(b.port, '127.0.0.1', 'busy');
      const other = await RawClient.connect(b.port, '127.0.0.1', 'other');
      try {
        const first = await busy.send(Metadata, 12, {
          topics: [],
          allowAutoTopicCreation: false,
          includeTopicAuthorizedOperations: false,
        });
        assert.ok(first.throttleTimeMs > 0, 'the busy client id is throttled');
        assert.ok(first.throttleTimeMs <= 1000, 'request quota throttles are capped at one window');
        // Muted: its next request waits for the throttle time; the other connection is answered meanwhile.
        const t0 = Date.now();
        const second = busy.send(ApiVersions, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });
        const fromOther = await other.send(ApiVersions, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });
        assert.equal(fromOther.throttleTimeMs, 0);
        assert.ok(Date.now() - t0 < first.throttleTimeMs, 'the other client was answered during the mute');
        await second;
        assert.ok(Date.now() - t0 >= first.throttleTimeMs - 20, `muted for ${Date.now() - t0} ms`);
      } finally {
        busy.close();
        other.close();
        admin.close();
      }
    });
  });
});

describe('connection limits', () => {
  const apiVersions = (c: RawClient) =>
    c.send(ApiVersions, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });

  test('max.connections.per.ip closes the extra connection; the open ones keep working', async () => {
    await withBroker({ config: { 'max.connections.per.ip': '2' } }, async (b) => {
      const a = await RawClient.connect(b.port);
      const c = await RawClient.connect(b.port);
      try {
        assert.equal((await apiVersions(a)).errorCode, 0);
        // The third is accepted and closed at once, as Kafka does.
        const closed = await new Promise<boolean>((resolve) => {
          const s = connect({ port: b.port, host: '127.0.0.1' });
          s.on('error', () => {});
          s.on('close', () => resolve(true));
          setTimeout(() => resolve(false), 10_000);
        });
        assert.ok(closed, 'the third connection from 127.0.0.1 is closed');
        assert.equal((await apiVersions(a)).errorCode, 0);
        assert.equal((await apiVersions(c)).errorCode, 0);
        assert.ok(
          b.logLines().some((l) => /refusing connection: 127\.0\.0\.1 already has the configured maximum of 2/.test(l)),
        );
        // A slot freed is usable again.
        c.close();
        for (let i = 0; i < 100 && b.broker.connectionLimits.count('127.0.0.1') > 1; i++) {
          await new Promise((r) => setTimeout(r, 20));
        }
        const d = await RawClient.connect(b.port);
        assert.equal((await apiVersions(d)).errorCode, 0);
        d.close();
      } finally {
        a.close();
        c.close();
      }
    });
  });

  test('max.connections.per.ip.overrides and listener max.connections', async () => {
    await withBroker(
      {
        config: {
          'max.connections.per.ip': '1',
          'max.connections.per.ip.overrides': '127.0.0.1:3',
          'listener.name.plaintext.max.connections': '2',
        },
      },
      async (b) => {
        const a = await RawClient.connect(b.port);
        const c = await RawClient.connect(b.port);
        try {
          assert.equal((await apiVersions(c)).errorCode, 0, 'the override allows a second connection');
          const third = await RawClient.connect(b.port);
          await assert.rejects(apiVersions(third), /connection closed/);
          assert.ok(b.logLines().some((l) => /listener PLAINTEXT already has its maximum of 2 connections/.test(l)));
          assert.equal((await apiVersions(a)).errorCode, 0);
        } finally {
          a.close();
          c.close();
        }
      },
    );
  });
});
