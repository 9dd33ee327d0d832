/**
 * `samsa topics create|list|describe|alter|delete`: kafka-topics without a JVM.
 */
import type { Command } from 'commander';
import type { ConfigEntry, TopicInfo } from '../client/index.js';
import { collect, intArg, topicArgument, topicArguments, UsageError } from './common.js';
import {
  action,
  addConnectionOptions,
  out,
  parseKeyValue,
  isKafkaError,
  printJson,
  table,
  type ConnectionFlags,
  withAdmin,
} from './output.js';

interface TopicFlags extends ConnectionFlags {
  topic?: string;
  json?: boolean;
}

const topicName = (arg: string | undefined, flags: TopicFlags): string => topicArgument(arg, flags.topic);

function leaf(parent: Command, name: string, description: string): Command {
  const cmd = parent.command(name).description(description);
  addConnectionOptions(cmd);
  return cmd;
}

/** Configs that differ from the broker's defaults: set on the topic itself. */
export function topicOverrides(configs: ConfigEntry[]): ConfigEntry[] {
  return configs.filter((c) => c.source === 1 || (!c.isDefault && c.source !== 4 && c.source !== 5 && c.source !== -1));
}

export function register(program: Command): void {
  const topics = program
    .command('topics')
    .description('create, list, describe, alter and delete topics')
    .addHelpText(
      'after',
      `
Examples:
  samsa topics create orders --partitions 6 --config retention.ms=86400000
  samsa topics list
  samsa topics describe orders --json
  samsa topics alter orders --partitions 12 --delete-config retention.ms
  samsa topics delete orders --if-exists`,
    );

  leaf(topics, 'create', 'create a topic')
    .argument('[topic]', 'topic name (or --topic)')
    .option('-t, --topic <name>', 'topic name')
    .option('--partitions <n>', 'number of partitions (default: the broker num.partitions)', intArg(1, 1_000_000))
    .option(
      '--replication-factor <n>',
      'replicas per partition (default: the broker default.replication.factor)',
      intArg(1, 32767),
    )
    .option('--config <key=value>', 'topic config override; repeatable', collect)
    .option('--if-not-exists', 'succeed quietly when the topic already exists')
    .option('--validate-only', 'ask the broker to check the request without creating anything')
    .option('--json', 'print the result as JSON')
    .action(
      action(
        async (
          arg: string | undefined,
          flags: TopicFlags & {
            partitions?: number;
            replicationFactor?: number;
            config?: string[];
            ifNotExists?: boolean;
            validateOnly?: boolean;
          },
        ) => {
          const name = topicName(arg, flags);
          const configs = Object.fromEntries((flags.config ?? []).map((c) => parseKeyValue(c, '--config')));
          await withAdmin(flags, async (admin) => {
            let created = true;
            try {
              await admin.createTopics(
                [
                  {
                    name,
                    numPartitions: flags.partitions ?? -1,
                    replicationFactor: flags.replicationFactor ?? -1,
                    configs,
                  },
                ],
                { validateOnly: flags.validateOnly ?? false },
              );
            } catch (e) {
              if (!(flags.ifNotExists && isKafkaError(e) && e.codeName === 'TOPIC_ALREADY_EXISTS')) throw e;
              created = false;
            }
            if (flags.json) await printJson({ topic: name, created, validateOnly: flags.validateOnly ?? false });
            else if (flags.validateOnly) await out(`Topic ${name} can be created (validate only).\n`);
            else await out(created ? `Created topic ${name}.\n` : `Topic ${name} already exists.\n`);
          });
        },
      ),
    );

  leaf(topics, 'list', 'list topic names')
    .option('--include-internal', 'also list internal topics such as __consumer_offsets')
    .option('--json', 'print a JSON array')
    .action(
      action(async (flags: TopicFlags & { includeInternal?: boolean }) => {
        await withAdmin(flags, async (admin) => {
          const names = await admin.listTopics({ includeInternal: flags.includeInternal ?? false });
          if (flags.json) await printJson(names);
          else await out(names.map((n) => `${n}\n`).join(''));
        });
      }),
    );

  leaf(
    topics,
    'describe',
    'partitions, leaders, replicas, ISR and config overrides of topics (all topics without a name)',
  )
    .argument('[topics...]', 'topic names (or --topic)')
    .option('-t, --topic <name>', 'topic name; repeatable', collect)
    .option('--include-internal', 'with no topic named, include internal topics')
    .option('--json', 'print JSON')
    .action(
      action(
        async (args: string[], flags: Omit<TopicFlags, 'topic'> & { topic?: string[]; includeInternal?: boolean }) => {
          await withAdmin(flags, async (admin) => {
            let names = [...args, ...(flags.topic ?? [])];
            if (names.length === 0) names = await admin.listTopics({ includeInternal: flags.includeInternal ?? false });
            if (names.length === 0) {
              if (flags.json) await printJson([]);
              return;
            }
            const infos = await admin.describeTopics(names);
            const configs = await admin.describeConfigs(infos.map((t) => ({ type: 'topic' as const, name: t.name })));
            const described = infos.map((t, i) => describeTopic(t, topicOverrides(configs[i]!.configs)));
            if (flags.json) {
              await printJson(described);
              return;
            }
            let text = '';
            for (const d of described) {
              const cfg = Object.entries(d.configs)
                .map(([k, v]) => `${k}=${v}`)
                .join(',');
              text += `Topic: ${d.topic}\tTopicId: ${d.topicId}\tPartitionCount: ${d.partitionCount}\tReplicationFactor: ${d.replicationFactor}\tConfigs: ${cfg}\n`;
              text += table(
                ['PARTITION', 'LEADER', 'REPLICAS', 'ISR', 'OFFLINE'],
                d.partitions.map((p) => [
                  p.partition,
                  p.leader,
                  p.replicas.join(','),
                  p.isr.join(','),
                  p.offline.join(','),
                ]),
              );
              text += '\n';
            }
            await out(text);
          });
        },
      ),
    );

  leaf(topics, 'alter', 'add partitions or change config overrides of a topic')
    .argument('[topic]', 'topic name (or --topic)')
    .option('-t, --topic <name>', 'topic name')
    .option('--partitions <n>', 'new (larger) partition count', intArg(1, 1_000_000))
    .option('--config <key=value>', 'set a config override; repeatable', collect)
    .option('--delete-config <key>', 'remove a config override; repeatable', collect)
    .option('--json', 'print the result as JSON')
    .action(
      action(
        async (
          arg: string | undefined,
          flags: TopicFlags & { partitions?: number; config?: string[]; deleteConfig?: string[] },
        ) => {
          const name = topicName(arg, flags);
          const sets = (flags.config ?? []).map((c) => parseKeyValue(c, '--config'));
          const deletes = flags.deleteConfig ?? [];
          if (flags.partitions === undefined && sets.length === 0 && deletes.length === 0) {
            throw new UsageError('nothing to alter: give --partitions, --config or --delete-config');
          }
          await withAdmin(flags, async (admin) => {
            const done: string[] = [];
            if (flags.partitions !== undefined) {
              await admin.createPartitions([{ topic: name, count: flags.partitions }]);
              done.push(`partitions=${flags.partitions}`);
            }
            if (sets.length + deletes.length > 0) {
              await admin.alterConfigs({ type: 'topic', name }, [
                ...sets.map(([k, v]) => ({ name: k, op: 'set' as const, value: v })),
                ...deletes.map((k) => ({ name: k, op: 'delete' as const })),
              ]);
              done.push(...sets.map(([k, v]) => `${k}=${v}`), ...deletes.map((k) => `-${k}`));
            }
            if (flags.json)
              await printJson({
                topic: name,
                partitions: flags.partitions ?? null,
                set: Object.fromEntries(sets),
                deleted: deletes,
              });
            else await out(`Altered topic ${name}: ${done.join(', ')}\n`);
          });
        },
      ),
    );

  leaf(topics, 'delete', 'delete topics')
    .argument('[topics...]', 'topic names (or --topic)')
    .option('-t, --topic <name>', 'topic name; repeatable', collect)
    .option('--if-exists', 'succeed quietly for topics that do not exist')
    .option('--json', 'print the result as JSON')
    .action(
      action(async (args: string[], flags: Omit<TopicFlags, 'topic'> & { topic?: string[]; ifExists?: boolean }) => {
        const names = topicArguments(args, flags.topic);
        await withAdmin(flags, async (admin) => {
          const result: Array<{ topic: string; deleted: boolean }> = [];
          // One at a time, so --if-exists can tell a missing topic from a real failure.
          for (const name of names) {
            try {
              await admin.deleteTopics([name]);
              result.push({ topic: name, deleted: true });
            } catch (e) {
              if (!(flags.ifExists && isKafkaError(e) && e.codeName === 'UNKNOWN_TOPIC_OR_PARTITION')) throw e;
              result.push({ topic: name, deleted: false });
            }
          }
          if (flags.json) await printJson(result);
          else
            await out(
              result
                .map((r) => (r.deleted ? `Deleted topic ${r.topic}.\n` : `Topic ${r.topic} does not exist.\n`))
                .join(''),
            );
        });
      }),
    );
}

export interface TopicDescription {
  topic: string;
  topicId: string;
  internal: boolean;
  partitionCount: number;
  replicationFactor: number;
  configs: Record<string, string | null>;
  partitions: Array<{ partition: number; leader: number; replicas: number[]; isr: number[]; offline: number[] }>;
}

function describeTopic(t: TopicInfo, overrides: ConfigEntry[]): TopicDescription {
  return {
    topic: t.name,
    topicId: t.topicId,
    internal: t.isInternal,
    partitionCount: t.partitions.length,
    replicationFactor: t.partitions[0]?.replicas.length ?? 0,
    configs: Object.fromEntries(overrides.map((c) => [c.name, c.isSensitive ? '(sensitive)' : c.value])),
    partitions: t.partitions.map((p) => ({
      partition: p.partition,
      leader: p.leader,
      replicas: p.replicas,
      isr: p.isr,
      offline: p.offlineReplicas,
    })),
  };
}
