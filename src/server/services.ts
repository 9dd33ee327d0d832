/**
 * The HTTP services a broker process can run, in start order (a later service may use an earlier one). Stopped in
 * the reverse order, before the broker.
 */
import { parseHttpListener } from '../broker/config/values.js';
import type { HttpEndpoint } from '../http/server.js';
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
];
