/**
 * `samsa users create|list|delete`: SCRAM users, through AlterUserScramCredentials and
 * DescribeUserScramCredentials (what `kafka-configs --entity-type users --add-config 'SCRAM-SHA-256=[...]'`
 * does). The password is salted and hashed here; the broker stores only the derived keys. PLAIN users are not
 * managed here: they come from the listener's JAAS config (docs/security.md).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { ScramMechanism } from '../client/index.js';
import { collect, intArg, UsageError } from './common.js';
import { action, addConnectionOptions, out, printJson, table, withAdmin, type ConnectionFlags } from './output.js';

const MECHANISMS: readonly ScramMechanism[] = ['SCRAM-SHA-256', 'SCRAM-SHA-512'];

interface UserFlags extends ConnectionFlags {
  mechanism?: string[];
  json?: boolean;
}

function mechanisms(flags: UserFlags): ScramMechanism[] {
  if (flags.mechanism === undefined || flags.mechanism.length === 0) return [...MECHANISMS];
  return [
    ...new Set(
      flags.mechanism
        .flatMap((m) => m.split(','))
        .map((m) => {
          const up = m.trim().toUpperCase();
          if (!(MECHANISMS as readonly string[]).includes(up)) {
            throw new UsageError(`--mechanism: expected SCRAM-SHA-256 or SCRAM-SHA-512, got '${m}'`);
          }
          return up as ScramMechanism;
        }),
    ),
  ];
}

/** The password from --password, --password-file or $SAMSA_USER_PASSWORD (in that order). */
function password(flags: { password?: string; passwordFile?: string }): string {
  let p = flags.password;
  if (p === undefined && flags.passwordFile !== undefined) {
    try {
      p = readFileSync(flags.passwordFile, 'utf8').replace(/\r?\n$/, '');
    } catch (e) {
      throw new UsageError(`--password-file: ${(e as Error).message}`);
    }
  }
  p ??= process.env['SAMSA_USER_PASSWORD'];
  if (p === undefined || p === '') {
    throw new UsageError('a password is needed: --password, --password-file or $SAMSA_USER_PASSWORD');
  }
  return p;
}

export function register(program: Command): void {
  const users = program
    .command('users')
    .description('SCRAM users (SASL SCRAM-SHA-256 and SCRAM-SHA-512 credentials)')
    .addHelpText(
      'after',
      `
Examples:
  samsa users create alice --password alice-secret
  samsa users create bob --mechanism SCRAM-SHA-512 --password-file bob.txt --iterations 8192
  samsa users list
  samsa users delete alice`,
    );

  const mechanismOption = (cmd: Command) =>
    cmd.option('--mechanism <mechanism>', 'SCRAM-SHA-256 or SCRAM-SHA-512; repeatable (default: both)', collect);

  mechanismOption(
    addConnectionOptions(
      users.command('create').argument('<user>').description("add or replace a user's SCRAM credentials"),
    ),
  )
    .option('--password <password>', 'the password (or --password-file, or $SAMSA_USER_PASSWORD)')
    .option('--password-file <file>', 'read the password from this file (first line)')
    .option('--iterations <n>', 'PBKDF2 iterations (4096 to 16384)', intArg(4096, 16384), 4096)
    .option('--json', 'print the result as JSON')
    .action(
      action(
        async (user: string, flags: UserFlags & { password?: string; passwordFile?: string; iterations: number }) => {
          const mechs = mechanisms(flags);
          const pw = password(flags);
          await withAdmin(flags, (admin) =>
            admin.alterUserScramCredentials({
              upsertions: mechs.map((mechanism) => ({ user, mechanism, password: pw, iterations: flags.iterations })),
            }),
          );
          if (flags.json) await printJson({ user, mechanisms: mechs, iterations: flags.iterations });
          else await out(`Created SCRAM credentials for user ${user} (${mechs.join(', ')}).\n`);
        },
      ),
    );

  addConnectionOptions(users.command('list').argument('[users...]').description('users with SCRAM credentials'))
    .option('--json', 'print the users as JSON')
    .action(
      action(async (names: string[], flags: UserFlags) => {
        const list = await withAdmin(flags, (admin) => admin.describeUserScramCredentials(names));
        if (flags.json) {
          await printJson(list);
          return;
        }
        if (list.length === 0) {
          await out('No SCRAM users.\n');
          return;
        }
        await out(
          table(
            ['USER', 'MECHANISMS'],
            list.map((u) => [
              u.user,
              u.credentials.map((c) => `${c.mechanism} (iterations ${c.iterations})`).join(', '),
            ]),
          ),
        );
      }),
    );

  mechanismOption(
    addConnectionOptions(users.command('delete').argument('<user>').description("remove a user's SCRAM credentials")),
  )
    .option('--json', 'print the result as JSON')
    .action(
      action(async (user: string, flags: UserFlags) => {
        const removed = await withAdmin(flags, async (admin) => {
          // Without --mechanism: every mechanism the user has.
          const mechs =
            flags.mechanism === undefined
              ? (await admin.describeUserScramCredentials([user]))[0]!.credentials.map((c) => c.mechanism)
              : mechanisms(flags);
          await admin.alterUserScramCredentials({ deletions: mechs.map((mechanism) => ({ user, mechanism })) });
          return mechs;
        });
        if (flags.json) await printJson({ user, deleted: removed });
        else await out(`Deleted SCRAM credentials of user ${user} (${removed.join(', ')}).\n`);
      }),
    );
}
