/**
 * The error convention of the storage layer: anything storage refuses or fails to do surfaces as one class,
 * `StorageError`, carrying the Kafka error code a client should get (codes from `protocol/errors.ts`, never a
 * private copy). It extends the protocol's `KafkaError`, so the broker answers it like any other coded error:
 * a handler catches it and puts `code` (and `message`) in its response for that partition only.
 *
 * - thrown for operations refused on their input or state: an append that is malformed, too large, out of order
 *   or out of sequence (OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_PRODUCER_EPOCH, ...), DeleteRecords beyond the high
 *   watermark (OFFSET_OUT_OF_RANGE);
 * - thrown with KAFKA_STORAGE_ERROR for I/O failures (a full disk) and for a closed or deleted log;
 * - reads do not throw for an offset out of range: `ReadResult.errorCode` says OFFSET_OUT_OF_RANGE, as a fetch
 *   answers it per partition.
 * Plain `Error`s escaping storage are bugs (or failures at startup, where there is no request to answer).
 */
import { KafkaError } from '../protocol/errors.js';

export class StorageError extends KafkaError {
  override name = 'StorageError';
}
