/**
 * Prometheus metrics: a real Prometheus scrapes a broker whose topic kcat wrote to and answers a PromQL query; the
 * exposition itself carries Kafka's metric names for traffic, requests, errors, connections, partitions, logs and
 * consumer group lag.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAdmin } from '../../src/client/index.js';
import { collectProperties } from '../../src/cli/start.js';
import { freePort, startTestBroker, type TestBroker } from '../helpers/broker.js';
import { kcat, requireClient, uniqueTopic } from '../helpers/clients.js';

const PROMETHEUS = process.env['SAMSA_PROMETHEUS'] ?? '/usr/bin/prometheus';

let tb: TestBroker;
let metricsUrl: string;

before(async () => {
  tb = await startTestBroker({
    services: { metrics: true },
    config: { 'metrics.listeners': 'http://127.0.0.1:0', 'auto.create.topics.enable': 'false' },
  });
  metricsUrl = tb.broker.services.get('metrics')!.urls[0]!;
});

after(async () => {
  await tb.stop();
});

async function scrape(): Promise<string> {
  const res = await fetch(metricsUrl);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
  return res.text();
}

/** The value of one series in the exposition text, or undefined. */
function seriesValue(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('samsa start serves metrics unless configured off', () => {
  assert.equal(collectProperties({}).props['metrics.enabled'], 'true');
  assert.equal(collectProperties({ override: ['metrics.enabled=false'] }).props['metrics.enabled'], 'false');
});

test('traffic, requests, errors, connections, logs and lag carry Kafka metric names', async (t) => {
  if (!requireClient(t, 'kcat')) return;
  const topic = uniqueTopic('metrics');
  const admin = createAdmin({ bootstrapServers: tb.bootstrap });
  try {
    await admin.createTopics([{ name: topic, numPartitions: 2, replicationFactor: 1 }]);
    const input = ['a', 'bb', 'ccc', 'dddd', 'eeeee'].join('\n');
    const r = await kcat(tb.bootstrap, ['-P', '-t', topic, '-p', '1'], { input });
    assert.equal(r.code, 0, r.stderr);
    const read = await kcat(tb.bootstrap, ['-C', '-t', topic, '-p', '1', '-o', 'beginning', '-e', '-q']);
    assert.equal(read.stdout.trim().split('\n').length, 5, read.stderr);
    // A produce to a topic that does not exist answers UNKNOWN_TOPIC_OR_PARTITION.
    await kcat(tb.bootstrap, ['-P', '-t', uniqueTopic('missing'), '-p', '0', '-X', 'message.timeout.ms=2000'], {
      input: 'x',
      allowFailure: true,
    });
    await admin.alterGroupOffsets('metrics-group', [{ topic, partition: 1, offset: 2 }]);
    // A topic that flushes on every write feeds the flush latency histogram.
    const flushed = uniqueTopic('metrics-flush');
    await admin.createTopics([
      { name: flushed, numPartitions: 1, replicationFactor: 1, configs: { 'flush.messages': '1' } },
    ]);
    const f = await kcat(tb.bootstrap, ['-P', '-t', flushed, '-p', '0'], { input: 'x\ny' });
    assert.equal(f.code, 0, f.stderr);

    const text = await scrape();
    assert.equal(seriesValue(text, `kafka_server_brokertopicmetrics_messagesin_total{topic="${topic}"}`), 5);
    assert.ok(seriesValue(text, `kafka_server_brokertopicmetrics_bytesin_total{topic="${topic}"}`)! > 15);
    assert.ok(seriesValue(text, `kafka_server_brokertopicmetrics_bytesout_total{topic="${topic}"}`)! > 15);
    assert.match(text, /^kafka_network_requestmetrics_requests_total\{request="Produce",version="\d+"\} \d+/m);
    assert.match(text, /^kafka_network_requestmetrics_totaltimems_bucket\{le="\+Inf",request="Fetch"\} \d+/m);
    assert.match(text, /^kafka_network_requestmetrics_requestqueuetimems_count\{request="Metadata"\} \d+/m);
    assert.match(
      text,
      /^kafka_network_requestmetrics_errors_total\{request="(Produce|Metadata)",error="UNKNOWN_TOPIC_OR_PARTITION"\} [1-9]/m,
    );
    assert.match(text, /^kafka_server_socketservermetrics_connection_creation_total\{listener="PLAINTEXT"\} [1-9]/m);
    assert.ok(seriesValue(text, 'kafka_server_socketservermetrics_connection_count{listener="PLAINTEXT"}')! >= 1);
    assert.ok(seriesValue(text, 'kafka_server_replicamanager_partitioncount')! >= 2);
    assert.equal(
      seriesValue(text, 'kafka_server_replicamanager_partitioncount'),
      seriesValue(text, 'kafka_server_replicamanager_leadercount'),
    );
    assert.equal(seriesValue(text, 'kafka_server_replicamanager_underreplicatedpartitions'), 0);
    assert.equal(seriesValue(text, 'kafka_controller_kafkacontroller_offlinepartitionscount'), 0);
    assert.ok(seriesValue(text, `kafka_log_log_size{topic="${topic}",partition="1"}`)! > 15);
    assert.equal(seriesValue(text, `kafka_log_log_numlogsegments{topic="${topic}",partition="1"}`), 1);
    assert.equal(seriesValue(text, `kafka_log_log_logendoffset{topic="${topic}",partition="1"}`), 5);
    assert.equal(seriesValue(text, `kafka_topic_partition_current_offset{topic="${topic}",partition="1"}`), 5);
    const group = `consumergroup="metrics-group",topic="${topic}",partition="1"`;
    assert.equal(seriesValue(text, `kafka_consumergroup_current_offset{${group}}`), 2);
    assert.equal(seriesValue(text, `kafka_consumergroup_lag{${group}}`), 3);
    assert.equal(seriesValue(text, `kafka_consumergroup_lag_sum{consumergroup="metrics-group",topic="${topic}"}`), 3);
    // A group with committed offsets and no members is Empty.
    assert.equal(
      seriesValue(text, 'kafka_consumergroup_state{consumergroup="metrics-group",state="Empty",type="classic"}'),
      1,
    );
    assert.ok(seriesValue(text, 'kafka_coordinator_group_groupmetadatamanager_numgroups{state="Empty"}')! >= 1);
    assert.match(text, /^kafka_server_delayedoperationpurgatory_purgatorysize\{delayedOperation="Fetch"\} \d+/m);
    assert.equal(
      seriesValue(text, 'kafka_server_delayedoperationpurgatory_purgatorysize{delayedOperation="Produce"}'),
      0,
    );
    assert.ok(seriesValue(text, 'kafka_log_logflushstats_logflushrateandtimems_count')! >= 1);
    assert.match(text, /^nodejs_eventloop_lag_seconds \d/m);
    assert.match(text, /^nodejs_heap_size_used_bytes \d/m);
    assert.match(text, /^# TYPE nodejs_gc_duration_seconds histogram/m);

    // A deleted topic's series go.
    await admin.deleteTopics([topic]);
    await scrape(); // the scrape that notices the deletion
    const later = await scrape();
    assert.equal(seriesValue(later, `kafka_server_brokertopicmetrics_messagesin_total{topic="${topic}"}`), undefined);
    assert.equal(seriesValue(later, `kafka_log_log_size{topic="${topic}",partition="1"}`), undefined);
  } finally {
    admin.close();
  }
});

test('ISR shrinks and expands of partitions led here are counted', async () => {
  const topic = uniqueTopic('metrics-isr');
  const admin = createAdmin({ bootstrapServers: tb.bootstrap });
  try {
    await admin.createTopics([{ name: topic, numPartitions: 1, replicationFactor: 1 }]);
  } finally {
    admin.close();
  }
  const replicas = tb.broker.replicas;
  const p = replicas.get(topic, 0)!;
  const self = tb.broker.nodeId;
  const other = self + 1;
  const counts = async () => {
    const text = await scrape();
    return {
      shrinks: seriesValue(text, 'kafka_server_replicamanager_isrshrinks_total'),
      expands: seriesValue(text, 'kafka_server_replicamanager_isrexpands_total'),
    };
  };
  const start = await counts();
  assert.ok(start.shrinks !== undefined && start.expands !== undefined, 'both counters are exported');
  // The partition's leadership as the cluster would decide it: a second replica joins the ISR, then falls out.
  const state = (isr: number[], leaderEpoch = p.leaderEpoch) => ({
    leader: self,
    leaderEpoch,
    replicas: [self, other],
    isr,
  });
  await replicas.becomeLeader(topic, 0, p.log, state([self, other]));
  assert.deepEqual(await counts(), { shrinks: start.shrinks, expands: start.expands + 1 });
  await replicas.becomeLeader(topic, 0, p.log, state([self]));
  assert.deepEqual(await counts(), { shrinks: start.shrinks + 1, expands: start.expands + 1 });
  // The same ISR again is no change; nor is a follower's ISR, nor taking over leadership with a new ISR.
  await replicas.becomeLeader(topic, 0, p.log, state([self]));
  replicas.becomeFollower(topic, 0, p.log, { ...state([other], p.leaderEpoch + 1), leader: other });
  replicas.becomeFollower(topic, 0, p.log, { ...state([other, self], p.leaderEpoch), leader: other });
  await replicas.becomeLeader(topic, 0, p.log, state([self, other], p.leaderEpoch + 1));
  assert.deepEqual(await counts(), { shrinks: start.shrinks + 1, expands: start.expands + 1 });
});

test('a real Prometheus scrapes the broker and answers a PromQL query', async (t) => {
  if (!requireClient(t, 'kcat')) return;
  if (!existsSync(PROMETHEUS)) {
    if (process.env['SAMSA_REQUIRE_CLIENTS'] === '1') assert.fail(`${PROMETHEUS} is not installed`);
    t.skip(`${PROMETHEUS} is not installed`);
    return;
  }
  const topic = uniqueTopic('scraped');
  const admin = createAdmin({ bootstrapServers: tb.bootstrap });
  await admin.createTopics([{ name: topic, numPartitions: 1, replicationFactor: 1 }]);
  admin.close();
  const r = await kcat(tb.bootstrap, ['-P', '-t', topic], { input: 'one\ntwo\nthree\nfour\n' });
  assert.equal(r.code, 0, r.stderr);

  const dir = await mkdtemp(join(tmpdir(), 'samsa-prom-'));
  const port = await freePort();
  const target = new URL(metricsUrl);
  await writeFile(
    join(dir, 'prometheus.yml'),
    [
      'global:',
      '  scrape_interval: 1s',
      'scrape_configs:',
      '  - job_name: samsa',
      `    metrics_path: ${target.pathname}`,
      '    static_configs:',
      `      - targets: ['${target.host}']`,
      '',
    ].join('\n'),
  );
  let output = '';
  const prom: ChildProcess = spawn(
    PROMETHEUS,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  prom.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  prom.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((res) => prom.once('exit', () => res()));
  try {
    const query = `sum(kafka_server_brokertopicmetrics_messagesin_total{job="samsa",topic="${topic}"})`;
    const value = await waitFor('Prometheus to answer with the scraped series', async () => {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(query)}`);
      if (!res.ok) return undefined;
      const body = (await res.json()) as { status: string; data: { result: Array<{ value: [number, string] }> } };
      assert.equal(body.status, 'success');
      return body.data.result[0]?.value[1];
    });
    assert.equal(value, '4', output);
    const up = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent('up{job="samsa"}')}`);
    const upBody = (await up.json()) as { data: { result: Array<{ value: [number, string] }> } };
    assert.equal(upBody.data.result[0]?.value[1], '1');
  } finally {
    prom.kill('SIGTERM');
    const killer = setTimeout(() => prom.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
    await rm(dir, { recursive: true, force: true });
  }
});
