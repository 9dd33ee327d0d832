/**
 * `samsa groups list|describe|reset-offsets|delete`: kafka-consumer-groups without a JVM.
 */
import type { Command } from 'commander';
import type { Admin, GroupDescription, TopicPartition, TopicPartitionOffset } from '../client/index.js';
import { collect, UsageError } from './common.js';
import {
  action,
  addConnectionOptions,
  out,
  parseTimestamp,
  printJson,
  table,
  withAdmin,
  type ConnectionFlags,
} from './output.js';

interface GroupFlags extends ConnectionFlags {
  group?: string[];
  json?: boolean;
}

function groupNames(args: string[], flags: GroupFlags): string[] {
  const names = [...args, ...(flags.group ?? [])];
  if (names.length === 0) throw new UsageError('a group id is needed (--group ID or as an argument)');
  return names;
}

export interface PartitionLag {
  topic: string;
  partition: number;
  /** Committed offset, or null when the group has none for an assigned partition. */
  currentOffset: number | null;
  logEndOffset: number;
  lag: number | null;
  memberId: string | null;
  clientId: string | null;
  host: string | null;
}

export interface GroupReport {
  group: string;
  state: string;
  protocolType: string;
  protocol: string;
  members: Array<{
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    host: string;
    assignment: TopicPartition[];
  }>;
  partitions: PartitionLag[];
}

const tpKey = (t: string, p: number) => `${t}\u0000${p}`;

/** Members, committed offsets, log end offsets and lag of one group. */
export async function groupReport(admin: Admin, d: GroupDescription): Promise<GroupReport> {
  const committed = await admin.listGroupOffsets(d.groupId);
  const owner = new Map<string, GroupDescription['members'][number]>();
  for (const m of d.members) for (const a of m.assignment) owner.set(tpKey(a.topic, a.partition), m);
  const tps = new Map<string, TopicPartition>();
  for (const c of committed) tps.set(tpKey(c.topic, c.partition), { topic: c.topic, partition: c.partition });
  for (const m of d.members) for (const a of m.assignment) tps.set(tpKey(a.topic, a.partition), a);
  const list = [...tps.values()].sort((a, b) =>
    a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
  );
  // Topics deleted since the commit have no end offset; show them without one rather than failing.
  const existing = new Set(await admin.listTopics({ includeInternal: true }));
  const known = list.filter((tp) => existing.has(tp.topic));
  const ends = known.length > 0 ? await admin.listOffsets(known, 'latest') : [];
  const endOf = new Map(ends.map((e) => [tpKey(e.topic, e.partition), e.offset]));
  const committedOf = new Map(committed.map((c) => [tpKey(c.topic, c.partition), c.offset]));
  return {
    group: d.groupId,
    state: d.state,
    protocolType: d.protocolType,
    protocol: d.protocol,
    members: d.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      host: m.clientHost,
      assignment: m.assignment,
    })),
    partitions: list.map((tp) => {
      const k = tpKey(tp.topic, tp.partition);
      const cur = committedOf.get(k) ?? null;
      const end = endOf.get(k) ?? -1;
      const m = owner.get(k);
      return {
        topic: tp.topic,
        partition: tp.partition,
        currentOffset: cur,
        logEndOffset: end,
        lag: cur === null || end < 0 ? null : Math.max(0, end - cur),
        memberId: m?.memberId ?? null,
        clientId: m?.clientId ?? null,
        host: m?.clientHost ?? null,
      };
    }),
  };
}

function renderReport(r: GroupReport): string {
  let text = `Group ${r.group}: state ${r.state}${r.protocol ? `, assignor ${r.protocol}` : ''}, ${r.members.length} member${r.members.length === 1 ? '' : 's'}\n`;
  if (r.members.length > 0) {
    text +=
      '\n' +
      table(
        ['MEMBER-ID', 'CLIENT-ID', 'HOST', 'PARTITIONS'],
        r.members.map((m) => [
          m.memberId,
          m.clientId,
          m.host,
          m.assignment.map((a) => `${a.topic}-${a.partition}`).join(',') || '-',
        ]),
      );
  }
  if (r.partitions.length > 0) {
    text +=
      '\n' +
      table(
        ['TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID'],
        r.partitions.map((p) => [
          p.topic,
          p.partition,
          p.currentOffset,
          p.logEndOffset < 0 ? null : p.logEndOffset,
          p.lag,
          p.memberId,
        ]),
      );
  } else {
    text += 'No committed offsets.\n';
  }
  return text;
}

interface ResetFlags extends GroupFlags {
  topic?: string[];
  allTopics?: boolean;
  toEarliest?: boolean;
  toLatest?: boolean;
  toOffset?: string;
  toDatetime?: string;
  shiftBy?: string;
  dryRun?: boolean;
  execute?: boolean;
}

type Target =
  | { kind: 'earliest' }
  | { kind: 'latest' }
  | { kind: 'offset'; offset: number }
  | { kind: 'time'; ms: number }
  | { kind: 'shift'; by: number };

function parseTarget(flags: ResetFlags): Target {
  const targets: Target[] = [];
  if (flags.toEarliest) targets.push({ kind: 'earliest' });
  if (flags.toLatest) targets.push({ kind: 'latest' });
  if (flags.toOffset !== undefined) {
    if (!/^\d+$/.test(flags.toOffset.trim()))
      throw new UsageError(`--to-offset: expected a non-negative integer, got '${flags.toOffset}'`);
    targets.push({ kind: 'offset', offset: Number(flags.toOffset) });
  }
  if (flags.toDatetime !== undefined)
    targets.push({ kind: 'time', ms: parseTimestamp(flags.toDatetime, '--to-datetime') });
  if (flags.shiftBy !== undefined) {
    if (!/^[+-]?\d+$/.test(flags.shiftBy.trim()))
      throw new UsageError(`--shift-by: expected an integer, got '${flags.shiftBy}'`);
    targets.push({ kind: 'shift', by: Number(flags.shiftBy) });
  }
  if (targets.length !== 1) {
    throw new UsageError('give exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime, --shift-by');
  }
  return targets[0]!;
}

/** "orders" (all partitions) or "orders:0,2" (those partitions). */
function parseTopicSpec(spec: string): { topic: string; partitions: number[] | null } {
  const i = spec.lastIndexOf(':');
  if (i < 0) return { topic: spec, partitions: null };
  const parts = spec
    .slice(i + 1)
    .split(',')
    .map((s) => s.trim());
  if (parts.some((p) => !/^\d+$/.test(p)))
    throw new UsageError(`--topic: expected TOPIC or TOPIC:P1,P2, got '${spec}'`);
  return { topic: spec.slice(0, i), partitions: parts.map(Number) };
}

export function register(program: Command): void {
  const groups = program
    .command('groups')
    .description('list, describe, reset offsets of and delete consumer groups')
    .addHelpText(
      'after',
      `
Examples:
  samsa groups list
  samsa groups describe billing
  samsa groups reset-offsets --group billing --topic orders --to-earliest            (dry run)
  samsa groups reset-offsets --group billing --topic orders:0,1 --shift-by -100 --execute
  samsa groups reset-offsets --group billing --all-topics --to-datetime 2024-05-01T00:00:00Z --execute
  samsa groups delete billing`,
    );

  addConnectionOptions(groups.command('list').description('list consumer groups'))
    .option('--json', 'print JSON')
    .action(
      action(async (flags: GroupFlags) => {
        await withAdmin(flags, async (admin) => {
          const list = await admin.listGroups();
          if (flags.json)
            await printJson(list.map((g) => ({ group: g.groupId, state: g.state, protocolType: g.protocolType })));
          else
            await out(
              table(
                ['GROUP', 'STATE', 'PROTOCOL-TYPE'],
                list.map((g) => [g.groupId, g.state, g.protocolType || '-']),
              ),
            );
        });
      }),
    );

  addConnectionOptions(
    groups.command('describe').description('members, committed offsets, log end offsets and lag per partition'),
  )
    .argument('[groups...]', 'group ids (or --group)')
    .option('-g, --group <id>', 'group id; repeatable', collect)
    .option('--all-groups', 'describe every group')
    .option('--json', 'print JSON')
    .action(
      action(async (args: string[], flags: GroupFlags & { allGroups?: boolean }) => {
        await withAdmin(flags, async (admin) => {
          const names = flags.allGroups ? (await admin.listGroups()).map((g) => g.groupId) : groupNames(args, flags);
          const descs = await admin.describeGroups(names);
          const reports: GroupReport[] = [];
          for (const d of descs) {
            if (d.state === 'Dead') throw new Error(`GROUP_ID_NOT_FOUND: consumer group ${d.groupId} does not exist`);
            reports.push(await groupReport(admin, d));
          }
          if (flags.json) await printJson(flags.allGroups || names.length > 1 ? reports : reports[0]);
          else await out(reports.map(renderReport).join('\n'));
        });
      }),
    );

  addConnectionOptions(
    groups.command('reset-offsets').description('move the committed offsets of a group (a dry run unless --execute)'),
  )
    .option('-g, --group <id>', 'group id (required)', collect)
    .option('-t, --topic <topic[:partitions]>', 'topic, or topic:0,1,2 for some partitions; repeatable', collect)
    .option('--all-topics', 'every topic the group has committed offsets for')
    .option('--to-earliest', 'to the earliest offset')
    .option('--to-latest', 'to the log end offset')
    .option('--to-offset <n>', 'to this offset (clamped to the partition range)')
    .option('--to-datetime <time>', 'to the first record at or after this time (ISO 8601, UTC without a zone, or ms)')
    .option('--shift-by <n>', 'move the committed offset by n (negative: back); clamped to the partition range')
    .option('--dry-run', 'show the new offsets without changing anything (the default)')
    .option('--execute', 'apply the new offsets (the group must have no active members)')
    .option('--json', 'print JSON')
    .action(
      action(async (flags: ResetFlags) => {
        const [group, ...more] = flags.group ?? [];
        if (group === undefined || more.length > 0) throw new UsageError('reset-offsets needs exactly one --group');
        if (flags.dryRun && flags.execute) throw new UsageError('--dry-run and --execute exclude each other');
        if (!flags.allTopics && !flags.topic) throw new UsageError('give --topic TOPIC[:PARTITIONS] or --all-topics');
        if (flags.allTopics && flags.topic) throw new UsageError('--topic and --all-topics exclude each other');
        const target = parseTarget(flags);
        await withAdmin(flags, async (admin) => {
          const [desc] = await admin.describeGroups([group]);
          if (flags.execute && desc && desc.state !== 'Empty' && desc.state !== 'Dead') {
            throw new Error(
              `group ${group} is ${desc.state} with ${desc.members.length} member(s); stop its consumers before resetting offsets`,
            );
          }
          const committed = await admin.listGroupOffsets(group);
          let tps: TopicPartition[];
          if (flags.allTopics) {
            tps = committed.map((c) => ({ topic: c.topic, partition: c.partition }));
            if (tps.length === 0)
              throw new Error(`group ${group} has no committed offsets; name the topics with --topic`);
          } else {
            const specs = flags.topic!.map(parseTopicSpec);
            const infos = await admin.describeTopics([...new Set(specs.map((s) => s.topic))]);
            const count = new Map(infos.map((t) => [t.name, t.partitions.length]));
            tps = [];
            for (const s of specs) {
              const n = count.get(s.topic) ?? 0;
              for (const p of s.partitions ?? [...Array(n).keys()]) {
                if (p >= n) throw new UsageError(`--topic ${s.topic}: partition ${p} does not exist (${n} partitions)`);
                tps.push({ topic: s.topic, partition: p });
              }
            }
          }
          const [earliest, latest] = await Promise.all([
            admin.listOffsets(tps, 'earliest'),
            admin.listOffsets(tps, 'latest'),
          ]);
          const committedOf = new Map(committed.map((c) => [tpKey(c.topic, c.partition), c.offset]));
          const clamp = (o: number, i: number) => Math.min(latest[i]!.offset, Math.max(earliest[i]!.offset, o));
          let next: number[];
          switch (target.kind) {
            case 'earliest':
              next = earliest.map((o) => o.offset);
              break;
            case 'latest':
              next = latest.map((o) => o.offset);
              break;
            case 'offset':
              next = tps.map((_, i) => clamp(target.offset, i));
              break;
            case 'shift':
              next = tps.map((tp, i) => {
                // Without a committed offset Kafka's tool shifts from the latest offset; so do we.
                const cur = committedOf.get(tpKey(tp.topic, tp.partition)) ?? latest[i]!.offset;
                return clamp(cur + target.by, i);
              });
              break;
            case 'time': {
              const at = await admin.listOffsets(tps, target.ms);
              next = at.map((o, i) => (o.offset < 0 ? latest[i]!.offset : o.offset));
              break;
            }
          }
          const offsets: TopicPartitionOffset[] = tps.map((tp, i) => ({ ...tp, offset: next[i]! }));
          if (flags.execute) await admin.alterGroupOffsets(group, offsets);
          const rows = offsets.map((o) => ({
            group,
            topic: o.topic,
            partition: o.partition,
            previousOffset: committedOf.get(tpKey(o.topic, o.partition)) ?? null,
            newOffset: o.offset,
          }));
          if (flags.json) await printJson({ group, executed: flags.execute === true, offsets: rows });
          else {
            await out(
              table(
                ['GROUP', 'TOPIC', 'PARTITION', 'PREVIOUS-OFFSET', 'NEW-OFFSET'],
                rows.map((r) => [r.group, r.topic, r.partition, r.previousOffset, r.newOffset]),
              ) + (flags.execute ? '' : '(dry run: nothing changed; add --execute to apply)\n'),
            );
          }
        });
      }),
    );

  addConnectionOptions(
    groups.command('delete').description('delete consumer groups (they must have no active members)'),
  )
    .argument('[groups...]', 'group ids (or --group)')
    .option('-g, --group <id>', 'group id; repeatable', collect)
    .option('--json', 'print JSON')
    .action(
      action(async (args: string[], flags: GroupFlags) => {
        const names = groupNames(args, flags);
        await withAdmin(flags, async (admin) => {
          await admin.deleteGroups(names);
          if (flags.json) await printJson(names.map((g) => ({ group: g, deleted: true })));
          else await out(names.map((g) => `Deleted consumer group ${g}.\n`).join(''));
        });
      }),
    );
}
