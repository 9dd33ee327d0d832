/**
 * Client quotas: the stored values (DescribeClientQuotas, AlterClientQuotas) and their enforcement, as Kafka's
 * ClientQuotaManager does it. Three kinds are enforced: `producer_byte_rate` (Produce request bytes),
 * `consumer_byte_rate` (Fetch response bytes) and `request_percentage` (time spent handling requests, in percent of
 * one thread). Each kind resolves the quota that applies to a (user, client id) in Kafka's order of precedence:
 *
 *   1. user and client id      2. user and default client id   3. user
 *   4. default user and client id   5. default user and default client id   6. default user
 *   7. client id               8. default client id
 *
 * and measures the usage of the entity that quota belongs to: a quota on user `alice` is shared by all her clients,
 * a default user quota gives every user a rate of their own, a client id quota is shared by every user of that id.
 * Nothing is measured while no quota of a kind exists (`active` is the one check a request pays then).
 */
import { ErrorCode } from '../../protocol/errors.js';
import type { Logger } from '../../storage/logger.js';
import { escapeForLog } from '../logger.js';
import {
  checkValue,
  describeEntity,
  entityFromWire,
  entityKey,
  entityToWire,
  isQuotaError,
  matchesFilter,
  type QuotaEntity,
  type QuotaFilter,
  type QuotaRecord,
} from './entities.js';
import { SampledRate, type RateWindow } from './rate.js';
import type { ClientQuotaStore } from './store.js';

export type QuotaKind = 'produce' | 'fetch' | 'request';

export const QUOTA_KEY: Readonly<Record<QuotaKind, string>> = {
  produce: 'producer_byte_rate',
  fetch: 'consumer_byte_rate',
  request: 'request_percentage',
};

/** The quota that applies to one (user, client id) of one kind, and the rate it is measured with. */
interface Resolution {
  bound: number;
  rate: SampledRate;
}

/** One entry of an AlterClientQuotas request, as it arrived. */
export interface QuotaAlteration {
  entity: ReadonlyArray<{ entityType: string; entityName: string | null }>;
  ops: ReadonlyArray<{ key: string; value: number; remove: boolean }>;
}

export interface AlterResult {
  errorCode: number;
  errorMessage: string | null;
  entity: Array<{ entityType: string; entityName: string | null }>;
}

const NO_TAG = '\u0001';
const SWEEP_INTERVAL_MS = 60_000;
const MAX_CACHED = 10_000;

class KindState {
  /** Stored bounds of this kind by entity key. */
  readonly bounds = new Map<string, number>();
  /** Rates by the (user, client id) tags of the entity measured. */
  readonly rates = new Map<string, SampledRate>();
  /** Resolutions by `user \0 client id`; cleared whenever quotas change. */
  readonly cache = new Map<string, Resolution | null>();
}

export class ClientQuotas {
  /** True when any user or client-id quota exists: the one check a request pays when there is none. */
  active = false;
  private readonly records = new Map<string, QuotaRecord>();
  private readonly kinds: Record<QuotaKind, KindState> = {
    produce: new KindState(),
    fetch: new KindState(),
    request: new KindState(),
  };
  private alterChain: Promise<unknown> = Promise.resolve();
  private lastSweep = 0;
  /** Told when IP quotas change (the connection limits read `connectionRateFor`). */
  onIpQuotasChanged: () => void = () => {};

  constructor(
    private readonly store: ClientQuotaStore,
    readonly window: RateWindow,
    private readonly log?: Logger,
  ) {}

  async load(): Promise<void> {
    this.replace(await this.store.load());
    // A store shared by a cluster: every broker's changes take effect here as soon as the store reports them.
    if (this.store.watch !== undefined && this.unwatch === undefined) {
      this.unwatch = this.store.watch((records) => {
        this.replace(records);
        this.onIpQuotasChanged();
        this.log?.debug(`client quotas changed in the cluster: ${records.length} entities`);
      });
    }
  }

  private unwatch: (() => void) | undefined;

  private replace(records: readonly QuotaRecord[]): void {
    this.records.clear();
    for (const r of records) this.records.set(entityKey(r.entity), r);
    this.rebuild();
  }

  /** Every stored entity and its values. */
  list(): QuotaRecord[] {
    return [...this.records.values()];
  }

  /** The stored entities a DescribeClientQuotas filter matches. */
  describe(filter: QuotaFilter): QuotaRecord[] {
    return this.list().filter((r) => matchesFilter(r.entity, filter));
  }

  /** The connection creation rate allowed to `ip` (its own quota, else the default IP quota), if any. */
  connectionRateFor(ip: string): number | undefined {
    return (
      this.records.get(entityKey({ ip }))?.values['connection_creation_rate'] ??
      this.records.get(entityKey({ ip: null }))?.values['connection_creation_rate']
    );
  }

  /** Records `bytes` of a Produce request; returns the throttle time in ms (0 within the quota). */
  recordProduce(user: string, clientId: string, bytes: number, now: number): number {
    const r = this.resolve('produce', user, clientId, now);
    return r === null ? 0 : r.rate.recordAndThrottle(bytes, r.bound, now);
  }

  /** Records `bytes` of a Fetch response; returns the throttle time in ms (0 within the quota). */
  recordFetch(user: string, clientId: string, bytes: number, now: number): number {
    const r = this.resolve('fetch', user, clientId, now);
    return r === null ? 0 : r.rate.recordAndThrottle(bytes, r.bound, now);
  }

  /** Takes back a Fetch recording whose data is not sent (a throttled fetch answers empty). */
  unrecordFetch(user: string, clientId: string, bytes: number, now: number): void {
    this.resolve('fetch', user, clientId, now)?.rate.record(-bytes, now);
  }

  /**
   * Records `ms` of request handling; returns the throttle time, at most one window as in Kafka. Usage is in
   * percent of one thread: 10 ms of work in one second is 1%.
   */
  recordRequestTime(user: string, clientId: string, ms: number, now: number): number {
    const r = this.resolve('request', user, clientId, now);
    return r === null ? 0 : r.rate.recordAndThrottle(ms / 10, r.bound, now, this.window.windowMs);
  }

  /**
   * The most a Fetch may return without being throttled after a quiet window (Kafka caps a consumer's fetch.max.bytes
   * with it); Infinity without a fetch quota.
   */
  maxFetchBytes(user: string, clientId: string, now: number): number {
    const r = this.resolve('fetch', user, clientId, now);
    if (r === null) return Number.POSITIVE_INFINITY;
    return r.bound * (this.window.samples - 1) * (this.window.windowMs / 1000);
  }

  /** The quota of `kind` that applies to (user, client id), and its rate; null when none does. */
  private resolve(kind: QuotaKind, user: string, clientId: string, now: number): Resolution | null {
    const k = this.kinds[kind];
    if (k.bounds.size === 0) return null;
    const cacheKey = `${user}\u0000${clientId}`;
    let r = k.cache.get(cacheKey);
    if (r === undefined) {
      r = this.lookup(k, user, clientId);
      if (k.cache.size >= MAX_CACHED) k.cache.clear();
      k.cache.set(cacheKey, r);
    }
    if (now - this.lastSweep > SWEEP_INTERVAL_MS) this.sweep(now);
    return r;
  }

  private lookup(k: KindState, user: string, clientId: string): Resolution | null {
    const b = (e: QuotaEntity) => k.bounds.get(entityKey(e));
    // Kafka's precedence; the tags say whose usage is measured: (user, client id), (user, -) or (-, client id).
    const levels: Array<[number | undefined, string, string]> = [
      [b({ user, clientId }), user, clientId],
      [b({ user, clientId: null }), user, clientId],
      [b({ user }), user, NO_TAG],
      [b({ user: null, clientId }), user, clientId],
      [b({ user: null, clientId: null }), user, clientId],
      [b({ user: null }), user, NO_TAG],
      [b({ clientId }), NO_TAG, clientId],
      [b({ clientId: null }), NO_TAG, clientId],
    ];
    for (const [bound, tagUser, tagClient] of levels) {
      if (bound === undefined) continue;
      const tags = `${tagUser}\u0000${tagClient}`;
      let rate = k.rates.get(tags);
      if (rate === undefined) k.rates.set(tags, (rate = new SampledRate(this.window)));
      return { bound, rate };
    }
    return null;
  }

  /** Drops rates that measured nothing over the whole window: a new one measures the same. */
  private sweep(now: number): void {
    this.lastSweep = now;
    for (const k of Object.values(this.kinds)) {
      let dropped = false;
      for (const [tags, rate] of k.rates) {
        if (rate.idle(now)) {
          k.rates.delete(tags);
          dropped = true;
        }
      }
      if (dropped) k.cache.clear();
    }
  }

  private rebuild(): void {
    for (const [kind, k] of Object.entries(this.kinds) as Array<[QuotaKind, KindState]>) {
      k.bounds.clear();
      k.cache.clear();
      for (const [key, r] of this.records) {
        const v = r.values[QUOTA_KEY[kind]];
        if (v !== undefined && r.entity.ip === undefined) k.bounds.set(key, v);
      }
    }
    this.active = Object.values(this.kinds).some((k) => k.bounds.size > 0);
  }

  /**
   * Applies an AlterClientQuotas request: each entry is checked on its own (Kafka's errors and messages); the valid
   * ones are stored together, and take effect once stored. Alterations run one at a time.
   */
  alter(entries: readonly QuotaAlteration[], validateOnly: boolean): Promise<AlterResult[]> {
    const run = this.alterChain.then(() => this.alterNow(entries, validateOnly));
    this.alterChain = run.catch(() => {});
    return run;
  }

  private async alterNow(entries: readonly QuotaAlteration[], validateOnly: boolean): Promise<AlterResult[]> {
    const next = new Map<string, QuotaRecord>();
    for (const [k, r] of this.records) next.set(k, { entity: r.entity, values: { ...r.values } });
    const results: AlterResult[] = [];
    const seen = new Set<string>();
    const applied: number[] = [];
    let changed = false;
    let ipChanged = false;
    for (const entry of entries) {
      const wire = entry.entity.map((p) => ({ entityType: p.entityType, entityName: p.entityName }));
      const fail = (code: number, message: string) =>
        results.push({ errorCode: code, errorMessage: message, entity: wire });
      const entity = entityFromWire(entry.entity);
      if (isQuotaError(entity)) {
        fail(entity.code, entity.message);
        continue;
      }
      const key = entityKey(entity);
      const name = describeEntity(entity);
      if (seen.has(key)) {
        fail(ErrorCode.INVALID_REQUEST, `Ignoring duplicate entity ${name}`);
        continue;
      }
      seen.add(key);
      const keys = new Set<string>();
      let error: { code: number; message: string } | undefined;
      for (const op of entry.ops) {
        if (keys.has(op.key)) {
          error = {
            code: ErrorCode.INVALID_REQUEST,
            message: `Duplicate quota key ${op.key} not updating quota for this entity ${name}`,
          };
          break;
        }
        keys.add(op.key);
        if (!op.remove) error = checkValue(entity, op.key, op.value);
        if (error) break;
      }
      if (error) {
        fail(error.code, error.message);
        continue;
      }
      const rec = next.get(key) ?? { entity, values: {} };
      for (const op of entry.ops) {
        if (op.remove) {
          if (op.key in rec.values) {
            delete rec.values[op.key];
            changed = true;
          }
        } else if (rec.values[op.key] !== op.value) {
          rec.values[op.key] = op.value;
          changed = true;
        }
      }
      if (entity.ip !== undefined && entry.ops.length > 0) ipChanged = true;
      if (Object.keys(rec.values).length === 0) next.delete(key);
      else next.set(key, rec);
      applied.push(results.length);
      results.push({ errorCode: 0, errorMessage: null, entity: wire });
    }
    if (validateOnly || !changed) return results;
    try {
      await this.store.save([...next.values()]);
    } catch (err) {
      const message = `could not store the client quotas: ${(err as Error).message}`;
      this.log?.error(message);
      for (const i of applied)
        results[i] = { ...results[i]!, errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: message };
      return results;
    }
    // A shared store may hold other brokers' changes made meanwhile: serve what it holds.
    if (this.store.watch !== undefined) this.replace(await this.store.load());
    else {
      this.records.clear();
      for (const [k, r] of next) this.records.set(k, r);
      this.rebuild();
    }
    if (ipChanged) this.onIpQuotasChanged();
    for (const i of applied) {
      const e = entityFromWire(results[i]!.entity);
      if (!isQuotaError(e)) this.log?.info(`client quotas of ${escapeForLog(describeEntity(e))} changed`);
    }
    return results;
  }
}

/** The wire form of stored records, for DescribeClientQuotas. */
export function recordsToWire(records: readonly QuotaRecord[]) {
  return records.map((r) => ({
    entity: entityToWire(r.entity),
    values: Object.entries(r.values).map(([key, value]) => ({ key, value })),
  }));
}
