/**
 * ApiVersions (v0-v4): the APIs and version ranges this broker serves, exactly those with a registered handler.
 * A request in a version we do not speak is answered in v0 form with UNSUPPORTED_VERSION by the connection, so the
 * client can retry lower; v3+ carry the client's software name and version (accepted, unused).
 */
import { ApiVersions } from '../../protocol/messages/api-versions.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';

/** Advertises exactly the APIs and versions that have handlers. */
export function apiVersions({ dispatcher }: HandlerDeps<'dispatcher'>): Handler<typeof ApiVersions> {
  return () => ({
    errorCode: 0,
    apiKeys: dispatcher.advertised(),
    throttleTimeMs: 0,
  });
}

export const apiVersionsHandler = defineHandler(ApiVersions, apiVersions);
