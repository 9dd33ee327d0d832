/**
 * The HTTP services a broker process can run, in start order (a later service may use an earlier one). Stopped in
 * the reverse order, before the broker.
 */
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
        bootstrap: ctx.bootstrap,
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
    start: async (ctx) =>
      (await import('../console/service.js')).startConsoleService({
        bootstrap: ctx.bootstrap,
        endpoints: endpointsOf(ctx, 'console.listeners'),
        logger: ctx.logger,
        features: [...ctx.broker.services].map(([id, s]) => ({ id, title: id, url: s.urls[0] ?? '' })),
        security: {
          acls: String(ctx.config.values.get('authorizer.class.name') ?? '') !== '',
          scramUsers: false,
        },
      }),
  },
];
