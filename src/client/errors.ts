/**
 * Client errors. Every failure the client reports is a KafkaError: it carries the Kafka error code, its name
 * (`codeName`) and whether retrying may help (`retriable`). Failures that are not answers from a broker (a socket
 * that closed, a request that timed out) map onto the codes Kafka uses for them, so callers handle one type.
 */
import { ErrorCode, KafkaError, errorName, isRetriable } from '../protocol/errors.js';

export { ErrorCode, KafkaError, errorName, isRetriable };

/** The connection to a broker failed or closed before an answer arrived (retriable). */
export class ConnectionError extends KafkaError {
  override name = 'ConnectionError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.NETWORK_EXCEPTION, message);
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

/** No answer arrived within the request timeout (retriable). */
export class RequestTimeoutError extends KafkaError {
  override name = 'RequestTimeoutError';
  constructor(message: string) {
    super(ErrorCode.REQUEST_TIMED_OUT, message);
  }
}

/** The client was used after close(), or was configured wrongly; not a broker error and never retriable. */
export class ClientStateError extends KafkaError {
  override name = 'ClientStateError';
  constructor(message: string) {
    super(ErrorCode.INVALID_REQUEST, message);
    (this as { retriable: boolean }).retriable = false;
  }
}

/** Builds the error for a code found in a response; `context` names what failed (topic, partition, group). */
export function errorFor(code: number, context?: string, brokerMessage?: string | null): KafkaError {
  const name = errorName(code);
  const detail = brokerMessage ? `: ${brokerMessage}` : '';
  return new KafkaError(code, `${name}${context ? ` (${context})` : ''}${detail}`);
}

/** Codes after which the client's view of leaders may be stale and metadata should be refreshed. */
export function needsMetadataRefresh(code: number): boolean {
  return (
    code === ErrorCode.NOT_LEADER_OR_FOLLOWER ||
    code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION ||
    code === ErrorCode.LEADER_NOT_AVAILABLE ||
    code === ErrorCode.FENCED_LEADER_EPOCH ||
    code === ErrorCode.UNKNOWN_LEADER_EPOCH ||
    code === ErrorCode.UNKNOWN_TOPIC_ID ||
    code === ErrorCode.KAFKA_STORAGE_ERROR ||
    code === ErrorCode.NETWORK_EXCEPTION ||
    code === ErrorCode.REPLICA_NOT_AVAILABLE ||
    code === ErrorCode.NOT_CONTROLLER
  );
}
