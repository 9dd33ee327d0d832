import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  ACCEPTED_IGNORED_KEYS,
  BROKER_CONFIG_DEFINITIONS,
  CONFIG_SOURCE,
  ConfigError,
  describeBrokerConfig,
  generateClusterId,
  parseBrokerConfig,
  parseProperties,
} from '../../src/broker/config/index.js';

function problemsOf(props: Record<string, string>): string[] {
  try {
    parseBrokerConfig(props);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    return e.problems.map((p) => p.message);
  }
  assert.fail('expected parseBrokerConfig to throw');
}

test('defaults', () => {
  const c = parseBrokerConfig({});
  assert.equal(c.nodeId, 1);
  assert.deepEqual(c.listeners, [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092, securityProtocol: 'PLAINTEXT' }]);
  assert.deepEqual(c.advertisedListeners, c.clientListeners);
  assert.deepEqual(c.logDirs, ['./data']);
  assert.equal(c.dataDir, path.resolve('./data'));
  assert.equal(c.numPartitions, 1);
  assert.equal(c.defaultReplicationFactor, 1);
  assert.equal(c.autoCreateTopicsEnable, true);
  assert.equal(c.deleteTopicEnable, true);
  assert.equal(c.logRetentionMs, 168 * 3600_000);
  assert.equal(c.logRetentionBytes, -1);
  assert.equal(c.logRetentionCheckIntervalMs, 300_000);
  assert.equal(c.logSegmentBytes, 1 << 30);
  assert.equal(c.logRollMs, 168 * 3600_000);
  assert.equal(c.logIndexIntervalBytes, 4096);
  assert.equal(c.logFlushIntervalMessages, Number.MAX_SAFE_INTEGER);
  assert.equal(c.logFlushIntervalMs, Number.MAX_SAFE_INTEGER);
  assert.equal(c.messageMaxBytes, 1048588);
  assert.equal(c.socketRequestMaxBytes, 104857600);
  assert.equal(c.logMessageTimestampType, 'CreateTime');
  assert.deepEqual(c.logCleanupPolicy, ['delete']);
  assert.equal(c.compressionType, 'producer');
  assert.equal(c.offsetsTopicNumPartitions, 50);
  assert.equal(c.offsetsRetentionMinutes, 10080);
  assert.equal(c.groupInitialRebalanceDelayMs, 3000);
  assert.equal(c.groupMinSessionTimeoutMs, 6000);
  assert.equal(c.groupMaxSessionTimeoutMs, 1800000);
  assert.equal(c.transactionStateLogNumPartitions, 50);
  assert.equal(c.logDirMaxOpenFiles, 1000);
  assert.equal(c.clusterId, undefined);
  assert.equal(c.explicit.size, 0);
  assert.deepEqual(c.warnings, []);
});

test('every definition has a doc line and a default its own parser accepts', () => {
  const names = new Set<string>();
  for (const d of BROKER_CONFIG_DEFINITIONS) {
    assert.ok(!names.has(d.name), `duplicate definition ${d.name}`);
    names.add(d.name);
    assert.ok(d.doc.length > 10 && !d.doc.includes('\n'), `${d.name} needs a one-line doc`);
    assert.ok(!ACCEPTED_IGNORED_KEYS.has(d.name), `${d.name} is both defined and in the ignored list`);
    if (d.default !== null) parseBrokerConfig({ [d.name]: d.default });
  }
  assert.ok(BROKER_CONFIG_DEFINITIONS.find((d) => d.name === 'log.dir.max.open.files')?.samsaOnly);
  assert.equal(BROKER_CONFIG_DEFINITIONS.find((d) => d.name === 'num.io.threads')?.status, 'ignored');
});

test('retention precedence: ms over minutes over hours', () => {
  assert.equal(parseBrokerConfig({ 'log.retention.hours': '2' }).logRetentionMs, 2 * 3600_000);
  assert.equal(
    parseBrokerConfig({ 'log.retention.hours': '2', 'log.retention.minutes': '3' }).logRetentionMs,
    3 * 60_000,
  );
  assert.equal(
    parseBrokerConfig({ 'log.retention.hours': '2', 'log.retention.minutes': '3', 'log.retention.ms': '1234' })
      .logRetentionMs,
    1234,
  );
  assert.equal(parseBrokerConfig({ 'log.retention.ms': '-1', 'log.retention.hours': '5' }).logRetentionMs, -1);
  assert.equal(parseBrokerConfig({ 'log.retention.hours': '-1' }).logRetentionMs, -1);
  assert.match(problemsOf({ 'log.retention.ms': '0' })[0]!, /log\.retention\.ms.*-1 \(unlimited\) or a positive/);
});

test('roll and flush precedence', () => {
  assert.equal(parseBrokerConfig({ 'log.roll.hours': '1' }).logRollMs, 3600_000);
  assert.equal(parseBrokerConfig({ 'log.roll.hours': '1', 'log.roll.ms': '500' }).logRollMs, 500);
  assert.equal(parseBrokerConfig({ 'log.flush.scheduler.interval.ms': '2000' }).logFlushIntervalMs, 2000);
  assert.equal(
    parseBrokerConfig({ 'log.flush.scheduler.interval.ms': '2000', 'log.flush.interval.ms': '10' }).logFlushIntervalMs,
    10,
  );
});

test('node.id and broker.id', () => {
  assert.equal(parseBrokerConfig({ 'broker.id': '5' }).nodeId, 5);
  assert.equal(parseBrokerConfig({ 'broker.id': '5', 'node.id': '5' }).nodeId, 5);
  assert.match(problemsOf({ 'broker.id': '5', 'node.id': '6' })[0]!, /broker\.id \(5\) and node\.id \(6\).*differ/);
  assert.match(problemsOf({ 'node.id': '-1' })[0]!, /invalid value '-1' for node\.id: expected a 32-bit integer >= 0/);
});

test('unknown key: error names the key and suggests the near one', () => {
  const [msg] = problemsOf({ 'log.retension.hours': '1' });
  assert.equal(msg, "unknown configuration key 'log.retension.hours' (did you mean 'log.retention.hours'?)");
  assert.equal(
    problemsOf({ 'totally.unrelated.thing': 'x' })[0],
    "unknown configuration key 'totally.unrelated.thing'",
  );
});

test('Kafka keys we do not implement are accepted with a warning', () => {
  const c = parseBrokerConfig({
    'zookeeper.connect': 'localhost:2181',
    'listener.name.plaintext.sasl.kerberos.service.name': 'kafka',
  });
  assert.equal(c.warnings.length, 2);
  assert.match(c.warnings[0]!, /zookeeper\.connect .*ignoring/);
  assert.equal(c.raw['zookeeper.connect'], 'localhost:2181');
});

test('bad values name key, value and expectation; all problems are reported at once', () => {
  const problems = problemsOf({
    'num.partitions': 'abc',
    'auto.create.topics.enable': 'yes',
    'log.segment.bytes': '4294967296',
    'log.message.timestamp.type': 'WallClock',
    'log.cleanup.policy': 'delete,shrink',
    'log.cleaner.min.cleanable.ratio': '1.5',
    'num.io.threads': '0',
  });
  assert.deepEqual(problems, [
    "invalid value 'abc' for num.partitions: expected a 32-bit integer >= 1",
    "invalid value 'yes' for auto.create.topics.enable: expected true or false",
    "invalid value '4294967296' for log.segment.bytes: expected a 32-bit integer >= 14",
    "invalid value 'WallClock' for log.message.timestamp.type: expected one of CreateTime, LogAppendTime",
    "invalid value 'delete,shrink' for log.cleanup.policy: expected a comma-separated list of delete, compact",
    "invalid value '1.5' for log.cleaner.min.cleanable.ratio: expected a number from 0 to 1",
    "invalid value '0' for num.io.threads: expected a 32-bit integer >= 1",
  ]);
});

test('number syntax is strict: no decimals, exponents or hex for integers', () => {
  for (const bad of ['1.0', '1e3', '0x10', '', ' ', '12abc']) {
    assert.equal(problemsOf({ 'num.partitions': bad }).length, 1, `'${bad}' should be rejected`);
  }
  assert.equal(parseBrokerConfig({ 'num.partitions': ' +3 ' }).numPartitions, 3);
  assert.equal(
    parseBrokerConfig({ 'log.retention.bytes': '9223372036854775807' }).logRetentionBytes,
    Number.MAX_SAFE_INTEGER,
  );
  assert.equal(problemsOf({ 'log.retention.bytes': '9223372036854775808' }).length, 1);
  assert.equal(parseBrokerConfig({ 'auto.create.topics.enable': ' FALSE' }).autoCreateTopicsEnable, false);
  assert.equal(parseBrokerConfig({ 'compression.type': 'ZSTD' }).compressionType, 'zstd');
});

test('listeners: syntax, IPv6, wildcard host, names, ports and protocols', () => {
  const c = parseBrokerConfig({
    listeners: 'PLAINTEXT://:9092, internal://[::1]:9093',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT',
  });
  assert.deepEqual(
    c.listeners.map((l) => [l.name, l.host, l.port]),
    [
      ['PLAINTEXT', '', 9092],
      ['INTERNAL', '::1', 9093],
    ],
  );
  assert.equal(parseBrokerConfig({ listeners: 'PLAINTEXT://localhost:0' }).listeners[0]!.port, 0);

  for (const bad of [
    'localhost:9092',
    'PLAINTEXT://host',
    'PLAINTEXT://host:-1',
    'PLAINTEXT://host:65536',
    'PLAINTEXT//host:1',
    '9X://h:1',
  ]) {
    const [msg] = problemsOf({ listeners: bad });
    assert.equal(
      msg,
      `invalid value '${bad}' for listeners: expected NAME://host:port with a port from 0 to 65535 (e.g. PLAINTEXT://127.0.0.1:9092, PLAINTEXT://:9092, PLAINTEXT://[::1]:9092)`,
    );
  }
  assert.match(problemsOf({ listeners: 'PLAINTEXT://:1,PLAINTEXT://:2' })[0]!, /unique, but PLAINTEXT appears twice/);
  assert.match(problemsOf({ listeners: 'PLAINTEXT://:1,bad' })[0]!, /'bad' is not/);
  assert.match(
    problemsOf({ listeners: 'CLIENT://:1' })[0]!,
    /listener name CLIENT has no security protocol; add CLIENT:PLAINTEXT to listener\.security\.protocol\.map/,
  );
  assert.match(
    problemsOf({ listeners: 'SSL://:9093' })[0]!,
    /listener SSL uses SSL but has no certificate: set ssl.keystore.location/,
  );
  assert.match(
    problemsOf({ listeners: 'A://:9092,B://:9092', 'listener.security.protocol.map': 'A:PLAINTEXT,B:PLAINTEXT' })[0]!,
    /both use port 9092/,
  );
  assert.match(problemsOf({ 'listener.security.protocol.map': 'PLAINTEXT:TLS' })[0]!, /'TLS' is not one/);
  assert.match(problemsOf({ listeners: '' })[0]!, /at least one endpoint/);
});

test('advertised listeners must name a listener and not the wildcard address', () => {
  const c = parseBrokerConfig({
    listeners: 'PLAINTEXT://0.0.0.0:9092',
    'advertised.listeners': 'PLAINTEXT://broker.example:19092',
  });
  assert.deepEqual(c.advertisedListeners, [
    { name: 'PLAINTEXT', host: 'broker.example', port: 19092, securityProtocol: 'PLAINTEXT' },
  ]);
  assert.match(
    problemsOf({
      'advertised.listeners': 'OTHER://h:1',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,OTHER:PLAINTEXT',
    })[0]!,
    /names OTHER, which is not in listeners/,
  );
  assert.match(problemsOf({ 'advertised.listeners': 'PLAINTEXT://0.0.0.0:9092' })[0]!, /wildcard address 0\.0\.0\.0/);
  // An empty advertised.listeners means "same as listeners".
  assert.equal(parseBrokerConfig({ 'advertised.listeners': '' }).advertisedListeners[0]!.port, 9092);
});

test('a stock KRaft combined-mode server.properties is accepted; the controller listener is skipped', () => {
  const text = [
    'process.roles=broker,controller',
    'node.id=1',
    'controller.quorum.voters=1@localhost:9093',
    'listeners=PLAINTEXT://:9092,CONTROLLER://:9093',
    'inter.broker.listener.name=PLAINTEXT',
    'advertised.listeners=PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093',
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL',
    'num.network.threads=3',
    'num.io.threads=8',
    'socket.send.buffer.bytes=102400',
    'socket.receive.buffer.bytes=102400',
    'socket.request.max.bytes=104857600',
    'log.dirs=/tmp/kraft-combined-logs',
    'num.partitions=1',
    'num.recovery.threads.per.data.dir=1',
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'log.retention.hours=168',
    'log.segment.bytes=1073741824',
    'log.retention.check.interval.ms=300000',
  ].join('\n');
  const c = parseBrokerConfig(parseProperties(text));
  assert.deepEqual(
    c.clientListeners.map((l) => l.name),
    ['PLAINTEXT'],
  );
  assert.deepEqual(
    c.advertisedListeners.map((l) => `${l.name}://${l.host}:${l.port}`),
    ['PLAINTEXT://localhost:9092'],
  );
  assert.deepEqual(c.processRoles, ['broker', 'controller']);
  assert.deepEqual(c.logDirs, ['/tmp/kraft-combined-logs']);
  assert.equal(c.dataDir, '/tmp/kraft-combined-logs');
  assert.deepEqual(c.warnings, ['controller listeners (CONTROLLER) are not served: Samsa has no separate controller']);
});

test('log.dirs wins over log.dir', () => {
  assert.deepEqual(parseBrokerConfig({ 'log.dir': '/a' }).logDirs, ['/a']);
  assert.deepEqual(parseBrokerConfig({ 'log.dir': '/a', 'log.dirs': '/b,/c' }).logDirs, ['/b', '/c']);
});

test('cluster.id must look like a Kafka cluster id', () => {
  const id = generateClusterId();
  assert.match(id, /^[A-Za-z0-9_-]{22}$/);
  assert.equal(parseBrokerConfig({ 'cluster.id': id }).clusterId, id);
  assert.match(
    problemsOf({ 'cluster.id': 'not-a-uuid' })[0]!,
    /cluster\.id: expected a 22-character base64url cluster id/,
  );
});

test('cross-key check: min session timeout may not exceed max', () => {
  assert.match(
    problemsOf({ 'group.min.session.timeout.ms': '10000', 'group.max.session.timeout.ms': '5000' })[0]!,
    /must not exceed group\.max\.session\.timeout\.ms/,
  );
});

test('describeBrokerConfig reports value, source, type and synonyms', () => {
  const c = parseBrokerConfig({ 'log.retention.minutes': '30', 'num.partitions': '3' });
  const byName = new Map(describeBrokerConfig(c).map((d) => [d.name, d]));
  const parts = byName.get('num.partitions')!;
  assert.equal(parts.value, '3');
  assert.equal(parts.source, CONFIG_SOURCE.STATIC_BROKER_CONFIG);
  assert.equal(parts.isDefault, false);
  assert.equal(parts.configType, 3);
  const ms = byName.get('log.retention.ms')!;
  assert.equal(ms.value, null);
  assert.equal(ms.source, CONFIG_SOURCE.DEFAULT_CONFIG);
  assert.deepEqual(ms.synonyms, [
    { name: 'log.retention.minutes', value: '30', source: CONFIG_SOURCE.STATIC_BROKER_CONFIG },
    { name: 'log.retention.hours', value: '168', source: CONFIG_SOURCE.DEFAULT_CONFIG },
  ]);
  assert.equal(byName.get('log.flush.interval.messages')!.value, '9223372036854775807');
});
