/**
 * Kafka's protocol error codes, as of Kafka 3.9 (-1 through 127), plus 128 from Kafka 4.0, which its
 * ConsumerGroupHeartbeat v1 (accepted here, see the README) returns for a bad subscription regex. The numbers, names
 * and retriability are Kafka's; the messages are ours. "Retriable" follows Kafka's published table: the same request may succeed if sent again
 * later (often after refreshing metadata), so clients retry these on their own.
 *
 * Storage and broker take their codes from here. Code that fails with a code throws a `KafkaError` (below) or a
 * subclass: the storage layer's `StorageError` (storage/errors.ts) is one, so a handler answers either the same way.
 */

export const ErrorCode = {
  UNKNOWN_SERVER_ERROR: -1,
  NONE: 0,
  OFFSET_OUT_OF_RANGE: 1,
  CORRUPT_MESSAGE: 2,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  INVALID_FETCH_SIZE: 4,
  LEADER_NOT_AVAILABLE: 5,
  NOT_LEADER_OR_FOLLOWER: 6,
  REQUEST_TIMED_OUT: 7,
  BROKER_NOT_AVAILABLE: 8,
  REPLICA_NOT_AVAILABLE: 9,
  MESSAGE_TOO_LARGE: 10,
  STALE_CONTROLLER_EPOCH: 11,
  OFFSET_METADATA_TOO_LARGE: 12,
  NETWORK_EXCEPTION: 13,
  COORDINATOR_LOAD_IN_PROGRESS: 14,
  COORDINATOR_NOT_AVAILABLE: 15,
  NOT_COORDINATOR: 16,
  INVALID_TOPIC_EXCEPTION: 17,
  RECORD_LIST_TOO_LARGE: 18,
  NOT_ENOUGH_REPLICAS: 19,
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: 20,
  INVALID_REQUIRED_ACKS: 21,
  ILLEGAL_GENERATION: 22,
  INCONSISTENT_GROUP_PROTOCOL: 23,
  INVALID_GROUP_ID: 24,
  UNKNOWN_MEMBER_ID: 25,
  INVALID_SESSION_TIMEOUT: 26,
  REBALANCE_IN_PROGRESS: 27,
  INVALID_COMMIT_OFFSET_SIZE: 28,
  TOPIC_AUTHORIZATION_FAILED: 29,
  GROUP_AUTHORIZATION_FAILED: 30,
  CLUSTER_AUTHORIZATION_FAILED: 31,
  INVALID_TIMESTAMP: 32,
  UNSUPPORTED_SASL_MECHANISM: 33,
  ILLEGAL_SASL_STATE: 34,
  UNSUPPORTED_VERSION: 35,
  TOPIC_ALREADY_EXISTS: 36,
  INVALID_PARTITIONS: 37,
  INVALID_REPLICATION_FACTOR: 38,
  INVALID_REPLICA_ASSIGNMENT: 39,
  INVALID_CONFIG: 40,
  NOT_CONTROLLER: 41,
  INVALID_REQUEST: 42,
  UNSUPPORTED_FOR_MESSAGE_FORMAT: 43,
  POLICY_VIOLATION: 44,
  OUT_OF_ORDER_SEQUENCE_NUMBER: 45,
  DUPLICATE_SEQUENCE_NUMBER: 46,
  INVALID_PRODUCER_EPOCH: 47,
  INVALID_TXN_STATE: 48,
  INVALID_PRODUCER_ID_MAPPING: 49,
  INVALID_TRANSACTION_TIMEOUT: 50,
  CONCURRENT_TRANSACTIONS: 51,
  TRANSACTION_COORDINATOR_FENCED: 52,
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 53,
  SECURITY_DISABLED: 54,
  OPERATION_NOT_ATTEMPTED: 55,
  KAFKA_STORAGE_ERROR: 56,
  LOG_DIR_NOT_FOUND: 57,
  SASL_AUTHENTICATION_FAILED: 58,
  UNKNOWN_PRODUCER_ID: 59,
  REASSIGNMENT_IN_PROGRESS: 60,
  DELEGATION_TOKEN_AUTH_DISABLED: 61,
  DELEGATION_TOKEN_NOT_FOUND: 62,
  DELEGATION_TOKEN_OWNER_MISMATCH: 63,
  DELEGATION_TOKEN_REQUEST_NOT_ALLOWED: 64,
  DELEGATION_TOKEN_AUTHORIZATION_FAILED: 65,
  DELEGATION_TOKEN_EXPIRED: 66,
  INVALID_PRINCIPAL_TYPE: 67,
  NON_EMPTY_GROUP: 68,
  GROUP_ID_NOT_FOUND: 69,
  FETCH_SESSION_ID_NOT_FOUND: 70,
  INVALID_FETCH_SESSION_EPOCH: 71,
  LISTENER_NOT_FOUND: 72,
  TOPIC_DELETION_DISABLED: 73,
  FENCED_LEADER_EPOCH: 74,
  UNKNOWN_LEADER_EPOCH: 75,
  UNSUPPORTED_COMPRESSION_TYPE: 76,
  STALE_BROKER_EPOCH: 77,
  OFFSET_NOT_AVAILABLE: 78,
  MEMBER_ID_REQUIRED: 79,
  PREFERRED_LEADER_NOT_AVAILABLE: 80,
  GROUP_MAX_SIZE_REACHED: 81,
  FENCED_INSTANCE_ID: 82,
  ELIGIBLE_LEADERS_NOT_AVAILABLE: 83,
  ELECTION_NOT_NEEDED: 84,
  NO_REASSIGNMENT_IN_PROGRESS: 85,
  GROUP_SUBSCRIBED_TO_TOPIC: 86,
  INVALID_RECORD: 87,
  UNSTABLE_OFFSET_COMMIT: 88,
  THROTTLING_QUOTA_EXCEEDED: 89,
  PRODUCER_FENCED: 90,
  RESOURCE_NOT_FOUND: 91,
  DUPLICATE_RESOURCE: 92,
  UNACCEPTABLE_CREDENTIAL: 93,
  INCONSISTENT_VOTER_SET: 94,
  INVALID_UPDATE_VERSION: 95,
  FEATURE_UPDATE_FAILED: 96,
  PRINCIPAL_DESERIALIZATION_FAILURE: 97,
  SNAPSHOT_NOT_FOUND: 98,
  POSITION_OUT_OF_RANGE: 99,
  UNKNOWN_TOPIC_ID: 100,
  DUPLICATE_BROKER_REGISTRATION: 101,
  BROKER_ID_NOT_REGISTERED: 102,
  INCONSISTENT_TOPIC_ID: 103,
  INCONSISTENT_CLUSTER_ID: 104,
  TRANSACTIONAL_ID_NOT_FOUND: 105,
  FETCH_SESSION_TOPIC_ID_ERROR: 106,
  INELIGIBLE_REPLICA: 107,
  NEW_LEADER_ELECTED: 108,
  OFFSET_MOVED_TO_TIERED_STORAGE: 109,
  FENCED_MEMBER_EPOCH: 110,
  UNRELEASED_INSTANCE_ID: 111,
  UNSUPPORTED_ASSIGNOR: 112,
  STALE_MEMBER_EPOCH: 113,
  MISMATCHED_ENDPOINT_TYPE: 114,
  UNSUPPORTED_ENDPOINT_TYPE: 115,
  UNKNOWN_CONTROLLER_ID: 116,
  UNKNOWN_SUBSCRIPTION_ID: 117,
  TELEMETRY_TOO_LARGE: 118,
  INVALID_REGISTRATION: 119,
  TRANSACTION_ABORTABLE: 120,
  INVALID_RECORD_STATE: 121,
  SHARE_SESSION_NOT_FOUND: 122,
  INVALID_SHARE_SESSION_EPOCH: 123,
  FENCED_STATE_EPOCH: 124,
  INVALID_VOTER_KEY: 125,
  DUPLICATE_VOTER: 126,
  VOTER_NOT_FOUND: 127,
  INVALID_REGULAR_EXPRESSION: 128,
} as const;

export type ErrorCodeName = keyof typeof ErrorCode;
export type ErrorCodeValue = (typeof ErrorCode)[ErrorCodeName];

const R = true;
const N = false;

/** Per code: retriable, and a short message of our own. Typed by name so a missing or extra entry fails to build. */
const DETAILS: Record<ErrorCodeName, readonly [boolean, string]> = {
  UNKNOWN_SERVER_ERROR: [N, 'The broker hit an unexpected error while handling the request.'],
  NONE: [N, 'No error.'],
  OFFSET_OUT_OF_RANGE: [N, 'The offset is outside the range the partition currently holds.'],
  CORRUPT_MESSAGE: [R, 'A record or batch is corrupt: bad checksum, bad size, or a null key on a compacted topic.'],
  UNKNOWN_TOPIC_OR_PARTITION: [R, 'This broker does not know that topic or partition.'],
  INVALID_FETCH_SIZE: [N, 'The fetch size asked for is not valid.'],
  LEADER_NOT_AVAILABLE: [R, 'The partition has no leader right now; an election is under way.'],
  NOT_LEADER_OR_FOLLOWER: [R, 'This broker is not the leader (or not a replica) of the partition.'],
  REQUEST_TIMED_OUT: [R, 'The request did not complete in time.'],
  BROKER_NOT_AVAILABLE: [N, 'The broker is not available.'],
  REPLICA_NOT_AVAILABLE: [R, 'A replica of the partition is not available.'],
  MESSAGE_TOO_LARGE: [N, 'A message is larger than the broker or topic allows.'],
  STALE_CONTROLLER_EPOCH: [N, 'The request came from a controller that is no longer current.'],
  OFFSET_METADATA_TOO_LARGE: [N, 'The metadata string of an offset commit is too long.'],
  NETWORK_EXCEPTION: [R, 'The connection closed before a response arrived.'],
  COORDINATOR_LOAD_IN_PROGRESS: [R, 'The coordinator is still loading its state.'],
  COORDINATOR_NOT_AVAILABLE: [R, 'The coordinator is not available.'],
  NOT_COORDINATOR: [R, 'This broker is not the coordinator for that group or transactional id.'],
  INVALID_TOPIC_EXCEPTION: [N, 'The topic name is not valid, or the operation is not allowed on that topic.'],
  RECORD_LIST_TOO_LARGE: [N, 'A record batch is larger than the segment size allows.'],
  NOT_ENOUGH_REPLICAS: [R, 'Too few in-sync replicas to accept the write.'],
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: [R, 'The write was stored, but too few in-sync replicas remain to confirm it.'],
  INVALID_REQUIRED_ACKS: [N, 'The acks value is not one of -1, 0 or 1.'],
  ILLEGAL_GENERATION: [N, 'The group generation given is not the current one.'],
  INCONSISTENT_GROUP_PROTOCOL: [N, 'The member protocol type or protocols do not match those of the group.'],
  INVALID_GROUP_ID: [N, 'The group id is empty or not valid.'],
  UNKNOWN_MEMBER_ID: [N, 'The group does not know this member id.'],
  INVALID_SESSION_TIMEOUT: [N, 'The session timeout is outside the range the broker allows.'],
  REBALANCE_IN_PROGRESS: [N, 'The group is rebalancing; the member should rejoin.'],
  INVALID_COMMIT_OFFSET_SIZE: [N, 'The offset commit was rejected because of its size.'],
  TOPIC_AUTHORIZATION_FAILED: [N, 'Not authorized to access the topic.'],
  GROUP_AUTHORIZATION_FAILED: [N, 'Not authorized to access the group.'],
  CLUSTER_AUTHORIZATION_FAILED: [N, 'Not authorized for this cluster operation.'],
  INVALID_TIMESTAMP: [N, 'A record timestamp is outside the accepted range.'],
  UNSUPPORTED_SASL_MECHANISM: [N, 'The broker does not offer that SASL mechanism.'],
  ILLEGAL_SASL_STATE: [N, 'The request is not valid at this point of SASL authentication.'],
  UNSUPPORTED_VERSION: [N, 'The broker does not support this API version.'],
  TOPIC_ALREADY_EXISTS: [N, 'A topic with that name already exists.'],
  INVALID_PARTITIONS: [N, 'The partition count is not valid.'],
  INVALID_REPLICATION_FACTOR: [N, 'The replication factor is not valid.'],
  INVALID_REPLICA_ASSIGNMENT: [N, 'The replica assignment is not valid.'],
  INVALID_CONFIG: [N, 'A configuration value is not valid.'],
  NOT_CONTROLLER: [R, 'This broker is not the controller.'],
  INVALID_REQUEST: [N, 'The request is malformed or not valid here; see the broker log.'],
  UNSUPPORTED_FOR_MESSAGE_FORMAT: [N, 'The message format of the topic does not support this request.'],
  POLICY_VIOLATION: [N, 'The request breaks a policy configured on the broker.'],
  OUT_OF_ORDER_SEQUENCE_NUMBER: [N, 'The producer sequence number is not the one the broker expected.'],
  DUPLICATE_SEQUENCE_NUMBER: [N, 'The broker already has a batch with this producer sequence number.'],
  INVALID_PRODUCER_EPOCH: [N, 'The producer epoch is out of date.'],
  INVALID_TXN_STATE: [N, 'The operation does not fit the current state of the transaction.'],
  INVALID_PRODUCER_ID_MAPPING: [N, 'The producer id does not belong to that transactional id.'],
  INVALID_TRANSACTION_TIMEOUT: [N, 'The transaction timeout is larger than the broker allows.'],
  CONCURRENT_TRANSACTIONS: [R, 'Another transaction of this producer is still being completed.'],
  TRANSACTION_COORDINATOR_FENCED: [N, 'A newer transaction coordinator has taken over for this producer.'],
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: [N, 'Not authorized to use the transactional id.'],
  SECURITY_DISABLED: [N, 'Security features are turned off on the broker.'],
  OPERATION_NOT_ATTEMPTED: [N, 'The operation was skipped because another part of the request failed.'],
  KAFKA_STORAGE_ERROR: [R, 'The partition is on a log directory that is offline.'],
  LOG_DIR_NOT_FOUND: [N, 'The broker has no such log directory.'],
  SASL_AUTHENTICATION_FAILED: [N, 'SASL authentication failed.'],
  UNKNOWN_PRODUCER_ID: [N, 'The broker has no state for this producer id.'],
  REASSIGNMENT_IN_PROGRESS: [N, 'The partition is being reassigned.'],
  DELEGATION_TOKEN_AUTH_DISABLED: [N, 'Delegation tokens are not enabled.'],
  DELEGATION_TOKEN_NOT_FOUND: [N, 'No such delegation token.'],
  DELEGATION_TOKEN_OWNER_MISMATCH: [N, 'The principal does not own or renew the delegation token.'],
  DELEGATION_TOKEN_REQUEST_NOT_ALLOWED: [N, 'Delegation token requests are not allowed over this kind of connection.'],
  DELEGATION_TOKEN_AUTHORIZATION_FAILED: [N, 'Not authorized to use delegation tokens.'],
  DELEGATION_TOKEN_EXPIRED: [N, 'The delegation token has expired.'],
  INVALID_PRINCIPAL_TYPE: [N, 'The principal type is not supported.'],
  NON_EMPTY_GROUP: [N, 'The group still has members.'],
  GROUP_ID_NOT_FOUND: [N, 'No such group.'],
  FETCH_SESSION_ID_NOT_FOUND: [R, 'The fetch session is unknown to this broker.'],
  INVALID_FETCH_SESSION_EPOCH: [R, 'The fetch session epoch is not the expected one.'],
  LISTENER_NOT_FOUND: [R, 'The leader has no endpoint on the listener the request came in on.'],
  TOPIC_DELETION_DISABLED: [N, 'Topic deletion is turned off.'],
  FENCED_LEADER_EPOCH: [R, "The leader epoch in the request is older than the broker's."],
  UNKNOWN_LEADER_EPOCH: [R, "The leader epoch in the request is newer than the broker's."],
  UNSUPPORTED_COMPRESSION_TYPE: [N, 'The compression codec cannot be used with this request version.'],
  STALE_BROKER_EPOCH: [N, 'The broker epoch is out of date.'],
  OFFSET_NOT_AVAILABLE: [R, 'The leader cannot serve this offset yet; its high watermark is still catching up.'],
  MEMBER_ID_REQUIRED: [N, 'The member must rejoin with the member id it was given.'],
  PREFERRED_LEADER_NOT_AVAILABLE: [R, 'The preferred leader is not available.'],
  GROUP_MAX_SIZE_REACHED: [N, 'The group has reached its maximum number of members.'],
  FENCED_INSTANCE_ID: [N, 'Another member with the same group instance id has replaced this one.'],
  ELIGIBLE_LEADERS_NOT_AVAILABLE: [R, 'No replica eligible to lead the partition is available.'],
  ELECTION_NOT_NEEDED: [R, 'The leader is already the one the election would pick.'],
  NO_REASSIGNMENT_IN_PROGRESS: [N, 'No reassignment is in progress for the partition.'],
  GROUP_SUBSCRIBED_TO_TOPIC: [N, 'The group is still subscribed to the topic, so its offsets cannot be deleted.'],
  INVALID_RECORD: [N, "A record failed the broker's validation."],
  UNSTABLE_OFFSET_COMMIT: [R, 'A transactional offset commit for the partition has not completed yet.'],
  THROTTLING_QUOTA_EXCEEDED: [R, 'The request exceeded a throttling quota.'],
  PRODUCER_FENCED: [N, 'A newer producer with the same transactional id is active.'],
  RESOURCE_NOT_FOUND: [N, 'The resource does not exist.'],
  DUPLICATE_RESOURCE: [N, 'The request names the same resource more than once.'],
  UNACCEPTABLE_CREDENTIAL: [N, 'The credential does not meet the requirements.'],
  INCONSISTENT_VOTER_SET: [N, 'The voter set does not match that of the leader.'],
  INVALID_UPDATE_VERSION: [N, 'The version of the update is not valid.'],
  FEATURE_UPDATE_FAILED: [N, 'The controller could not apply the feature update.'],
  PRINCIPAL_DESERIALIZATION_FAILURE: [N, 'A forwarded request carried a principal that could not be read.'],
  SNAPSHOT_NOT_FOUND: [N, 'No such snapshot.'],
  POSITION_OUT_OF_RANGE: [N, 'The position is outside the bounds of the snapshot.'],
  UNKNOWN_TOPIC_ID: [R, 'This broker does not know that topic id.'],
  DUPLICATE_BROKER_REGISTRATION: [N, 'Another broker already registered with this id.'],
  BROKER_ID_NOT_REGISTERED: [N, 'No broker is registered with this id.'],
  INCONSISTENT_TOPIC_ID: [R, 'The topic id does not match the one in the partition log.'],
  INCONSISTENT_CLUSTER_ID: [N, 'The cluster id does not match this cluster.'],
  TRANSACTIONAL_ID_NOT_FOUND: [N, 'No such transactional id.'],
  FETCH_SESSION_TOPIC_ID_ERROR: [R, 'The fetch session mixes topic ids and names inconsistently.'],
  INELIGIBLE_REPLICA: [N, 'The new ISR contains replicas that may not join it.'],
  NEW_LEADER_ELECTED: [N, 'A new leader was elected while the ISR change was in flight.'],
  OFFSET_MOVED_TO_TIERED_STORAGE: [N, 'The offset now lives only in tiered storage.'],
  FENCED_MEMBER_EPOCH: [N, 'The member epoch is fenced; the member must rejoin.'],
  UNRELEASED_INSTANCE_ID: [N, 'The group instance id is still held by another member.'],
  UNSUPPORTED_ASSIGNOR: [N, 'The group does not support the requested assignor.'],
  STALE_MEMBER_EPOCH: [N, 'The member epoch is out of date.'],
  MISMATCHED_ENDPOINT_TYPE: [N, 'The request reached an endpoint of the wrong type.'],
  UNSUPPORTED_ENDPOINT_TYPE: [N, 'That endpoint type is not supported.'],
  UNKNOWN_CONTROLLER_ID: [N, 'No such controller id.'],
  UNKNOWN_SUBSCRIPTION_ID: [N, 'The telemetry subscription id is unknown or out of date.'],
  TELEMETRY_TOO_LARGE: [N, 'The pushed telemetry is larger than the broker accepts.'],
  INVALID_REGISTRATION: [N, 'The controller rejected the broker registration.'],
  TRANSACTION_ABORTABLE: [N, 'The transaction failed but can be aborted to keep using the transactional id.'],
  INVALID_RECORD_STATE: [N, 'The record is not in a state that allows the acknowledgement.'],
  SHARE_SESSION_NOT_FOUND: [R, 'The share session is unknown.'],
  INVALID_SHARE_SESSION_EPOCH: [R, 'The share session epoch is not the expected one.'],
  FENCED_STATE_EPOCH: [N, 'The share group state epoch does not match.'],
  INVALID_VOTER_KEY: [N, 'The voter key does not match this replica.'],
  DUPLICATE_VOTER: [N, 'The voter is already in the voter set.'],
  VOTER_NOT_FOUND: [N, 'The voter is not in the voter set.'],
  INVALID_REGULAR_EXPRESSION: [N, 'The subscription regular expression does not compile.'],
};

export interface ErrorInfo {
  readonly code: number;
  readonly name: ErrorCodeName;
  readonly retriable: boolean;
  readonly message: string;
}

const MIN_CODE = -1;
// Dense table indexed by code + 1: codes are small and contiguous, so lookups are a single array read.
const BY_CODE: Array<ErrorInfo | undefined> = [];
for (const name of Object.keys(ErrorCode) as ErrorCodeName[]) {
  const code = ErrorCode[name];
  const [retriable, message] = DETAILS[name];
  BY_CODE[code - MIN_CODE] = Object.freeze({ code, name, retriable, message });
}

/** Everything known about a code, or undefined for a code Kafka 3.9 does not define. */
export function errorInfo(code: number): ErrorInfo | undefined {
  return BY_CODE[code - MIN_CODE];
}

/** The Kafka name of a code ("UNSUPPORTED_VERSION"); codes we do not know come back as "UNKNOWN_ERROR_CODE_<n>". */
export function errorName(code: number): string {
  return BY_CODE[code - MIN_CODE]?.name ?? `UNKNOWN_ERROR_CODE_${code}`;
}

/** Whether a request that failed with this code may succeed if sent again. Unknown codes are not retriable. */
export function isRetriable(code: number): boolean {
  return BY_CODE[code - MIN_CODE]?.retriable ?? false;
}

/** Our short message for a code. */
export function errorMessage(code: number): string {
  return BY_CODE[code - MIN_CODE]?.message ?? `Unknown error code ${code}.`;
}

/** An error that maps to a Kafka error code, so handlers can throw it and the broker can answer with the code. */
export class KafkaError extends Error {
  override name = 'KafkaError';
  readonly code: number;
  readonly retriable: boolean;

  constructor(code: number, message?: string) {
    super(message ?? errorMessage(code));
    this.code = code;
    this.retriable = isRetriable(code);
  }

  /** The Kafka name of this error's code. */
  get codeName(): string {
    return errorName(this.code);
  }
}
