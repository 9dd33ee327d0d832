/** Request and response headers (request header v0-v2, response header v0-v1). */
import type { Reader, Writer } from './primitives.js';

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

/**
 * Reads the fixed part of a request header (api key, version, correlation id, client id). The client id is a
 * classic nullable string in every header version, flexible ones included.
 */
export function decodeRequestHeader(r: Reader): RequestHeader {
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  const n = r.int16();
  const clientId = n < 0 ? null : r.utf8(n);
  return { apiKey, apiVersion, correlationId, clientId };
}

/** Skips the tagged fields that end a v2 request header (none are defined; unknown ones are ignored). */
export function skipTaggedFields(r: Reader): void {
  const n = r.uvarint();
  for (let i = 0; i < n; i++) {
    r.uvarint();
    r.skip(r.uvarint());
  }
}

export function encodeRequestHeader(w: Writer, h: RequestHeader, headerVersion: number): void {
  w.int16(h.apiKey).int16(h.apiVersion).int32(h.correlationId);
  if (headerVersion >= 1) {
    if (h.clientId === null) w.int16(-1);
    else {
      const n = Buffer.byteLength(h.clientId);
      w.int16(n).utf8(h.clientId, n);
    }
  }
  if (headerVersion >= 2) w.uvarint(0);
}

export function encodeResponseHeader(w: Writer, correlationId: number, headerVersion: number): void {
  w.int32(correlationId);
  if (headerVersion >= 1) w.uvarint(0);
}
