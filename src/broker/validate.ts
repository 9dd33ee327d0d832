/**
 * Checks of request values that the wire format allows but Kafka's semantics forbid, shared by the handlers so that
 * each answers them with one error code per entry instead of trusting them: changes to the broker's internal topics
 * and partition counts no broker could create. (Topic names are checked by invalidTopicName in topics.ts.)
 */
import { INTERNAL_TOPICS } from './topics.js';

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
