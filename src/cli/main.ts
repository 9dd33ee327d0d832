/**
 * Entry point of the `samsa` command (bin/samsa.js imports this module, which runs immediately).
 * Subcommands live in their own files and export `register(program)`; add new ones to SUBCOMMANDS.
 */
import { Command, CommanderError } from 'commander';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, isUsageError, packageVersion, printError } from './common.js';
import { register as registerStart } from './start.js';
import { register as registerTopics } from './topics.js';
import { register as registerProduce } from './produce.js';
import { register as registerConsume } from './consume.js';
import { register as registerGroups } from './groups.js';
import { register as registerConfigs } from './configs.js';
import { register as registerPerf } from './perf.js';

const SUBCOMMANDS: ReadonlyArray<(program: Command) => void> = [
  registerStart,
  registerTopics,
  registerProduce,
  registerConsume,
  registerGroups,
  registerConfigs,
  registerPerf,
];

export function buildProgram(): Command {
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
  for (const register of SUBCOMMANDS) register(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
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
