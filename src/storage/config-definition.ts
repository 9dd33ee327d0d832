/**
 * One way to define, parse and document a configuration key, shared by the broker's settings
 * (src/broker/config/keys) and the topic settings (log-config.ts): the definition type (type, default, bounds,
 * documentation, synonyms), the parser that turns a textual value into a typed one, and Kafka's numeric type ids.
 * It lives in storage, the lowest layer both reach; the reference renderer (src/broker/config/reference.ts) walks
 * both tables through it.
 */

export type ConfigType = 'boolean' | 'string' | 'int' | 'short' | 'long' | 'double' | 'list' | 'class' | 'password';

/** The numeric type ids DescribeConfigs (v3+) reports in ConfigType. */
export const CONFIG_TYPE_ID: Readonly<Record<ConfigType, number>> = {
  boolean: 1,
  string: 2,
  int: 3,
  short: 4,
  long: 5,
  double: 6,
  list: 7,
  class: 8,
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
  /** Topic configs: the broker properties that supply the default when a topic has no override, in order. */
  brokerSynonyms?: readonly Synonym[];
  /** Topic configs: Kafka's importance rating. */
  importance?: 'high' | 'medium' | 'low';
  /** Topic configs: Kafka's own check of the trimmed text, returning Kafka's error text or null. */
  validate?: (value: string) => string | null;
}

/** A broker property that supplies a topic config's default; `scale` converts its unit to the topic's. */
export interface Synonym {
  name: string;
  scale?: number;
}

export const LONG_MAX = '9223372036854775807';
export const INT_MAX = 2147483647;
export const INT_MIN = -2147483648;

// ---------------------------------------------------------------------------------------------------------
// Value parsing

const INT_RE = /^[+-]?\d+$/;
const DOUBLE_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const LONG_MIN_BIG = -(2n ** 63n);
const LONG_MAX_BIG = 2n ** 63n - 1n;

export function expectation(d: ConfigDefinition): string {
  const range = describeRange(d);
  switch (d.type) {
    case 'boolean':
      return 'true or false';
    case 'int':
      return `a 32-bit integer${range}`;
    case 'short':
      return `a 16-bit integer${range}`;
    case 'long':
      return `a 64-bit integer${range}`;
    case 'double':
      return `a number${range}`;
    case 'list':
      return d.validValues ? `a comma-separated list of ${d.validValues.join(', ')}` : 'a comma-separated list';
    default:
      return d.validValues ? `one of ${d.validValues.join(', ')}` : 'a string';
  }
}

function describeRange(d: ConfigDefinition): string {
  if (d.min !== undefined && d.max !== undefined) return ` from ${d.min} to ${d.max}`;
  if (d.min !== undefined) return ` >= ${d.min}`;
  if (d.max !== undefined) return ` <= ${d.max}`;
  return '';
}

/** Parses one textual value; returns the typed value or a string describing what was expected. */
export function parseValue(
  d: ConfigDefinition,
  text: string,
): { ok: true; value: ConfigValue } | { ok: false; expected: string } {
  const fail = (expected = expectation(d)) => ({ ok: false as const, expected });
  // Kafka trims values of every type before parsing; do the same so trailing spaces in files do no harm.
  const t = text.trim();
  let value: ConfigValue;
  switch (d.type) {
    case 'boolean': {
      const l = t.toLowerCase();
      if (l !== 'true' && l !== 'false') return fail();
      value = l === 'true';
      break;
    }
    case 'int':
    case 'short':
    case 'long': {
      if (!INT_RE.test(t)) return fail();
      const big = BigInt(t);
      const [lo, hi] =
        d.type === 'int'
          ? [BigInt(INT_MIN), BigInt(INT_MAX)]
          : d.type === 'short'
            ? [-32768n, 32767n]
            : [LONG_MIN_BIG, LONG_MAX_BIG];
      if (big < lo || big > hi) return fail();
      // int64 values are JS numbers in Samsa; anything past 2^53 only ever means "effectively infinite".
      value =
        big > BigInt(Number.MAX_SAFE_INTEGER)
          ? Number.MAX_SAFE_INTEGER
          : big < BigInt(Number.MIN_SAFE_INTEGER)
            ? Number.MIN_SAFE_INTEGER
            : Number(big);
      if ((d.min !== undefined && value < d.min) || (d.max !== undefined && value > d.max)) return fail();
      break;
    }
    case 'double': {
      if (!DOUBLE_RE.test(t)) return fail();
      value = Number(t);
      if (!Number.isFinite(value) || (d.min !== undefined && value < d.min) || (d.max !== undefined && value > d.max))
        return fail();
      break;
    }
    case 'list': {
      value = t === '' ? [] : t.split(',').map((s) => s.trim());
      if (value.some((s) => s === '')) return fail(`${expectation(d)} without empty entries`);
      if (d.validValues) {
        const allowed = d.validValues;
        const out: string[] = [];
        for (const item of value) {
          const hit = allowed.find((a) => a.toLowerCase() === item.toLowerCase());
          if (!hit) return fail();
          out.push(hit);
        }
        value = out;
      }
      break;
    }
    case 'string':
    case 'class':
    case 'password': {
      value = t;
      if (d.validValues) {
        const hit = d.validValues.find((a) => a.toLowerCase() === t.toLowerCase());
        if (!hit) return fail();
        value = hit;
      }
      break;
    }
  }
  if (d.check) {
    const problem = d.check(value);
    if (problem !== undefined) return fail(problem);
  }
  return { ok: true, value };
}
