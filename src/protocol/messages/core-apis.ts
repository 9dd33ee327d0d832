/** The APIs of the broker core: data path, topics, configs and cluster description. */
import type { Api } from '../schema.js';
import { ApiVersions } from './api-versions.js';
import { Metadata } from './metadata.js';

export { ApiVersions, Metadata };

export const CORE_APIS: readonly Api[] = [ApiVersions, Metadata];
