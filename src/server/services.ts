/**
 * The HTTP services a broker process can run, in start order (a later service may use an earlier one). Stopped in
 * the reverse order, before the broker.
 */
import { listenerValue, type BrokerConfig } from '../broker/config/index.js';
import type { ClientSecurity, ClientTlsOptions } from '../client/index.js';
import { interBrokerListenerName, interBrokerSecurity } from '../broker/inter-broker-security.js';
import type { InterBrokerSecurity } from '../broker/inter-broker.js';
import { interBrokerTlsOptions } from '../security/tls.js';
import { parseHttpListener } from '../broker/config/values.js';
import type { HttpEndpoint } from '../http/server.js';
import { schemaRegistryService } from './schema-registry.js';
import type { ServiceContext, ServiceDefinition } from './index.js';

/** The parsed http://host:port endpoints of a `<service>.listeners` key (validated when the config was parsed). */
export function endpointsOf(ctx: ServiceContext, key: string): HttpEndpoint[] {
  const list = (ctx.config.values.get(key) as string[] | undefined) ?? [];
  return list.map((text) => {
    const e = parseHttpListener(text);
    if (typeof e === 'string') throw new Error(`${key}: ${e}`);
    return e;
  });
}

export const SERVICES: ServiceDefinition[] = [
  schemaRegistryService,
  {
    name: 'metrics',
    enabledKey: 'metrics.enabled',
    // Each service's code is loaded only when it is turned on: a broker that serves none starts as fast as before.
    start: async (ctx) =>
      (await import('../metrics/service.js')).startMetricsService({
        broker: ctx.broker,
        endpoints: endpointsOf(ctx, 'metrics.listeners'),
        logger: ctx.logger,
      }),
  },
  {
    name: 'ksql',
    enabledKey: 'ksql.enabled',
    start: async (ctx) => {
      const { startSqlServer } = await import('../sql/server.js');
      const server = await startSqlServer({
        onPortInUse: (url) => ctx.logger.warn({ url }, 'ksql: listener address in use; streaming SQL not served there'),
        ...ctx.access(),
        endpoints: endpointsOf(ctx, 'ksql.listeners'),
        serviceId: String(ctx.config.values.get('ksql.service.id') ?? 'default_'),
        schemaRegistryUrl:
          (ctx.config.values.get('ksql.schema.registry.url') as string | null | undefined) ??
          ctx.broker.services.get('schema-registry')?.urls[0],
        logger: {
          info: (msg, fields) => ctx.logger.info(fields ?? {}, msg),
          warn: (msg, fields) => ctx.logger.warn(fields ?? {}, msg),
          error: (msg, fields) => ctx.logger.error(fields ?? {}, msg),
        },
      });
      return { urls: server.urls, close: () => server.close() };
    },
  },
  {
    // Last: the console offers a page for each service started before it (schema registry, SQL, ...).
    name: 'console',
    enabledKey: 'console.enabled',
    start: async (ctx) => {
      const access = consoleAccess(ctx);
      return (await import('../console/service.js')).startConsoleService({
        bootstrap: access.bootstrap,
        ...(access.tls === undefined ? {} : { tls: access.tls }),
        endpoints: endpointsOf(ctx, 'console.listeners'),
        logger: ctx.logger,
        features: [...ctx.broker.services].map(([id, s]) => ({ id, title: id, url: s.urls[0] ?? '' })),
        ...(access.authentication === undefined ? {} : { authentication: access.authentication }),
        security: {
          acls: String(ctx.config.values.get('authorizer.class.name') ?? '') !== '',
          scramUsers: access.scramUsers,
        },
      });
    },
  },
];

type ListenerView = ServiceContext['broker']['listeners'][number];

/**
 * TLS of a client of this broker's listener `l` (SSL and SASL_SSL), as another broker would connect: the broker's
 * truststore for the CAs, its keystore as the client certificate for ssl.client.auth, the host checked unless
 * ssl.endpoint.identification.algorithm is empty.
 */
function listenerTls(config: BrokerConfig, l: ListenerView): ClientTlsOptions | undefined {
  if (l.securityProtocol !== 'SSL' && l.securityProtocol !== 'SASL_SSL') return undefined;
  const get = (key: string) => listenerValue(config, l.name, key) as string | string[] | null;
  const algorithm = String(get('ssl.endpoint.identification.algorithm') ?? 'https').trim();
  return { ...interBrokerTlsOptions(get, l.name), rejectUnauthorized: true, checkHostname: algorithm !== '' };
}

/**
 * How the schema registry and streaming SQL reach the broker: as the broker itself, over the inter-broker listener
 * (the first listener unless inter.broker.listener.name or security.inter.broker.protocol says otherwise), with TLS
 * on SSL and SASL_SSL (listenerTls) and the broker's own SASL user (sasl.mechanism.inter.broker.protocol and the
 * listener's JAAS config) on SASL_PLAINTEXT and SASL_SSL; so they work on a broker without a PLAINTEXT listener.
 */
export function serviceAccess(broker: ServiceContext['broker']): { bootstrap: string; security?: ClientSecurity } {
  const name = interBrokerListenerName(broker.config);
  const l = broker.listeners.find((x) => x.name === name) ?? broker.listeners[0]!;
  const bootstrap = `${l.advertised.host}:${l.advertised.port}`;
  const tls = listenerTls(broker.config, l);
  let sasl: InterBrokerSecurity['sasl'];
  if (l.securityProtocol.startsWith('SASL_')) {
    try {
      sasl = interBrokerSecurity(broker.config)?.sasl;
    } catch (e) {
      throw new Error(
        `the broker's services (schema registry, streaming SQL) log in to listener ${l.name} as the broker: ${(e as Error).message}`,
      );
    }
  }
  if (tls === undefined && sasl === undefined) return { bootstrap };
  return {
    bootstrap,
    security: {
      ...(tls === undefined ? {} : { tls }),
      ...(sasl === undefined ? {} : { sasl: sasl as NonNullable<ClientSecurity['sasl']> }),
    },
  };
}

/**
 * How the console reaches the broker: the listener its clients use (console.kafka.listener, else the first), with
 * TLS on an SSL or SASL_SSL listener (as another broker would connect: the broker's truststore for the CAs, its
 * keystore as the client certificate for ssl.client.auth, the host checked unless
 * ssl.endpoint.identification.algorithm is empty), and whether it logs users in over that listener's SASL
 * (console.authentication) with which mechanism.
 */
function consoleAccess(ctx: ServiceContext): {
  bootstrap: string;
  tls?: ClientTlsOptions;
  authentication?: { mechanism: string; idleMs: number };
  scramUsers: boolean;
} {
  const v = (key: string) => ctx.config.values.get(key);
  const listeners = ctx.broker.listeners;
  const wanted = v('console.kafka.listener') as string | null | undefined;
  const l = wanted ? listeners.find((x) => x.name.toUpperCase() === wanted.toUpperCase()) : listeners[0];
  if (l === undefined) throw new Error(`console.kafka.listener: the broker has no listener named ${wanted}`);
  const bootstrap = `${l.advertised.host}:${l.advertised.port}`;
  const tls = listenerTls(ctx.config, l);
  const secure = tls === undefined ? {} : { tls };
  const mechanismsOf = (name: string): string[] =>
    ((listenerValue(ctx.config, name, 'sasl.enabled.mechanisms') as string[] | null) ?? []).map((m) =>
      m.trim().toUpperCase(),
    );
  const scramUsers = listeners.some(
    (x) => x.securityProtocol.startsWith('SASL_') && mechanismsOf(x.name).some((m) => m.startsWith('SCRAM-')),
  );
  const sasl = l.securityProtocol.startsWith('SASL_');
  const mode = String(v('console.authentication') ?? 'auto');
  const basic = mode === 'basic' || (mode === 'auto' && sasl);
  if (!basic) {
    if (sasl)
      throw new Error(
        `console.authentication=none cannot work over ${l.name}, a SASL listener: set console.kafka.listener to another listener`,
      );
    return { bootstrap, ...secure, scramUsers };
  }
  if (!sasl)
    throw new Error(
      `console.authentication=basic logs users in over SASL, but listener ${l.name} is ${l.securityProtocol}: set console.kafka.listener to a SASL listener`,
    );
  const enabled = mechanismsOf(l.name);
  const asked = v('console.sasl.mechanism') as string | null | undefined;
  const mechanism = asked
    ? asked.toUpperCase()
    : (['SCRAM-SHA-512', 'SCRAM-SHA-256', 'PLAIN'].find((m) => enabled.includes(m)) ?? enabled[0] ?? 'PLAIN');
  if (!enabled.includes(mechanism))
    throw new Error(`console.sasl.mechanism ${mechanism} is not enabled on listener ${l.name} (${enabled.join(', ')})`);
  return {
    bootstrap,
    ...secure,
    authentication: { mechanism, idleMs: Number(v('console.session.idle.ms')) },
    scramUsers,
  };
}
