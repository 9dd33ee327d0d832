/**
 * The samsa command-line tools against a real broker, cross-checked with third-party clients (kcat, kafka-python):
 * what `samsa produce` writes, kcat reads; what kcat writes, `samsa consume` prints; topics made by
 * `samsa topics create` are seen by kcat; group offsets committed by kafka-python show up in `samsa groups` and
 * resets are honoured when the group resumes.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { kcat, kcatConsumeAll, PYTHON, requireClient, run, uniqueTopic, type RunResult } from '../helpers/clients.js';

const BIN = fileURLToPath(new URL('../../../bin/samsa.js', import.meta.url));

let broker: TestBroker;

before(async () => {
  broker = await startTestBroker({ config: { 'group.initial.rebalance.delay.ms': '0' } });
});

after(async () => {
  await broker?.stop();
});

/** Runs `samsa ...` against the test broker (unless the args name their own); never rejects on exit codes. */
function samsa(
  args: string[],
  opts: { input?: string; noBootstrap?: boolean; timeoutMs?: number } = {},
): Promise<RunResult> {
  const full = opts.noBootstrap ? args : [...args, '--bootstrap-server', broker.bootstrap];
  const env = { ...process.env };
  delete env.LOG_LEVEL;
  return run(process.execPath, [BIN, ...full], {
    input: opts.input,
    allowFailure: true,
    timeoutMs: opts.timeoutMs ?? 60_000,
    env,
  });
}

async function ok(args: string[], opts: { input?: string } = {}): Promise<RunResult> {
  const r = await samsa(args, opts);
  assert.equal(r.code, 0, `samsa ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

function assertUsage(r: RunResult, pattern: RegExp): void {
  assert.equal(r.code, 2, `expected exit 2, got ${r.code}; stderr: ${r.stderr}`);
  assert.match(r.stderr, /^samsa: error: /);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

test('topics create/describe/alter/list/delete; kcat -L sees the topic', async (t) => {
  const topic = uniqueTopic('cli-topics');
  const created = await ok([
    'topics',
    'create',
    topic,
    '--partitions',
    '3',
    '--config',
    'retention.ms=123456',
    '--config',
    'cleanup.policy=compact',
  ]);
  assert.match(created.stdout, new RegExp(`Created topic ${topic}`));

  const again = await samsa(['topics', 'create', '--topic', topic]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /^samsa: error: TOPIC_ALREADY_EXISTS/);
  await ok(['topics', 'create', topic, '--if-not-exists']);

  const desc = JSON.parse((await ok(['topics', 'describe', topic, '--json'])).stdout) as Array<{
    topic: string;
    partitionCount: number;
    replicationFactor: number;
    configs: Record<string, string>;
    partitions: Array<{ partition: number; leader: number; replicas: number[]; isr: number[] }>;
  }>;
  assert.equal(desc.length, 1);
  assert.equal(desc[0]!.partitionCount, 3);
  assert.equal(desc[0]!.replicationFactor, 1);
  assert.deepEqual(desc[0]!.configs, { 'cleanup.policy': 'compact', 'retention.ms': '123456' });
  assert.deepEqual(
    desc[0]!.partitions.map((p) => p.partition),
    [0, 1, 2],
  );
  for (const p of desc[0]!.partitions) {
    assert.ok(p.leader >= 0);
    assert.deepEqual(p.isr, p.replicas);
  }
  const human = (await ok(['topics', 'describe', topic])).stdout;
  assert.match(
    human,
    new RegExp(`Topic: ${topic}\\s.*PartitionCount: 3\\s.*Configs: cleanup.policy=compact,retention.ms=123456`),
  );
  assert.match(human, /PARTITION\s+LEADER\s+REPLICAS\s+ISR/);

  if (requireClient(t, 'kcat')) {
    const meta = JSON.parse((await kcat(broker.bootstrap, ['-L', '-J', '-t', topic])).stdout) as {
      topics: Array<{ topic: string; partitions: Array<{ partition: number }> }>;
    };
    assert.equal(meta.topics[0]!.topic, topic);
    assert.equal(meta.topics[0]!.partitions.length, 3);
  }

  await ok([
    'topics',
    'alter',
    topic,
    '--partitions',
    '5',
    '--config',
    'retention.ms=999',
    '--delete-config',
    'cleanup.policy',
  ]);
  const altered = JSON.parse((await ok(['topics', 'describe', '--topic', topic, '--json'])).stdout) as typeof desc;
  assert.equal(altered[0]!.partitionCount, 5);
  assert.deepEqual(altered[0]!.configs, { 'retention.ms': '999' });

  const list = JSON.parse((await ok(['topics', 'list', '--json'])).stdout) as string[];
  assert.ok(list.includes(topic));
  assert.ok((await ok(['topics', 'list'])).stdout.split('\n').includes(topic));

  await ok(['topics', 'delete', topic]);
  const gone = await samsa(['topics', 'delete', topic]);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /UNKNOWN_TOPIC_OR_PARTITION/);
  const quiet = await ok(['topics', 'delete', topic, '--if-exists']);
  assert.match(quiet.stdout, /does not exist/);
  const missing = await samsa(['topics', 'describe', topic]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^samsa: error: UNKNOWN_TOPIC_OR_PARTITION/);
});

test('samsa produce -> kcat: keys, values, headers and explicit partition intact', async (t) => {
  if (!requireClient(t, 'kcat')) return;
  const topic = uniqueTopic('cli-produce');
  await ok(['topics', 'create', topic, '--partitions', '2']);
  const r = await ok(
    [
      'produce',
      '--topic',
      topic,
      '--parse-key',
      '--key-separator',
      ':',
      '--header',
      'source=cli',
      '-H',
      'n=1',
      '--partition',
      '1',
      '--acks',
      '1',
      '--compression',
      'lz4',
    ],
    { input: 'k1:hello\nk2:wörld:with:colons\n:empty-key\n' },
  );
  assert.match(r.stderr, /^3 records produced/m);
  const msgs = await kcatConsumeAll(broker.bootstrap, topic);
  assert.equal(msgs.length, 3);
  assert.deepEqual(
    msgs.map((m) => [m.partition, m.offset, m.key, m.payload]),
    [
      [1, 0, 'k1', 'hello'],
      [1, 1, 'k2', 'wörld:with:colons'],
      [1, 2, '', 'empty-key'],
    ],
  );
  for (const m of msgs) assert.deepEqual(m.headers, ['source', 'cli', 'n', '1']);

  // Per-line headers (kafka-console-producer's parse.headers layout), default tab separators, no fixed partition.
  await ok(['produce', '-t', topic, '--parse-headers', '--parse-key', '--compression', 'zstd'], {
    input: 'a:1,b:2\tkx\tvx\n\tky\tvy\n',
  });
  const all = await kcatConsumeAll(broker.bootstrap, topic);
  const byKey = new Map(all.map((m) => [m.key, m]));
  assert.deepEqual(byKey.get('kx')!.headers, ['a', '1', 'b', '2']);
  assert.equal(byKey.get('kx')!.payload, 'vx');
  assert.equal(byKey.get('ky')!.payload, 'vy');
  assert.ok(
    byKey.get('ky')!.headers === undefined ||
      byKey.get('ky')!.headers === null ||
      byKey.get('ky')!.headers!.length === 0,
  );
});

test('samsa produce TOPIC and consume TOPIC take the topic as an argument; --key-separator alone parses keys', async () => {
  const topic = uniqueTopic('cli-positional');
  await ok(['topics', 'create', topic]);
  const produced = await ok(['produce', topic, '--key-separator', '='], { input: 'k1=v1\nk2=a=b\n' });
  assert.match(produced.stderr, /^2 records produced/m);
  // The same name both ways is accepted.
  await ok(['produce', topic, '-t', topic], { input: 'plain\n' });
  const r = await ok(['consume', topic, '--from-beginning', '--exit-at-end', '-f', '%k|%s\\n']);
  assert.equal(r.stdout, 'k1|v1\nk2|a=b\n|plain\n');
});

test('samsa produce: a line without the key separator fails the run (exit 1) and says why', async () => {
  const topic = uniqueTopic('cli-produce-bad');
  const r = await samsa(['produce', '-t', topic, '--parse-key'], { input: 'good\tone\nno-separator\n' });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /1 record produced/);
  assert.match(r.stderr, /1 failed/);
  assert.match(r.stderr, /samsa: error: no key separator/);
});

test('kcat -> samsa consume: --format placeholders, --json, --offset, --partition, --timestamp, --max-messages', async (t) => {
  if (!requireClient(t, 'kcat')) return;
  const topic = uniqueTopic('cli-consume');
  await ok(['topics', 'create', topic, '--partitions', '2']);
  // kcat -P with keys (-K:) and headers (-H), all to partition 0, then one record to partition 1.
  await kcat(broker.bootstrap, ['-P', '-t', topic, '-p', '0', '-K', ':', '-H', 'h1=v1', '-H', 'h2=v2'], {
    input: 'a:one\nb:two\nc:three\n',
  });
  await kcat(broker.bootstrap, ['-P', '-t', topic, '-p', '1', '-K', ':'], { input: 'd:four\n' });

  const fmt = await ok([
    'consume',
    '-t',
    topic,
    '--from-beginning',
    '--exit-at-end',
    '--format',
    '%t|%p|%o|%k|%s|%h|%K|%S\\n',
  ]);
  const lines = fmt.stdout.trim().split('\n').sort();
  assert.deepEqual(lines, [
    `${topic}|0|0|a|one|h1=v1,h2=v2|1|3`,
    `${topic}|0|1|b|two|h1=v1,h2=v2|1|3`,
    `${topic}|0|2|c|three|h1=v1,h2=v2|1|5`,
    `${topic}|1|0|d|four||1|4`,
  ]);
  assert.match(fmt.stderr, /Processed a total of 4 messages/);

  const json = await ok(['consume', '-t', topic, '-p', '0', '--offset', '1', '--exit-at-end', '--json']);
  const recs = json.stdout
    .trim()
    .split('\n')
    .map(
      (l) =>
        JSON.parse(l) as {
          partition: number;
          offset: number;
          key: string;
          value: string;
          headers: Array<{ key: string; value: string }>;
          timestamp: number;
        },
    );
  assert.deepEqual(
    recs.map((r) => [r.partition, r.offset, r.key, r.value]),
    [
      [0, 1, 'b', 'two'],
      [0, 2, 'c', 'three'],
    ],
  );
  assert.deepEqual(recs[0]!.headers, [
    { key: 'h1', value: 'v1' },
    { key: 'h2', value: 'v2' },
  ]);
  assert.ok(recs[0]!.timestamp > 1_600_000_000_000);

  const named = await ok([
    'consume',
    '-t',
    topic,
    '-p',
    '0',
    '--offset',
    '-1',
    '--exit-at-end',
    '--format',
    'key-value',
  ]);
  assert.equal(named.stdout, 'c\tthree\n');

  const limited = await ok(['consume', '-t', topic, '-p', '0', '--from-beginning', '--max-messages', '2']);
  assert.equal(limited.stdout, 'one\ntwo\n');

  // A timestamp after everything: nothing to print; one before everything: all of partition 0.
  const future = await ok([
    'consume',
    '-t',
    topic,
    '-p',
    '0',
    '--timestamp',
    String(Date.now() + 3_600_000),
    '--exit-at-end',
  ]);
  assert.equal(future.stdout, '');
  const past = await ok(['consume', '-t', topic, '-p', '0', '--timestamp', '2001-01-01T00:00:00Z', '--exit-at-end']);
  assert.equal(past.stdout, 'one\ntwo\nthree\n');

  // Default start is the end: with a timeout, nothing is printed.
  const latest = await ok(['consume', '-t', topic, '--timeout-ms', '500']);
  assert.equal(latest.stdout, '');
});

/** kafka-python: consume `n` records in a group from the earliest offset, commit, and print what was read. */
const KP_GROUP = `
import sys, json
from kafka import KafkaConsumer
bs, topic, group, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
c = KafkaConsumer(topic, bootstrap_servers=bs, group_id=group, auto_offset_reset='earliest',
                  enable_auto_commit=False, consumer_timeout_ms=15000)
got = []
for m in c:
    got.append([m.partition, m.offset, m.value.decode()])
    if len(got) >= n:
        break
c.commit()
c.close()
print(json.dumps(got))
`;

async function kpGroup(topic: string, group: string, n: number): Promise<Array<[number, number, string]>> {
  const r = await run(PYTHON, ['-c', KP_GROUP, broker.bootstrap, topic, group, String(n)], {
    timeoutMs: 60_000,
    env: { PYTHONDONTWRITEBYTECODE: '1' },
  });
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Array<[number, number, string]>;
}

test('groups list/describe show a kafka-python group with lag; reset-offsets (dry run, then execute) moves where it resumes; delete', async (t) => {
  if (!requireClient(t, 'kafka-python')) return;
  const topic = uniqueTopic('cli-groups');
  const group = uniqueTopic('cli-group');
  await ok(['topics', 'create', topic, '--partitions', '1']);
  await ok(['produce', '-t', topic, '--acks', '1'], {
    input: Array.from({ length: 10 }, (_, i) => `m${i}`).join('\n') + '\n',
  });

  const first = await kpGroup(topic, group, 4);
  assert.deepEqual(
    first.map((r) => r[2]),
    ['m0', 'm1', 'm2', 'm3'],
  );

  const list = JSON.parse((await ok(['groups', 'list', '--json'])).stdout) as Array<{ group: string; state: string }>;
  const entry = list.find((g) => g.group === group);
  assert.ok(entry, `group ${group} listed: ${JSON.stringify(list)}`);
  assert.equal(entry.state, 'Empty');
  assert.match((await ok(['groups', 'list'])).stdout, new RegExp(`${group}\\s+Empty\\s+consumer`));

  const desc = JSON.parse((await ok(['groups', 'describe', group, '--json'])).stdout) as {
    state: string;
    partitions: Array<{ topic: string; partition: number; currentOffset: number; logEndOffset: number; lag: number }>;
  };
  assert.equal(desc.state, 'Empty');
  assert.deepEqual(desc.partitions, [
    { topic, partition: 0, currentOffset: 4, logEndOffset: 10, lag: 6, memberId: null, clientId: null, host: null },
  ]);
  assert.match(
    (await ok(['groups', 'describe', '--group', group])).stdout,
    new RegExp(`${topic}\\s+0\\s+4\\s+10\\s+6`),
  );

  // Dry run by default: shows the new offset, changes nothing.
  const dry = await ok(['groups', 'reset-offsets', '--group', group, '--topic', topic, '--to-offset', '7']);
  assert.match(dry.stdout, new RegExp(`${group}\\s+${topic}\\s+0\\s+4\\s+7`));
  assert.match(dry.stdout, /dry run/);
  const still = JSON.parse((await ok(['groups', 'describe', group, '--json'])).stdout) as typeof desc;
  assert.equal(still.partitions[0]!.currentOffset, 4);

  const shifted = JSON.parse(
    (await ok(['groups', 'reset-offsets', '--group', group, '--topic', `${topic}:0`, '--shift-by', '-3', '--json']))
      .stdout,
  ) as {
    executed: boolean;
    offsets: Array<{ newOffset: number }>;
  };
  assert.equal(shifted.executed, false);
  assert.equal(shifted.offsets[0]!.newOffset, 1);
  const clamped = JSON.parse(
    (await ok(['groups', 'reset-offsets', '--group', group, '--all-topics', '--to-offset', '999', '--json'])).stdout,
  ) as typeof shifted;
  assert.equal(clamped.offsets[0]!.newOffset, 10);

  await ok(['groups', 'reset-offsets', '--group', group, '--topic', topic, '--to-offset', '7', '--execute']);
  const resumed = await kpGroup(topic, group, 3);
  assert.deepEqual(
    resumed.map((r) => [r[1], r[2]]),
    [
      [7, 'm7'],
      [8, 'm8'],
      [9, 'm9'],
    ],
  );

  await ok(['groups', 'reset-offsets', '--group', group, '--all-topics', '--to-earliest', '--execute']);
  const again = await kpGroup(topic, group, 1);
  assert.deepEqual(
    again.map((r) => r[1]),
    [0],
  );

  await ok([
    'groups',
    'reset-offsets',
    '--group',
    group,
    '--topic',
    topic,
    '--to-datetime',
    '2001-01-01T00:00:00',
    '--execute',
  ]);
  const byTime = JSON.parse((await ok(['groups', 'describe', group, '--json'])).stdout) as typeof desc;
  assert.equal(byTime.partitions[0]!.currentOffset, 0);

  await ok(['groups', 'delete', group]);
  const after = JSON.parse((await ok(['groups', 'list', '--json'])).stdout) as Array<{ group: string }>;
  assert.ok(!after.some((g) => g.group === group));
  const gone = await samsa(['groups', 'describe', group]);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /^samsa: error: GROUP_ID_NOT_FOUND/);
});

test('samsa consume --group commits what it printed; groups describe shows no lag', async () => {
  const topic = uniqueTopic('cli-consume-group');
  const group = uniqueTopic('cli-cg');
  await ok(['topics', 'create', topic, '--partitions', '2']);
  await ok(['produce', '-t', topic, '--parse-key'], { input: 'a\t1\nb\t2\nc\t3\nd\t4\ne\t5\n' });
  const r = await ok([
    'consume',
    '-t',
    topic,
    '--group',
    group,
    '--from-beginning',
    '--max-messages',
    '5',
    '--format',
    '%k=%s\\n',
  ]);
  assert.deepEqual(r.stdout.trim().split('\n').sort(), ['a=1', 'b=2', 'c=3', 'd=4', 'e=5']);
  const desc = JSON.parse((await ok(['groups', 'describe', group, '--json'])).stdout) as {
    partitions: Array<{ lag: number; currentOffset: number }>;
  };
  assert.equal(desc.partitions.length, 2);
  assert.equal(
    desc.partitions.reduce((s, p) => s + p.currentOffset, 0),
    5,
  );
  for (const p of desc.partitions) assert.equal(p.lag, 0);
});

test('configs describe/alter for topics and brokers', async () => {
  const topic = uniqueTopic('cli-configs');
  await ok(['topics', 'create', topic]);
  const none = JSON.parse(
    (await ok(['configs', 'describe', '--entity-type', 'topics', '--entity-name', topic, '--json'])).stdout,
  ) as { configs: unknown[] };
  assert.deepEqual(none.configs, []);
  await ok([
    'configs',
    'alter',
    '--entity-type',
    'topics',
    '--entity-name',
    topic,
    '--add-config',
    'retention.ms=60000,cleanup.policy=[compact,delete]',
  ]);
  const set = JSON.parse(
    (await ok(['configs', 'describe', '--entity-type', 'topics', '--entity-name', topic, '--json'])).stdout,
  ) as {
    configs: Array<{ name: string; value: string; source: string }>;
  };
  assert.deepEqual(
    set.configs.map((c) => [c.name, c.value, c.source]),
    [
      ['cleanup.policy', 'compact,delete', 'DYNAMIC_TOPIC_CONFIG'],
      ['retention.ms', '60000', 'DYNAMIC_TOPIC_CONFIG'],
    ],
  );
  await ok([
    'configs',
    'alter',
    '--entity-type',
    'topics',
    '--entity-name',
    topic,
    '--delete-config',
    'cleanup.policy',
  ]);
  const human = (await ok(['configs', 'describe', '--entity-type', 'topics', '--entity-name', topic])).stdout;
  assert.match(human, /retention\.ms\s+60000\s+DYNAMIC_TOPIC_CONFIG/);
  assert.doesNotMatch(human, /cleanup\.policy/);
  const all = JSON.parse(
    (await ok(['configs', 'describe', '--entity-type', 'topics', '--entity-name', topic, '--all', '--json'])).stdout,
  ) as typeof set;
  assert.ok(all.configs.some((c) => c.name === 'segment.bytes' && c.source === 'DEFAULT_CONFIG'));

  const bad = await samsa([
    'configs',
    'alter',
    '--entity-type',
    'topics',
    '--entity-name',
    topic,
    '--add-config',
    'no.such.config=1',
  ]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^samsa: error: INVALID_CONFIG/);

  const brokers = JSON.parse(
    (
      await ok([
        'configs',
        'describe',
        '--entity-type',
        'brokers',
        '--entity-name',
        String(broker.broker.config.nodeId),
        '--all',
        '--json',
      ])
    ).stdout,
  ) as typeof set;
  assert.ok(brokers.configs.some((c) => c.name === 'log.dirs'));

  // Dynamic broker configs: this broker's own, and the cluster-wide default (kafka-configs --entity-default).
  const id = String(broker.broker.config.nodeId);
  const brokerArgs = ['configs', 'alter', '--entity-type', 'brokers'];
  await ok([...brokerArgs, '--entity-name', id, '--add-config', 'log.cleaner.delete.retention.ms=4321']);
  await ok([...brokerArgs, '--entity-default', '--add-config', 'log.cleaner.min.compaction.lag.ms=5']);
  const mine = JSON.parse(
    (await ok(['configs', 'describe', '--entity-type', 'brokers', '--entity-name', id, '--json'])).stdout,
  ) as typeof set;
  assert.deepEqual(
    mine.configs.map((c) => [c.name, c.value, c.source]),
    [
      ['log.cleaner.delete.retention.ms', '4321', 'DYNAMIC_BROKER_CONFIG'],
      ['log.cleaner.min.compaction.lag.ms', '5', 'DYNAMIC_DEFAULT_BROKER_CONFIG'],
    ],
  );
  const dflt = JSON.parse(
    (await ok(['configs', 'describe', '--entity-type', 'brokers', '--entity-default', '--json'])).stdout,
  ) as typeof set;
  assert.deepEqual(
    dflt.configs.map((c) => [c.name, c.value]),
    [['log.cleaner.min.compaction.lag.ms', '5']],
  );
  const readOnly = await samsa([...brokerArgs, '--entity-name', id, '--add-config', 'log.dirs=/elsewhere']);
  assert.equal(readOnly.code, 1);
  assert.match(readOnly.stderr, /INVALID_REQUEST.*Cannot update these configs dynamically: log.dirs/);
  await ok([...brokerArgs, '--entity-name', id, '--delete-config', 'log.cleaner.delete.retention.ms']);
  await ok([...brokerArgs, '--entity-default', '--delete-config', 'log.cleaner.min.compaction.lag.ms']);
});

test('wrong arguments: exit 2 with one clear line', async () => {
  assertUsage(await samsa(['topics', 'create']), /a topic name is needed/);
  assertUsage(await samsa(['topics', 'create', 'x', '--partitions', 'zero']), /--partitions.*expected an integer/);
  assertUsage(await samsa(['topics', 'alter', 'x']), /nothing to alter/);
  assertUsage(await samsa(['topics', 'create', 'x', '--config', 'novalue']), /--config: expected key=value/);
  assertUsage(await samsa(['produce']), /a topic name is needed/);
  assertUsage(await samsa(['produce', 'a', '-t', 'b']), /two different topic names given: 'a' and 'b'/);
  assertUsage(await samsa(['consume']), /a topic name is needed/);
  assertUsage(await samsa(['produce', '-t', 'x', '--acks', '2']), /--acks.*Allowed choices are 0, 1, all/);
  assertUsage(
    await samsa(['produce', '-t', 'x', '--compression', 'brotli']),
    /Allowed choices are none, gzip, snappy, lz4, zstd/,
  );
  assertUsage(await samsa(['consume', '-t', 'x', '--format', '%q']), /unknown placeholder %q/);
  assertUsage(await samsa(['consume', '-t', 'x', '--from-beginning', '--offset', '3']), /exclude each other/);
  assertUsage(await samsa(['consume', '-t', 'x', '--timestamp', 'yesterday']), /--timestamp: 'yesterday'/);
  assertUsage(
    await samsa(['consume', '-t', 'x', '--group', 'g', '--partition', '0']),
    /--partition cannot be used with --group/,
  );
  assertUsage(await samsa(['groups', 'reset-offsets', '--group', 'g', '--topic', 't']), /exactly one of --to-earliest/);
  assertUsage(
    await samsa(['groups', 'reset-offsets', '--group', 'g', '--to-latest']),
    /--topic TOPIC\[:PARTITIONS\] or --all-topics/,
  );
  assertUsage(
    await samsa(['groups', 'reset-offsets', '--group', 'g', '--topic', 't', '--to-latest', '--dry-run', '--execute']),
    /exclude each other/,
  );
  assertUsage(await samsa(['configs', 'describe', '--entity-type', 'users']), /Allowed choices are topics, brokers/);
  assertUsage(await samsa(['configs', 'alter', '--entity-type', 'topics', '--entity-name', 't']), /nothing to alter/);
  assertUsage(
    await samsa(['perf', 'produce', '--topic', 't', '--num-records', '10']),
    /required option '--record-size <bytes>'/,
  );
  assertUsage(await samsa(['perf', 'consume', '--topic', 't']), /--messages N is required/);
  assertUsage(
    await samsa(['topics', 'list', '--bootstrap-server', 'nonsense'], { noBootstrap: true }),
    /is not host:port/,
  );
  assertUsage(await samsa(['topics', 'frobnicate']), /unknown command 'frobnicate'/);
});

test('--help of every tool documents its options and shows examples', async () => {
  const top = await samsa(['--help'], { noBootstrap: true });
  assert.equal(top.code, 0);
  for (const c of ['topics', 'produce', 'consume', 'groups', 'configs', 'perf'])
    assert.match(top.stdout, new RegExp(`\\n\\s+${c} `));
  const cases: Array<[string[], string[]]> = [
    [
      ['topics', 'create', '--help'],
      ['--partitions', '--replication-factor', '--config', '--if-not-exists', '--bootstrap-server'],
    ],
    [
      ['produce', '--help'],
      [
        '--parse-key',
        '--key-separator',
        '--header',
        '--parse-headers',
        '--partition',
        '--acks',
        '--compression',
        'Examples:',
      ],
    ],
    [
      ['consume', '--help'],
      [
        '--from-beginning',
        '--offset',
        '--timestamp',
        '--group',
        '--max-messages',
        '--timeout-ms',
        '--format',
        '--json',
        'Examples:',
      ],
    ],
    [
      ['groups', 'reset-offsets', '--help'],
      ['--to-earliest', '--to-latest', '--to-offset', '--to-datetime', '--shift-by', '--dry-run', '--execute'],
    ],
    [
      ['configs', 'alter', '--help'],
      ['--entity-type', '--entity-name', '--add-config', '--delete-config'],
    ],
    [
      ['perf', 'produce', '--help'],
      ['--num-records', '--record-size', '--throughput', '--acks', '--compression', '--batch-size', '--linger-ms'],
    ],
    [
      ['topics', '--help'],
      ['Examples:', 'samsa topics create'],
    ],
  ];
  for (const [args, needles] of cases) {
    const r = await samsa(args, { noBootstrap: true });
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    for (const n of needles) assert.ok(r.stdout.includes(n), `${args.join(' ')} should mention ${n}`);
  }
});

test('an unreachable broker is a runtime failure (exit 1), not a hang', async () => {
  const { freePort } = await import('../helpers/broker.js');
  const port = await freePort();
  const r = await samsa(['topics', 'list', '--bootstrap-server', `127.0.0.1:${port}`], {
    noBootstrap: true,
    timeoutMs: 60_000,
  });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^samsa: error: /);
});

test('perf produce and perf consume print progress lines and a summary', async () => {
  const topic = uniqueTopic('cli-perf');
  await ok(['topics', 'create', topic]);
  // A throughput ceiling makes the run last about 1.5 s, so at least one progress line is due.
  const p = await ok([
    'perf',
    'produce',
    '--topic',
    topic,
    '--num-records',
    '3000',
    '--record-size',
    '200',
    '--throughput',
    '2000',
    '--acks',
    'all',
    '--compression',
    'snappy',
  ]);
  const lines = p.stdout.trim().split('\n');
  assert.ok(lines.length >= 2, p.stdout);
  assert.match(
    lines[0]!,
    /^\d+ records sent, [\d.]+ records\/sec \([\d.]+ MB\/sec\), [\d.]+ ms avg latency, [\d.]+ ms max latency\.$/,
  );
  assert.match(
    lines.at(-1)!,
    /^3000 records sent, [\d.]+ records\/sec \([\d.]+ MB\/sec\), [\d.]+ ms avg latency, [\d.]+ ms max latency, [\d.]+ ms 50th, [\d.]+ ms 95th, [\d.]+ ms 99th, [\d.]+ ms 99.9th\.$/,
  );

  const pj = await ok(['perf', 'produce', '--topic', topic, '--num-records', '2000', '--record-size', '100', '--json']);
  const ps = JSON.parse(pj.stdout) as {
    records: number;
    failed: number;
    p50Ms: number;
    p99Ms: number;
    p999Ms: number;
    maxLatencyMs: number;
  };
  assert.equal(ps.records, 2000);
  assert.equal(ps.failed, 0);
  assert.ok(ps.p50Ms <= ps.p99Ms && ps.p99Ms <= ps.p999Ms && ps.p999Ms <= ps.maxLatencyMs);

  const c = await ok([
    'perf',
    'consume',
    '--topic',
    topic,
    '--messages',
    '5000',
    '--reporting-interval-ms',
    '100',
    '--json',
  ]);
  const cs = JSON.parse(c.stdout) as { records: number; bytes: number; recordsPerSec: number; totalMb: number };
  assert.equal(cs.records, 5000);
  assert.equal(cs.bytes, 3000 * 200 + 2000 * 100);
  assert.ok(cs.recordsPerSec > 0);
  const human = await ok(['perf', 'consume', '--topic', topic, '--messages', '5000']);
  assert.match(
    human.stdout.trim().split('\n').at(-1)!,
    /^5000 records consumed \([\d.]+ MB\) in [\d.]+ s: [\d.]+ records\/sec, [\d.]+ MB\/sec\.$/,
  );

  // Asking for more records than exist ends after the idle timeout with exit 1.
  const short = await samsa(['perf', 'consume', '--topic', topic, '--messages', '6000', '--timeout-ms', '1000']);
  assert.equal(short.code, 1);
  assert.match(short.stderr, /only 5000 of 6000 records/);
});

test('samsa produce keeps the order of stdin lines, also into a topic it has the broker create', async (t) => {
  if (!requireClient(t, 'kcat')) return;
  const topic = uniqueTopic('cli-order');
  const n = 20_000;
  const input = Array.from({ length: n }, (_, i) => String(i)).join('\n') + '\n';
  const r = await ok(['produce', '-t', topic, '--acks', '1'], { input });
  assert.match(r.stderr, new RegExp(`^${n} records produced`, 'm'));
  const out = await kcat(broker.bootstrap, ['-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%p %o %s\\n']);
  const lines = out.stdout.trim().split('\n');
  assert.equal(lines.length, n);
  for (const [i, l] of lines.entries()) assert.equal(l, `0 ${i} ${i}`, `record at offset ${i}`);
});

test('samsa consume piped into head stops quietly (exit 0, no EPIPE trace)', async () => {
  const topic = uniqueTopic('cli-pipe');
  await ok(['produce', '-t', topic, '--acks', '1'], {
    input: Array.from({ length: 50_000 }, (_, i) => `line-${i}`).join('\n') + '\n',
  });
  const r = await run(
    'bash',
    [
      '-c',
      `set -o pipefail; "${process.execPath}" "${BIN}" consume -t ${topic} --from-beginning -e -b ${broker.bootstrap} | head -1`,
    ],
    { allowFailure: true },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'line-0\n');
  assert.doesNotMatch(r.stderr, /EPIPE/);
});
