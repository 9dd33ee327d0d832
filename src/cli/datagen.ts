/**
 * `samsa datagen`: fill a topic with generated data — one of the quickstart data sets (users, pageviews, orders,
 * clickstream...) or a user's own annotated Avro schema — as JSON, delimited text, or Avro / JSON Schema /
 * Protobuf through the schema registry, with a progress line on stderr.
 */
import { loadCommandConfig } from './command-config.js';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { FORMATS, type Format } from '../datagen/formats.js';
import { QUICKSTARTS } from '../datagen/quickstarts.js';
import { runDatagen } from '../datagen/run.js';
import { intArg, UsageError } from './common.js';
import { action, addConnectionOptions, type ConnectionFlags, onInterrupt } from './output.js';

interface DatagenFlags extends ConnectionFlags {
  brokerList?: string;
  quickstart?: string;
  schema?: string;
  keyField?: string;
  topic?: string;
  format: string;
  iterations: number;
  intervalMs: number;
  schemaRegistry: string;
  seed?: number;
  quiet?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('datagen')
    .description('produce generated data (Confluent-style quickstarts or your own Avro schema) to a topic')
    .option('-q, --quickstart <name>', `data set: ${Object.keys(QUICKSTARTS).join(', ')}`)
    .option('--schema <file>', 'your own Avro record schema (with arg.properties: options, range, regex, iteration)')
    .option('--key-field <field>', 'field of --schema records used as the key')
    .option('-t, --topic <topic>', 'topic to write (default: the quickstart name)')
    .option('-f, --format <format>', `value format: ${FORMATS.join(', ')}`, 'json')
    .option('-n, --iterations <n>', 'records to produce', intArg(1, Number.MAX_SAFE_INTEGER), 1_000_000)
    .option('-i, --interval-ms <ms>', 'pause between records (0: as fast as possible)', intArg(0, 3_600_000), 0)
    .option('--schema-registry <url>', 'schema registry for avro, protobuf and json_sr', 'http://127.0.0.1:8081')
    .option('--seed <n>', 'random seed, for repeatable data', intArg(0, 2 ** 31 - 1))
    .option('--quiet', 'no progress line');
  addConnectionOptions(cmd)
    .addHelpText(
      'after',
      `
Examples:
  samsa datagen --quickstart users --iterations 1000
  samsa datagen --quickstart pageviews --format avro --interval-ms 100
  samsa datagen --schema my-schema.avsc --key-field id --topic mine --format json_sr`,
    )
    .action(action(runCommand));
}

/** TLS and SASL client options from --command-config. */
function securityOf(file: string | undefined) {
  if (file === undefined) return undefined;
  const { tls, sasl } = loadCommandConfig(file);
  return { ...(tls ? { tls } : {}), ...(sasl ? { sasl } : {}) };
}

async function runCommand(flags: DatagenFlags): Promise<void> {
  if ((flags.quickstart === undefined) === (flags.schema === undefined)) {
    throw new UsageError('give exactly one of --quickstart and --schema');
  }
  if (flags.quickstart !== undefined && !QUICKSTARTS[flags.quickstart]) {
    throw new UsageError(`unknown quickstart '${flags.quickstart}' (known: ${Object.keys(QUICKSTARTS).join(', ')})`);
  }
  if (!(FORMATS as readonly string[]).includes(flags.format)) {
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
  }
  let dataset: Parameters<typeof runDatagen>[0]['dataset'];
  if (flags.schema !== undefined) {
    let schema: Record<string, unknown>;
    try {
      schema = JSON.parse(readFileSync(flags.schema, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new UsageError(`--schema ${flags.schema}: ${(e as Error).message}`);
    }
    if (schema['type'] !== 'record') throw new UsageError(`--schema ${flags.schema}: not an Avro record schema`);
    dataset = { schema, keyField: flags.keyField };
  } else dataset = flags.quickstart!;
  const controller = new AbortController();
  const release = onInterrupt(() => controller.abort());
  const progress = (p: { topic: string; records: number; bytes: number; ms: number; done: boolean }) => {
    if (flags.quiet) return;
    const rate = p.ms > 0 ? Math.round((p.records * 1000) / p.ms) : 0;
    const line = `${p.topic}: ${p.records} records, ${(p.bytes / 1048576).toFixed(1)} MiB, ${rate} records/s`;
    if (process.stderr.isTTY) process.stderr.write(`\r${line}${p.done ? '\n' : ''}`);
    else process.stderr.write(`${line}\n`);
  };
  try {
    await runDatagen({
      dataset,
      topic: flags.topic,
      format: flags.format as Format,
      iterations: flags.iterations,
      intervalMs: flags.intervalMs,
      bootstrap: flags.brokerList ?? flags.bootstrapServer,
      security: securityOf(flags.commandConfig),
      registryUrl: flags.format === 'json' || flags.format === 'delimited' ? undefined : flags.schemaRegistry,
      seed: flags.seed,
      onProgress: progress,
      signal: controller.signal,
    });
  } finally {
    release();
  }
}
