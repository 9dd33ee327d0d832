/** Broker config keys: cluster membership and replication (etcd, controller, replica fetchers). */
import type { ConfigDefinition } from '../types.js';

export const CLUSTER_KEYS: readonly ConfigDefinition[] = [];
