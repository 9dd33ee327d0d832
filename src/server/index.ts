/**
 * The composition root: a broker plus the HTTP services enabled in its configuration (schema registry, streaming
 * SQL, metrics, web console), started in one process. `samsa start` and embedders call `startBroker` from here;
 * `broker/broker.ts` starts a bare broker and knows nothing of the services.
 *
 * Each service is a Kafka application of its own: it reaches the broker through the bootstrap address it is given
 * (Samsa's client over the broker's own listener), so it works the same against one broker or a cluster.
 */
import { startBroker as startBareBroker, type Broker, type BrokerOptions } from '../broker/broker.js';
import type { BrokerConfig } from '../broker/config/index.js';
import type { Logger } from '../storage/logger.js';
import { SERVICES, serviceAccess } from './services.js';
import type { ClientSecurity } from '../client/index.js';

/** What a service gets to start with. */
export interface ServiceContext {
  broker: Broker;
  config: BrokerConfig;
  logger: Logger;
  /**
   * How the service's own Kafka clients reach the broker: host:port of its listener and the TLS and SASL that
   * listener needs (serviceAccess in services.ts; worked out on first call, so that a broker whose services do not
   * connect this way, the console, is not asked for the broker's own credentials).
   */
  access(): { bootstrap: string; security?: ClientSecurity };
}

/** A started service: the URLs it serves and how to stop it. */
export interface StartedService {
  urls: string[];
  close(): Promise<void>;
}

export interface ServiceDefinition {
  /** Short name, used in logs and as the key of `broker.services`. */
  name: string;
  /** The boolean config key that turns it on. */
  enabledKey: string;
  start(ctx: ServiceContext): Promise<StartedService>;
}

export interface PlatformOptions extends BrokerOptions {
  /**
   * Services to turn on (or off) whatever the configuration says, by name; `true` for all of them. Tests use this
   * with port 0 listeners, e.g. `{ services: { 'schema-registry': true }, config: { 'schema.registry.listeners': 'http://127.0.0.1:0' } }`.
   */
  services?: true | Record<string, boolean>;
}

/** Starts a broker and then every enabled service; a service that fails to start stops the broker again. */
export async function startBroker(opts: PlatformOptions = {}): Promise<Broker> {
  const config: Record<string, string> = { ...(opts.config ?? {}) };
  for (const s of SERVICES) {
    const wanted = opts.services === true ? true : opts.services?.[s.name];
    if (wanted !== undefined) config[s.enabledKey] = String(wanted);
  }
  // Cluster mode's code (etcd client and all) is loaded only when etcd.endpoints is set.
  const cluster: BrokerOptions['cluster'] =
    opts.cluster ?? (async (ctx) => (await import('../cluster/broker-link.js')).joinCluster(ctx));
  const broker = await startBareBroker({ ...opts, config, cluster });
  try {
    const enabled = SERVICES.filter((s) => broker.config.values.get(s.enabledKey) === true);
    if (enabled.length === 0) return broker;
    let access: ReturnType<ServiceContext['access']> | undefined;
    const ctx: ServiceContext = {
      broker,
      config: broker.config,
      logger: broker.log,
      access: () => {
        access ??= serviceAccess(broker);
        return access;
      },
    };
    for (const s of enabled) {
      const started = await s.start(ctx);
      broker.services.set(s.name, started);
      broker.log.info(`${s.name} listening on ${started.urls.join(', ')}`);
    }
  } catch (err) {
    await broker.close();
    throw err;
  }
  return broker;
}
