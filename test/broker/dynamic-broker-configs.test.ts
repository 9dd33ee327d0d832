/**
 * Dynamic broker configs on a single node: AlterConfigs through kafka-python (sources in DescribeConfigs, a topic
 * inheriting the new default, message.max.bytes enforced on the next produce, a read-only key refused),
 * IncrementalAlterConfigs on this broker and on the cluster-wide default (the empty name) over a socket, the
 * precedence of the layers, max.connections applied to new connections, and the configs kept across a restart
 * (the data dir's dynamic-broker-configs.json). Cluster mode: test/cluster/cluster-metadata.test.ts.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { ErrorCode } from '../../src/protocol/errors.js';
import { DescribeConfigs } from '../../src/protocol/messages/describe-configs.js';
import { IncrementalAlterConfigs } from '../../src/protocol/messages/incremental-alter-configs.js';
import { ApiVersions } from '../../src/protocol/messages/api-versions.js';
import { CreateTopics } from '../../src/protocol/messages/create-topics.js';
import { freshDir, removeDir, startTestBroker } from '../helpers/broker.js';
import { requireClient, runPython, uniqueTopic } from '../helpers/clients.js';
import { RawClient } from '../helpers/raw-client.js';

const BROKER = 4;
const TOPIC = 2;
const Source = { DYNAMIC_TOPIC: 1, DYNAMIC_BROKER: 2, DYNAMIC_DEFAULT: 3, STATIC: 4, DEFAULT: 5 };

type Entry = {
  value: string | null;
  source: number;
  readOnly: boolean;
  synonyms: Array<[string, string | null, number]>;
};

async function describe(c: RawClient, type: number, name: string, keys: string[] | null): Promise<Map<string, Entry>> {
  const r = await c.send(DescribeConfigs, 4, {
    resources: [{ resourceType: type, resourceName: name, configurationKeys: keys }],
    includeSynonyms: true,
    includeDocumentation: false,
  });
  const res = r.results[0]!;
  assert.equal(res.errorCode, 0, res.errorMessage ?? '');
  return new Map(
    res.configs.map((x) => [
      x.name,
      {
        value: x.value,
        source: x.configSource,
        readOnly: x.readOnly,
        synonyms: x.synonyms.map((s) => [s.name, s.value, s.source] as [string, string | null, number]),
      },
    ]),
  );
}

type Op = { name: string; configOperation: number; value: string | null };
async function incremental(c: RawClient, name: string, configs: Op[], validateOnly = false) {
  const r = await c.send(IncrementalAlterConfigs, 1, {
    resources: [{ resourceType: BROKER, resourceName: name, configs }],
    validateOnly,
  });
  return r.responses[0]!;
}

test('dynamic broker configs on a single node', { timeout: 180_000 }, async (t) => {
  const dataDir = await freshDir('samsa-dyn-');
  let b = await startTestBroker({ dataDir, config: { 'node.id': '1', 'log.retention.hours': '100' } });
  let c = await RawClient.connect(b.port);
  t.after(async () => {
    c.close();
    await b.stop();
    await removeDir(dataDir);
  });

  await t.test('kafka-python: AlterConfigs on the broker, seen by DescribeConfigs, topics and producers', async (t) => {
    if (!requireClient(t, 'kafka-python')) return;
    const topic = uniqueTopic('dyn-kp');
    const { summary } = await runPython('dyn_configs_kp.py', [b.bootstrap, '1', topic]);
    assert.equal(summary.ok, true, JSON.stringify(summary));
    assert.equal(summary.before['message.max.bytes'].source, Source.DEFAULT);
    assert.equal(summary.before['message.max.bytes'].readOnly, false);
    assert.equal(summary.before['listeners'].readOnly, true);
    assert.equal(summary.before['listeners'].source, Source.STATIC);
    assert.deepEqual(summary.after['message.max.bytes'], {
      value: '3000',
      readOnly: false,
      source: Source.DYNAMIC_BROKER,
    });
    assert.deepEqual(summary.after['log.retention.ms'], {
      value: '3600000',
      readOnly: false,
      source: Source.DYNAMIC_BROKER,
    });
    assert.equal(summary.readOnlyError[0], ErrorCode.INVALID_REQUEST);
    assert.match(summary.readOnlyError[1], /Cannot update these configs dynamically: listeners/);
    assert.deepEqual(summary.topic['retention.ms'], {
      value: '3600000',
      readOnly: false,
      source: Source.DYNAMIC_BROKER,
    });
    assert.deepEqual(summary.topic['max.message.bytes'], {
      value: '3000',
      readOnly: false,
      source: Source.DYNAMIC_BROKER,
    });
    assert.equal(summary.bigRecord, 'MESSAGE_TOO_LARGE');
    // The log itself follows the new default.
    assert.equal(b.broker.topics.configOf(topic).retentionMs, 3_600_000);
  });

  await t.test('IncrementalAlterConfigs: the cluster default and this broker, in Kafka precedence', async () => {
    // Clears what the previous subtest set (DELETE of absent keys is fine too).
    let r = await incremental(c, '1', [
      { name: 'message.max.bytes', configOperation: 1, value: null },
      { name: 'log.retention.ms', configOperation: 1, value: null },
    ]);
    assert.equal(r.errorCode, 0, r.errorMessage ?? '');
    r = await incremental(c, '', [
      { name: 'log.retention.ms', configOperation: 0, value: '7200000' },
      { name: 'log.cleanup.policy', configOperation: 2, value: 'compact' },
      { name: 'min.insync.replicas', configOperation: 0, value: '1' },
    ]);
    assert.equal(r.errorCode, 0, r.errorMessage ?? '');
    const defaults = await describe(c, BROKER, '', null);
    assert.deepEqual([...defaults.keys()], ['log.cleanup.policy', 'log.retention.ms', 'min.insync.replicas']);
    assert.equal(defaults.get('log.cleanup.policy')!.value, 'delete,compact');
    for (const e of defaults.values()) assert.equal(e.source, Source.DYNAMIC_DEFAULT);

    let mine = await describe(c, BROKER, '1', ['log.retention.ms', 'log.retention.hours']);
    assert.equal(mine.get('log.retention.ms')!.value, '7200000');
    assert.equal(mine.get('log.retention.ms')!.source, Source.DYNAMIC_DEFAULT);
    assert.equal(mine.get('log.retention.hours')!.source, Source.STATIC);

    r = await incremental(c, '1', [{ name: 'log.retention.ms', configOperation: 0, value: '60000' }]);
    assert.equal(r.errorCode, 0);
    mine = await describe(c, BROKER, '1', ['log.retention.ms']);
    assert.equal(mine.get('log.retention.ms')!.value, '60000');
    assert.equal(mine.get('log.retention.ms')!.source, Source.DYNAMIC_BROKER);
    assert.deepEqual(mine.get('log.retention.ms')!.synonyms.slice(0, 3), [
      ['log.retention.ms', '60000', Source.DYNAMIC_BROKER],
      ['log.retention.ms', '7200000', Source.DYNAMIC_DEFAULT],
      ['log.retention.hours', '100', Source.STATIC],
    ]);

    const topic = uniqueTopic('dyn-inc');
    const cr = await c.send(CreateTopics, 7, {
      topics: [{ name: topic, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 5000,
    });
    assert.equal(cr.topics[0]!.errorCode, 0);
    const tc = await describe(c, TOPIC, topic, ['retention.ms', 'cleanup.policy']);
    assert.equal(tc.get('retention.ms')!.value, '60000');
    assert.equal(tc.get('retention.ms')!.source, Source.DYNAMIC_BROKER);
    assert.equal(tc.get('cleanup.policy')!.value, 'delete,compact');
    assert.equal(tc.get('cleanup.policy')!.source, Source.DYNAMIC_DEFAULT);
    assert.equal(b.broker.topics.configOf(topic).retentionMs, 60_000);
  });

  await t.test('refusals: read-only, unknown, bad values, another broker; validateOnly changes nothing', async () => {
    const cases: Array<[string, Op[], RegExp]> = [
      ['1', [{ name: 'log.dirs', configOperation: 0, value: '/tmp/x' }], /Cannot update these configs dynamically/],
      ['', [{ name: 'node.id', configOperation: 0, value: '7' }], /Cannot update these configs dynamically/],
      ['1', [{ name: 'no.such.key', configOperation: 0, value: '1' }], /Unknown broker configs/],
      ['1', [{ name: 'log.retention.ms', configOperation: 0, value: 'soon' }], /log.retention.ms/],
      ['1', [{ name: 'min.insync.replicas', configOperation: 0, value: '0' }], /min.insync.replicas/],
      ['2', [{ name: 'log.retention.ms', configOperation: 0, value: '1000' }], /Unexpected broker id/],
    ];
    for (const [name, ops, message] of cases) {
      const r = await incremental(c, name, ops);
      assert.equal(r.errorCode, ErrorCode.INVALID_REQUEST, `${name} ${ops[0]!.name}`);
      assert.match(r.errorMessage ?? '', message);
    }
    const v = await incremental(c, '1', [{ name: 'log.retention.ms', configOperation: 0, value: '5' }], true);
    assert.equal(v.errorCode, 0);
    const mine = await describe(c, BROKER, '1', ['log.retention.ms']);
    assert.equal(mine.get('log.retention.ms')!.value, '60000');
  });

  await t.test('max.connections applies to the next connections', async () => {
    const r = await incremental(c, '1', [{ name: 'max.connections', configOperation: 0, value: '2' }]);
    assert.equal(r.errorCode, 0, r.errorMessage ?? '');
    // c is one connection; one more is admitted, the third is closed at once.
    const second = await RawClient.connect(b.port);
    const ok = await second.send(ApiVersions, 0, {});
    assert.equal(ok.errorCode, 0);
    const closed = await new Promise<boolean>((resolve) => {
      const s = connect({ port: b.port, host: '127.0.0.1' });
      s.on('close', () => resolve(true));
      s.on('error', () => undefined);
      setTimeout(() => {
        s.destroy();
        resolve(false);
      }, 3000);
    });
    second.close();
    assert.equal(closed, true, 'the connection over max.connections is closed');
    const back = await incremental(c, '1', [{ name: 'max.connections', configOperation: 1, value: null }]);
    assert.equal(back.errorCode, 0);
  });

  await t.test('kept across a restart', async () => {
    c.close();
    await b.stop();
    b = await startTestBroker({ dataDir, config: { 'node.id': '1', 'log.retention.hours': '100' } });
    c = await RawClient.connect(b.port);
    const mine = await describe(c, BROKER, '1', ['log.retention.ms', 'log.cleanup.policy']);
    assert.equal(mine.get('log.retention.ms')!.value, '60000');
    assert.equal(mine.get('log.retention.ms')!.source, Source.DYNAMIC_BROKER);
    assert.equal(mine.get('log.cleanup.policy')!.source, Source.DYNAMIC_DEFAULT);
    const defaults = await describe(c, BROKER, '', null);
    assert.equal(defaults.get('min.insync.replicas')!.value, '1');
  });
});
