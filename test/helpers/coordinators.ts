/**
 * What the coordinator unit tests stand on: a real log directory, topic manager and both coordinators on a mock
 * clock, without a listener or sockets.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseBrokerConfig } from '../../src/broker/config/index.js';
import { FetchWaiters } from '../../src/broker/fetch-waiters.js';
import { GroupCoordinator } from '../../src/broker/groups/coordinator.js';
import { TopicManager } from '../../src/broker/topics.js';
import { TransactionCoordinator } from '../../src/broker/txn/coordinator.js';
import { LogManager } from '../../src/storage/log-manager.js';
import { silentLogger } from '../../src/storage/logger.js';
import { MetadataStore } from '../../src/storage/metadata-store.js';
import { MockClock } from './mock-clock.js';

export interface CoordinatorHarness {
  clock: MockClock;
  topics: TopicManager;
  groups: GroupCoordinator;
  txn: TransactionCoordinator;
  /** Closes the coordinators and logs and removes the directory. */
  close(): Promise<void>;
}

/** Coordinators over a fresh data directory; `props` are broker properties (Kafka's names). */
export async function startCoordinators(props: Record<string, string> = {}): Promise<CoordinatorHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'samsa-coord-'));
  const config = parseBrokerConfig({
    'log.dirs': dataDir,
    'offsets.topic.num.partitions': '4',
    'transaction.state.log.num.partitions': '4',
    ...props,
  });
  const logs = new LogManager({ dataDir, logger: silentLogger, brokerConfig: config.raw, backgroundTasks: false });
  logs.open();
  const metadata = new MetadataStore(dataDir);
  await metadata.open();
  const topics = new TopicManager(config, logs, metadata, silentLogger);
  topics.load();
  const clock = new MockClock();
  const groups = new GroupCoordinator(config, topics, silentLogger, clock);
  const txn = new TransactionCoordinator({
    config,
    topics,
    logs,
    groups,
    waiters: new FetchWaiters(),
    log: silentLogger,
    dataDir,
    clock,
  });
  return {
    clock,
    topics,
    groups,
    txn,
    async close() {
      txn.close();
      groups.close();
      await logs.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
