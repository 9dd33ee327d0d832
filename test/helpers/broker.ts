/**
 * Brokers for tests: one in this process (fast, and its log is kept in memory so a failing test can show it),
 * or one in a child process (for tests that kill it). Every broker gets a fresh temp data dir that is removed
 * when it stops, unless the caller passed its own dir.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Broker } from '../../src/broker/broker.js';
import type { StaticReplication } from '../../src/broker/replication.js';
import { projectRoot } from './spec.js';

export interface TestBrokerOptions {
  /** Broker configuration with Kafka's property names. */
  config?: Record<string, string>;
  /** Use this data dir instead of a fresh temp dir (it is then left in place on stop). */
  dataDir?: string;
  /** Log level; defaults to $LOG_LEVEL, then 'info'. Lines are kept in memory; SAMSA_TEST_LOG=1 also echoes them. */
  logLevel?: string;
  /** HTTP services to start beside the broker (src/server), by name or all; give them port 0 listeners. */
  services?: true | Record<string, boolean>;
  /** Port to listen on (default 0: a free one); a restarted broker keeps its port. */
  port?: number;
  /** Static replication (test/helpers/replicated.ts). */
  replication?: StaticReplication;
}

export interface TestBroker {
  broker: Broker;
  port: number;
  /** host:port for clients. */
  bootstrap: string;
  dataDir: string;
  /** The broker's log lines so far. */
  logLines(): string[];
  /** The last n log lines, as one string for assertion messages. */
  logTail(n?: number): string;
  /** Closes the broker and removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

// Temp dirs still in use; removed synchronously if the test process exits without stopping its brokers
// (a failed assertion outside withBroker, a runner timeout that ends the process).
// Child brokers are killed then too, so none outlives the test run.
const liveDirs = new Set<string>();
const liveChildren = new Set<ChildProcess>();
let exitHook = false;

function hookExit(): void {
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const c of liveChildren) c.kill('SIGKILL');
    for (const d of liveDirs) rmSync(d, { recursive: true, force: true });
  });
}

export async function freshDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  liveDirs.add(dir);
  hookExit();
  return dir;
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  liveDirs.delete(dir);
}

export async function startTestBroker(opts: TestBrokerOptions = {}): Promise<TestBroker> {
  // Loaded on first use, so tests that only need freePort or the process helpers do not load the broker.
  const { startBroker } =
    opts.services === undefined
      ? await import('../../src/broker/broker.js')
      : await import('../../src/server/index.js');
  const { createLogger } = await import('../../src/broker/logger.js');
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? (await freshDir('samsa-test-'));
  const lines: string[] = [];
  const echo = process.env['SAMSA_TEST_LOG'] === '1';
  const logger = createLogger({
    level: opts.logLevel ?? process.env['LOG_LEVEL'] ?? 'info',
    destination: {
      write(line: string) {
        // Bound the memory a long test can use; the tail is what matters in a failure.
        if (lines.length >= 20_000) lines.splice(0, 10_000);
        lines.push(line.endsWith('\n') ? line.slice(0, -1) : line);
        if (echo) process.stderr.write(line.endsWith('\n') ? line : `${line}\n`);
      },
    },
  });
  let broker: Broker;
  try {
    broker = await startBroker({
      port: opts.port ?? 0,
      host: '127.0.0.1',
      dataDir,
      config: opts.config ?? {},
      logger,
      ...(opts.replication === undefined ? {} : { replication: opts.replication }),
      ...(opts.services === undefined ? {} : { services: opts.services }),
    });
  } catch (err) {
    if (ownDir) await removeDir(dataDir);
    throw err;
  }
  let stopping: Promise<void> | undefined;
  return {
    broker,
    port: broker.port,
    bootstrap: `127.0.0.1:${broker.port}`,
    dataDir,
    logLines: () => lines.slice(),
    logTail: (n = 40) => lines.slice(-n).join('\n'),
    stop() {
      stopping ??= (async () => {
        try {
          await broker.close();
        } finally {
          if (ownDir) await removeDir(dataDir);
        }
      })();
      return stopping;
    },
  };
}

/** Runs fn with a started broker and always stops it (and removes its dir) afterwards. */
export async function withBroker<T>(fn: (b: TestBroker) => Promise<T>): Promise<T>;
export async function withBroker<T>(opts: TestBrokerOptions, fn: (b: TestBroker) => Promise<T>): Promise<T>;
export async function withBroker<T>(
  a: TestBrokerOptions | ((b: TestBroker) => Promise<T>),
  b?: (b: TestBroker) => Promise<T>,
): Promise<T> {
  const opts = typeof a === 'function' ? {} : a;
  const fn = typeof a === 'function' ? a : b!;
  const tb = await startTestBroker(opts);
  try {
    return await fn(tb);
  } catch (err) {
    // Attach the broker's last words to the failure: they usually explain what a client saw.
    if (err instanceof Error && process.env['SAMSA_TEST_QUIET'] !== '1') {
      err.message += `\n--- broker log (last 40 lines) ---\n${tb.logTail(40)}`;
    }
    throw err;
  } finally {
    await tb.stop();
  }
}

/** A port that was free a moment ago (listen on 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = addr && typeof addr === 'object' ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

/**
 * The first of `n` consecutive ports that were all free a moment ago, for tools that take a base port and count up
 * (samsa cluster start). Chosen below Linux's ephemeral range (32768 and up), where outgoing connections of other
 * tests cannot take the ports in between.
 */
export async function freePortRange(n: number): Promise<number> {
  const bindable = (port: number) =>
    new Promise<boolean>((res) => {
      const srv = createServer();
      srv.once('error', () => res(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => res(true)));
    });
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * (32_000 - 20_000 - n));
    let free = true;
    for (let i = 0; i < n && free; i++) free = await bindable(base + i);
    if (free) return base;
  }
  throw new Error(`no ${n} consecutive free ports between 20000 and 32000`);
}

function canConnect(port: number, host: string): Promise<boolean> {
  return new Promise((res) => {
    const s = connect({ port, host });
    s.once('connect', () => {
      s.destroy();
      res(true);
    });
    s.once('error', () => {
      s.destroy();
      res(false);
    });
  });
}

export interface BrokerProcessOptions {
  /** Data dir; defaults to a fresh temp dir that is removed by cleanup(). */
  dataDir?: string;
  /** Port; defaults to a free one. */
  port?: number;
  /** Broker properties, passed as `--override key=value`. */
  config?: Record<string, string>;
  /** Extra command-line arguments after `start`. */
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** How long to wait for the port to accept connections. Default 20 s. */
  startTimeoutMs?: number;
  /** Starts the broker under `ulimit -n` of this many open files (through /bin/sh). */
  fdLimit?: number;
}

export interface BrokerProcess {
  child: ChildProcess;
  port: number;
  bootstrap: string;
  dataDir: string;
  /** stdout and stderr so far. */
  output(): string;
  /** Sends a signal (default SIGTERM). */
  kill(signal?: NodeJS.Signals): void;
  /** Resolves when the process has exited, with its code or signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Kills the process if still running (SIGKILL), waits for it, and removes a temp data dir. */
  cleanup(): Promise<void>;
}

/** Spawns `node bin/samsa.js start --port P --data-dir D` and waits until the port accepts connections. */
export async function startBrokerProcess(opts: BrokerProcessOptions = {}): Promise<BrokerProcess> {
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? (await freshDir('samsa-proc-'));
  const port = opts.port ?? (await freePort());
  const argv = [
    process.execPath,
    join(projectRoot, 'bin', 'samsa.js'),
    'start',
    '--port',
    String(port),
    '--data-dir',
    dataDir,
    // The HTTP services samsa start turns on would fight over their fixed ports: off unless a test asks.
    ...Object.entries({
      'schema.registry.enabled': 'false',
      'metrics.enabled': 'false',
      'console.enabled': 'false',
      ...opts.config,
    }).flatMap(([k, v]) => ['--override', `${k}=${v}`]),
    ...(opts.args ?? []),
  ];
  // With a descriptor limit the shell sets it and then becomes the broker (exec), so the pid is the broker's.
  const [cmd, ...args] =
    opts.fdLimit === undefined ? argv : ['/bin/sh', '-c', `ulimit -n ${opts.fdLimit} && exec "$0" "$@"`, ...argv];
  const child = spawn(cmd!, args, {
    cwd: projectRoot,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  liveChildren.add(child);
  hookExit();
  let out = '';
  const keep = (d: Buffer): void => {
    out += d.toString();
    if (out.length > 1_000_000) out = out.slice(-500_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => {
    child.once('exit', (code, signal) => {
      done = true;
      liveChildren.delete(child);
      res({ code, signal });
    });
  });
  const proc: BrokerProcess = {
    child,
    port,
    bootstrap: `127.0.0.1:${port}`,
    dataDir,
    output: () => out,
    kill: (signal = 'SIGTERM') => {
      if (!done) child.kill(signal);
    },
    exited,
    async cleanup() {
      if (!done) child.kill('SIGKILL');
      await exited;
      if (ownDir) await removeDir(dataDir);
    },
  };
  const deadline = Date.now() + (opts.startTimeoutMs ?? 20_000);
  for (;;) {
    if (done) {
      await proc.cleanup();
      throw new Error(`broker process exited before accepting connections:\n${out}`);
    }
    if (await canConnect(port, '127.0.0.1')) return proc;
    if (Date.now() > deadline) {
      await proc.cleanup();
      throw new Error(`broker process did not accept connections on ${port} in time:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
