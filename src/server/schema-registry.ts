/**
 * Wires the schema registry (src/registry) into the broker process: its settings come from the broker
 * configuration (`schema.registry.*`), and it reaches the broker through its client listener like any Kafka
 * application.
 */
import { parseHttpListener } from '../broker/config/values.js';
import { recordNameOf, type SchemaIdSource } from '../broker/schema-validation.js';
import type { HttpEndpoint } from '../http/server.js';
import type { CompatibilityLevel } from '../registry/types/index.js';
import type { ServiceDefinition } from './index.js';

export const schemaRegistryService: ServiceDefinition = {
  name: 'schema-registry',
  enabledKey: 'schema.registry.enabled',
  async start(ctx) {
    const v = ctx.config.values;
    const endpoints = ((v.get('schema.registry.listeners') as string[] | undefined) ?? []).map(
      (l) => parseHttpListener(l) as HttpEndpoint,
    );
    const { startRegistryService } = await import('../registry/service.js');
    const running = await startRegistryService({
      ...ctx.access(),
      endpoints,
      topic: (v.get('schema.registry.kafkastore.topic') as string | undefined) ?? '_schemas',
      defaultCompatibility: String(
        v.get('schema.registry.schema.compatibility.level') ?? 'backward',
      ).toUpperCase() as CompatibilityLevel,
      log: ctx.logger,
    });
    // Topics with broker-side schema validation ask this registry about the ids their records carry.
    const names = new Map<number, string | null>();
    const source: SchemaIdSource = {
      describe(id) {
        const uses = (() => {
          try {
            return running.registry.usesOf(id, false);
          } catch {
            return null; // no such schema
          }
        })();
        if (uses === null) return null;
        let recordName = names.get(id);
        if (recordName === undefined) {
          const s = running.registry.schemaById(id);
          names.set(id, (recordName = recordNameOf(s.schemaType, s.schema)));
        }
        return { subjects: [...new Set(uses.map((u) => u.subject))], recordName };
      },
    };
    ctx.broker.schemas.attach(source);
    return {
      urls: running.urls,
      close: async () => {
        ctx.broker.schemas.detach(source);
        await running.close();
      },
    };
  },
};
