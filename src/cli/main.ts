/**
 * Entry point of the `samsa` command (bin/samsa.js imports this module, which runs immediately).
 * Subcommands live in their own files and export `register(program)`; add new ones to SUBCOMMANDS.
 */
import { Command, CommanderError } from 'commander';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, isUsageError, packageVersion, printError } from './common.js';
type Register = (program: Command) => void;

/**
 * Subcommands by name, loaded on demand: `samsa start` loads only the broker, not the client and the tools, which
 * keeps the time to a listening broker short. Help and unknown commands load them all.
 */
const SUBCOMMANDS: ReadonlyArray<[string, () => Promise<{ register: Register }>]> = [
  ['start', () => import('./start.js')],
  ['topics', () => import('./topics.js')],
  ['produce', () => import('./produce.js')],
  ['consume', () => import('./consume.js')],
  ['groups', () => import('./groups.js')],
  ['configs', () => import('./configs.js')],
  ['quotas', () => import('./quotas.js')],
  ['users', () => import('./users.js')],
  ['acls', () => import('./acls.js')],
  ['perf', () => import('./perf.js')],
  ['datagen', () => import('./datagen.js')],
  ['sql', () => import('./sql.js')],
  ['certs', () => import('./certs.js')],
  ['cluster', () => import('./cluster.js')],
  ['partitions', () => import('./partitions.js')],
  ['sql-server', () => import('./sql-server.js')],
];

/** The program with the subcommand named in `argv` registered, or all of them when none is named. */
export async function buildProgram(argv: string[]): Promise<Command> {
  const program = new Command();
  program
    .name('samsa')
    .description('Samsa: a Kafka-compatible event streaming broker for Node.js')
    .version(packageVersion(), '-V, --version', 'print the Samsa version')
    .helpOption('-h, --help', 'show help')
    .showHelpAfterError('(run with --help for usage)')
    // Throw instead of exiting so usage errors get our exit code (2) in one place.
    .exitOverride()
    .configureOutput({ outputError: (s, write) => write(s.replace(/^error: /, 'samsa: error: ')) });
  const named = SUBCOMMANDS.find(([name]) => name === argv[2]);
  for (const [, load] of named ? [named] : SUBCOMMANDS) (await load()).register(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = await buildProgram(argv);
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version "errors" carry exit code 0; commander already printed the message otherwise.
      process.exit(e.exitCode === 0 ? EXIT_OK : EXIT_USAGE);
    }
    if (isUsageError(e)) {
      printError(e.message);
      process.exit(EXIT_USAGE);
    }
    printError(e instanceof Error ? (process.env.SAMSA_DEBUG ? (e.stack ?? e.message) : e.message) : String(e));
    process.exit(EXIT_FAILURE);
  }
}

await main(process.argv);
