/**
 * `samsa partitions reassign|elect`: kafka-reassign-partitions and kafka-leader-election without a JVM. A
 * reassignment takes Kafka's JSON plan file ({"version":1,"partitions":[{"topic","partition","replicas"}]}) or one
 * partition by flags; --cancel stops running reassignments and --list shows them.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { intArg, UsageError } from './common.js';
import { action, addConnectionOptions, out, printJson, table, type ConnectionFlags, withAdmin } from './output.js';

interface Move {
  topic: string;
  partition: number;
  replicas: number[] | null;
}

/** Kafka's reassignment JSON: {"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2,3]}]}. */
export function parsePlan(text: string, cancel: boolean): Move[] {
  let plan: unknown;
  try {
    plan = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`the reassignment plan is not JSON: ${(e as Error).message}`);
  }
  const parts = (plan as { partitions?: unknown }).partitions;
  if (!Array.isArray(parts)) throw new UsageError('the reassignment plan needs a "partitions" array');
  return parts.map((p: { topic?: unknown; partition?: unknown; replicas?: unknown }, i) => {
    if (typeof p.topic !== 'string' || !Number.isInteger(p.partition)) {
      throw new UsageError(`partitions[${i}] needs "topic" (string) and "partition" (integer)`);
    }
    if (cancel) return { topic: p.topic, partition: p.partition as number, replicas: null };
    if (!Array.isArray(p.replicas) || p.replicas.length === 0 || !p.replicas.every((r) => Number.isInteger(r))) {
      throw new UsageError(`partitions[${i}] needs "replicas", a non-empty list of broker ids`);
    }
    return { topic: p.topic, partition: p.partition as number, replicas: p.replicas as number[] };
  });
}

function parseReplicas(s: string): number[] {
  const ids = s.split(',').map((x) => Number(x.trim()));
  if (ids.length === 0 || !ids.every((n) => Number.isInteger(n) && n >= 0)) {
    throw new UsageError(`--replicas takes broker ids separated by commas, e.g. 1,2,3 (got "${s}")`);
  }
  return ids;
}

export function register(program: Command): void {
  const partitions = program
    .command('partitions')
    .description('move partitions between brokers and elect their leaders')
    .addHelpText(
      'after',
      `
Examples:
  samsa partitions reassign --reassignment-json-file plan.json
  samsa partitions reassign --topic orders --partition 0 --replicas 2,3,1
  samsa partitions reassign --list
  samsa partitions elect --type preferred --all-topic-partitions
  samsa partitions elect --type unclean --topic orders --partition 3`,
    );

  addConnectionOptions(
    partitions
      .command('reassign')
      .description('start (or cancel, or list) partition reassignments')
      .option('--reassignment-json-file <file>', "Kafka's reassignment plan JSON")
      .option('-t, --topic <name>', 'topic of the partition to move')
      .option('-p, --partition <n>', 'partition to move', intArg(0, 2147483647))
      .option('--replicas <ids>', 'the new replicas, preferred leader first, e.g. 2,3,1')
      .option('--cancel', 'cancel the reassignments named instead of starting them')
      .option('--list', 'list the reassignments in progress')
      .option('--json', 'print JSON'),
  ).action(
    action(
      async (
        flags: ConnectionFlags & {
          reassignmentJsonFile?: string;
          topic?: string;
          partition?: number;
          replicas?: string;
          cancel?: boolean;
          list?: boolean;
          json?: boolean;
        },
      ) => {
        if (flags.list) {
          await withAdmin(flags, async (admin) => {
            const list = await admin.listPartitionReassignments();
            if (flags.json) await printJson(list);
            else if (list.length === 0) await out('No reassignment in progress.\n');
            else {
              await out(
                table(
                  ['TOPIC', 'PARTITION', 'REPLICAS', 'ADDING', 'REMOVING'],
                  list.map((r) => [
                    r.topic,
                    r.partition,
                    r.replicas.join(','),
                    r.adding.join(','),
                    r.removing.join(','),
                  ]),
                ),
              );
            }
          });
          return;
        }
        let moves: Move[];
        if (flags.reassignmentJsonFile !== undefined) {
          moves = parsePlan(readFileSync(flags.reassignmentJsonFile, 'utf8'), flags.cancel ?? false);
        } else if (flags.topic !== undefined && flags.partition !== undefined) {
          if (!flags.cancel && flags.replicas === undefined) throw new UsageError('give --replicas (or --cancel)');
          moves = [
            {
              topic: flags.topic,
              partition: flags.partition,
              replicas: flags.cancel ? null : parseReplicas(flags.replicas!),
            },
          ];
        } else {
          throw new UsageError('give --reassignment-json-file, or --topic, --partition and --replicas (or --list)');
        }
        await withAdmin(flags, async (admin) => {
          const results = await admin.alterPartitionReassignments(moves);
          const failed = results.filter((r) => r.errorCode !== 0);
          if (flags.json) await printJson(results);
          else {
            const verb = flags.cancel ? 'Cancelled' : 'Started';
            await out(
              results
                .map((r) =>
                  r.errorCode === 0
                    ? `${verb} the reassignment of ${r.topic}-${r.partition}.\n`
                    : `Failed for ${r.topic}-${r.partition}: ${r.error}\n`,
                )
                .join(''),
            );
          }
          if (failed.length > 0) process.exitCode = 1;
        });
      },
    ),
  );

  addConnectionOptions(
    partitions
      .command('elect')
      .description('elect partition leaders: the preferred replica, or (unclean) any live replica')
      .option('--type <type>', 'preferred or unclean', 'preferred')
      .option('-t, --topic <name>', 'topic (with --partition, or all its partitions)')
      .option('-p, --partition <n>', 'partition', intArg(0, 2147483647))
      .option('--all-topic-partitions', 'every partition of every topic (the default without --topic)')
      .option('--json', 'print JSON'),
  ).action(
    action(
      async (
        flags: ConnectionFlags & {
          type: string;
          topic?: string;
          partition?: number;
          allTopicPartitions?: boolean;
          json?: boolean;
        },
      ) => {
        const type = flags.type.toLowerCase();
        if (type !== 'preferred' && type !== 'unclean') throw new UsageError('--type is preferred or unclean');
        if (flags.partition !== undefined && flags.topic === undefined)
          throw new UsageError('--partition needs --topic');
        await withAdmin(flags, async (admin) => {
          let refs: Array<{ topic: string; partition: number }> | undefined;
          if (flags.topic !== undefined) {
            if (flags.partition !== undefined) refs = [{ topic: flags.topic, partition: flags.partition }];
            else {
              const [info] = await admin.describeTopics([flags.topic]);
              refs = (info?.partitions ?? []).map((p) => ({ topic: flags.topic!, partition: p.partition }));
            }
          }
          const results = await admin.electLeaders(type, refs);
          if (flags.json) {
            await printJson(results);
            return;
          }
          const elected = results.filter((r) => r.errorCode === 0);
          const notNeeded = results.filter((r) => r.error === 'ELECTION_NOT_NEEDED');
          const failed = results.filter((r) => r.errorCode !== 0 && r.error !== 'ELECTION_NOT_NEEDED');
          let text = '';
          for (const r of elected) text += `Elected a new leader for ${r.topic}-${r.partition}.\n`;
          if (notNeeded.length > 0)
            text += `${notNeeded.length} partition(s) already had the leader the election would pick.\n`;
          if (elected.length === 0 && notNeeded.length === 0 && failed.length === 0)
            text += 'No election was needed.\n';
          for (const r of failed) text += `Failed for ${r.topic}-${r.partition}: ${r.error}\n`;
          await out(text);
          if (failed.length > 0) process.exitCode = 1;
        });
      },
    ),
  );
}
