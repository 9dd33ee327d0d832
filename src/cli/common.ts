/**
 * Helpers shared by every `samsa` subcommand: exit codes, usage errors, argument parsers, version lookup.
 * Each subcommand lives in its own file and exports `register(program)`; main.ts wires them together.
 */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { ConfigError } from '../broker/config/index.js';
import { LOG_LEVELS } from '../broker/logger.js';

/** Exit codes: 0 success, 1 runtime failure, 2 wrong usage or invalid configuration. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A problem with how samsa was invoked; reported as one line, exit code 2, never with a stack trace. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function isUsageError(e: unknown): e is UsageError | ConfigError {
  return e instanceof UsageError || e instanceof ConfigError;
}

/** Writes "samsa: error: ..." to stderr. */
export function printError(message: string): void {
  process.stderr.write(`samsa: error: ${message}\n`);
}

/** commander argument parser for an integer within [min, max]. */
export function intArg(min: number, max: number): (value: string) => number {
  return (value: string) => {
    const t = value.trim();
    const n = /^[+-]?\d+$/.test(t) ? Number(t) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}.`);
    }
    return n;
  };
}

/** commander collector for repeatable options (`--override a=1 --override b=2`). */
const NO_TOPIC = 'a topic name is needed (--topic NAME or as an argument)';

/** The one topic named as an argument or with --topic (the same name may be given both ways). */
export function topicArgument(arg: string | undefined, flag: string | undefined): string {
  const name = arg ?? flag;
  if (!name) throw new UsageError(NO_TOPIC);
  if (arg && flag && arg !== flag) throw new UsageError(`two different topic names given: '${arg}' and '${flag}'`);
  return name;
}

/** Topics named as arguments and with repeated --topic, at least one. */
export function topicArguments(args: readonly string[], flags: readonly string[] | undefined): string[] {
  const names = [...new Set([...args, ...(flags ?? [])])];
  if (names.length === 0) throw new UsageError(NO_TOPIC);
  return names;
}

export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Adds --log-level and --log-format, with values checked by commander itself. */
export function addLoggingOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--log-level <level>', 'log level (default: $LOG_LEVEL, else info)').choices(
        LOG_LEVELS as unknown as string[],
      ),
    )
    .addOption(new Option('--log-format <format>', 'log line format').choices(['text', 'json']).default('text'));
}

let cachedVersion: string | undefined;
/** The version from Samsa's package.json, found by walking up from this module (built file or bundle). */
export function packageVersion(): string {
  if (cachedVersion === undefined) {
    cachedVersion = 'unknown';
    let dir = new URL('.', import.meta.url);
    for (let i = 0; i < 5; i++) {
      try {
        const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as {
          name?: string;
          version?: string;
        };
        if (pkg.name === 'samsa') {
          cachedVersion = pkg.version ?? 'unknown';
          break;
        }
      } catch {
        // no package.json here: look one level up
      }
      dir = new URL('..', dir);
    }
  }
  return cachedVersion;
}
