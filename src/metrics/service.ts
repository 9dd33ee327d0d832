/**
 * The metrics service: serves a broker's Prometheus metrics at /metrics on the `metrics.listeners` endpoints.
 * Counting starts when the service starts and stops when it closes (the observation point is then free again).
 */
import type { Broker } from '../broker/broker.js';
import { listenHttp, type HttpEndpoint, type HttpListener } from '../http/server.js';
import type { Logger } from '../storage/logger.js';
import { BrokerMetrics } from './collector.js';

export interface MetricsServiceOptions {
  broker: Broker;
  endpoints: HttpEndpoint[];
  logger: Logger;
}

export interface MetricsService {
  readonly metrics: BrokerMetrics;
  readonly urls: string[];
  close(): Promise<void>;
}

export async function startMetricsService(opts: MetricsServiceOptions): Promise<MetricsService> {
  const metrics = new BrokerMetrics(opts.broker);
  const listeners: HttpListener[] = [];
  const handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('Samsa metrics: GET /metrics\n');
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the metrics are at /metrics\n');
      return;
    }
    metrics.text().then(
      (text) => {
        res.writeHead(200, { 'content-type': metrics.contentType, 'content-length': Buffer.byteLength(text) });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => {
        opts.logger.error({ err: (err as Error).message }, 'collecting metrics failed');
        res.writeHead(500, { 'content-type': 'text/plain' }).end('collecting metrics failed\n');
      },
    );
  };
  try {
    for (const e of opts.endpoints) listeners.push(await listenHttp(e, handler));
  } catch (err) {
    metrics.close();
    for (const l of listeners) await l.close();
    throw err;
  }
  return {
    metrics,
    urls: listeners.map((l) => `${l.url}/metrics`),
    async close() {
      metrics.close();
      for (const l of listeners) await l.close();
    },
  };
}
