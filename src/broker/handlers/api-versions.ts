import type { ApiVersions } from '../../protocol/messages/api-versions.js';
import type { Broker } from '../broker.js';
import type { Handler } from '../dispatch.js';

/** Advertises exactly the APIs and versions that have handlers. */
export function apiVersions(broker: Broker): Handler<typeof ApiVersions> {
  return () => ({
    errorCode: 0,
    apiKeys: broker.dispatcher.advertised(),
    throttleTimeMs: 0,
  });
}
