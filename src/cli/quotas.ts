/**
 * `samsa quotas describe|alter`: client quotas as `kafka-configs --entity-type users|clients|ips` manages them,
 * through DescribeClientQuotas and AlterClientQuotas. Entities are named kafka-configs' way: `--entity-type` and
 * `--entity-name` in pairs (`--entity-default` for the default entity of the type left without a name), or the
 * shortcuts `--user`, `--client`, `--ip` and `--user-defaults`, `--client-defaults`, `--ip-defaults`.
 */
import type { Command } from 'commander';
import type { QuotaEntity, QuotaMatch } from '../client/index.js';
import { collect, UsageError } from './common.js';
import {
  action,
  addConnectionOptions,
  out,
  parseConfigList,
  parseNameList,
  printJson,
  withAdmin,
  type ConnectionFlags,
} from './output.js';

type EntityField = 'user' | 'client-id' | 'ip';

interface QuotaFlags extends ConnectionFlags {
  entityType?: string[];
  entityName?: string[];
  entityDefault?: boolean;
  user?: string;
  client?: string;
  ip?: string;
  userDefaults?: boolean;
  clientDefaults?: boolean;
  ipDefaults?: boolean;
  json?: boolean;
}

const TYPE_FIELD: Record<string, EntityField> = { users: 'user', clients: 'client-id', ips: 'ip' };
/** kafka-configs' words for each entity type in its output. */
const TYPE_LABEL: Record<EntityField, string> = { user: 'user-principal', 'client-id': 'client-id', ip: 'ip' };

/** The entity the flags name: a name, null (the default entity) or undefined (any entity of that type). */
function entityFromFlags(flags: QuotaFlags): Partial<Record<EntityField, string | null | undefined>> {
  const entity: Partial<Record<EntityField, string | null | undefined>> = {};
  const set = (field: EntityField, value: string | null | undefined) => {
    if (field in entity) throw new UsageError(`the ${TYPE_LABEL[field]} entity is given twice`);
    entity[field] = value;
  };
  const types = flags.entityType ?? [];
  const names = flags.entityName ?? [];
  if (names.length > types.length) throw new UsageError('more --entity-name than --entity-type');
  if (flags.entityDefault && names.length !== types.length - 1) {
    throw new UsageError('--entity-default needs exactly one --entity-type without a --entity-name');
  }
  types.forEach((t, i) => {
    const field = TYPE_FIELD[t];
    if (field === undefined) throw new UsageError(`--entity-type: expected users, clients or ips, got '${t}'`);
    set(field, i < names.length ? names[i] : flags.entityDefault ? null : undefined);
  });
  if (flags.user !== undefined) set('user', flags.user);
  if (flags.userDefaults) set('user', null);
  if (flags.client !== undefined) set('client-id', flags.client);
  if (flags.clientDefaults) set('client-id', null);
  if (flags.ip !== undefined) set('ip', flags.ip);
  if (flags.ipDefaults) set('ip', null);
  return entity;
}

function describeEntity(e: QuotaEntity): string {
  return (['user', 'client-id', 'ip'] as const)
    .filter((f) => e[f] !== undefined)
    .map((f) => (e[f] === null ? `the default ${TYPE_LABEL[f]}` : `${TYPE_LABEL[f]} '${e[f]}'`))
    .join(', ');
}

function entityOptions(cmd: Command): Command {
  return addConnectionOptions(cmd)
    .option('--entity-type <type>', 'users, clients or ips; repeat for user and client together', collect)
    .option('--entity-name <name>', 'name of the entity, paired with --entity-type in order; repeatable', collect)
    .option('--entity-default', 'the default entity of the --entity-type given without a name')
    .option('--user <name>', 'the user principal name (same as --entity-type users --entity-name <name>)')
    .option('--client <id>', 'the client id (same as --entity-type clients --entity-name <id>)')
    .option('--ip <address>', 'the IP address (same as --entity-type ips --entity-name <address>)')
    .option('--user-defaults', 'the default user')
    .option('--client-defaults', 'the default client id')
    .option('--ip-defaults', 'the default IP')
    .option('--json', 'print JSON');
}

export function register(program: Command): void {
  const quotas = program
    .command('quotas')
    .description('describe and alter client quotas (users, client ids, IPs)')
    .addHelpText(
      'after',
      `
Examples:
  samsa quotas describe
  samsa quotas describe --entity-type users --entity-name alice
  samsa quotas alter --entity-type users --entity-name alice --add-config producer_byte_rate=1048576,consumer_byte_rate=2097152
  samsa quotas alter --entity-type users --entity-name alice --entity-type clients --entity-name app --add-config request_percentage=50
  samsa quotas alter --entity-type clients --entity-default --add-config producer_byte_rate=10485760
  samsa quotas alter --entity-type ips --entity-name 10.0.0.7 --add-config connection_creation_rate=10
  samsa quotas alter --entity-type users --entity-name alice --delete-config producer_byte_rate`,
    );

  entityOptions(
    quotas
      .command('describe')
      .description('quotas of the entities named (any entity of a type given without a name), or of every entity'),
  ).action(
    action(async (flags: QuotaFlags) => {
      const entity = entityFromFlags(flags);
      const filter: Partial<Record<EntityField, QuotaMatch>> = {};
      for (const [field, name] of Object.entries(entity) as Array<[EntityField, string | null | undefined]>) {
        filter[field] = name === undefined ? { any: true } : name === null ? { default: true } : { name };
      }
      const entries = await withAdmin(flags, (admin) =>
        admin.describeClientQuotas(filter, { strict: Object.keys(filter).length > 0 }),
      );
      if (flags.json) {
        await printJson(entries);
        return;
      }
      let text = '';
      for (const e of entries) {
        const values = Object.entries(e.values)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([k, v]) => `${k}=${Number.isInteger(v) ? v.toFixed(1) : v}`)
          .join(', ');
        text += `Quota configs for ${describeEntity(e.entity)} are ${values}\n`;
      }
      await out(text === '' ? 'No quota configs found.\n' : text);
    }),
  );

  entityOptions(quotas.command('alter').description('set or remove quota values of one entity'))
    .option('--add-config <k=v,...>', 'quotas to set, comma-separated; repeatable', collect)
    .option('--delete-config <k,...>', 'quotas to remove, comma-separated; repeatable', collect)
    .option('--validate-only', 'ask the broker to check the change without applying it')
    .action(
      action(async (flags: QuotaFlags & { addConfig?: string[]; deleteConfig?: string[]; validateOnly?: boolean }) => {
        const entity = entityFromFlags(flags);
        if (Object.keys(entity).length === 0) throw new UsageError('alter needs an entity: --entity-type and a name');
        const missing = Object.entries(entity).find(([, v]) => v === undefined);
        if (missing) throw new UsageError(`alter needs a name (or --entity-default) for ${missing[0]}`);
        const sets = parseConfigList(flags.addConfig, '--add-config');
        const deletes = parseNameList(flags.deleteConfig);
        if (sets.length + deletes.length === 0) {
          throw new UsageError('nothing to alter: give --add-config or --delete-config');
        }
        const set: Record<string, number> = {};
        for (const [k, v] of sets) {
          const n = Number(v);
          if (v.trim() === '' || !Number.isFinite(n))
            throw new UsageError(`--add-config: ${k} needs a number, got '${v}'`);
          set[k] = n;
        }
        const clash = deletes.find((d) => d in set);
        if (clash) throw new UsageError(`${clash} is both added and deleted`);
        const target = entity as QuotaEntity;
        await withAdmin(flags, (admin) =>
          admin.alterClientQuotas([{ entity: target, set, remove: deletes }], {
            validateOnly: flags.validateOnly ?? false,
          }),
        );
        if (flags.json) {
          await printJson({ entity: target, set, deleted: deletes, validateOnly: flags.validateOnly ?? false });
        } else {
          await out(
            `${flags.validateOnly ? 'Validated' : 'Completed'} updating quotas for ${describeEntity(target)}.\n`,
          );
        }
      }),
    );
}
