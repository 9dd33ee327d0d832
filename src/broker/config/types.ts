/**
 * The shape of a broker config key (type, default, bounds, documentation, whether Samsa honours it), the error
 * a bad configuration raises, and the small helpers the key tables in keys/ are written with.
 */

// Errors

export interface ConfigProblem {
  /** The property name, or '' when the problem is not about one key (e.g. a syntax error in a file). */
  key: string;
  /** The offending value as given, if any. */
  value?: string;
  /** Human-readable description, already naming key, value and what was expected. */
  message: string;
}

/** Thrown for any invalid configuration; `problems` lists every issue found, not just the first. */
export class ConfigError extends Error {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[] | string) {
    const list = typeof problems === 'string' ? [{ key: '', message: problems }] : problems;
    super(
      list.length === 1
        ? list[0]!.message
        : `${list.length} configuration problems:\n  - ${list.map((p) => p.message).join('\n  - ')}`,
    );
    this.name = 'ConfigError';
    this.problems = list;
  }
  /** Key of the first problem (convenience for single-problem errors). */
  get key(): string {
    return this.problems[0]?.key ?? '';
  }
}

// ---------------------------------------------------------------------------------------------------------
// Definitions

export {
  CONFIG_SOURCE,
  CONFIG_TYPE_ID,
  type ConfigDefinition,
  type ConfigType,
  type ConfigValue,
  INT_MAX,
  INT_MIN,
  LONG_MAX,
  type Synonym,
} from '../../storage/config-definition.js';
import type { ConfigDefinition } from '../../storage/config-definition.js';

export const def = (
  d: Omit<ConfigDefinition, 'status'> & { status?: ConfigDefinition['status'] },
): ConfigDefinition => ({
  status: 'supported',
  ...d,
});
export const ignoredDef = (d: Omit<ConfigDefinition, 'status'>): ConfigDefinition => ({ ...d, status: 'ignored' });

/** The security protocols a listener may be mapped to (Kafka's set). */
export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
/** The ones Samsa can actually serve on a client listener. */
export const SUPPORTED_SECURITY_PROTOCOLS: readonly string[] = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];

export const COMPRESSION_TYPES = ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'] as const;
