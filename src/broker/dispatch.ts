/** Routes decoded requests to their handlers and knows which API versions the broker advertises. */
import type { Api, Encodable, RequestOf, ResponseOf } from '../protocol/schema.js';
import type { RequestContext } from './request-context.js';

export type { RequestContext } from './request-context.js';

export const UNSUPPORTED_VERSION = 35;

/** A handler returns the response body, or null when the request gets no response (Produce with acks=0). */
export type Handler<A extends Api> = (
  ctx: RequestContext,
  request: RequestOf<A>,
) => Encodable<ResponseOf<A>> | null | Promise<Encodable<ResponseOf<A>> | null>;

export interface Entry {
  api: Api;
  maxVersion: number;
  handler: (ctx: RequestContext, request: any) => unknown;
}

export class Dispatcher {
  private readonly entries = new Map<number, Entry>();
  private advertisedCache: Array<{ apiKey: number; minVersion: number; maxVersion: number }> | undefined;

  /** Registers a handler for every version of `api` up to `maxVersion` (all declared versions by default). */
  register<A extends Api>(api: A, handler: Handler<A>, maxVersion = api.maxVersion): void {
    this.entries.set(api.key, { api, maxVersion, handler });
    this.advertisedCache = undefined;
  }

  lookup(key: number): Entry | undefined {
    return this.entries.get(key);
  }

  /** Exactly the APIs and versions that have handlers, for ApiVersions. */
  advertised(): Array<{ apiKey: number; minVersion: number; maxVersion: number }> {
    this.advertisedCache ??= [...this.entries.values()]
      .sort((a, b) => a.api.key - b.api.key)
      .map((e) => ({ apiKey: e.api.key, minVersion: e.api.minVersion, maxVersion: e.maxVersion }));
    return this.advertisedCache;
  }
}
