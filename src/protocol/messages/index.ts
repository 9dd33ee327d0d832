/** Every API Samsa declares, by key. */
import type { Api } from '../schema.js';
import { CORE_APIS } from './core-apis.js';
import { COORDINATOR_APIS } from './coordinator-apis.js';
import { CLUSTER_APIS } from './cluster-apis.js';

export const ALL_APIS: readonly Api[] = [...CORE_APIS, ...COORDINATOR_APIS, ...CLUSTER_APIS].sort(
  (a, b) => a.key - b.key,
);

export const API_BY_KEY: ReadonlyMap<number, Api> = new Map(ALL_APIS.map((a) => [a.key, a]));
