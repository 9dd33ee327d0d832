/**
 * The REST Proxy's HTTP conventions: Confluent's error body `{"error_code": ..., "message": ...}`, mapping of Kafka
 * error codes onto HTTP statuses and Confluent's error codes, JSON request bodies, and the request context the
 * handlers get (with the base URL that `metadata.self` links are built on).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLargeError, readBody, sendJson } from '../../http/server.js';
import { ErrorCode, KafkaError } from '../../client/index.js';

/** An error answered with Confluent's body: `status` is the HTTP status, `code` the body's error_code. */
export class RestError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'RestError';
  }
}

export const notFound = (message: string): RestError => new RestError(404, 404, message);
export const badRequest = (message: string): RestError => new RestError(400, 400, message);
/** Confluent's answer to a caller whose credentials Kafka refused (error_code 40101). */
export const unauthorized = (message: string): RestError => new RestError(401, 40101, message);
export const unprocessable = (message: string): RestError => new RestError(422, 422, message);

/** Confluent's answers for the Kafka errors a caller can cause; anything else is a 500. */
export function restErrorOf(e: unknown): RestError {
  if (e instanceof RestError) return e;
  if (e instanceof BodyTooLargeError) return new RestError(413, 413, e.message);
  if (e instanceof KafkaError) {
    switch (e.code) {
      case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
      case ErrorCode.UNKNOWN_TOPIC_ID:
        return new RestError(404, 40403, `This server does not host this topic-partition. (${e.message})`);
      case ErrorCode.GROUP_ID_NOT_FOUND:
        return new RestError(404, 404, e.message);
      case ErrorCode.TOPIC_ALREADY_EXISTS:
        return new RestError(400, 40002, e.message);
      case ErrorCode.INVALID_TOPIC_EXCEPTION:
      case ErrorCode.INVALID_PARTITIONS:
      case ErrorCode.INVALID_REPLICATION_FACTOR:
      case ErrorCode.INVALID_REPLICA_ASSIGNMENT:
      case ErrorCode.INVALID_CONFIG:
      case ErrorCode.INVALID_REQUEST:
      case ErrorCode.POLICY_VIOLATION:
      case ErrorCode.INVALID_COMMIT_OFFSET_SIZE:
      case ErrorCode.NON_EMPTY_GROUP:
      case ErrorCode.INVALID_GROUP_ID:
      case ErrorCode.UNKNOWN_MEMBER_ID:
        return new RestError(400, 40002, e.message);
      case ErrorCode.MESSAGE_TOO_LARGE:
      case ErrorCode.RECORD_LIST_TOO_LARGE:
        return new RestError(413, 413, e.message);
      case ErrorCode.TOPIC_AUTHORIZATION_FAILED:
      case ErrorCode.GROUP_AUTHORIZATION_FAILED:
      case ErrorCode.CLUSTER_AUTHORIZATION_FAILED:
      case ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
      case ErrorCode.DELEGATION_TOKEN_AUTHORIZATION_FAILED:
        return new RestError(403, 40301, e.message);
      case ErrorCode.SASL_AUTHENTICATION_FAILED:
      case ErrorCode.UNSUPPORTED_SASL_MECHANISM:
      case ErrorCode.ILLEGAL_SASL_STATE:
        return unauthorized(`Authentication failed: ${e.message}`);
      case ErrorCode.SECURITY_DISABLED:
        return new RestError(400, 40002, `${e.message} (the broker has no authorizer: set authorizer.class.name)`);
      case ErrorCode.RESOURCE_NOT_FOUND:
        return new RestError(404, 404, e.message);
      case ErrorCode.UNACCEPTABLE_CREDENTIAL:
      case ErrorCode.DUPLICATE_RESOURCE:
        return new RestError(400, 40002, e.message);
      default:
        return new RestError(500, 50002, e.message);
    }
  }
  return new RestError(500, 500, e instanceof Error ? e.message : String(e));
}

export function sendError(res: ServerResponse, e: RestError): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  sendJson(res, e.status, { error_code: e.code, message: e.message });
}

/** What a REST handler gets: the request, its response, the parsed URL and the base for links. */
export interface RestRequest {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Scheme, host and port the caller used, for `metadata.self` and `related` links. */
  base: string;
}

export const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** Reads a JSON object body; an empty or malformed body is a 400 with Confluent's error body. */
export async function jsonBody(r: RestRequest): Promise<Record<string, unknown>> {
  const raw = await readBody(r.req, MAX_BODY_BYTES);
  if (raw.length === 0) throw badRequest('Request body is empty: a JSON object is expected');
  let v: unknown;
  try {
    v = JSON.parse(raw.toString('utf8'));
  } catch (e) {
    throw badRequest(`Request body is not valid JSON: ${(e as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw badRequest('Request body must be a JSON object');
  return v as Record<string, unknown>;
}

/** Reads an optional integer field; a present field of another type is a 400. */
export function intField(body: Record<string, unknown>, name: string): number | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw badRequest(`${name} must be an integer`);
  return v;
}

export function stringField(body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badRequest(`${name} must be a string`);
  return v;
}

/** An optional array of `{name, value}` objects (configs, headers); a malformed one is a 400 naming `field`. */
export function nameValueList(
  body: Record<string, unknown>,
  field: string,
): Array<{ name: string; value: string | undefined }> {
  const v = body[field];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw badRequest(`${field} must be an array of {name, value}`);
  return v.map((item: unknown) => {
    const o = item !== null && typeof item === 'object' ? (item as Record<string, unknown>) : undefined;
    const name = o ? stringField(o, 'name') : undefined;
    if (o === undefined || name === undefined) throw badRequest(`every entry of ${field} needs a name`);
    return { name, value: stringField(o, 'value') };
  });
}

/** A path parameter that must be a non-negative integer (partition and broker ids). */
export function intParam(v: string | undefined, name: string): number {
  const n = Number(v);
  if (v === undefined || !/^\d+$/.test(v) || !Number.isSafeInteger(n)) throw notFound(`${name} '${v}' not found`);
  return n;
}
