/**
 * The cluster tools against a real three-broker cluster (startCluster with a real etcd): `samsa cluster status`,
 * `samsa topics describe` with leaders, replicas, ISR and offline replicas, `samsa partitions reassign` (flags and
 * Kafka's JSON plan) and `samsa partitions elect`, checked with kcat's view of the leaders; and `samsa cluster
 * start` itself: a cluster in one command that kcat sees, stopped by SIGTERM, and a clear message without etcd.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../../src/broker/logger.js';
import { startCluster, type LocalCluster } from '../../src/server/cluster.js';
import { freePort, freePortRange } from '../helpers/broker.js';
import { kcat, requireClient, run, uniqueTopic, type RunResult } from '../helpers/clients.js';
import { waitUntil } from '../helpers/cluster.js';
import { etcdBinary, requireEtcd } from '../helpers/etcd.js';

const BIN = fileURLToPath(new URL('../../../bin/samsa.js', import.meta.url));
const haveEtcd = etcdBinary() !== undefined;
let cluster: LocalCluster | undefined;

before(async () => {
  if (!haveEtcd) return;
  cluster = await startCluster({
    brokers: 3,
    logger: createLogger({ level: 'warn' }),
    config: { 'auto.leader.rebalance.enable': 'false', 'broker.session.timeout.ms': '2000' },
  });
});

after(async () => {
  await cluster?.stop();
});

function skipWithoutEtcd(t: { skip: (m: string) => void }): boolean {
  return !requireEtcd(t);
}

function samsa(args: string[], opts: { env?: NodeJS.ProcessEnv; bootstrap?: string } = {}): Promise<RunResult> {
  const full = opts.bootstrap === undefined ? args : [...args, '--bootstrap-server', opts.bootstrap];
  const env = { ...process.env, ...opts.env };
  delete env.LOG_LEVEL;
  return run(process.execPath, [BIN, ...full], { allowFailure: true, timeoutMs: 60_000, env });
}

async function ok(args: string[]): Promise<RunResult> {
  const r = await samsa(args, { bootstrap: cluster!.bootstrap });
  assert.equal(r.code, 0, `samsa ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r;
}

interface Described {
  topic: string;
  partitions: Array<{ partition: number; leader: number; replicas: number[]; isr: number[]; offline: number[] }>;
}

const describeJson = async (topic: string): Promise<Described> =>
  (JSON.parse((await ok(['topics', 'describe', topic, '--json'])).stdout) as Described[])[0]!;

test('cluster status, topics describe, reassign and elect', { timeout: 300_000 }, async (t) => {
  if (skipWithoutEtcd(t)) return;
  const status = JSON.parse((await ok(['cluster', 'status', '--json'])).stdout);
  assert.deepEqual(
    status.brokers.map((b: { nodeId: number }) => b.nodeId),
    [1, 2, 3],
  );
  assert.ok([1, 2, 3].includes(status.controller));
  assert.deepEqual(status.offline, []);
  const human = (await ok(['cluster', 'status'])).stdout;
  assert.match(human, /3 broker\(s\), controller \d/);
  assert.match(human, /Under-replicated partitions: 0/);

  const topic = uniqueTopic('cli-cluster');
  await ok(['topics', 'create', topic, '--partitions', '3', '--replication-factor', '3']);
  let d = await describeJson(topic);
  assert.equal(d.partitions.length, 3);
  for (const p of d.partitions) {
    assert.equal(p.replicas.length, 3);
    assert.deepEqual([...p.isr].sort(), [1, 2, 3]);
    assert.equal(p.leader, p.replicas[0]);
    assert.deepEqual(p.offline, []);
  }
  const text = (await ok(['topics', 'describe', topic])).stdout;
  assert.match(text, /PARTITION\s+LEADER\s+REPLICAS\s+ISR\s+OFFLINE/);

  // Reassign partition 0 to the same brokers in another order (by flags), then partition 1 by a JSON plan; the
  // new first replica is the preferred leader, which an election then makes leader.
  const p0 = d.partitions[0]!;
  const rotated0 = [...p0.replicas.slice(1), p0.replicas[0]!];
  const r1 = await ok([
    'partitions',
    'reassign',
    '--topic',
    topic,
    '--partition',
    '0',
    '--replicas',
    rotated0.join(','),
  ]);
  assert.match(r1.stdout, new RegExp(`Started the reassignment of ${topic}-0`));
  const p1 = d.partitions[1]!;
  const rotated1 = [...p1.replicas.slice(1), p1.replicas[0]!];
  const dir = await mkdtemp(join(tmpdir(), 'samsa-plan-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const plan = join(dir, 'plan.json');
  await writeFile(plan, JSON.stringify({ version: 1, partitions: [{ topic, partition: 1, replicas: rotated1 }] }));
  await ok(['partitions', 'reassign', '--reassignment-json-file', plan]);
  for (let i = 0; i < 50; i++) {
    d = await describeJson(topic);
    if (d.partitions[0]!.replicas.join() === rotated0.join() && d.partitions[1]!.replicas.join() === rotated1.join())
      break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(d.partitions[0]!.replicas, rotated0);
  assert.deepEqual(d.partitions[1]!.replicas, rotated1);
  assert.equal((await ok(['partitions', 'reassign', '--list'])).stdout, 'No reassignment in progress.\n');

  const elect = await ok(['partitions', 'elect', '--type', 'preferred', '--topic', topic]);
  assert.match(elect.stdout, new RegExp(`Elected a new leader for ${topic}-0`));
  assert.match(elect.stdout, new RegExp(`Elected a new leader for ${topic}-1`));
  d = await describeJson(topic);
  assert.equal(d.partitions[0]!.leader, rotated0[0]);
  assert.equal(d.partitions[1]!.leader, rotated1[0]);
  if (requireClient(t, 'kcat')) {
    const L = (await kcat(cluster!.bootstrap, ['-L', '-t', topic])).stdout;
    assert.match(L, new RegExp(`partition 0, leader ${rotated0[0]}, replicas: ${rotated0.join(',')}`));
  }
  // Nothing left to elect; a bad plan is a usage error.
  const again = await ok(['partitions', 'elect', '--all-topic-partitions']);
  assert.match(again.stdout, /No election was needed|already had the leader/);
  await writeFile(plan, '{"partitions": [{"topic": "x"}]}');
  const bad = await samsa(['partitions', 'reassign', '--reassignment-json-file', plan], {
    bootstrap: cluster!.bootstrap,
  });
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /partitions\[0\] needs "topic" \(string\) and "partition" \(integer\)/);
});

test('samsa cluster start runs a cluster until SIGTERM', { timeout: 180_000 }, async (t) => {
  if (skipWithoutEtcd(t)) return;
  const dir = await mkdtemp(join(tmpdir(), 'samsa-cluster-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const base = await freePortRange(2);
  const etcdPort = await freePort();
  const env = { ...process.env };
  delete env.LOG_LEVEL;
  const child = spawn(
    process.execPath,
    [
      BIN,
      'cluster',
      'start',
      '--brokers',
      '2',
      '--base-port',
      String(base),
      '--etcd-port',
      String(etcdPort),
      '--data-dir',
      dir,
    ],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  await waitUntil(
    'the cluster to start',
    () => /cluster of 2 brokers started/.test(output) || child.exitCode !== null,
    90_000,
  );
  assert.match(output, /cluster of 2 brokers started/, output);
  const status = JSON.parse(
    (await samsa(['cluster', 'status', '--json'], { bootstrap: `127.0.0.1:${base + 1}` })).stdout,
  );
  assert.deepEqual(
    status.brokers.map((b: { port: number }) => b.port),
    [base, base + 1],
  );
  child.kill('SIGTERM');
  assert.equal(await exited, 0, output);
});

test('samsa cluster start without etcd says how to get it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'samsa-cluster-noetcd-'));
  try {
    // A PATH with nothing on it (node itself is run by its full path); free ports in case etcd were found anyway.
    const empty = join(dir, 'empty-path');
    await mkdir(empty);
    const ports = [String(await freePort()), String(await freePort())];
    const r = await samsa(
      ['cluster', 'start', '--brokers', '1', '--base-port', ports[0]!, '--etcd-port', ports[1]!, '--data-dir', dir],
      { env: { PATH: empty } },
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, /etcd was not found on PATH/);
    assert.match(r.stderr, /apt-get install etcd-server/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
