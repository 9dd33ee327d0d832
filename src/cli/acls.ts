/**
 * `samsa acls add|list|remove`: ACLs as `kafka-acls` manages them, with its option names: `--allow-principal`,
 * `--deny-principal`, `--allow-host`, `--deny-host`, `--operation`, `--topic`, `--group`, `--transactional-id`,
 * `--cluster`, `--resource-pattern-type`, `--principal` (list), and the `--producer` / `--consumer` shortcuts.
 */
import type { Command } from 'commander';
import type { Acl, AclFilter, AclOperationName, AclPermission, AclResourceType } from '../client/index.js';
import { ACL_OPERATION_NAMES } from '../protocol/acl-codes.js';
import { collect, UsageError } from './common.js';
import { action, addConnectionOptions, out, printJson, withAdmin, type ConnectionFlags } from './output.js';

interface AclFlags extends ConnectionFlags {
  allowPrincipal?: string[];
  denyPrincipal?: string[];
  allowHost?: string[];
  denyHost?: string[];
  principal?: string[];
  operation?: string[];
  topic?: string[];
  group?: string[];
  transactionalId?: string[];
  cluster?: boolean;
  resourcePatternType?: string;
  producer?: boolean;
  consumer?: boolean;
  idempotent?: boolean;
  json?: boolean;
}

const OPERATIONS: readonly AclOperationName[] = ACL_OPERATION_NAMES;

interface NamedResource {
  type: AclResourceType;
  name: string;
}

/** `Describe`, `describe-configs`, `DescribeConfigs` and `DESCRIBE_CONFIGS` alike. */
function operation(text: string): AclOperationName {
  const flat = text.replace(/[-_\s]/g, '').toUpperCase();
  const op = OPERATIONS.find((o) => o.replace(/_/g, '') === flat);
  if (op === undefined)
    throw new UsageError(`--operation: unknown operation '${text}' (one of ${OPERATIONS.join(', ')})`);
  return op;
}

function resources(flags: AclFlags): NamedResource[] {
  return [
    ...(flags.topic ?? []).map((name) => ({ type: 'TOPIC' as const, name })),
    ...(flags.group ?? []).map((name) => ({ type: 'GROUP' as const, name })),
    ...(flags.transactionalId ?? []).map((name) => ({ type: 'TRANSACTIONAL_ID' as const, name })),
    ...(flags.cluster ? [{ type: 'CLUSTER' as const, name: 'kafka-cluster' }] : []),
  ];
}

function patternType(flags: AclFlags, allowed: readonly string[], fallback: string): string {
  const p = (flags.resourcePatternType ?? fallback).toUpperCase();
  if (!allowed.includes(p)) {
    throw new UsageError(
      `--resource-pattern-type: expected ${allowed.join(', ').toLowerCase()}, got '${flags.resourcePatternType}'`,
    );
  }
  return p;
}

function principals(list: string[] | undefined): string[] {
  for (const p of list ?? []) {
    if (!/^[^:]+:./.test(p)) throw new UsageError(`principal '${p}' must be written type:name, e.g. User:alice`);
  }
  return list ?? [];
}

/** The ACLs `add` creates: each resource x principal x host x operation, for ALLOW and DENY. */
function aclsToAdd(flags: AclFlags): Acl[] {
  const pattern = patternType(flags, ['LITERAL', 'PREFIXED'], 'LITERAL') as 'LITERAL' | 'PREFIXED';
  const allow = principals(flags.allowPrincipal);
  const deny = principals(flags.denyPrincipal);
  if (allow.length + deny.length === 0) throw new UsageError('add needs --allow-principal or --deny-principal');
  const rs = resources(flags);
  // Operations per resource: --producer and --consumer pick kafka-acls' sets, --operation (default ALL) the rest.
  const ops = new Map<NamedResource, AclOperationName[]>();
  if (flags.producer || flags.consumer) {
    if (flags.operation !== undefined)
      throw new UsageError('--producer and --consumer choose the operations; drop --operation');
    const topics = rs.filter((r) => r.type === 'TOPIC');
    if (topics.length === 0) throw new UsageError('--producer and --consumer need --topic');
    for (const r of rs) {
      const list: AclOperationName[] = [];
      if (r.type === 'TOPIC' && flags.producer) list.push('WRITE', 'DESCRIBE', 'CREATE');
      if (r.type === 'TOPIC' && flags.consumer) list.push('READ', 'DESCRIBE');
      if (r.type === 'GROUP' && flags.consumer) list.push('READ');
      if (r.type === 'TRANSACTIONAL_ID' && flags.producer) list.push('WRITE', 'DESCRIBE');
      if (list.length > 0) ops.set(r, list);
    }
    if (flags.consumer && !rs.some((r) => r.type === 'GROUP')) throw new UsageError('--consumer needs --group');
    if (flags.producer && flags.idempotent) ops.set({ type: 'CLUSTER', name: 'kafka-cluster' }, ['IDEMPOTENT_WRITE']);
  } else {
    if (rs.length === 0)
      throw new UsageError('add needs a resource: --topic, --group, --transactional-id or --cluster');
    const list = [...new Set((flags.operation ?? ['All']).map(operation))];
    for (const r of rs) ops.set(r, list);
  }
  const out: Acl[] = [];
  const emit = (permission: AclPermission, who: string[], hosts: string[] | undefined) => {
    for (const [r, list] of ops) {
      for (const principal of who) {
        for (const host of hosts ?? ['*']) {
          for (const op of list) {
            const p = r.type === 'CLUSTER' ? 'LITERAL' : pattern;
            out.push({
              resourceType: r.type,
              resourceName: r.name,
              patternType: p,
              principal,
              host,
              operation: op,
              permission,
            });
          }
        }
      }
    }
  };
  emit('ALLOW', allow, flags.allowHost);
  emit('DENY', deny, flags.denyHost);
  return out;
}

/** The filters of `list` and `remove`. */
function filters(flags: AclFlags, forRemove: boolean): AclFilter[] {
  const rs = resources(flags);
  const pattern = patternType(
    flags,
    ['LITERAL', 'PREFIXED', 'MATCH', 'ANY'],
    rs.length > 0 ? 'LITERAL' : 'ANY',
  ) as AclFilter['patternType'];
  const base: AclFilter[] =
    rs.length === 0
      ? [{ patternType: pattern }]
      : rs.map((r) => ({
          resourceType: r.type,
          resourceName: r.name,
          patternType: r.type === 'CLUSTER' && pattern !== 'ANY' && pattern !== 'MATCH' ? 'LITERAL' : pattern,
        }));
  if (forRemove && rs.length === 0)
    throw new UsageError('remove needs a resource: --topic, --group, --transactional-id or --cluster');
  const who: Array<{ principal?: string; permission?: AclPermission; host?: string }> = [];
  const listPrincipals = principals(flags.principal);
  for (const p of listPrincipals) who.push({ principal: p });
  for (const p of principals(flags.allowPrincipal))
    for (const h of flags.allowHost ?? [undefined])
      who.push({ principal: p, permission: 'ALLOW', ...(h ? { host: h } : {}) });
  for (const p of principals(flags.denyPrincipal))
    for (const h of flags.denyHost ?? [undefined])
      who.push({ principal: p, permission: 'DENY', ...(h ? { host: h } : {}) });
  const ops = flags.operation === undefined ? [undefined] : flags.operation.map(operation);
  const outFilters: AclFilter[] = [];
  for (const b of base) {
    for (const w of who.length === 0 ? [{}] : who) {
      for (const op of ops) outFilters.push({ ...b, ...w, ...(op ? { operation: op } : {}) });
    }
  }
  return outFilters;
}

function resourceLine(a: Acl): string {
  return `ResourcePattern(resourceType=${a.resourceType}, name=${a.resourceName}, patternType=${a.patternType ?? 'LITERAL'})`;
}

function entryLine(a: Acl): string {
  return `(principal=${a.principal}, host=${a.host ?? '*'}, operation=${a.operation}, permissionType=${a.permission})`;
}

/** kafka-acls' listing: each resource pattern, then its ACLs. */
function listing(title: string, acls: readonly Acl[]): string {
  const byResource = new Map<string, Acl[]>();
  for (const a of acls) {
    const k = resourceLine(a);
    const l = byResource.get(k);
    if (l === undefined) byResource.set(k, [a]);
    else l.push(a);
  }
  let text = '';
  for (const [k, list] of byResource) {
    text += `${title} \`${k}\`:\n${list.map((a) => ` \t${entryLine(a)}`).join('\n')}\n\n`;
  }
  return text;
}

function aclOptions(cmd: Command): Command {
  return addConnectionOptions(cmd)
    .option(
      '--topic <name>',
      'a topic (a name, a prefix with --resource-pattern-type prefixed, or *); repeatable',
      collect,
    )
    .option('--group <id>', 'a consumer group; repeatable', collect)
    .option('--transactional-id <id>', 'a transactional id; repeatable', collect)
    .option('--cluster', 'the cluster resource')
    .option('--resource-pattern-type <type>', 'literal or prefixed (add); also match or any (list, remove)')
    .option('--allow-principal <principal>', 'principal to allow, e.g. User:alice or User:*; repeatable', collect)
    .option('--deny-principal <principal>', 'principal to deny; repeatable', collect)
    .option('--allow-host <host>', 'client address the allow applies to (default *); repeatable', collect)
    .option('--deny-host <host>', 'client address the deny applies to (default *); repeatable', collect)
    .option('--operation <op>', `one of ${OPERATIONS.map((o) => o.toLowerCase()).join(', ')}; repeatable`, collect)
    .option('--json', 'print JSON');
}

export function register(program: Command): void {
  const acls = program
    .command('acls')
    .description('add, list and remove ACLs (brokers with authorizer.class.name set)')
    .addHelpText(
      'after',
      `
Examples:
  samsa acls add --allow-principal User:alice --operation read --operation describe --topic orders
  samsa acls add --allow-principal User:alice --consumer --topic orders --group billing
  samsa acls add --allow-principal User:bob --producer --topic team-a. --resource-pattern-type prefixed
  samsa acls add --deny-principal User:mallory --operation all --topic '*'
  samsa acls add --allow-principal User:app --operation write --transactional-id app-txn
  samsa acls list --topic orders --resource-pattern-type match
  samsa acls list --principal User:alice
  samsa acls remove --allow-principal User:alice --operation read --topic orders`,
    );

  aclOptions(acls.command('add').description('create ACLs: each principal x host x operation x resource'))
    .option(
      '--producer',
      'the ACLs a producer needs: WRITE, DESCRIBE, CREATE on the topics (and the transactional ids)',
    )
    .option('--consumer', 'the ACLs a consumer needs: READ, DESCRIBE on the topics, READ on the group')
    .option('--idempotent', 'with --producer: IDEMPOTENT_WRITE on the cluster too')
    .action(
      action(async (flags: AclFlags) => {
        const list = aclsToAdd(flags);
        await withAdmin(flags, (admin) => admin.createAcls(list));
        if (flags.json) await printJson(list);
        else await out(listing('Adding ACLs for resource', list));
      }),
    );

  aclOptions(acls.command('list').description('ACLs of the resources given (all ACLs without one)'))
    .option('--principal <principal>', 'only ACLs of this principal; repeatable', collect)
    .action(
      action(async (flags: AclFlags) => {
        const fs = filters(flags, false);
        const found = await withAdmin(flags, async (admin) => {
          const seen = new Map<string, Acl>();
          for (const f of fs) for (const a of await admin.describeAcls(f)) seen.set(JSON.stringify(a), a);
          return [...seen.values()];
        });
        if (flags.json) await printJson(found);
        else await out(found.length === 0 ? 'No ACLs found.\n' : listing('Current ACLs for resource', found));
      }),
    );

  aclOptions(
    acls
      .command('remove')
      .description('delete the ACLs of the resources given (only those of the principals, hosts, operations given)'),
  ).action(
    action(async (flags: AclFlags) => {
      const removed = await withAdmin(flags, (admin) => admin.deleteAcls(filters(flags, true)));
      if (flags.json) await printJson(removed);
      else await out(removed.length === 0 ? 'No ACLs matched.\n' : listing('Removed ACLs for resource', removed));
    }),
  );
}
