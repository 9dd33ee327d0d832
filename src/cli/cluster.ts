/**
 * `samsa cluster start|status`: a local development cluster in one command (an etcd from PATH and N brokers on
 * consecutive ports, in this process), and the state of a running cluster (brokers, controller, under-replicated
 * and offline partitions).
 */
import type { Command } from 'commander';
import { addLoggingOptions, collect, EXIT_FAILURE, intArg, UsageError } from './common.js';
import {
  action,
  addConnectionOptions,
  out,
  parseKeyValue,
  printJson,
  table,
  type ConnectionFlags,
  withAdmin,
} from './output.js';

interface StartFlags {
  brokers: number;
  basePort: number;
  etcdPort: number;
  dataDir?: string;
  override?: string[];
  logLevel?: string;
  logFormat?: 'text' | 'json';
}

export interface ClusterStatus {
  clusterId: string;
  controller: number;
  brokers: Array<{ nodeId: number; host: string; port: number; rack: string | null }>;
  topics: number;
  partitions: number;
  underReplicated: Array<{ topic: string; partition: number; leader: number; replicas: number[]; isr: number[] }>;
  offline: Array<{ topic: string; partition: number; replicas: number[] }>;
}

export function register(program: Command): void {
  const cluster = program
    .command('cluster')
    .description('run a local development cluster, or show the state of a cluster')
    .addHelpText(
      'after',
      `
Examples:
  samsa cluster start --brokers 3                 # etcd on 2379, brokers on 9092, 9093, 9094
  samsa cluster start --brokers 3 --base-port 19092 --data-dir ./data
  samsa cluster status -b localhost:9092,localhost:9093`,
    );

  addLoggingOptions(
    cluster
      .command('start')
      .description('start an etcd (from PATH) and N brokers on consecutive ports, until SIGINT or SIGTERM')
      .option('--brokers <n>', 'number of brokers', intArg(1, 64), 3)
      .option('--base-port <port>', 'port of broker 1; broker n listens on base-port + n - 1', intArg(1, 65535), 9092)
      .option('--etcd-port <port>', "etcd's client port (its peer port is the next one)", intArg(1, 65534), 2379)
      .option('-d, --data-dir <dir>', 'where etcd and the brokers keep their data (kept between runs)', './data')
      .option('-o, --override <key=value>', 'broker property for every broker; repeatable', collect),
  ).action(action(async (flags: StartFlags) => runClusterStart(flags)));

  addConnectionOptions(
    cluster
      .command('status')
      .description('brokers, controller, under-replicated and offline partitions')
      .option('--json', 'print JSON'),
  ).action(
    action(async (flags: ConnectionFlags & { json?: boolean }) => {
      await withAdmin(flags, async (admin) => {
        const c = await admin.describeCluster();
        const names = await admin.listTopics({ includeInternal: true });
        const infos = names.length === 0 ? [] : await admin.describeTopics(names);
        const status: ClusterStatus = {
          clusterId: c.clusterId ?? '',
          controller: c.controllerId,
          brokers: [...c.brokers].sort((a, b) => a.nodeId - b.nodeId),
          topics: infos.length,
          partitions: infos.reduce((n, t) => n + t.partitions.length, 0),
          underReplicated: [],
          offline: [],
        };
        for (const t of infos) {
          for (const p of t.partitions) {
            if (p.leader < 0) status.offline.push({ topic: t.name, partition: p.partition, replicas: p.replicas });
            else if (p.isr.length < p.replicas.length) {
              status.underReplicated.push({
                topic: t.name,
                partition: p.partition,
                leader: p.leader,
                replicas: p.replicas,
                isr: p.isr,
              });
            }
          }
        }
        if (flags.json) {
          await printJson(status);
          return;
        }
        let text = `Cluster ${status.clusterId}: ${status.brokers.length} broker(s), controller ${status.controller}, ${status.topics} topic(s), ${status.partitions} partition(s)\n\n`;
        text += table(
          ['BROKER', 'HOST', 'PORT', 'RACK', 'ROLE'],
          status.brokers.map((b) => [
            b.nodeId,
            b.host,
            b.port,
            b.rack ?? '',
            b.nodeId === status.controller ? 'controller' : '',
          ]),
        );
        text += `\nUnder-replicated partitions: ${status.underReplicated.length}\n`;
        if (status.underReplicated.length > 0) {
          text += table(
            ['TOPIC', 'PARTITION', 'LEADER', 'REPLICAS', 'ISR'],
            status.underReplicated.map((p) => [p.topic, p.partition, p.leader, p.replicas.join(','), p.isr.join(',')]),
          );
        }
        text += `Offline partitions: ${status.offline.length}\n`;
        if (status.offline.length > 0) {
          text += table(
            ['TOPIC', 'PARTITION', 'REPLICAS'],
            status.offline.map((p) => [p.topic, p.partition, p.replicas.join(',')]),
          );
        }
        await out(text);
      });
    }),
  );
}

async function runClusterStart(flags: StartFlags): Promise<void> {
  const { createLogger } = await import('../broker/logger.js');
  const { startCluster } = await import('../server/cluster.js');
  const { EtcdNotFoundError } = await import('../cluster/local-etcd.js');
  const overrides = Object.fromEntries((flags.override ?? []).map((o) => parseKeyValue(o, '--override')));
  if (flags.basePort + flags.brokers - 1 > 65535)
    throw new UsageError('--base-port plus --brokers goes past port 65535');
  const logger = createLogger({ level: flags.logLevel, format: flags.logFormat });
  let cluster: Awaited<ReturnType<typeof startCluster>>;
  try {
    cluster = await startCluster({
      brokers: flags.brokers,
      basePort: flags.basePort,
      etcdClientPort: flags.etcdPort,
      etcdPeerPort: flags.etcdPort + 1,
      dataDir: flags.dataDir,
      config: overrides,
      logger,
    });
  } catch (e) {
    if (e instanceof EtcdNotFoundError) {
      process.stderr.write(`samsa: ${e.message}\n`);
      process.exit(EXIT_FAILURE);
    }
    throw e;
  }
  logger.info(
    { bootstrap: cluster.bootstrap, etcd: cluster.etcdEndpoints.join(','), dataDir: cluster.dataDir },
    `Samsa cluster of ${cluster.brokers.length} brokers started`,
  );
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) process.exit(signal === 'SIGINT' ? 130 : 143);
      stopping = true;
      logger.info({ signal }, 'stopping the cluster');
      cluster.stop().then(resolve, (err: unknown) => {
        logger.error({ err }, 'error while stopping the cluster');
        resolve();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  process.exit(0);
}
