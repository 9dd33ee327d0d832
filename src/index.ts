/** The package root: the broker and the client. */
export { startBroker } from './server/index.js';
export * from './client/index.js';
export { startCluster } from './server/cluster.js';
export type { ClusterOptions, LocalCluster, ClusterBroker } from './server/cluster.js';
