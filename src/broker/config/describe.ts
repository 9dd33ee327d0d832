/** The broker's configuration as DescribeConfigs reports it (values, sources, synonyms, types). */
import { BROKER_CONFIG_DEFINITIONS, DEFINITIONS_BY_NAME, type BrokerConfig } from './index.js';
import { CONFIG_SOURCE, CONFIG_TYPE_ID } from './types.js';
// DescribeConfigs support

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
 * Every defined broker setting with its current textual value and where it came from, in the shape
 * DescribeConfigs needs for a BROKER resource. All static settings are read-only (no dynamic config yet).
 */
export function describeBrokerConfig(cfg: BrokerConfig): DescribedConfig[] {
  const out: DescribedConfig[] = [];
  for (const d of BROKER_CONFIG_DEFINITIONS) {
    const isSet = cfg.explicit.has(d.name);
    const value = isSet ? (cfg.raw[d.name] ?? '').trim() : d.default;
    const source = isSet ? CONFIG_SOURCE.STATIC_BROKER_CONFIG : CONFIG_SOURCE.DEFAULT_CONFIG;
    const synonyms: DescribedConfig['synonyms'] = [];
    for (const name of [d.name, ...(d.synonyms ?? [])]) {
      const sd = DEFINITIONS_BY_NAME.get(name)!;
      if (cfg.explicit.has(name))
        synonyms.push({
          name,
          value: sd.sensitive ? null : cfg.raw[name]!.trim(),
          source: CONFIG_SOURCE.STATIC_BROKER_CONFIG,
        });
      if (sd.default !== null)
        synonyms.push({ name, value: sd.sensitive ? null : sd.default, source: CONFIG_SOURCE.DEFAULT_CONFIG });
    }
    out.push({
      name: d.name,
      value: d.sensitive ? null : value,
      source,
      isDefault: !isSet,
      readOnly: true,
      sensitive: !!d.sensitive,
      configType: CONFIG_TYPE_ID[d.type],
      documentation: d.doc,
      synonyms,
    });
  }
  return out;
}
