/** The broker's configuration as DescribeConfigs reports it (values, sources, synonyms, types). */
import { BROKER_CONFIG_DEFINITIONS, DEFINITIONS_BY_NAME, type BrokerConfig } from './index.js';
import { KAFKA_DYNAMIC_BROKER_KEYS } from './dynamic-keys.js';
import { CONFIG_SOURCE, CONFIG_TYPE_ID } from './types.js';
// DescribeConfigs support

/** Kafka's ConfigSource ids of the dynamic broker layers. */
const DYNAMIC_BROKER_CONFIG = 2;
const DYNAMIC_DEFAULT_BROKER_CONFIG = 3;

export interface DescribedConfig {
  name: string;
  /** Textual value, null for unset or sensitive settings. */
  value: string | null;
  source: number;
  isDefault: boolean;
  readOnly: boolean;
  sensitive: boolean;
  configType: number;
  documentation: string;
  synonyms: { name: string; value: string | null; source: number }[];
}

/**
 * Where broker setting `name` is set, highest precedence first: this broker's dynamic config, the cluster-wide
 * dynamic default, the static properties (then, if it has one, its default).
 */
export function brokerValueChain(cfg: BrokerConfig, name: string): Array<{ value: string; source: number }> {
  const out: Array<{ value: string; source: number }> = [];
  const dyn = cfg.dynamic;
  const b = dyn?.broker[name];
  if (b !== undefined) out.push({ value: b.trim(), source: DYNAMIC_BROKER_CONFIG });
  const d = dyn?.default[name];
  if (d !== undefined) out.push({ value: d.trim(), source: DYNAMIC_DEFAULT_BROKER_CONFIG });
  if (cfg.explicit.has(name)) {
    const s = (dyn?.staticRaw ?? cfg.raw)[name];
    if (s !== undefined) out.push({ value: s.trim(), source: CONFIG_SOURCE.STATIC_BROKER_CONFIG });
  }
  return out;
}

/**
 * Every defined broker setting with its current textual value and where it came from, in the shape
 * DescribeConfigs needs for a BROKER resource. Settings Kafka can change at runtime are not read-only.
 */
export function describeBrokerConfig(cfg: BrokerConfig): DescribedConfig[] {
  const out: DescribedConfig[] = [];
  for (const d of BROKER_CONFIG_DEFINITIONS) {
    const top = brokerValueChain(cfg, d.name)[0];
    const value = top !== undefined ? top.value : d.default;
    const source = top !== undefined ? top.source : CONFIG_SOURCE.DEFAULT_CONFIG;
    const synonyms: DescribedConfig['synonyms'] = [];
    for (const name of [d.name, ...(d.synonyms ?? [])]) {
      const sd = DEFINITIONS_BY_NAME.get(name)!;
      for (const s of brokerValueChain(cfg, name))
        synonyms.push({ name, value: sd.sensitive ? null : s.value, source: s.source });
      if (sd.default !== null)
        synonyms.push({ name, value: sd.sensitive ? null : sd.default, source: CONFIG_SOURCE.DEFAULT_CONFIG });
    }
    out.push({
      name: d.name,
      value: d.sensitive ? null : value,
      source,
      isDefault: top === undefined,
      readOnly: !KAFKA_DYNAMIC_BROKER_KEYS.has(d.name),
      sensitive: !!d.sensitive,
      configType: CONFIG_TYPE_ID[d.type],
      documentation: d.doc,
      synonyms,
    });
  }
  return out;
}
