/**
 * The HTTP services a broker process can run, in start order (a later service may use an earlier one). Stopped in
 * the reverse order, before the broker.
 */
import { schemaRegistryService } from './schema-registry.js';
import type { ServiceDefinition } from './index.js';

export const SERVICES: ServiceDefinition[] = [schemaRegistryService];
