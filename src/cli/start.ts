/**
 * `samsa start`: load server.properties, apply command-line settings, validate, run the broker until
 * SIGINT/SIGTERM.
 *
 * Precedence, lowest to highest: built-in defaults < --config file < --override (in the order given) <
 * the dedicated flags --node-id, --data-dir, --host, --port.
 */
import { performance } from 'node:perf_hooks';
import type { Command } from 'commander';
import {
  ConfigError,
  loadProperties,
  parseBrokerConfig,
  parseListener,
  parseOverride,
  type BrokerConfig,
} from '../broker/config/index.js';
import { componentLogger, createLogger, type Logger } from '../broker/logger.js';
import { tuneHeapForServer } from './heap.js';
import { addLoggingOptions, collect, EXIT_FAILURE, EXIT_OK, intArg, packageVersion } from './common.js';

export interface StartFlags {
  config?: string;
  port?: number;
  host?: string;
  dataDir?: string;
  nodeId?: number;
  override?: string[];
  logLevel?: string;
  logFormat?: string;
}

export function register(program: Command): void {
  const cmd = program
    .command('start')
    .description('run a Samsa broker in the foreground until SIGINT or SIGTERM')
    .option('-c, --config <file>', 'Kafka-style server.properties file to load')
    .option('-p, --port <port>', 'port of the client listener (sets the port in listeners)', intArg(0, 65535))
    .option('--host <host>', 'bind address of the client listener (sets the host in listeners)')
    .option('-d, --data-dir <dir>', 'data directory (sets log.dirs)')
    .option('--node-id <id>', 'node id reported to clients (sets node.id)', intArg(0, 2147483647))
    .option('-o, --override <key=value>', 'set any broker property; repeatable, later ones win', collect)
    .addHelpText(
      'after',
      `
Precedence (lowest first): defaults, --config file, --override, then --node-id/--data-dir/--host/--port.
--port also updates the matching entry of advertised.listeners when one is configured.

Examples:
  samsa start --data-dir ./data
  samsa start --config config/server.properties --override log.retention.hours=24
  samsa start --port 19092 --host 0.0.0.0 --log-format json`,
    );
  addLoggingOptions(cmd).action(async (flags: StartFlags) => {
    await runStart(flags);
  });
}

/** Services `samsa start` turns on unless the configuration says otherwise (a bare startBroker leaves them off). */
export const SERVICES_ON_BY_DEFAULT = ['schema.registry.enabled', 'metrics.enabled', 'ksql.enabled', 'console.enabled'];

/** Where each property came from, for error messages. */
export type Origins = Map<string, string>;

/** Builds the merged property map from the config file, overrides and dedicated flags. */
export function collectProperties(flags: StartFlags): { props: Record<string, string>; origins: Origins } {
  const origins: Origins = new Map();
  const props: Record<string, string> = {};
  if (flags.config !== undefined) {
    for (const [k, v] of Object.entries(loadProperties(flags.config))) {
      props[k] = v;
      origins.set(k, `in ${flags.config}`);
    }
  }
  for (const o of flags.override ?? []) {
    const [k, v] = parseOverride(o);
    props[k] = v;
    origins.set(k, `by --override ${o}`);
  }
  applyStartFlags(props, flags, origins);
  for (const key of SERVICES_ON_BY_DEFAULT) props[key] ??= 'true';
  return { props, origins };
}

/** Maps --node-id/--data-dir/--host/--port onto Kafka property names (mutates props). */
export function applyStartFlags(props: Record<string, string>, flags: StartFlags, origins: Origins = new Map()): void {
  if (flags.nodeId !== undefined) {
    props['node.id'] = String(flags.nodeId);
    origins.set('node.id', 'by --node-id');
    // Keep the legacy alias from contradicting the flag.
    if (props['broker.id'] !== undefined) props['broker.id'] = String(flags.nodeId);
  }
  if (flags.dataDir !== undefined) {
    if (flags.dataDir.trim() === '') throw new ConfigError('--data-dir must not be empty');
    props['log.dirs'] = flags.dataDir;
    origins.set('log.dirs', 'by --data-dir');
  }
  if (flags.port === undefined && flags.host === undefined) return;
  const controllerNames = (props['controller.listener.names'] ?? '')
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);
  const entries = (props['listeners'] ?? 'PLAINTEXT://127.0.0.1:9092').split(',').map((s) => s.trim());
  const idx = entries.findIndex((e) => {
    const l = parseListener(e);
    return typeof l !== 'string' && !controllerNames.includes(l.name);
  });
  if (idx < 0) return; // malformed listeners: parseBrokerConfig reports it with the original text
  const l = parseListener(entries[idx]!) as Exclude<ReturnType<typeof parseListener>, string>;
  const host = flags.host ?? l.host;
  const port = flags.port ?? l.port;
  entries[idx] = formatListener(l.name, host, port);
  props['listeners'] = entries.join(',');
  origins.set('listeners', flags.host !== undefined ? 'by --host' : 'by --port');

  if (flags.port !== undefined && props['advertised.listeners']) {
    const adv = props['advertised.listeners'].split(',').map((s) => s.trim());
    let changed = false;
    for (let i = 0; i < adv.length; i++) {
      const a = parseListener(adv[i]!);
      if (typeof a !== 'string' && a.name === l.name) {
        adv[i] = formatListener(a.name, a.host, flags.port);
        changed = true;
      }
    }
    if (changed) {
      props['advertised.listeners'] = adv.join(',');
      origins.set('advertised.listeners', 'by --port');
    }
  }
}

export function formatListener(name: string, host: string, port: number): string {
  return `${name}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Adds "(set in FILE)" / "(set by --override ...)" to each problem so users know what to edit. */
export function explainConfigError(e: ConfigError, origins: Origins): string {
  const lines = e.problems.map((p) => {
    const from = p.key ? origins.get(p.key) : undefined;
    return from ? `${p.message} (set ${from})` : p.message;
  });
  return lines.length === 1 ? lines[0]! : `${lines.length} configuration problems:\n  - ${lines.join('\n  - ')}`;
}

async function runStart(flags: StartFlags): Promise<void> {
  const t0 = performance.now();
  tuneHeapForServer();
  const root = createLogger({ level: flags.logLevel, format: flags.logFormat });
  const log = componentLogger(root, 'main');

  const { props, origins } = collectProperties(flags);
  let cfg: BrokerConfig;
  try {
    cfg = parseBrokerConfig(props);
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(explainConfigError(e, origins));
    throw e;
  }
  for (const w of cfg.warnings) log.warn(w);

  // Loaded lazily so that `samsa --help` and other subcommands never pay for (or depend on) broker code.
  const { startBroker } = await import('../server/index.js');
  type Broker = Awaited<ReturnType<typeof startBroker>>;

  const primary = cfg.clientListeners[0]!;
  let broker: Broker | undefined;
  let stopping = false;
  const stop = (broker: Broker) => {
    broker.close().then(
      () => process.exit(EXIT_OK),
      (err: unknown) => {
        log.error({ err }, 'error while stopping the broker');
        process.exit(EXIT_FAILURE);
      },
    );
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal received: exiting without waiting for shutdown');
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    if (broker) stop(broker); // otherwise stop as soon as startup finishes
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Whatever runs for one request is guarded in the connection; anything that still escapes (a timer, a stray
  // promise) is logged, and the broker is closed cleanly (logs flushed, partitions closed) before exiting non-zero,
  // because the process state after an unknown failure cannot be trusted.
  const onFatal = (kind: string) => (err: unknown) => {
    log.fatal({ err }, `${kind}: stopping the broker`);
    if (stopping) process.exit(EXIT_FAILURE);
    stopping = true;
    if (!broker) process.exit(EXIT_FAILURE);
    broker.close().then(
      () => process.exit(EXIT_FAILURE),
      (closeErr: unknown) => {
        log.error({ err: closeErr }, 'error while stopping the broker');
        process.exit(EXIT_FAILURE);
      },
    );
  };
  process.on('uncaughtException', onFatal('uncaught exception'));
  process.on('unhandledRejection', onFatal('unhandled promise rejection'));

  try {
    // The merged properties already carry --port/--host/--data-dir, so they are the single source of truth.
    broker = await startBroker({ config: props, logger: root });
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    reportStartFailure(log, e);
    process.exit(EXIT_FAILURE);
  }
  log.info(
    {
      listener: formatListener(primary.name, broker.host, broker.port),
      dataDir: cfg.dataDir,
      nodeId: cfg.nodeId,
      startupMs: Math.round(performance.now() - t0),
      version: packageVersion(),
    },
    'Samsa broker started',
  );
  if (stopping) stop(broker);
}

function reportStartFailure(log: Logger, e: unknown): void {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
    // Operating-system failures (port in use, permission denied) need the message, not our stack.
    log.fatal({ code }, `failed to start: ${(e as Error).message}`);
  } else {
    log.fatal({ err: e }, 'failed to start');
  }
}
