/**
 * The HTTP services a broker process can run, in start order (a later service may use an earlier one). Stopped in
 * the reverse order, before the broker.
 */
import { parseHttpListener } from '../broker/config/values.js';
import { startSqlServer } from '../sql/server.js';
import type { ServiceDefinition } from './index.js';

export const SERVICES: ServiceDefinition[] = [
  {
    name: 'ksql',
    enabledKey: 'ksql.enabled',
    start: async (ctx) => {
      const listeners = ctx.config.values.get('ksql.listeners') as string[];
      const endpoints = listeners.map((l) => {
        const ep = parseHttpListener(l);
        if (typeof ep === 'string') throw new Error(ep);
        return ep;
      });
      const server = await startSqlServer({
        onPortInUse: (url) => ctx.logger.warn({ url }, 'ksql: listener address in use; streaming SQL not served there'),
        bootstrap: ctx.bootstrap,
        endpoints,
        serviceId: String(ctx.config.values.get('ksql.service.id') ?? 'default_'),
        logger: {
          info: (msg, fields) => ctx.logger.info(fields ?? {}, msg),
          warn: (msg, fields) => ctx.logger.warn(fields ?? {}, msg),
          error: (msg, fields) => ctx.logger.error(fields ?? {}, msg),
        },
      });
      return { urls: server.urls, close: () => server.close() };
    },
  },
];
