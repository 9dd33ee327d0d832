/**
 * The schema registry as a service of the broker process (src/server/services.ts): reads its settings from the
 * broker configuration, rebuilds its state from the `_schemas` topic through Samsa's client, and serves the REST
 * API on every `schema.registry.listeners` endpoint once the topic has been read to its end.
 */
import type { ClientSecurity } from '../client/cluster.js';
import { listenHttp, type HttpEndpoint, type HttpListener } from '../http/server.js';
import { buildRouter, handle } from './api.js';
import { KafkaStore } from './kafka-store.js';
import { Registry } from './registry.js';
import type { CompatibilityLevel } from './types/index.js';

export interface RegistryServiceOptions {
  /** host:port of a broker, for the registry's own Kafka clients. */
  bootstrap: string;
  /** TLS and SASL of those clients, for a broker without a PLAINTEXT listener. */
  security?: ClientSecurity;
  /** Where to serve the API. */
  endpoints: HttpEndpoint[];
  topic?: string;
  replicationFactor?: number;
  defaultCompatibility?: CompatibilityLevel;
  timeoutMs?: number;
  log?: { info(msg: string): void; warn(obj: unknown, msg?: string): void; error(obj: unknown, msg?: string): void };
}

export interface RunningRegistry {
  registry: Registry;
  urls: string[];
  close(): Promise<void>;
}

export async function startRegistryService(opts: RegistryServiceOptions): Promise<RunningRegistry> {
  const registry = new Registry(opts.defaultCompatibility ?? 'BACKWARD');
  const store = new KafkaStore({
    bootstrap: opts.bootstrap,
    ...(opts.security === undefined ? {} : { security: opts.security }),
    topic: opts.topic ?? '_schemas',
    replicationFactor: opts.replicationFactor,
    timeoutMs: opts.timeoutMs,
    onEvent: (e) => registry.apply(e),
    onError: (err) => opts.log?.error({ err }, 'schema registry: reading the schemas topic failed'),
  });
  await store.start();
  registry.attach(store);
  const router = buildRouter(registry);
  const listeners: HttpListener[] = [];
  try {
    for (const endpoint of opts.endpoints) {
      listeners.push(
        await listenHttp(endpoint, (req, res) => {
          void handle(router, req, res, (err) => opts.log?.error({ err }, 'schema registry: request failed'));
        }),
      );
    }
  } catch (e) {
    await Promise.allSettled(listeners.map((l) => l.close()));
    await store.close();
    throw e;
  }
  return {
    registry,
    urls: listeners.map((l) => l.url),
    async close() {
      await Promise.allSettled(listeners.map((l) => l.close()));
      await store.close();
    },
  };
}
