/**
 * `samsa configs describe|alter`: kafka-configs for topics and brokers.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import type { ConfigResourceType } from '../client/index.js';
import { collect, UsageError } from './common.js';
import {
  action,
  addConnectionOptions,
  configSourceName,
  out,
  parseConfigList,
  parseNameList,
  printJson,
  table,
  withAdmin,
  type ConnectionFlags,
} from './output.js';

interface ConfigFlags extends ConnectionFlags {
  entityType: 'topics' | 'brokers';
  entityName?: string;
  /** Brokers: the cluster-wide default (the empty resource name), as kafka-configs --entity-default. */
  entityDefault?: boolean;
  json?: boolean;
}

const TYPE: Record<ConfigFlags['entityType'], ConfigResourceType> = { topics: 'topic', brokers: 'broker' };

function entityOptions(cmd: Command): Command {
  return addConnectionOptions(cmd)
    .addOption(
      new Option('--entity-type <type>', 'what to configure').choices(['topics', 'brokers']).makeOptionMandatory(),
    )
    .option('--entity-name <name>', 'topic name or broker id (for brokers: default all brokers when describing)')
    .option('--entity-default', 'brokers: the cluster-wide default of dynamic broker configs')
    .option('--json', 'print JSON');
}

export function register(program: Command): void {
  const configs = program
    .command('configs')
    .description('describe and alter topic and broker configs')
    .addHelpText(
      'after',
      `
Examples:
  samsa configs describe --entity-type topics --entity-name orders
  samsa configs describe --entity-type brokers --entity-name 1 --all
  samsa configs alter --entity-type topics --entity-name orders --add-config retention.ms=3600000,cleanup.policy=[delete,compact]
  samsa configs alter --entity-type topics --entity-name orders --delete-config retention.ms
  samsa configs alter --entity-type brokers --entity-name 1 --add-config log.retention.ms=86400000
  samsa configs alter --entity-type brokers --entity-default --add-config message.max.bytes=2000000
  samsa configs describe --entity-type brokers --entity-default`,
    );

  entityOptions(configs.command('describe').description('configs of a topic or broker: overrides only unless --all'))
    .option('--all', 'include defaults and static broker settings')
    .action(
      action(async (flags: ConfigFlags & { all?: boolean }) => {
        await withAdmin(flags, async (admin) => {
          let names: string[];
          if (flags.entityDefault) names = [defaultEntity(flags)];
          else if (flags.entityName !== undefined) names = [flags.entityName];
          else if (flags.entityType === 'brokers')
            names = (await admin.describeCluster()).brokers.map((b) => String(b.nodeId));
          else names = await admin.listTopics();
          if (flags.entityType === 'brokers' && !flags.entityDefault && names.some((n) => !/^\d+$/.test(n)))
            throw new UsageError(
              `--entity-name: a broker id is a number, got '${names.find((n) => !/^\d+$/.test(n))}'`,
            );
          const res =
            names.length > 0
              ? await admin.describeConfigs(names.map((name) => ({ type: TYPE[flags.entityType], name })))
              : [];
          const shown = res.map((r) => ({
            entityType: flags.entityType,
            entityName: r.name,
            configs: r.configs
              .filter((c) => flags.all || !(c.isDefault || c.source === 4 || c.source === 5))
              .sort((a, b) => (a.name < b.name ? -1 : 1))
              .map((c) => ({
                name: c.name,
                value: c.isSensitive ? null : c.value,
                source: configSourceName(c.source),
                readOnly: c.readOnly,
                sensitive: c.isSensitive,
              })),
          }));
          if (flags.json) {
            await printJson(flags.entityName !== undefined || flags.entityDefault ? shown[0] : shown);
            return;
          }
          let text = '';
          for (const s of shown) {
            const label = flags.entityType === 'topics' ? 'topic' : 'broker';
            text += flags.entityDefault
              ? 'Default configs for brokers in the cluster:\n'
              : `${flags.all ? 'All' : 'Dynamic'} configs for ${label} ${s.entityName}:\n`;
            text +=
              s.configs.length === 0
                ? '  (none)\n'
                : table(
                    ['NAME', 'VALUE', 'SOURCE'],
                    s.configs.map((c) => [c.name, c.sensitive ? '(sensitive)' : c.value, c.source]),
                  ).replace(/^(?=.)/gm, '  ');
          }
          await out(text);
        });
      }),
    );

  entityOptions(
    configs.command('alter').description('set or remove config overrides (incrementally; other overrides stay)'),
  )
    .option(
      '--add-config <k=v,...>',
      'configs to set, comma-separated (values with commas in [brackets]); repeatable',
      collect,
    )
    .option('--delete-config <k,...>', 'configs to remove, comma-separated; repeatable', collect)
    .option('--validate-only', 'ask the broker to check the change without applying it')
    .action(
      action(async (flags: ConfigFlags & { addConfig?: string[]; deleteConfig?: string[]; validateOnly?: boolean }) => {
        if (flags.entityDefault) flags.entityName = defaultEntity(flags);
        if (flags.entityName === undefined) throw new UsageError('alter needs --entity-name or --entity-default');
        const sets = parseConfigList(flags.addConfig, '--add-config');
        const deletes = parseNameList(flags.deleteConfig);
        if (sets.length + deletes.length === 0)
          throw new UsageError('nothing to alter: give --add-config or --delete-config');
        const clash = deletes.find((d) => sets.some(([k]) => k === d));
        if (clash) throw new UsageError(`${clash} is both added and deleted`);
        await withAdmin(flags, (admin) =>
          admin.alterConfigs(
            { type: TYPE[flags.entityType], name: flags.entityName! },
            [
              ...sets.map(([name, value]) => ({ name, op: 'set' as const, value })),
              ...deletes.map((name) => ({ name, op: 'delete' as const })),
            ],
            { validateOnly: flags.validateOnly ?? false },
          ),
        );
        if (flags.json)
          await printJson({
            entityType: flags.entityType,
            entityName: flags.entityName,
            set: Object.fromEntries(sets),
            deleted: deletes,
            validateOnly: flags.validateOnly ?? false,
          });
        else
          await out(
            `${flags.validateOnly ? 'Validated' : 'Completed'} updating config for ${flags.entityType === 'topics' ? 'topic' : 'broker'} ${flags.entityName}.\n`,
          );
      }),
    );
}

/** The resource name of the cluster-wide broker default (''); only brokers have one, and not with a name too. */
function defaultEntity(flags: ConfigFlags): string {
  if (flags.entityType !== 'brokers') throw new UsageError('--entity-default is for --entity-type brokers');
  if (flags.entityName !== undefined) throw new UsageError('give --entity-name or --entity-default, not both');
  return '';
}
