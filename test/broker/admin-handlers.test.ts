/**
 * The admin and offset APIs against a real broker over a socket: each API at its oldest and newest version (and
 * some in between), with the error codes Kafka gives for bad input and checks that failures change nothing.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startBroker, type Broker } from '../../src/broker/broker.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { AlterConfigs } from '../../src/protocol/messages/alter-configs.js';
import { ApiVersions } from '../../src/protocol/messages/api-versions.js';
import { CreatePartitions } from '../../src/protocol/messages/create-partitions.js';
import { CreateTopics } from '../../src/protocol/messages/create-topics.js';
import { DeleteRecords } from '../../src/protocol/messages/delete-records.js';
import { DeleteTopics } from '../../src/protocol/messages/delete-topics.js';
import { DescribeCluster } from '../../src/protocol/messages/describe-cluster.js';
import { DescribeConfigs } from '../../src/protocol/messages/describe-configs.js';
import { DescribeLogDirs } from '../../src/protocol/messages/describe-log-dirs.js';
import { IncrementalAlterConfigs } from '../../src/protocol/messages/incremental-alter-configs.js';
import { ListOffsets } from '../../src/protocol/messages/list-offsets.js';
import { Metadata } from '../../src/protocol/messages/metadata.js';
import { OffsetForLeaderEpoch } from '../../src/protocol/messages/offset-for-leader-epoch.js';
import { Produce } from '../../src/protocol/messages/produce.js';
import { encodeBatch } from '../../src/protocol/records/batch.js';
import { ZERO_UUID } from '../../src/protocol/schema.js';
import { silentLogger } from '../../src/storage/logger.js';
import { RawClient } from '../helpers/raw-client.js';

let dir: string;
let broker: Broker;
let c: RawClient;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'samsa-admin-'));
  broker = await startBroker({ port: 0, dataDir: dir, logger: silentLogger as never, config: { 'node.id': '1' } });
  c = await RawClient.connect(broker.port);
});

after(async () => {
  c?.close();
  await broker?.close();
  await rm(dir, { recursive: true, force: true });
});

const create = (name: string, numPartitions = 1, configs: Array<{ name: string; value: string | null }> = []) =>
  c.send(CreateTopics, 7, {
    topics: [{ name, numPartitions, replicationFactor: 1, assignments: [], configs }],
    timeoutMs: 5000,
  });

async function createOk(
  name: string,
  numPartitions = 1,
  configs: Array<{ name: string; value: string }> = [],
): Promise<void> {
  const r = await create(name, numPartitions, configs);
  assert.equal(r.topics[0]!.errorCode, 0, r.topics[0]!.errorMessage ?? '');
}

/** Produces one batch per element of `timestamps` (each batch one record) to partition 0. */
async function produceAt(topic: string, timestamps: number[]): Promise<void> {
  for (const ts of timestamps) {
    const batch = await encodeBatch({ records: [{ key: null, value: Buffer.from(`v${ts}`), timestamp: ts }] });
    const r = await c.send(Produce, 9, {
      acks: -1,
      timeoutMs: 5000,
      topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }],
    });
    assert.equal(r.responses[0]!.partitionResponses[0]!.errorCode, 0);
  }
}

const configOf = async (topic: string): Promise<Map<string, { value: string | null; source: number }>> => {
  const r = await c.send(DescribeConfigs, 4, {
    resources: [{ resourceType: 2, resourceName: topic, configurationKeys: null }],
    includeSynonyms: false,
    includeDocumentation: false,
  });
  assert.equal(r.results[0]!.errorCode, 0);
  return new Map(r.results[0]!.configs.map((x) => [x.name, { value: x.value, source: x.configSource }]));
};

describe('ApiVersions', () => {
  test('advertises every admin and offset API with its full version range', async () => {
    const r = await c.send(ApiVersions, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });
    const byKey = new Map(r.apiKeys.map((k) => [k.apiKey, k]));
    for (const api of [
      ListOffsets,
      CreateTopics,
      DeleteTopics,
      DeleteRecords,
      OffsetForLeaderEpoch,
      DescribeConfigs,
      AlterConfigs,
      DescribeLogDirs,
      CreatePartitions,
      IncrementalAlterConfigs,
      DescribeCluster,
    ]) {
      const k = byKey.get(api.key);
      assert.ok(k, `${api.name} advertised`);
      assert.equal(k.minVersion, api.minVersion);
      assert.equal(k.maxVersion, api.maxVersion);
    }
  });
});

describe('CreateTopics', () => {
  test('v0 creates a topic with broker defaults and has no error message', async () => {
    const r = await c.send(CreateTopics, 0, {
      topics: [{ name: 'ct-v0', numPartitions: 3, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 5000,
    });
    // v0 carries only name and error code; the decoder fills the rest with defaults.
    assert.deepEqual(
      r.topics.map((t) => [t.name, t.errorCode]),
      [['ct-v0', 0]],
    );
    assert.equal(broker.topics.partitionsOf('ct-v0')?.length, 3);
  });

  test('v7 returns id, counts and configs with their sources', async () => {
    const r = await c.send(CreateTopics, 7, {
      topics: [
        {
          name: 'ct-v7',
          numPartitions: -1,
          replicationFactor: -1,
          assignments: [],
          configs: [{ name: 'retention.ms', value: '12345' }],
        },
      ],
      timeoutMs: 5000,
    });
    const t = r.topics[0]!;
    assert.equal(t.errorCode, 0);
    assert.equal(t.errorMessage, null);
    assert.equal(t.topicId, broker.topics.get('ct-v7')!.topicId);
    assert.notEqual(t.topicId, ZERO_UUID);
    assert.equal(t.numPartitions, broker.config.numPartitions);
    assert.equal(t.replicationFactor, 1);
    const byName = new Map(t.configs!.map((x) => [x.name, x]));
    assert.deepEqual(byName.get('retention.ms'), {
      name: 'retention.ms',
      value: '12345',
      readOnly: false,
      configSource: 1,
      isSensitive: false,
    });
    assert.equal(byName.get('cleanup.policy')!.value, 'delete');
    assert.equal(byName.get('cleanup.policy')!.configSource, 5);
  });

  test('explicit assignment on this broker decides the partition count', async () => {
    const r = await c.send(CreateTopics, 5, {
      topics: [
        {
          name: 'ct-assign',
          numPartitions: -1,
          replicationFactor: -1,
          assignments: [
            { partitionIndex: 1, brokerIds: [1] },
            { partitionIndex: 0, brokerIds: [1] },
          ],
          configs: [],
        },
      ],
      timeoutMs: 5000,
    });
    assert.equal(r.topics[0]!.errorCode, 0);
    assert.equal(r.topics[0]!.numPartitions, 2);
    assert.equal(broker.topics.partitionsOf('ct-assign')?.length, 2);
  });

  test('validateOnly checks without creating', async () => {
    const r = await c.send(CreateTopics, 7, {
      topics: [{ name: 'ct-validate', numPartitions: 4, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 5000,
      validateOnly: true,
    });
    assert.equal(r.topics[0]!.errorCode, 0);
    assert.equal(r.topics[0]!.numPartitions, 4);
    assert.equal(broker.topics.get('ct-validate'), undefined);
  });

  test('bad input gets Kafka error codes and creates nothing', async () => {
    await createOk('ct-exists');
    const topic = (name: string, more: Record<string, unknown> = {}) => ({
      name,
      numPartitions: 1,
      replicationFactor: 1,
      assignments: [],
      configs: [],
      ...more,
    });
    const r = await c.send(CreateTopics, 7, {
      topics: [
        topic('ct-dup'),
        topic('ct-dup', { numPartitions: 2 }),
        topic('ct-exists'),
        topic('bad name!'),
        topic('ct-zero', { numPartitions: 0 }),
        topic('ct-rf', { replicationFactor: 3 }),
        topic('ct-other-broker', {
          numPartitions: -1,
          replicationFactor: -1,
          assignments: [{ partitionIndex: 0, brokerIds: [2] }],
        }),
        topic('ct-gap', {
          numPartitions: -1,
          replicationFactor: -1,
          assignments: [{ partitionIndex: 1, brokerIds: [1] }],
        }),
        topic('ct-both', { assignments: [{ partitionIndex: 0, brokerIds: [1] }] }),
        topic('ct-badcfg', { configs: [{ name: 'retention.ms', value: 'soon' }] }),
        topic('ct-unknowncfg', { configs: [{ name: 'no.such.config', value: '1' }] }),
        topic('ct-nullcfg', { configs: [{ name: 'retention.ms', value: null }] }),
      ] as never,
      timeoutMs: 5000,
    });
    const codes = Object.fromEntries(r.topics.map((t) => [t.name, t.errorCode]));
    assert.deepEqual(codes, {
      'ct-dup': ErrorCode.INVALID_REQUEST,
      'ct-exists': ErrorCode.TOPIC_ALREADY_EXISTS,
      'bad name!': ErrorCode.INVALID_TOPIC_EXCEPTION,
      'ct-zero': ErrorCode.INVALID_PARTITIONS,
      'ct-rf': ErrorCode.INVALID_REPLICATION_FACTOR,
      'ct-other-broker': ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      'ct-gap': ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      'ct-both': ErrorCode.INVALID_REQUEST,
      'ct-badcfg': ErrorCode.INVALID_CONFIG,
      'ct-unknowncfg': ErrorCode.INVALID_CONFIG,
      'ct-nullcfg': ErrorCode.INVALID_CONFIG,
    });
    assert.equal(r.topics.length, 11, 'a repeated name is answered once');
    for (const t of r.topics) {
      assert.ok(t.errorMessage && t.errorMessage.length > 0, `${t.name} has a message`);
      assert.equal(t.numPartitions, -1);
      if (t.name !== 'ct-exists') assert.equal(broker.topics.get(t.name), undefined, `${t.name} not created`);
    }
  });
});

describe('DeleteTopics', () => {
  test('v0 deletes by name and reports unknown names', async () => {
    await createOk('dt-v0');
    const r = await c.send(DeleteTopics, 0, { topicNames: ['dt-v0', 'dt-missing'], timeoutMs: 5000 });
    assert.deepEqual(
      r.responses.map((x) => [x.name, x.errorCode]),
      [
        ['dt-v0', 0],
        ['dt-missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ],
    );
    assert.equal(broker.topics.get('dt-v0'), undefined);
  });

  test('v6 deletes by id and refuses ambiguous or unknown entries', async () => {
    await createOk('dt-v6');
    await createOk('dt-v6-keep');
    const id = broker.topics.get('dt-v6')!.topicId;
    const keepId = broker.topics.get('dt-v6-keep')!.topicId;
    const unknownId = '0123abcd-0000-4000-8000-000000000001';
    const r = await c.send(DeleteTopics, 6, {
      topics: [
        { name: null, topicId: id },
        { name: null, topicId: unknownId },
        { name: 'dt-v6-keep', topicId: keepId },
        { name: null, topicId: ZERO_UUID },
      ],
      timeoutMs: 5000,
    });
    assert.deepEqual(
      r.responses.map((x) => [x.name, x.topicId, x.errorCode]),
      [
        ['dt-v6', id, 0],
        [null, unknownId, ErrorCode.UNKNOWN_TOPIC_ID],
        ['dt-v6-keep', keepId, ErrorCode.INVALID_REQUEST],
        [null, ZERO_UUID, ErrorCode.INVALID_REQUEST],
      ],
    );
    assert.equal(broker.topics.get('dt-v6'), undefined);
    assert.ok(broker.topics.get('dt-v6-keep'), 'an entry naming both name and id deletes nothing');
    assert.ok(r.responses.every((x) => x.errorCode === 0 || (x.errorMessage ?? '').length > 0));
  });

  test('a name given twice is refused and the topic kept', async () => {
    await createOk('dt-twice');
    const r = await c.send(DeleteTopics, 6, {
      topics: [
        { name: 'dt-twice', topicId: ZERO_UUID },
        { name: 'dt-twice', topicId: ZERO_UUID },
      ],
      timeoutMs: 5000,
    });
    assert.deepEqual(
      r.responses.map((x) => x.errorCode),
      [ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST],
    );
    assert.ok(broker.topics.get('dt-twice'));
  });
});

describe('CreatePartitions', () => {
  test('v0 and v3 raise counts; bad requests change nothing', async () => {
    await createOk('cp-a', 1);
    await createOk('cp-b', 2);
    const r0 = await c.send(CreatePartitions, 0, {
      topics: [{ name: 'cp-a', count: 3, assignments: null }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    assert.deepEqual(r0.results, [{ name: 'cp-a', errorCode: 0, errorMessage: null }]);
    assert.equal(broker.topics.partitionsOf('cp-a')?.length, 3);

    const r3 = await c.send(CreatePartitions, 3, {
      topics: [
        { name: 'cp-b', count: 4, assignments: [{ brokerIds: [1] }, { brokerIds: [1] }] },
        { name: 'cp-a', count: 2, assignments: null },
        { name: 'cp-missing', count: 2, assignments: null },
      ],
      timeoutMs: 5000,
      validateOnly: false,
    });
    assert.deepEqual(
      r3.results.map((x) => [x.name, x.errorCode]),
      [
        ['cp-b', 0],
        ['cp-a', ErrorCode.INVALID_PARTITIONS],
        ['cp-missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ],
    );
    assert.equal(broker.topics.partitionsOf('cp-b')?.length, 4);

    const bad = await c.send(CreatePartitions, 3, {
      topics: [
        { name: 'cp-b', count: 6, assignments: [{ brokerIds: [1] }] },
        { name: 'cp-a', count: 4, assignments: [{ brokerIds: [2] }] },
      ],
      timeoutMs: 5000,
      validateOnly: false,
    });
    assert.deepEqual(
      bad.results.map((x) => x.errorCode),
      [ErrorCode.INVALID_REPLICA_ASSIGNMENT, ErrorCode.INVALID_REPLICA_ASSIGNMENT],
    );
    const validate = await c.send(CreatePartitions, 3, {
      topics: [{ name: 'cp-a', count: 9, assignments: null }],
      timeoutMs: 5000,
      validateOnly: true,
    });
    assert.equal(validate.results[0]!.errorCode, 0);
    const dup = await c.send(CreatePartitions, 1, {
      topics: [
        { name: 'cp-a', count: 5, assignments: null },
        { name: 'cp-a', count: 6, assignments: null },
      ],
      timeoutMs: 5000,
      validateOnly: false,
    });
    assert.deepEqual(
      dup.results.map((x) => x.errorCode),
      [ErrorCode.INVALID_REQUEST],
    );
    assert.equal(broker.topics.partitionsOf('cp-a')?.length, 3);
    assert.equal(broker.topics.partitionsOf('cp-b')?.length, 4);
  });
});

describe('DescribeConfigs', () => {
  before(async () => {
    await createOk('dc-topic', 1, [{ name: 'retention.ms', value: '60000' }]);
  });

  test('v0 reports values and isDefault for a topic', async () => {
    const r = await c.send(DescribeConfigs, 0, {
      resources: [
        { resourceType: 2, resourceName: 'dc-topic', configurationKeys: ['retention.ms', 'cleanup.policy', 'nope'] },
      ],
    });
    const res = r.results[0]!;
    assert.equal(res.errorCode, 0);
    assert.deepEqual(
      res.configs.map((x) => [x.name, x.value, x.isDefault, x.readOnly]),
      [
        ['retention.ms', '60000', false, false],
        ['cleanup.policy', 'delete', true, false],
      ],
    );
  });

  test('v4 gives sources, synonyms, types and documentation', async () => {
    const r = await c.send(DescribeConfigs, 4, {
      resources: [{ resourceType: 2, resourceName: 'dc-topic', configurationKeys: null }],
      includeSynonyms: true,
      includeDocumentation: true,
    });
    const byName = new Map(r.results[0]!.configs.map((x) => [x.name, x]));
    const ret = byName.get('retention.ms')!;
    assert.equal(ret.configSource, 1);
    assert.equal(ret.configType, 5);
    assert.ok(ret.documentation && ret.documentation.length > 0);
    assert.deepEqual(ret.synonyms[0], { name: 'retention.ms', value: '60000', source: 1 });
    assert.ok(ret.synonyms.some((s) => s.name === 'log.retention.hours' && s.value === '168' && s.source === 5));
    const seg = byName.get('segment.bytes')!;
    assert.equal(seg.configSource, 5);
    assert.equal(seg.value, '1073741824');
    assert.equal(byName.get('cleanup.policy')!.configType, 7);
    assert.ok(byName.size > 30);
  });

  test('synonyms and documentation are left out unless asked', async () => {
    const r = await c.send(DescribeConfigs, 3, {
      resources: [{ resourceType: 2, resourceName: 'dc-topic', configurationKeys: ['retention.ms'] }],
      includeSynonyms: false,
      includeDocumentation: false,
    });
    assert.deepEqual(r.results[0]!.configs[0]!.synonyms, []);
    const all = await c.send(DescribeConfigs, 3, {
      resources: [{ resourceType: 2, resourceName: 'dc-topic', configurationKeys: [] }],
    });
    assert.ok(all.results[0]!.configs.length > 30, 'an empty key list means all keys');
    assert.equal(r.results[0]!.configs[0]!.documentation, null);
  });

  test('broker configs are static and read-only', async () => {
    const r = await c.send(DescribeConfigs, 4, {
      resources: [{ resourceType: 4, resourceName: '1', configurationKeys: ['node.id', 'num.partitions', 'log.dirs'] }],
      includeSynonyms: true,
      includeDocumentation: false,
    });
    const byName = new Map(r.results[0]!.configs.map((x) => [x.name, x]));
    assert.equal(byName.get('node.id')!.value, '1');
    assert.equal(byName.get('node.id')!.configSource, 4);
    assert.equal(byName.get('num.partitions')!.configSource, 5);
    assert.equal(byName.get('log.dirs')!.value, dir);
    assert.ok([...byName.values()].every((x) => x.readOnly));
  });

  test('errors per resource', async () => {
    const r = await c.send(DescribeConfigs, 1, {
      resources: [
        { resourceType: 2, resourceName: 'dc-missing', configurationKeys: null },
        { resourceType: 4, resourceName: '7', configurationKeys: null },
        { resourceType: 4, resourceName: 'x', configurationKeys: null },
        { resourceType: 4, resourceName: '', configurationKeys: null },
        { resourceType: 8, resourceName: '1', configurationKeys: null },
        { resourceType: 99, resourceName: 'z', configurationKeys: null },
      ],
      includeSynonyms: false,
    });
    assert.deepEqual(
      r.results.map((x) => x.errorCode),
      [
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        ErrorCode.INVALID_REQUEST,
        ErrorCode.INVALID_REQUEST,
        0,
        0,
        ErrorCode.INVALID_REQUEST,
      ],
    );
    assert.deepEqual(r.results[3]!.configs, []);
  });
});

describe('AlterConfigs', () => {
  test('v0 replaces the whole override set; v2 validateOnly changes nothing', async () => {
    await createOk('ac-topic', 1, [{ name: 'retention.ms', value: '60000' }]);
    const r = await c.send(AlterConfigs, 0, {
      resources: [{ resourceType: 2, resourceName: 'ac-topic', configs: [{ name: 'segment.ms', value: '3600000' }] }],
      validateOnly: false,
    });
    assert.equal(r.responses[0]!.errorCode, 0);
    let cfg = await configOf('ac-topic');
    assert.deepEqual(cfg.get('segment.ms'), { value: '3600000', source: 1 });
    assert.equal(cfg.get('retention.ms')!.source, 5, 'overrides not named are removed');

    const v = await c.send(AlterConfigs, 2, {
      resources: [{ resourceType: 2, resourceName: 'ac-topic', configs: [{ name: 'segment.ms', value: '7200000' }] }],
      validateOnly: true,
    });
    assert.equal(v.responses[0]!.errorCode, 0);
    cfg = await configOf('ac-topic');
    assert.equal(cfg.get('segment.ms')!.value, '3600000');
  });

  test('invalid values, unknown topics and broker resources fail without changes', async () => {
    await createOk('ac-bad', 1, [{ name: 'retention.ms', value: '60000' }]);
    const r = await c.send(AlterConfigs, 1, {
      resources: [
        {
          resourceType: 2,
          resourceName: 'ac-bad',
          configs: [
            { name: 'segment.ms', value: '1000' },
            { name: 'retention.ms', value: 'later' },
          ],
        },
        { resourceType: 2, resourceName: 'ac-none', configs: [] },
        { resourceType: 4, resourceName: '1', configs: [{ name: 'num.partitions', value: '3' }] },
        { resourceType: 4, resourceName: '3', configs: [] },
      ],
      validateOnly: false,
    });
    assert.deepEqual(
      r.responses.map((x) => x.errorCode),
      [
        ErrorCode.INVALID_CONFIG,
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        // num.partitions is not a dynamic broker config: Kafka 3.9 answers INVALID_REQUEST.
        ErrorCode.INVALID_REQUEST,
        ErrorCode.INVALID_REQUEST,
      ],
    );
    assert.match(r.responses[2]!.errorMessage!, /dynamic/);
    const cfg = await configOf('ac-bad');
    assert.equal(cfg.get('retention.ms')!.value, '60000');
    assert.equal(cfg.get('segment.ms')!.source, 5);
  });
});

describe('IncrementalAlterConfigs', () => {
  test('SET, DELETE, APPEND and SUBTRACT', async () => {
    await createOk('iac-topic', 1, [{ name: 'retention.ms', value: '60000' }]);
    const r = await c.send(IncrementalAlterConfigs, 0, {
      resources: [
        {
          resourceType: 2,
          resourceName: 'iac-topic',
          configs: [
            { name: 'segment.ms', configOperation: 0, value: '3600000' },
            { name: 'retention.ms', configOperation: 1, value: null },
            { name: 'cleanup.policy', configOperation: 2, value: 'compact' },
          ],
        },
      ],
      validateOnly: false,
    });
    assert.equal(r.responses[0]!.errorCode, 0, r.responses[0]!.errorMessage ?? '');
    let cfg = await configOf('iac-topic');
    assert.deepEqual(cfg.get('segment.ms'), { value: '3600000', source: 1 });
    assert.equal(cfg.get('retention.ms')!.source, 5);
    assert.equal(cfg.get('cleanup.policy')!.value, 'delete,compact');

    const r1 = await c.send(IncrementalAlterConfigs, 1, {
      resources: [
        {
          resourceType: 2,
          resourceName: 'iac-topic',
          configs: [{ name: 'cleanup.policy', configOperation: 3, value: 'delete' }],
        },
      ],
      validateOnly: false,
    });
    assert.equal(r1.responses[0]!.errorCode, 0);
    cfg = await configOf('iac-topic');
    assert.equal(cfg.get('cleanup.policy')!.value, 'compact');
    assert.equal(broker.topics.configOf('iac-topic').cleanupPolicy, 'compact');
  });

  test('one bad operation fails the whole resource', async () => {
    await createOk('iac-bad');
    const r = await c.send(IncrementalAlterConfigs, 1, {
      resources: [
        {
          resourceType: 2,
          resourceName: 'iac-bad',
          configs: [
            { name: 'segment.ms', configOperation: 0, value: '5000' },
            { name: 'retention.ms', configOperation: 2, value: '1' },
          ],
        },
        { resourceType: 2, resourceName: 'iac-bad2', configs: [] },
        { resourceType: 4, resourceName: '1', configs: [{ name: 'num.partitions', configOperation: 0, value: '2' }] },
      ],
      validateOnly: false,
    });
    assert.deepEqual(
      r.responses.map((x) => x.errorCode),
      [ErrorCode.INVALID_CONFIG, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.INVALID_REQUEST],
    );
    const cfg = await configOf('iac-bad');
    assert.equal(cfg.get('segment.ms')!.source, 5);
    const again = await c.send(IncrementalAlterConfigs, 1, {
      resources: [
        {
          resourceType: 2,
          resourceName: 'iac-bad',
          configs: [
            { name: 'segment.ms', configOperation: 0, value: '5000' },
            { name: 'segment.ms', configOperation: 1, value: null },
          ],
        },
      ],
      validateOnly: false,
    });
    assert.equal(again.responses[0]!.errorCode, ErrorCode.INVALID_REQUEST);
    const unknownOp = await c.send(IncrementalAlterConfigs, 1, {
      resources: [
        {
          resourceType: 2,
          resourceName: 'iac-bad',
          configs: [{ name: 'segment.ms', configOperation: 9, value: '5000' }],
        },
      ],
      validateOnly: false,
    });
    assert.equal(unknownOp.responses[0]!.errorCode, ErrorCode.INVALID_REQUEST);
  });
});

describe('ListOffsets, DeleteRecords, OffsetForLeaderEpoch', () => {
  const topic = 'lo-topic';
  before(async () => {
    await createOk(topic, 2);
    await produceAt(topic, [1000, 3000, 2000]);
  });

  const query = async (version: number, timestamp: number, extra: Record<string, unknown> = {}) => {
    const r = await c.send(ListOffsets, version, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [
        {
          name: topic,
          partitions: [{ partitionIndex: 0, timestamp, currentLeaderEpoch: -1, maxNumOffsets: 1, ...extra }],
        },
      ],
    });
    return r.topics[0]!.partitions[0]!;
  };

  test('v1 and v9: earliest, latest and by timestamp', async () => {
    for (const v of [1, 9]) {
      assert.deepEqual([(await query(v, -2)).offset, (await query(v, -1)).offset], [0, 3], `v${v}`);
      const at = await query(v, 1500);
      assert.deepEqual([at.errorCode, at.offset, at.timestamp], [0, 1, 3000]);
      const exact = await query(v, 2000);
      assert.deepEqual([exact.offset, exact.timestamp], [1, 3000]);
      const none = await query(v, 5000);
      assert.deepEqual([none.errorCode, none.offset, none.timestamp], [0, -1, -1]);
    }
    const latest = await query(4, -1);
    assert.equal(latest.leaderEpoch, broker.topics.partition(topic, 0)!.leaderEpoch);
  });

  test('v7 max timestamp, v9 latest tiered', async () => {
    const max = await query(7, -3);
    assert.deepEqual([max.offset, max.timestamp], [1, 3000]);
    const tiered = await query(9, -5);
    assert.deepEqual([tiered.errorCode, tiered.offset], [0, -1]);
    const emptyMax = await c.send(ListOffsets, 7, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [{ name: topic, partitions: [{ partitionIndex: 1, timestamp: -3, currentLeaderEpoch: -1 }] }],
    });
    assert.equal(emptyMax.topics[0]!.partitions[0]!.offset, -1);
  });

  test('v0 old-style offsets', async () => {
    const latest = await query(0, -1, { maxNumOffsets: 10 });
    assert.deepEqual(latest.oldStyleOffsets, [3, 0]);
    const one = await query(0, -1, { maxNumOffsets: 1 });
    assert.deepEqual(one.oldStyleOffsets, [3]);
    const earliest = await query(0, -2, { maxNumOffsets: 5 });
    assert.deepEqual(earliest.oldStyleOffsets, [0]);
  });

  test('leader epoch fencing, unknown partitions and duplicates', async () => {
    const epoch = broker.topics.partition(topic, 0)!.leaderEpoch;
    assert.equal((await query(4, -1, { currentLeaderEpoch: epoch + 1 })).errorCode, ErrorCode.UNKNOWN_LEADER_EPOCH);
    if (epoch > 0)
      assert.equal((await query(4, -1, { currentLeaderEpoch: epoch - 1 })).errorCode, ErrorCode.FENCED_LEADER_EPOCH);
    assert.equal((await query(4, -1, { currentLeaderEpoch: epoch })).errorCode, 0);
    const r = await c.send(ListOffsets, 5, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [
        {
          name: topic,
          partitions: [
            { partitionIndex: 0, timestamp: -1 },
            { partitionIndex: 0, timestamp: -2 },
            { partitionIndex: 7, timestamp: -1 },
          ],
        },
        { name: 'lo-nope', partitions: [{ partitionIndex: 0, timestamp: -1 }] },
      ] as never,
    });
    assert.deepEqual(
      r.topics.map((t) => t.partitions.map((p) => [p.errorCode, p.offset])),
      [
        [
          [ErrorCode.INVALID_REQUEST, -1],
          [ErrorCode.INVALID_REQUEST, -1],
          [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1],
        ],
        [[ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1]],
      ],
    );
  });

  test('OffsetForLeaderEpoch v0 and v4', async () => {
    const epoch = broker.topics.partition(topic, 0)!.leaderEpoch;
    const v0 = await c.send(OffsetForLeaderEpoch, 0, {
      topics: [
        {
          topic,
          partitions: [
            { partition: 0, leaderEpoch: epoch },
            { partition: 9, leaderEpoch: epoch },
          ],
        },
      ],
    });
    assert.deepEqual(
      v0.topics[0]!.partitions.map((p) => [p.errorCode, p.endOffset]),
      [
        [0, 3],
        [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1],
      ],
    );
    const v4 = await c.send(OffsetForLeaderEpoch, 4, {
      replicaId: -1,
      topics: [
        {
          topic,
          partitions: [
            { partition: 0, currentLeaderEpoch: epoch, leaderEpoch: epoch },
            { partition: 0, currentLeaderEpoch: -1, leaderEpoch: epoch + 5 },
            { partition: 0, currentLeaderEpoch: epoch + 1, leaderEpoch: epoch },
          ],
        },
      ],
    });
    assert.deepEqual(
      v4.topics[0]!.partitions.map((p) => [p.errorCode, p.leaderEpoch, p.endOffset]),
      [
        [0, epoch, 3],
        [0, -1, -1],
        [ErrorCode.UNKNOWN_LEADER_EPOCH, -1, -1],
      ],
    );
  });

  test('DescribeLogDirs v0 and v4', async () => {
    const v0 = await c.send(DescribeLogDirs, 0, {
      topics: [
        { topic, partitions: [0, 1, 5] },
        { topic: 'ld-missing', partitions: [0] },
      ],
    });
    assert.equal(v0.results.length, 1);
    assert.equal(v0.results[0]!.logDir, broker.dataDir);
    const parts = v0.results[0]!.topics.map((t) => [t.name, t.partitions.map((p) => p.partitionIndex)]);
    assert.deepEqual(parts, [[topic, [0, 1]]]);
    const p0 = v0.results[0]!.topics[0]!.partitions[0]!;
    assert.ok(p0.partitionSize > 0);
    assert.equal(p0.offsetLag, 0);
    const v4 = await c.send(DescribeLogDirs, 4, { topics: null });
    const r = v4.results[0]!;
    assert.equal(v4.errorCode, 0);
    assert.ok(r.totalBytes > 0 && r.usableBytes >= 0 && r.usableBytes <= r.totalBytes);
    assert.ok(r.topics.some((t) => t.name === topic));
  });

  test('DeleteRecords v0 and v2', async () => {
    const r0 = await c.send(DeleteRecords, 0, {
      topics: [{ name: topic, partitions: [{ partitionIndex: 0, offset: 1 }] }],
      timeoutMs: 5000,
    });
    assert.deepEqual(r0.topics[0]!.partitions[0], { partitionIndex: 0, lowWatermark: 1, errorCode: 0 });
    assert.equal((await query(1, -2)).offset, 1);
    const r2 = await c.send(DeleteRecords, 2, {
      topics: [
        {
          name: topic,
          partitions: [
            { partitionIndex: 0, offset: 99 },
            { partitionIndex: 1, offset: -1 },
            { partitionIndex: 3, offset: 0 },
          ],
        },
        { name: 'dr-missing', partitions: [{ partitionIndex: 0, offset: 0 }] },
      ],
      timeoutMs: 5000,
    });
    assert.deepEqual(
      r2.topics.map((t) => t.partitions.map((p) => [p.errorCode, p.lowWatermark])),
      [
        [
          [ErrorCode.OFFSET_OUT_OF_RANGE, -1],
          [0, 0],
          [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1],
        ],
        [[ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1]],
      ],
    );
    const all = await c.send(DeleteRecords, 2, {
      topics: [{ name: topic, partitions: [{ partitionIndex: 0, offset: -1 }] }],
      timeoutMs: 5000,
    });
    assert.deepEqual(all.topics[0]!.partitions[0], { partitionIndex: 0, lowWatermark: 3, errorCode: 0 });
    assert.deepEqual([(await query(1, -2)).offset, (await query(1, -1)).offset], [3, 3]);
  });

  test('DeleteRecords refuses compacted topics', async () => {
    await createOk('dr-compact', 1, [{ name: 'cleanup.policy', value: 'compact' }]);
    const r = await c.send(DeleteRecords, 1, {
      topics: [{ name: 'dr-compact', partitions: [{ partitionIndex: 0, offset: 0 }] }],
      timeoutMs: 5000,
    });
    assert.equal(r.topics[0]!.partitions[0]!.errorCode, ErrorCode.POLICY_VIOLATION);
  });
});

describe('DescribeCluster', () => {
  test('v0 and v1 describe this broker as the whole cluster', async () => {
    for (const v of [0, 1]) {
      const r = await c.send(DescribeCluster, v, { includeClusterAuthorizedOperations: false, endpointType: 1 });
      assert.equal(r.errorCode, 0);
      assert.equal(r.clusterId, broker.clusterId);
      assert.equal(r.controllerId, 1);
      assert.deepEqual(r.brokers, [{ brokerId: 1, host: broker.advertisedHost, port: broker.port, rack: null }]);
      assert.equal(r.clusterAuthorizedOperations, -2147483648);
    }
    const ops = await c.send(DescribeCluster, 0, { includeClusterAuthorizedOperations: true });
    assert.ok(ops.clusterAuthorizedOperations > 0);
  });

  test('v1 refuses the controller endpoint type', async () => {
    const r = await c.send(DescribeCluster, 1, { includeClusterAuthorizedOperations: false, endpointType: 2 });
    assert.equal(r.errorCode, ErrorCode.MISMATCHED_ENDPOINT_TYPE);
    assert.deepEqual(r.brokers, []);
  });

  test('Metadata agrees with topics made here', async () => {
    await createOk('md-check', 2);
    const r = await c.send(Metadata, 12, {
      topics: [{ name: 'md-check', topicId: ZERO_UUID }],
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    });
    assert.equal(r.topics[0]!.partitions.length, 2);
  });
});
