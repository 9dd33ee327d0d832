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
