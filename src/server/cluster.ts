/**
 * A local development cluster in one call: an etcd from PATH (its data under the data dir) and N brokers on
 * consecutive ports, all with one cluster.id. Used by `samsa cluster start` and by other projects' tests
 * (`startCluster({ brokers: 3 })`, port 0 and a temp dir). Brokers run in this process by default; with
 * `processes: true` each is a child process running `samsa start`, so a test can kill -9 one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Broker } from '../broker/broker.js';
import type { Logger } from '../storage/logger.js';
import { startLocalEtcd, type LocalEtcd } from '../cluster/local-etcd.js';
import { startBroker } from './index.js';

export interface ClusterOptions {
  /** Number of brokers; default 3. */
  brokers?: number;
  /** Port of broker 1 (broker n listens on basePort + n - 1); 0 or absent: free ports. */
  basePort?: number;
  /** Data of etcd (`<dataDir>/etcd`) and the brokers (`<dataDir>/broker-<n>`); default: a temp dir removed by stop(). */
  dataDir?: string;
  /** Use this etcd (client URLs) instead of starting one. */
  etcdEndpoints?: string[];
  /** etcd client and peer ports; default 2379/2380 with a basePort, free ports otherwise. */
  etcdClientPort?: number;
  etcdPeerPort?: number;
  /** cluster.id; default: the one kept in `<dataDir>/cluster.id`, a new random one the first time. */
  clusterId?: string;
  /** Extra broker config for every broker (server.properties keys). */
  config?: Record<string, string>;
  /** Host the brokers listen on and advertise; default 127.0.0.1. */
  host?: string;
  /** Run each broker as a child process (`samsa start`) instead of in this process. */
  processes?: boolean;
  /** With `processes`: extra node flags for each broker process (e.g. --cpu-prof). */
  nodeFlags?: string[];
  /** Logger of in-process brokers. */
  logger?: Logger;
  /** Give each broker a rack: rack(nodeId). */
  rack?: (nodeId: number) => string | undefined;
}

/** One broker of the cluster, in-process or a child process. */
export interface ClusterBroker {
  nodeId: number;
  port: number;
  host: string;
  dataDir: string;
  /** The in-process broker (undefined for a child process). */
  broker?: Broker;
  /** The child process (undefined in-process). */
  process?: ChildProcess;
  /** Whether it is running. */
  running(): boolean;
  /** Controlled stop (SIGTERM for a process): leadership moves away first. */
  stop(): Promise<void>;
  /** kill -9 (processes only): its registration expires after broker.session.timeout.ms. */
  kill(): Promise<void>;
  /** Start it again with the same id, port and data. */
  restart(): Promise<void>;
  /** Output of a child process so far. */
  output(): string;
}

export interface LocalCluster {
  etcd: LocalEtcd | undefined;
  etcdEndpoints: string[];
  clusterId: string;
  dataDir: string;
  brokers: ClusterBroker[];
  /** host:port of every broker, comma-separated. */
  bootstrap: string;
  /** Stops every broker (controlled), then etcd; removes a temp data dir. */
  stop(): Promise<void>;
}

/** The cluster id of a data dir: read from `cluster.id`, or made up and written there on first use. */
function clusterIdOf(dataDir: string): string {
  const file = join(dataDir, 'cluster.id');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const id = randomBytes(16).toString('base64url');
  writeFileSync(file, `${id}\n`);
  return id;
}

async function freePort(host: string): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, host, () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => res(port));
    });
  });
}

/** bin/samsa.js of this installation (two levels up from dist/src/server, or from src/server). */
function samsaBin(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const up = here.includes(`${join('dist', 'src')}`) ? '../../..' : '../..';
  return resolve(here, up, 'bin', 'samsa.js');
}

export async function startCluster(opts: ClusterOptions = {}): Promise<LocalCluster> {
  const n = opts.brokers ?? 3;
  if (!Number.isInteger(n) || n < 1) throw new Error(`brokers must be a positive integer, got ${n}`);
  const host = opts.host ?? '127.0.0.1';
  const ownDir = opts.dataDir === undefined;
  const dataDir = resolve(opts.dataDir ?? mkdtempSync(join(tmpdir(), 'samsa-cluster-')));
  mkdirSync(dataDir, { recursive: true });
  const clusterId = opts.clusterId ?? clusterIdOf(dataDir);
  let etcd: LocalEtcd | undefined;
  const brokers: ClusterBroker[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all(brokers.map((b) => b.stop().catch(() => undefined)));
    await etcd?.stop().catch(() => undefined);
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    let endpoints = opts.etcdEndpoints;
    if (endpoints === undefined) {
      const base = opts.basePort !== undefined && opts.basePort > 0;
      etcd = await startLocalEtcd({
        dataDir: join(dataDir, 'etcd'),
        clientPort: opts.etcdClientPort ?? (base ? 2379 : await freePort(host)),
        peerPort: opts.etcdPeerPort ?? (base ? 2380 : await freePort(host)),
        host,
      });
      endpoints = [etcd.endpoint];
    }
    const ports: number[] = [];
    for (let i = 0; i < n; i++) {
      ports.push(opts.basePort !== undefined && opts.basePort > 0 ? opts.basePort + i : await freePort(host));
    }
    const started = await Promise.all(
      ports.map((port, i) => {
        const nodeId = i + 1;
        const config: Record<string, string> = {
          'node.id': String(nodeId),
          'cluster.id': clusterId,
          'etcd.endpoints': endpoints!.join(','),
          ...(opts.rack?.(nodeId) !== undefined ? { 'broker.rack': opts.rack(nodeId)! } : {}),
          ...opts.config,
        };
        const dir = join(dataDir, `broker-${nodeId}`);
        return opts.processes === true
          ? processBroker(nodeId, host, port, dir, config, opts.nodeFlags ?? [])
          : inProcessBroker(nodeId, host, port, dir, config, opts.logger);
      }),
    );
    brokers.push(...started);
  } catch (err) {
    await stopAll();
    throw err;
  }
  return {
    etcd,
    etcdEndpoints: opts.etcdEndpoints ?? [etcd!.endpoint],
    clusterId,
    dataDir,
    brokers,
    bootstrap: brokers.map((b) => `${b.host}:${b.port}`).join(','),
    stop: stopAll,
  };
}

async function inProcessBroker(
  nodeId: number,
  host: string,
  port: number,
  dataDir: string,
  config: Record<string, string>,
  logger: Logger | undefined,
): Promise<ClusterBroker> {
  const start = (): Promise<Broker> => startBroker({ port, host, dataDir, config, ...(logger ? { logger } : {}) });
  let broker: Broker | undefined = await start();
  const b: ClusterBroker = {
    nodeId,
    port,
    host,
    dataDir,
    broker,
    running: () => broker !== undefined,
    stop: async () => {
      const x = broker;
      broker = undefined;
      b.broker = undefined;
      await x?.close();
    },
    kill: () => Promise.reject(new Error('kill needs a broker running as a process (processes: true)')),
    restart: async () => {
      await b.stop();
      broker = b.broker = await start();
    },
    output: () => '',
  };
  return b;
}

async function processBroker(
  nodeId: number,
  host: string,
  port: number,
  dataDir: string,
  config: Record<string, string>,
  nodeFlags: string[],
): Promise<ClusterBroker> {
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let out = '';
  const launch = async (): Promise<void> => {
    const args = [
      ...nodeFlags,
      samsaBin(),
      'start',
      '--host',
      host,
      '--port',
      String(port),
      '--data-dir',
      dataDir,
      // The HTTP services samsa start turns on would fight over their fixed ports: off unless configured.
      ...Object.entries({
        'schema.registry.enabled': 'false',
        'metrics.enabled': 'false',
        'console.enabled': 'false',
        'ksql.enabled': 'false',
        ...config,
      }).flatMap(([k, v]) => ['--override', `${k}=${v}`]),
    ];
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    b.process = proc;
    let done = false;
    exited = new Promise<void>((res) =>
      proc.once('exit', () => {
        done = true;
        res();
      }),
    );
    const keep = (d: Buffer): void => {
      out += d.toString();
      if (out.length > 1_000_000) out = out.slice(-500_000);
    };
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    // Ready when it has registered: `samsa start` prints its listening line once the broker is up (this run's
    // output only: after a restart, the previous run's line is already there).
    const mark = out.length;
    const deadline = Date.now() + 60_000;
    while (!/listening|started/i.test(out.slice(mark))) {
      if (done) throw new Error(`broker ${nodeId} exited while starting:\n${out.slice(-4000)}`);
      if (Date.now() > deadline) throw new Error(`broker ${nodeId} did not start in time:\n${out.slice(-4000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const running = (): boolean => child !== undefined && child.exitCode === null && child.signalCode === null;
  const b: ClusterBroker = {
    nodeId,
    port,
    host,
    dataDir,
    running,
    stop: async () => {
      if (running()) child!.kill('SIGTERM');
      await exited;
    },
    kill: async () => {
      if (running()) child!.kill('SIGKILL');
      await exited;
    },
    restart: async () => {
      await b.kill();
      await launch();
    },
    output: () => out,
  };
  await launch();
  return b;
}
