/**
 * Per-listener settings, as Kafka: `listener.name.<name>.<key>` (listener name in lower case) overrides `<key>`
 * for that listener only. parseBrokerConfig checks every override of a known key with that key's type, so a read
 * here cannot fail on a bad value.
 */
import { DEFINITIONS_BY_NAME, type BrokerConfig } from './index.js';
import type { ConfigValue } from './types.js';
import { parseValue } from './values.js';

/** The prefix of a listener's overrides: `listener.name.ssl.` for listener SSL. */
export function listenerPrefix(listener: string): string {
  return `listener.name.${listener.toLowerCase()}.`;
}

/** Splits `listener.name.<name>.<key>` into its listener name (upper case) and key; undefined for other keys. */
export function splitListenerKey(key: string): { listener: string; key: string } | undefined {
  const m = /^listener\.name\.([^.]+)\.(.+)$/.exec(key);
  return m ? { listener: m[1]!.toUpperCase(), key: m[2]! } : undefined;
}

/** The value of `key` for `listener`: its `listener.name.<listener>.<key>` override if set, else the broker value. */
export function listenerValue(
  config: Pick<BrokerConfig, 'raw' | 'values'>,
  listener: string,
  key: string,
): ConfigValue {
  const text = config.raw[listenerPrefix(listener) + key];
  if (text !== undefined) {
    const d = DEFINITIONS_BY_NAME.get(key);
    if (d === undefined) return text;
    if (text.trim() === '' && d.default === null) return null;
    const r = parseValue(d, text);
    if (r.ok) return r.value;
  }
  return config.values.get(key) ?? null;
}
