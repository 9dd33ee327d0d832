/**
 * A real etcd for the cluster tests: /usr/bin/etcd (3.4, or the first etcd on PATH) on free client and peer ports
 * with a temporary data directory, removed again by stop(). Kill, pause and restart keep ports and data, so a test
 * can take etcd away and bring it back under a running store.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { findEtcd, startLocalEtcd, type LocalEtcd } from '../../src/cluster/local-etcd.js';
import { freePort } from './broker.js';

export interface TestEtcd extends LocalEtcd {
  /** Stop etcd (if running) and delete its data directory. */
  cleanup(): Promise<void>;
}

/** The etcd binary the tests use: /usr/bin/etcd if present, else one on PATH, else undefined. */
export function etcdBinary(): string | undefined {
  return existsSync('/usr/bin/etcd') ? '/usr/bin/etcd' : findEtcd();
}

/**
 * Call at the top of a test that needs etcd: true when it is installed. Otherwise the test fails under
 * SAMSA_REQUIRE_CLIENTS=1 (CI) and is skipped with a visible notice without it.
 */
export function requireEtcd(t: { name?: string; skip(message: string): void }): boolean {
  if (etcdBinary() !== undefined) return true;
  if (process.env['SAMSA_REQUIRE_CLIENTS'] === '1')
    throw new Error('SAMSA_REQUIRE_CLIENTS=1 but etcd is not installed');
  process.stderr.write(`NOTICE: skipping "${t.name ?? 'a test'}": etcd not installed (apt-get install etcd-server)\n`);
  t.skip('NOTICE: etcd not installed (apt-get install etcd-server)');
  return false;
}

export async function startTestEtcd(): Promise<TestEtcd> {
  const binary = etcdBinary();
  const dataDir = await mkdtemp(join(tmpdir(), 'samsa-etcd-'));
  const clientPort = await freePort();
  let peerPort = await freePort();
  while (peerPort === clientPort) peerPort = await freePort();
  try {
    const etcd = await startLocalEtcd({ dataDir: join(dataDir, 'etcd'), clientPort, peerPort, binary });
    return Object.assign(etcd, {
      cleanup: async () => {
        await etcd.kill();
        await rm(dataDir, { recursive: true, force: true });
      },
    });
  } catch (e) {
    await rm(dataDir, { recursive: true, force: true });
    throw e;
  }
}

/**
 * A TCP proxy in front of etcd, so a test can cut one client off (connections dropped, new ones refused) while
 * etcd itself keeps running for everyone else, and restore it later.
 */
export interface TcpProxy {
  readonly endpoint: string;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const url = new URL(target);
  const sockets = new Set<Socket>();
  let open = true;
  const server = createServer((client) => {
    if (!open) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(url.port), url.hostname);
    sockets.add(client);
    sockets.add(upstream);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    cut: () => {
      open = false;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    restore: () => {
      open = true;
    },
    close: async () => {
      open = false;
      for (const s of sockets) s.destroy();
      await new Promise<void>((res) => server.close(() => res()));
    },
  };
}
