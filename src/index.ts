/** The package root: the broker and the client. */
export { startBroker } from './broker/broker.js';
export * from './client/index.js';
