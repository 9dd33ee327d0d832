/**
 * Several listeners on one broker, and the request context: each listener is served, Metadata, DescribeCluster
 * and FindCoordinator answer with the endpoint of the listener the request came in on (checked with our raw
 * client, kcat and kafka-python), an SSL listener without a certificate stops the start with a clear error, a SASL
 * listener serves nothing but ApiVersions and SASL before authentication, per-listener overrides, and the
 * authorizer sees the listener and principal of each request.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker } from '../../src/broker/broker.js';
import { listenerValue, parseBrokerConfig } from '../../src/broker/config/index.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { ApiVersions } from '../../src/protocol/messages/api-versions.js';
import { DescribeCluster } from '../../src/protocol/messages/describe-cluster.js';
import { FindCoordinator } from '../../src/protocol/messages/find-coordinator.js';
import { Metadata } from '../../src/protocol/messages/metadata.js';
import { AclOperation, principalString, ResourceType, type Authorizer } from '../../src/security/authorizer.js';
import { silentLogger } from '../../src/storage/logger.js';
import { freePort } from '../helpers/broker.js';
import { kcat, PYTHON, requireClient, run } from '../helpers/clients.js';
import { RawClient } from '../helpers/raw-client.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

async function twoListeners(authorizer?: Authorizer) {
  const dataDir = await mkdtemp(join(tmpdir(), 'samsa-listeners-'));
  const [outside, inside] = [await freePort(), await freePort()];
  const broker = await startBroker({
    dataDir,
    logger: silentLogger,
    authorizer,
    config: {
      'node.id': '1',
      listeners: `PLAINTEXT://127.0.0.1:${outside},INTERNAL://127.0.0.1:${inside}`,
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT',
      // Distinct advertised hosts, so that each answer shows which listener it describes.
      'advertised.listeners': `PLAINTEXT://127.0.0.1:${outside},INTERNAL://localhost:${inside}`,
    },
  });
  return {
    broker,
    outside,
    inside,
    stop: async () => {
      await broker.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

test('Metadata, DescribeCluster and FindCoordinator answer with the endpoint of the listener asked', async () => {
  const b = await twoListeners();
  try {
    assert.equal(b.broker.port, b.outside, 'Broker.port is the first listener');
    assert.deepEqual(
      b.broker.listeners.map((l) => [l.name, l.port]),
      [
        ['PLAINTEXT', b.outside],
        ['INTERNAL', b.inside],
      ],
    );
    for (const [port, host] of [
      [b.outside, '127.0.0.1'],
      [b.inside, 'localhost'],
    ] as const) {
      const c = await RawClient.connect(port);
      try {
        const md = await c.send(Metadata, 12, {
          topics: null,
          allowAutoTopicCreation: false,
          includeTopicAuthorizedOperations: false,
        });
        assert.deepEqual(
          md.brokers.map((x) => [x.nodeId, x.host, x.port]),
          [[1, host, port]],
        );
        const dc = await c.send(DescribeCluster, 1, {
          includeClusterAuthorizedOperations: false,
          endpointType: 1,
        });
        assert.deepEqual(
          dc.brokers.map((x) => [x.brokerId, x.host, x.port]),
          [[1, host, port]],
        );
        const fc = await c.send(FindCoordinator, 4, { keyType: 0, coordinatorKeys: ['g1'] });
        assert.equal(fc.coordinators[0]!.errorCode, 0);
        assert.deepEqual([fc.coordinators[0]!.host, fc.coordinators[0]!.port], [host, port]);
      } finally {
        c.close();
      }
    }
  } finally {
    await b.stop();
  }
});

test('kcat sees each listener advertise itself', async (t) => {
  if (!requireClient(t, 'kcat')) return;
  const b = await twoListeners();
  try {
    const outside = await kcat(`127.0.0.1:${b.outside}`, ['-L', '-J']);
    const inside = await kcat(`127.0.0.1:${b.inside}`, ['-L', '-J']);
    const brokers = (out: string) => (JSON.parse(out) as { brokers: Array<{ id: number; name: string }> }).brokers;
    assert.deepEqual(brokers(outside.stdout), [{ id: 1, name: `127.0.0.1:${b.outside}` }]);
    assert.deepEqual(brokers(inside.stdout), [{ id: 1, name: `localhost:${b.inside}` }]);
  } finally {
    await b.stop();
  }
});

test('kafka-python sees each listener advertise itself', async (t) => {
  if (!requireClient(t, 'kafka-python')) return;
  const b = await twoListeners();
  const script = [
    'import json, sys',
    'from kafka import KafkaConsumer',
    'c = KafkaConsumer(bootstrap_servers=sys.argv[1], api_version_auto_timeout_ms=10000)',
    'c.topics()',
    'print(json.dumps([[x.nodeId, x.host, x.port] for x in c._client.cluster.brokers()]))',
    'c.close()',
  ].join('\n');
  try {
    for (const [port, host] of [
      [b.outside, '127.0.0.1'],
      [b.inside, 'localhost'],
    ] as const) {
      const res = await run(PYTHON, ['-c', script, `127.0.0.1:${port}`], { timeoutMs: 60_000 });
      const last = res.stdout.trim().split('\n').pop()!;
      assert.deepEqual(JSON.parse(last), [[1, host, port]], res.stderr);
    }
  } finally {
    await b.stop();
  }
});

test('an SSL listener without a certificate stops the start with a clear error', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'samsa-listeners-'));
  try {
    await assert.rejects(
      startBroker({
        dataDir,
        logger: silentLogger,
        config: {
          listeners: 'PLAINTEXT://127.0.0.1:0,SECURE://127.0.0.1:0',
          'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SECURE:SSL',
        },
      }),
      /listener SECURE uses SSL but has no certificate: set ssl.keystore.location \(or listener.name.secure.ssl.keystore.location\)/,
    );
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('a SASL_PLAINTEXT listener serves ApiVersions but closes the connection on any other request before authentication', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'samsa-listeners-'));
  const broker = await startBroker({
    dataDir,
    logger: silentLogger,
    config: {
      'node.id': '1',
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
    },
  });
  try {
    assert.deepEqual(
      broker.listeners.map((l) => [l.name, l.securityProtocol]),
      [
        ['PLAINTEXT', 'PLAINTEXT'],
        ['SASL_PLAINTEXT', 'SASL_PLAINTEXT'],
      ],
    );
    const c = await RawClient.connect(broker.listeners[1]!.port);
    try {
      const av = await c.send(ApiVersions, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
      assert.equal(av.errorCode, 0);
      await assert.rejects(
        c.send(Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }),
      );
    } finally {
      c.close();
    }
    // The plaintext listener beside it serves everything.
    const p = await RawClient.connect(broker.listeners[0]!.port);
    try {
      const md = await p.send(Metadata, 12, {
        topics: null,
        allowAutoTopicCreation: false,
        includeTopicAuthorizedOperations: false,
      });
      assert.equal(md.brokers.length, 1);
    } finally {
      p.close();
    }
  } finally {
    await broker.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('listener.name.<name>.<key> overrides are checked with the type of <key> and read per listener', () => {
  assert.throws(
    () => parseBrokerConfig({ 'listener.name.ssl.ssl.client.auth': 'sometimes' }),
    /invalid value 'sometimes' for listener.name.ssl.ssl.client.auth: expected one of none, requested, required/,
  );
  const config = parseBrokerConfig({
    listeners: 'PLAINTEXT://127.0.0.1:0,INTERNAL://127.0.0.1:0',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT',
    'ssl.client.auth': 'requested',
    'listener.name.internal.ssl.client.auth': 'required',
    'listener.name.internal.ssl.enabled.protocols': 'TLSv1.3',
  });
  assert.equal(listenerValue(config, 'INTERNAL', 'ssl.client.auth'), 'required');
  assert.equal(listenerValue(config, 'PLAINTEXT', 'ssl.client.auth'), 'requested');
  assert.deepEqual(listenerValue(config, 'INTERNAL', 'ssl.enabled.protocols'), ['TLSv1.3']);
  assert.deepEqual(listenerValue(config, 'PLAINTEXT', 'ssl.enabled.protocols'), ['TLSv1.2', 'TLSv1.3']);
  assert.equal(
    config.warnings.some((w) => w.includes('listener.name.internal.ssl')),
    false,
    'a known per-listener key is not reported as ignored',
  );
});

test('the authorizer is asked with the listener and principal of each request', async () => {
  const seen: string[] = [];
  const authorizer: Authorizer = {
    authorize(requester, operation, resource) {
      seen.push(`${requester.listenerName} ${requester.securityProtocol} ${principalString(requester.principal)}`);
      // Nobody may describe the topic "secret".
      return !(
        resource.type === ResourceType.TOPIC &&
        resource.name === 'secret' &&
        operation === AclOperation.DESCRIBE
      );
    },
  };
  const b = await twoListeners(authorizer);
  try {
    assert.equal(b.broker.topics.create('secret', 1, 1, {}).errorCode, 0);
    assert.equal(b.broker.topics.create('open', 1, 1, {}).errorCode, 0);
    const c = await RawClient.connect(b.inside);
    try {
      const all = await c.send(Metadata, 12, {
        topics: null,
        allowAutoTopicCreation: false,
        includeTopicAuthorizedOperations: false,
      });
      assert.deepEqual(
        all.topics.map((t) => t.name),
        ['open'],
        'unauthorized topics are left out of "all topics"',
      );
      const named = await c.send(Metadata, 12, {
        topics: [{ name: 'secret', topicId: '00000000-0000-0000-0000-000000000000' }],
        allowAutoTopicCreation: false,
        includeTopicAuthorizedOperations: false,
      });
      assert.equal(named.topics[0]!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    } finally {
      c.close();
    }
    assert.ok(seen.length > 0);
    assert.deepEqual([...new Set(seen)], ['INTERNAL PLAINTEXT User:ANONYMOUS']);
  } finally {
    await b.stop();
  }
});
