/**
 * Connection limits, as Kafka's ConnectionQuotas applies them when a connection is accepted:
 *
 * - `max.connection.creation.rate` (broker-wide) and `listener.name.<l>.max.connection.creation.rate`: a
 *   connection arriving faster waits (is not served) until the rate is back within the limit, at most one quota
 *   window; Kafka's acceptor waits the same way before it accepts.
 * - `max.connections` and `listener.name.<l>.max.connections`: a connection beyond the limit is closed.
 * - the `connection_creation_rate` quota of its IP (AlterClientQuotas, entity type `ip`): a connection over it is
 *   held for the throttle time and then closed, as Kafka delays closing it.
 * - `max.connections.per.ip` and `max.connections.per.ip.overrides`: one more than the limit is closed.
 *
 * Counts are kept only for admitted connections; `release` gives the slot back when one closes.
 */
import type { BrokerConfig } from '../config/index.js';
import { parseIpOverrides } from '../config/values.js';
import { SampledRate, type RateWindow } from './rate.js';

const INT_MAX = 2147483647;

export type Admission =
  /** Serve the connection; wait `delayMs` first when the creation rate is exceeded. */
  | { admit: true; delayMs: number }
  /** Close it, after `delayMs` (an IP over its creation rate quota); `reason` is for the log. */
  | { admit: false; delayMs: number; reason: string; kind: string };

interface ListenerLimit {
  maxConnections: number;
  rate: SampledRate | undefined;
  maxRate: number;
}

/** Kafka writes an IPv4 peer of a dual-stack socket as IPv4; so do we. */
export function normalizeIp(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

export class ConnectionLimits {
  private total = 0;
  private readonly perIp = new Map<string, number>();
  private readonly perListener = new Map<string, number>();
  private readonly listeners = new Map<string, ListenerLimit>();
  private maxConnections = 0;
  private maxPerIp = 0;
  private overrides = new Map<string, number>();
  private maxRate = 0;
  private brokerRate: SampledRate | undefined;
  private readonly ipRates = new Map<string, SampledRate>();
  private readonly raw: Readonly<Record<string, string>>;

  constructor(
    config: Pick<BrokerConfig, 'raw' | 'values'>,
    private readonly window: RateWindow,
    /** The connection_creation_rate quota of an IP, if it has one (client-quotas.ts). */
    private readonly ipQuota: (ip: string) => number | undefined = () => undefined,
  ) {
    this.reconfigure(config);
    this.raw = config.raw;
  }

  /** Takes the broker-wide limits from `config` (at start, and when dynamic broker configs change them). */
  reconfigure(config: Pick<BrokerConfig, 'values'>): void {
    const num = (k: string) => Number(config.values.get(k));
    this.maxConnections = num('max.connections');
    this.maxPerIp = num('max.connections.per.ip');
    this.overrides = new Map(
      [...parseIpOverrides(String(config.values.get('max.connections.per.ip.overrides') ?? ''))].map(([ip, n]) => [
        normalizeIp(ip),
        n,
      ]),
    );
    const rate = num('max.connection.creation.rate');
    if (rate !== this.maxRate || this.brokerRate === undefined) {
      this.maxRate = rate;
      this.brokerRate = rate < INT_MAX ? (this.brokerRate ?? new SampledRate(this.window)) : undefined;
    }
  }

  /** The per-listener limits (`listener.name.<name>.max.connections` ...), read once per listener. */
  private listener(name: string): ListenerLimit {
    let l = this.listeners.get(name);
    if (l === undefined) {
      const prefix = `listener.name.${name.toLowerCase()}.`;
      const read = (key: string) => {
        const text = this.raw[prefix + key];
        if (text === undefined) return INT_MAX;
        const n = Number(text.trim());
        if (!Number.isInteger(n) || n < 0)
          throw new Error(`${prefix}${key}: expected a whole number >= 0, got ${text}`);
        return n;
      };
      const maxRate = read('max.connection.creation.rate');
      l = {
        maxConnections: read('max.connections'),
        maxRate,
        rate: maxRate < INT_MAX ? new SampledRate(this.window) : undefined,
      };
      this.listeners.set(name, l);
    }
    return l;
  }

  /** Checks the per-listener keys at start, so a bad value stops the broker instead of the first connection. */
  validateListener(name: string): void {
    this.listener(name);
  }

  /** Decides what happens to a connection just accepted on `listenerName` from `address`, and counts it if served. */
  admit(listenerName: string, address: string, now: number): Admission {
    const ip = normalizeIp(address);
    const l = this.listener(listenerName);
    // Creation rate, broker-wide and per listener: the longer wait wins.
    let delayMs = 0;
    if (this.brokerRate) delayMs = this.brokerRate.recordAndThrottle(1, this.maxRate, now, this.window.windowMs);
    if (l.rate) delayMs = Math.max(delayMs, l.rate.recordAndThrottle(1, l.maxRate, now, this.window.windowMs));
    const listenerCount = this.perListener.get(listenerName) ?? 0;
    if (listenerCount >= l.maxConnections) {
      return {
        admit: false,
        delayMs: 0,
        kind: 'listener max.connections',
        reason: `listener ${listenerName} already has its maximum of ${l.maxConnections} connections (listener.name.${listenerName.toLowerCase()}.max.connections)`,
      };
    }
    if (this.total >= this.maxConnections) {
      return {
        admit: false,
        delayMs: 0,
        kind: 'max.connections',
        reason: `the broker already has its maximum of ${this.maxConnections} connections (max.connections)`,
      };
    }
    const ipQuota = this.ipQuota(ip);
    if (ipQuota !== undefined) {
      let rate = this.ipRates.get(ip);
      if (rate === undefined) {
        if (this.ipRates.size >= 10_000) for (const [k, r] of this.ipRates) if (r.idle(now)) this.ipRates.delete(k);
        this.ipRates.set(ip, (rate = new SampledRate(this.window)));
      }
      const throttle = rate.recordAndThrottle(1, ipQuota, now, this.window.windowMs);
      if (throttle > 0) {
        // Not accepted: take the connection back from every rate it was counted in.
        rate.record(-1, now);
        this.brokerRate?.record(-1, now);
        l.rate?.record(-1, now);
        return {
          admit: false,
          delayMs: throttle,
          kind: 'connection_creation_rate',
          reason: `${ip} exceeds its connection_creation_rate quota of ${ipQuota}/s`,
        };
      }
    }
    const count = this.perIp.get(ip) ?? 0;
    const max = this.overrides.get(ip) ?? this.maxPerIp;
    if (count >= max) {
      return {
        admit: false,
        delayMs: 0,
        kind: 'max.connections.per.ip',
        reason: `${ip} already has the configured maximum of ${max} connections (max.connections.per.ip)`,
      };
    }
    this.perIp.set(ip, count + 1);
    this.perListener.set(listenerName, listenerCount + 1);
    this.total++;
    return { admit: true, delayMs };
  }

  /** Gives back the slot of an admitted connection that closed. */
  release(listenerName: string, address: string): void {
    const ip = normalizeIp(address);
    const count = this.perIp.get(ip) ?? 0;
    if (count <= 1) this.perIp.delete(ip);
    else this.perIp.set(ip, count - 1);
    this.perListener.set(listenerName, Math.max(0, (this.perListener.get(listenerName) ?? 0) - 1));
    this.total = Math.max(0, this.total - 1);
  }

  /** IP quotas changed: rates of IPs that lost theirs are dropped. */
  ipQuotasChanged(): void {
    for (const ip of this.ipRates.keys()) if (this.ipQuota(ip) === undefined) this.ipRates.delete(ip);
  }

  /** Open connections: broker-wide, and from one IP. */
  count(ip?: string): number {
    return ip === undefined ? this.total : (this.perIp.get(normalizeIp(ip)) ?? 0);
  }
}
