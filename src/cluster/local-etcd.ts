/**
 * A single-member etcd started as a child process, for `samsa cluster start` (a development cluster in one
 * command) and for tests. Finds the `etcd` binary on PATH, starts it on given client and peer ports with its data
 * in a directory of ours, waits until it answers /health, and can stop, kill -9, pause (SIGSTOP), resume (SIGCONT)
 * and restart it on the same ports and data, which is what the fault tests need. A missing binary gives a message
 * naming the Debian package, not a spawn error.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

/** The Debian/Ubuntu package that ships the etcd server binary. */
export const ETCD_PACKAGE = 'etcd-server';

export class EtcdNotFoundError extends Error {
  constructor() {
    super(
      'etcd was not found on PATH. Cluster mode coordinates brokers through etcd (v3 API): install it ' +
        `(Debian/Ubuntu: apt-get install ${ETCD_PACKAGE}; or a release from https://github.com/etcd-io/etcd/releases) ` +
        'or point the brokers at an existing etcd with etcd.endpoints.',
    );
    this.name = 'EtcdNotFoundError';
  }
}

/** The first executable `etcd` on PATH (or in `searchPath`), or undefined. */
export function findEtcd(searchPath: string = process.env['PATH'] ?? ''): string | undefined {
  for (const dir of searchPath.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, 'etcd');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface LocalEtcdOptions {
  /** Where etcd keeps its data (created if missing). Keep it to restart with the same data. */
  dataDir: string;
  clientPort: number;
  peerPort: number;
  host?: string;
  /** The binary; default: the one found on PATH. */
  binary?: string;
  /** Where to look for it instead of PATH (colon-separated). */
  searchPath?: string;
  /** Member name; default "samsa". */
  name?: string;
  /** How long to wait for /health after a start; default 20 s. */
  startTimeoutMs?: number;
  /** Receives etcd's own log lines (stderr); default: kept in `output` only. */
  onOutput?: (line: string) => void;
}

export interface LocalEtcd {
  /** The client URL, e.g. http://127.0.0.1:2379 (what etcd.endpoints takes). */
  readonly endpoint: string;
  readonly dataDir: string;
  readonly pid: number | undefined;
  /** The last lines etcd wrote (bounded), for failure messages. */
  readonly output: readonly string[];
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
  /** SIGSTOP: the process keeps its sockets but answers nothing. */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
  /** Start again on the same ports and data (after stop or kill); waits until it answers. */
  restart(): Promise<void>;
  /** True while the process is running (paused counts as running). */
  running(): boolean;
}

/** Start a one-member etcd and wait until it answers. Throws EtcdNotFoundError when there is no binary. */
export async function startLocalEtcd(opts: LocalEtcdOptions): Promise<LocalEtcd> {
  const binary = opts.binary ?? findEtcd(opts.searchPath);
  if (binary === undefined) throw new EtcdNotFoundError();
  const host = opts.host ?? '127.0.0.1';
  const name = opts.name ?? 'samsa';
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const clientUrl = `http://${host}:${opts.clientPort}`;
  const peerUrl = `http://${host}:${opts.peerPort}`;
  const args = [
    `--name=${name}`,
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${clientUrl}`,
    `--advertise-client-urls=${clientUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=${name}=${peerUrl}`,
    '--initial-cluster-state=new',
    '--logger=zap',
    '--log-level=warn',
  ];
  const output: string[] = [];
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const launch = async (): Promise<void> => {
    const proc = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    exited = new Promise<void>((res) => proc.once('exit', () => res()));
    const collect = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line === '') continue;
        if (output.length >= 200) output.splice(0, 100);
        output.push(line);
        opts.onOutput?.(line);
      }
    };
    proc.stdout?.on('data', collect);
    proc.stderr?.on('data', collect);
    const spawnError = new Promise<never>((_, rej) => proc.once('error', rej));
    spawnError.catch(() => undefined);
    await Promise.race([waitHealthy(clientUrl, proc, opts.startTimeoutMs ?? 20_000, output), spawnError]);
  };

  const signalAndWait = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child;
    if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
    // A stopped process does not act on SIGTERM until it is continued.
    proc.kill('SIGCONT');
    proc.kill(signal);
    await exited;
  };

  await launch();
  return {
    endpoint: clientUrl,
    dataDir,
    get pid() {
      return child?.pid;
    },
    output,
    stop: () => signalAndWait('SIGTERM'),
    kill: () => signalAndWait('SIGKILL'),
    pause: () => {
      child?.kill('SIGSTOP');
    },
    resume: () => {
      child?.kill('SIGCONT');
    },
    restart: async () => {
      await signalAndWait('SIGTERM');
      await launch();
    },
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
  };
}

async function waitHealthy(url: string, proc: ChildProcess, timeoutMs: number, output: string[]): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(
        `etcd exited during start (${proc.exitCode ?? proc.signalCode}): ${output.slice(-5).join(' | ')}`,
      );
    }
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      const body = (await res.json()) as { health?: string };
      if (body.health === 'true') return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill('SIGKILL');
  throw new Error(`etcd did not answer ${url}/health within ${timeoutMs} ms: ${output.slice(-5).join(' | ')}`);
}
