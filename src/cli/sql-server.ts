/**
 * `samsa sql-server`: streaming SQL as a process of its own, as ksqlDB's server runs beside Kafka. It serves the
 * ksqlDB REST API on --listeners and runs persistent queries against the cluster named by --bootstrap-server, with
 * its command topic and query groups named by --service-id; it stops on SIGINT/SIGTERM.
 */
import type { Command } from 'commander';
import { parseHttpListener } from '../broker/config/values.js';
import { createLogger } from '../broker/logger.js';
import { addLoggingOptions, collect, UsageError } from './common.js';
import { tuneHeapForServer } from './heap.js';
import { onInterrupt, out } from './output.js';

interface SqlServerFlags {
  bootstrapServer: string;
  listeners: string;
  serviceId: string;
  schemaRegistryUrl?: string;
  property?: string[];
  logLevel?: string;
  logFormat?: string;
}

export function register(program: Command): void {
  addLoggingOptions(
    program
      .command('sql-server')
      .description('serve streaming SQL (the ksqlDB REST API) against a Kafka cluster, until SIGINT or SIGTERM')
      .requiredOption('--bootstrap-server <host:port>', 'the Kafka cluster the queries read and write')
      .option(
        '--listeners <urls>',
        "comma-separated http://host:port endpoints (ksqlDB's listeners)",
        'http://127.0.0.1:8088',
      )
      .option('--service-id <id>', "ksql.service.id: names the command topic and the queries' groups", 'default_')
      .option('--schema-registry-url <url>', 'ksql.schema.registry.url, for the AVRO, PROTOBUF and JSON_SR formats')
      .option(
        '--property <key=value>',
        'a server property (e.g. ksql.streams.auto.offset.reset=earliest); repeatable',
        collect,
      ),
  ).action(async (flags: SqlServerFlags) => {
    // Like a broker, a SQL server's heap is small while a lot of Buffer memory passes through it (src/cli/heap.ts).
    tuneHeapForServer();
    const endpoints = flags.listeners.split(',').map((l) => {
      const e = parseHttpListener(l);
      if (typeof e === 'string') throw new UsageError(`--listeners: ${e}`);
      return e;
    });
    const properties: Record<string, string> = {};
    for (const p of flags.property ?? []) {
      const i = p.indexOf('=');
      if (i <= 0) throw new UsageError(`--property: expected key=value, got '${p}'`);
      properties[p.slice(0, i).trim()] = p.slice(i + 1).trim();
    }
    const logger = createLogger({ level: flags.logLevel, format: flags.logFormat });
    const { startSqlServer } = await import('../sql/server.js');
    const server = await startSqlServer({
      bootstrap: flags.bootstrapServer,
      endpoints,
      serviceId: flags.serviceId,
      properties,
      schemaRegistryUrl: flags.schemaRegistryUrl ?? properties['ksql.schema.registry.url'],
      logger: {
        info: (msg, fields) => logger.info(fields ?? {}, msg),
        warn: (msg, fields) => logger.warn(fields ?? {}, msg),
        error: (msg, fields) => logger.error(fields ?? {}, msg),
      },
    });
    await out(`samsa sql-server listening on ${server.urls.join(', ')} (bootstrap ${flags.bootstrapServer})\n`);
    await new Promise<void>((resolve) => {
      const off = onInterrupt(() => {
        off();
        void server.close().finally(resolve);
      });
    });
  });
}
