/**
 * Dynamic broker configs: the settings AlterConfigs / IncrementalAlterConfigs change on a BROKER resource while
 * the broker runs, for one broker (resource name = its node id) or as the cluster-wide default (empty name).
 *
 * Two layers sit over the static properties, as in Kafka: the cluster default, then this broker's own. The layers
 * are kept in a store (a file in the data dir on a single node; etcd's `configs/brokers/` in cluster mode, watched
 * by every broker) and applied to the live `BrokerConfig` in place: `raw`, `values` and the typed fields become the
 * merged values, so whatever reads the config at request time sees the change at once; components that keep
 * values of their own (topic log configs, connection limits) are told through `onChange`.
 *
 * Only the keys Kafka allows to change dynamically are accepted (KAFKA_DYNAMIC_BROKER_KEYS, among those Samsa
 * defines); any other key, or a value that does not parse, answers INVALID_REQUEST as Kafka 3.9 does.
 */
import path from 'node:path';
import { ErrorCode } from '../protocol/errors.js';
import { readFileAtomic, writeFileAtomic } from '../storage/checkpoint.js';
import type { Logger } from '../storage/logger.js';
import {
  ConfigError,
  DEFINITIONS_BY_NAME,
  KAFKA_DYNAMIC_BROKER_KEYS,
  parseBrokerConfig,
  type BrokerConfig,
} from './config/index.js';
import { ACCEPTED_IGNORED_KEYS } from './config/index.js';

/** Whose configs: one broker's, or the cluster-wide default. */
export type BrokerConfigEntity = number | 'default';

export type ConfigMap = Record<string, string>;

/** Where the layers are kept. `save` replaces an entity's whole set (an empty set removes it). */
export interface DynamicConfigStore {
  save(entity: BrokerConfigEntity, configs: ConfigMap): Promise<void>;
}

export const DYNAMIC_CONFIGS_FILE = 'dynamic-broker-configs.json';

interface FileFormat {
  version: 1;
  default: ConfigMap;
  brokers: Record<string, ConfigMap>;
}

/** A single node's store: one JSON file in the data dir, written atomically and durably. */
export class FileDynamicConfigStore implements DynamicConfigStore {
  readonly file: string;
  private data: FileFormat = { version: 1, default: {}, brokers: {} };

  constructor(dataDir: string) {
    this.file = path.join(dataDir, DYNAMIC_CONFIGS_FILE);
  }

  /** Reads the file (nothing stored yet: empty layers). */
  load(): { default: ConfigMap; brokers: Map<number, ConfigMap> } {
    const text = readFileAtomic(this.file);
    if (text !== undefined) {
      const parsed = JSON.parse(text) as FileFormat;
      if (parsed.version !== 1 || typeof parsed.default !== 'object' || typeof parsed.brokers !== 'object')
        throw new Error(`${this.file}: unsupported format`);
      this.data = parsed;
    }
    return {
      default: { ...this.data.default },
      brokers: new Map(Object.entries(this.data.brokers).map(([id, m]) => [Number(id), { ...m }])),
    };
  }

  async save(entity: BrokerConfigEntity, configs: ConfigMap): Promise<void> {
    const next: FileFormat = { version: 1, default: { ...this.data.default }, brokers: { ...this.data.brokers } };
    if (entity === 'default') next.default = { ...configs };
    else if (Object.keys(configs).length === 0) delete next.brokers[String(entity)];
    else next.brokers[String(entity)] = { ...configs };
    writeFileAtomic(this.file, `${JSON.stringify(next, null, 2)}\n`);
    this.data = next;
  }
}

export interface AlterResult {
  errorCode: number;
  errorMessage: string | null;
}

const ok: AlterResult = { errorCode: 0, errorMessage: null };
const invalid = (errorMessage: string): AlterResult => ({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage });

/** This broker's dynamic configs: the layers in force, their validation, persistence and application. */
export class DynamicBrokerConfigs {
  private readonly staticRaw: Readonly<Record<string, string>>;
  private readonly staticExplicit: ReadonlySet<string>;
  private readonly staticWarnings: string[];
  private defaults: ConfigMap = {};
  private own: ConfigMap = {};
  private generation = 0;
  private readonly listeners: Array<() => void> = [];
  /** Where changes go; set by the broker (file) or the cluster link (etcd). */
  store: DynamicConfigStore | undefined;

  constructor(
    readonly config: BrokerConfig,
    private readonly log: Logger,
  ) {
    this.staticRaw = config.raw;
    this.staticExplicit = config.explicit;
    this.staticWarnings = config.warnings;
  }

  get nodeId(): number {
    return this.config.nodeId;
  }

  /** The stored configs of an entity (this broker's id or 'default'); other brokers' are not kept here. */
  layer(entity: BrokerConfigEntity): Readonly<ConfigMap> {
    return entity === 'default' ? this.defaults : entity === this.nodeId ? this.own : {};
  }

  /** Called when something must follow a change (after the config object was updated). */
  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }

  /** The store says an entity's configs are now `configs` (read at start, or a watched change). */
  setLayer(entity: BrokerConfigEntity, configs: Readonly<ConfigMap> | undefined): void {
    if (entity !== 'default' && entity !== this.nodeId) return;
    const next = { ...(configs ?? {}) };
    const cur = entity === 'default' ? this.defaults : this.own;
    if (JSON.stringify(cur) === JSON.stringify(next)) return;
    if (entity === 'default') this.defaults = next;
    else this.own = next;
    this.apply();
  }

  /**
   * Why `configs` cannot be the whole dynamic set of `entity`, or null. Kafka's checks: only dynamic keys, values of
   * the key's type, and the merged configuration must still be valid.
   */
  validate(entity: BrokerConfigEntity, configs: Readonly<ConfigMap>): AlterResult | null {
    const names = Object.keys(configs);
    const unknown = names.filter((k) => !DEFINITIONS_BY_NAME.has(k) && !ACCEPTED_IGNORED_KEYS.has(k));
    if (unknown.length > 0) return invalid(`Unknown broker configs: ${unknown.join(', ')}`);
    const fixed = names.filter((k) => !KAFKA_DYNAMIC_BROKER_KEYS.has(k));
    if (fixed.length > 0) return invalid(`Cannot update these configs dynamically: ${fixed.join(', ')}`);
    const unsupported = names.filter((k) => !DEFINITIONS_BY_NAME.has(k));
    if (unsupported.length > 0)
      return invalid(`Samsa does not implement these configs, so they cannot be set: ${unsupported.join(', ')}`);
    try {
      parseBrokerConfig(
        this.merged(entity === 'default' ? configs : this.defaults, entity === 'default' ? this.own : configs),
      );
    } catch (e) {
      const msg = e instanceof ConfigError ? e.problems.map((p) => p.message).join('; ') : (e as Error).message;
      return invalid(`Invalid config value for resource ${entity === 'default' ? '<default>' : entity}: ${msg}`);
    }
    return null;
  }

  /** Replaces an entity's dynamic configs: validated, stored, then in force here (and, through the store, elsewhere). */
  async alter(entity: BrokerConfigEntity, configs: Readonly<ConfigMap>, validateOnly: boolean): Promise<AlterResult> {
    const bad = this.validate(entity, configs);
    if (bad) return bad;
    if (validateOnly) return ok;
    if (this.store === undefined) return invalid('Dynamic broker configs have no store on this broker.');
    try {
      await this.store.save(entity, { ...configs });
    } catch (e) {
      this.log.warn(`could not store dynamic broker configs of ${entity}: ${(e as Error).message}`);
      return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: (e as Error).message };
    }
    this.setLayer(entity, configs);
    return ok;
  }

  private merged(defaults: Readonly<ConfigMap>, own: Readonly<ConfigMap>): Record<string, string> {
    const out: Record<string, string> = { ...this.staticRaw };
    for (const layer of [defaults, own]) {
      for (const [k, v] of Object.entries(layer)) if (KAFKA_DYNAMIC_BROKER_KEYS.has(k)) out[k] = v;
    }
    return out;
  }

  /** Puts the merged configuration in force: the config object is updated in place, then listeners run. */
  private apply(): void {
    let parsed: BrokerConfig;
    try {
      parsed = parseBrokerConfig(this.merged(this.defaults, this.own));
    } catch (e) {
      // A stored set that does not fit this broker's static config (another broker validated it): keep going.
      this.log.error(`dynamic broker configs not applied: ${(e as Error).message}`);
      return;
    }
    this.generation++;
    Object.assign(this.config, parsed, {
      explicit: this.staticExplicit,
      warnings: this.staticWarnings,
      dynamic: {
        staticRaw: this.staticRaw,
        default: { ...this.defaults },
        broker: { ...this.own },
        generation: this.generation,
      },
    });
    const keys = [...new Set([...Object.keys(this.defaults), ...Object.keys(this.own)])];
    this.log.info(`dynamic broker configs in force: ${keys.length > 0 ? keys.join(', ') : 'none'}`);
    for (const fn of this.listeners) {
      try {
        fn();
      } catch (e) {
        this.log.error(`applying dynamic broker configs failed: ${(e as Error).message}`);
      }
    }
  }
}
