/** The package root: the broker and the client. */
export { startBroker } from './server/index.js';
export * from './client/index.js';
