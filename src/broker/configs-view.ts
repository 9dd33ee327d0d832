/**
 * How topic and broker configs look to clients: the value in force, where it came from, its synonyms (the
 * chain of places consulted, highest precedence first), type, documentation and flags. Shared by
 * DescribeConfigs and CreateTopics (v5+ returns the new topic's configs).
 */
import { ErrorCode } from '../protocol/errors.js';
import { CLUSTER, groupResource, type Resource, topicResource } from '../security/authorizer.js';
import { resolveEntry, TOPIC_CONFIGS, topicConfigDef, type TopicConfigDef } from '../storage/log-config.js';
import {
  brokerValueChain,
  CONFIG_TYPE_ID,
  DEFINITIONS_BY_NAME,
  describeBrokerConfig,
  type BrokerConfig,
} from './config/index.js';

/** Kafka's ConfigSource ids. */
export const ConfigSource = {
  UNKNOWN: 0,
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
  CLIENT_METRICS_CONFIG: 7,
  GROUP_CONFIG: 8,
} as const;

/** Kafka's ConfigResource types. */
export const ResourceType = {
  UNKNOWN: 0,
  TOPIC: 2,
  BROKER: 4,
  BROKER_LOGGER: 8,
  CLIENT_METRICS: 16,
  GROUP: 32,
} as const;

/** The ACL resource a config resource is authorized against: its topic or group, else the cluster (as Kafka). */
export function aclResourceOf(resourceType: number, resourceName: string): Resource {
  if (resourceType === ResourceType.TOPIC) return topicResource(resourceName);
  if (resourceType === ResourceType.GROUP) return groupResource(resourceName);
  return CLUSTER;
}

/** The error for a config resource the requester may not touch. */
export function authorizationError(resourceType: number): number {
  if (resourceType === ResourceType.TOPIC) return ErrorCode.TOPIC_AUTHORIZATION_FAILED;
  if (resourceType === ResourceType.GROUP) return ErrorCode.GROUP_AUTHORIZATION_FAILED;
  return ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
}

export interface ConfigSynonymView {
  name: string;
  value: string | null;
  source: number;
}

export interface ConfigView {
  name: string;
  value: string | null;
  source: number;
  /** What DescribeConfigs v0 calls isDefault: nothing more specific than a default supplies the value. */
  isDefault: boolean;
  readOnly: boolean;
  isSensitive: boolean;
  configType: number;
  documentation: string;
  synonyms: ConfigSynonymView[];
}

/** The broker-level places a topic config's value may come from, in Kafka's order (dynamic layers first). */
function brokerSynonyms(d: TopicConfigDef, broker: BrokerConfig): ConfigSynonymView[] {
  const out: ConfigSynonymView[] = [];
  for (const s of d.brokerSynonyms) {
    for (const c of brokerValueChain(broker, s.name)) {
      if (c.value !== '') out.push({ name: s.name, value: c.value, source: c.source });
    }
    const bd = DEFINITIONS_BY_NAME.get(s.name);
    if (bd && bd.default !== null) out.push({ name: s.name, value: bd.default, source: ConfigSource.DEFAULT_CONFIG });
  }
  return out;
}

/** One topic config as seen by a client, given the topic's overrides and the broker's static properties. */
export function topicConfigView(
  d: TopicConfigDef,
  overrides: Record<string, string>,
  broker: BrokerConfig,
): ConfigView {
  const entry = resolveEntry(d, overrides, broker.raw);
  const synonyms = brokerSynonyms(d, broker);
  if (entry.source === 'topic')
    synonyms.unshift({ name: d.name, value: entry.value, source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
  // A value from the broker comes from its first (highest precedence) place that is not a default.
  const fromBroker = synonyms.find((x) => x.source !== ConfigSource.DEFAULT_CONFIG)?.source;
  const source =
    entry.source === 'topic'
      ? ConfigSource.DYNAMIC_TOPIC_CONFIG
      : entry.source === 'broker'
        ? (fromBroker ?? ConfigSource.STATIC_BROKER_CONFIG)
        : ConfigSource.DEFAULT_CONFIG;
  const hide = d.sensitive;
  return {
    name: d.name,
    value: hide ? null : entry.value,
    source,
    isDefault: entry.source !== 'topic',
    readOnly: false,
    isSensitive: d.sensitive,
    configType: CONFIG_TYPE_ID[d.type] ?? 0,
    documentation: d.doc,
    synonyms: hide ? synonyms.map((s) => ({ ...s, value: null })) : synonyms,
  };
}

/**
 * Every topic config (or just `keys`; unknown keys are skipped, as Kafka does), in name order. As in Kafka, an
 * empty key list asks for everything, like null.
 */
export function topicConfigViews(
  overrides: Record<string, string>,
  broker: BrokerConfig,
  keys: readonly string[] | null = null,
): ConfigView[] {
  if (keys === null || keys.length === 0) return TOPIC_CONFIGS.map((d) => topicConfigView(d, overrides, broker));
  const out: ConfigView[] = [];
  const seen = new Set<string>();
  for (const k of keys) {
    if (seen.has(k)) continue;
    seen.add(k);
    const d = topicConfigDef(k);
    if (d) out.push(topicConfigView(d, overrides, broker));
  }
  return out;
}

let brokerCache:
  | { config: BrokerConfig; generation: number; views: ConfigView[]; byName: Map<string, ConfigView> }
  | undefined;

/** Every broker setting (or just `keys`); the ones Kafka can change at runtime are not read-only. */
export function brokerConfigViews(broker: BrokerConfig, keys: readonly string[] | null = null): ConfigView[] {
  // Computed once per config object and dynamic config generation.
  const generation = broker.dynamic?.generation ?? 0;
  if (brokerCache?.config !== broker || brokerCache.generation !== generation) {
    const views = describeBrokerConfig(broker).map((c) => ({
      name: c.name,
      value: c.value,
      source: c.source,
      isDefault: c.isDefault,
      readOnly: c.readOnly,
      isSensitive: c.sensitive,
      configType: c.configType,
      documentation: c.documentation,
      synonyms: c.synonyms,
    }));
    brokerCache = { config: broker, generation, views, byName: new Map(views.map((v) => [v.name, v])) };
  }
  if (keys === null || keys.length === 0) return brokerCache.views;
  const out: ConfigView[] = [];
  const seen = new Set<string>();
  for (const k of keys) {
    if (seen.has(k)) continue;
    seen.add(k);
    const v = brokerCache.byName.get(k);
    if (v) out.push(v);
  }
  return out;
}

/**
 * The cluster-wide dynamic defaults (DescribeConfigs of the BROKER resource with the empty name): only what is set,
 * as Kafka answers it.
 */
export function brokerDefaultViews(broker: BrokerConfig, keys: readonly string[] | null = null): ConfigView[] {
  const layer = broker.dynamic?.default ?? {};
  const want = keys === null || keys.length === 0 ? null : new Set(keys);
  return Object.keys(layer)
    .filter((k) => want === null || want.has(k))
    .sort()
    .map((name) => {
      const d = DEFINITIONS_BY_NAME.get(name);
      const value = d?.sensitive ? null : layer[name]!;
      return {
        name,
        value,
        source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG,
        isDefault: false,
        readOnly: false,
        isSensitive: !!d?.sensitive,
        configType: d ? (CONFIG_TYPE_ID[d.type] ?? 0) : 0,
        documentation: d?.doc ?? '',
        synonyms: [{ name, value, source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG }],
      };
    });
}

/**
 * Why a BROKER or BROKER_LOGGER resource name does not denote this broker, or null when it does. The empty
 * name stands for the cluster-wide default (`allowDefault`).
 */
export function badBrokerResource(nodeId: number, name: string, allowDefault: boolean): string | null {
  if (name === '') return allowDefault ? null : 'A broker id is required for this resource type.';
  if (!/^-?\d+$/.test(name)) return `Broker id must be an integer, but it is: ${name}`;
  if (Number(name) !== nodeId)
    return `Unexpected broker id, expected ${nodeId}${allowDefault ? ' or empty string' : ''}, but received ${name}`;
  return null;
}

/** Error code and text for altering the configs of a BROKER_LOGGER resource (Samsa has no logger levels to change). */
export function brokerAlterError(
  nodeId: number,
  resourceType: number,
  name: string,
  keys: readonly string[],
): { errorCode: number; errorMessage: string } | null {
  const bad = badBrokerResource(nodeId, name, resourceType === ResourceType.BROKER);
  if (bad) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: bad };
  if (keys.length === 0) return null;
  // Kafka answers INVALID_CONFIG for settings that cannot be changed at runtime; here that is all of them.
  return {
    errorCode: ErrorCode.INVALID_CONFIG,
    errorMessage:
      `Cannot update these configs dynamically: ${keys.join(', ')}. Samsa has no per-logger levels; ` +
      'set log levels with LOG_LEVEL at start.',
  };
}

/** Key of a config resource, for spotting the same resource twice in one request. */
export const resourceKey = (type: number, name: string): string => `${type}\u0000${name}`;

interface AlterResource {
  resourceType: number;
  resourceName: string;
  configs: Array<{ name: string }>;
}

/**
 * The checks AlterConfigs and IncrementalAlterConfigs share: a resource named twice in one request, or a config
 * key named twice for one resource, is INVALID_REQUEST. Returns a checker giving the error for a resource, or null.
 */
export function alterPrecheck<R extends AlterResource>(
  resources: R[],
): (r: R) => { errorCode: number; errorMessage: string } | null {
  const counts = new Map<string, number>();
  for (const r of resources) {
    const k = resourceKey(r.resourceType, r.resourceName);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return (r) => {
    if (counts.get(resourceKey(r.resourceType, r.resourceName))! > 1) {
      return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Each resource may appear only once in a request.' };
    }
    const names = r.configs.map((c) => c.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup !== undefined)
      return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Error due to duplicate config keys: ${dup}` };
    return null;
  };
}
