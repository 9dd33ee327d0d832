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

export type ConfigType = 'boolean' | 'string' | 'int' | 'short' | 'long' | 'double' | 'list' | 'password';

/** The numeric type ids DescribeConfigs (v3+) reports in ConfigType. */
export const CONFIG_TYPE_ID: Readonly<Record<ConfigType, number>> = {
  boolean: 1,
  string: 2,
  int: 3,
  short: 4,
  long: 5,
  double: 6,
  list: 7,
  password: 9,
};

/** DescribeConfigs ConfigSource ids relevant to broker resources. */
export const CONFIG_SOURCE = {
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
} as const;

export type ConfigValue = boolean | number | string | string[] | null;

export interface ConfigDefinition {
  name: string;
  type: ConfigType;
  /** Default in Kafka's textual form (what DescribeConfigs shows); null means "no default / unset". */
  default: string | null;
  /** One line, our own words. */
  doc: string;
  /** Inclusive numeric bounds for int/short/long/double. */
  min?: number;
  max?: number;
  /** Allowed values for string (exact, case-insensitive match) or each element of a list. */
  validValues?: readonly string[];
  /** Extra check on the typed value; returns a description of what is expected, or undefined if fine. */
  check?: (value: ConfigValue) => string | undefined;
  /**
   * 'supported': Samsa honours it. 'ignored': accepted and validated for compatibility with Kafka config
   * files, but it has no effect (the doc says why).
   */
  status: 'supported' | 'ignored';
  /** True for settings Kafka does not have. */
  samsaOnly?: boolean;
  /** Names of other keys that set the same thing, highest precedence first (DescribeConfigs synonyms). */
  synonyms?: readonly string[];
  sensitive?: boolean;
  /** For 'ignored' settings that stock Kafka files always contain: no warning when set. */
  quiet?: boolean;
}

export const LONG_MAX = '9223372036854775807';
export const INT_MAX = 2147483647;
export const INT_MIN = -2147483648;

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
export const SUPPORTED_SECURITY_PROTOCOLS: readonly string[] = ['PLAINTEXT'];

export const COMPRESSION_TYPES = ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'] as const;
