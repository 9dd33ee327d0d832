/**
 * Checks of request values that the wire format allows but Kafka's semantics forbid (empty or illegal topic names,
 * negative partition indexes, unknown enum values, duplicate entries), shared by the handlers so that each answers
 * them with the same error code Kafka does, per entry, instead of trusting them.
 */
import { ErrorCode } from '../protocol/errors.js';
import { INTERNAL_TOPICS, invalidTopicName } from './topics.js';

/** INVALID_TOPIC_EXCEPTION for a name Kafka would never accept (empty, too long, illegal characters), else 0. */
export function topicNameError(name: string | null | undefined): number {
  if (name === null || name === undefined) return ErrorCode.INVALID_TOPIC_EXCEPTION;
  return invalidTopicName(name) === null ? 0 : ErrorCode.INVALID_TOPIC_EXCEPTION;
}

/** The keys that occur more than once in `items`. */
export function duplicateKeys<T>(items: readonly T[] | null | undefined, key: (item: T) => string): Set<string> {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const it of items ?? []) {
    const k = key(it);
    if (seen.has(k)) dup.add(k);
    else seen.add(k);
  }
  return dup;
}

/** Isolation levels of Fetch and ListOffsets: 0 read_uncommitted, 1 read_committed. */
export function validIsolationLevel(level: number): boolean {
  return level === 0 || level === 1;
}

/** Produce acks: -1 (all), 0 (none), 1 (leader). */
export function validAcks(acks: number): boolean {
  return acks === -1 || acks === 0 || acks === 1;
}

/**
 * Clients may not create, delete or add partitions to the broker's internal topics: the group and transaction
 * coordinators create them with their configured partition counts and map ids onto those partitions. Kafka's
 * tools refuse the same; the broker answers INVALID_REQUEST with this message.
 */
export function internalTopicChange(name: string, what: 'create' | 'delete' | 'add partitions to'): string | null {
  return INTERNAL_TOPICS.has(name)
    ? `Clients may not ${what} the internal topic ${name}; the broker manages it.`
    : null;
}

/**
 * The most partitions one request may create for one topic. Kafka's controller likewise refuses a single
 * operation that would write more than 10,000 records; without a bound a count near 2^31 would keep the broker
 * busy creating directories for hours.
 */
export const MAX_NEW_PARTITIONS = 10_000;

/** A message for a request that would create more partitions at once than MAX_NEW_PARTITIONS, else null. */
export function tooManyNewPartitions(count: number): string | null {
  return count > MAX_NEW_PARTITIONS
    ? `A request may create at most ${MAX_NEW_PARTITIONS} partitions per topic; asked for ${count}.`
    : null;
}
