/**
 * The HTTP services a broker process can run, in start order (a later service may use an earlier one). Stopped in
 * the reverse order, before the broker.
 */
import { parseHttpListener } from '../broker/config/values.js';
import type { HttpEndpoint } from '../http/server.js';
import { startConsoleService } from '../console/service.js';
import { startMetricsService } from '../metrics/service.js';
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
  {
    name: 'metrics',
    enabledKey: 'metrics.enabled',
    start: (ctx) =>
      startMetricsService({ broker: ctx.broker, endpoints: endpointsOf(ctx, 'metrics.listeners'), logger: ctx.logger }),
  },
  {
    // Last: the console offers a page for each service started before it (schema registry, SQL, ...).
    name: 'console',
    enabledKey: 'console.enabled',
    start: (ctx) =>
      startConsoleService({
        bootstrap: ctx.bootstrap,
        endpoints: endpointsOf(ctx, 'console.listeners'),
        logger: ctx.logger,
        features: [...ctx.broker.services].map(([id, s]) => ({ id, title: id, url: s.urls[0] ?? '' })),
      }),
  },
];
