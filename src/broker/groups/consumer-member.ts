/**
 * The pieces of a KIP-848 consumer group that stand on their own: what a group is given by its shard (timers on
 * the shard's clock, the topics, the session settings), the heartbeat's input and output, one member's state, and
 * small helpers on assignments.
 */
import type { Logger } from '../../storage/logger.js';
import type { Timers } from '../coordinator/timers.js';
import type { TopicManager } from '../topics.js';
import type { Assignment } from './assignors.js';

export interface ConsumerGroupContext {
  timers: Timers;
  topics: TopicManager;
  log: Logger;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
}

export interface HeartbeatInput {
  groupId: string;
  memberId: string;
  memberEpoch: number;
  instanceId: string | null;
  rackId: string | null;
  rebalanceTimeoutMs: number;
  /** Null when unchanged since the member's last heartbeat. */
  subscribedTopicNames: string[] | null;
  /** Null when unchanged; an empty string drops the member's regex. Checked with compileTopicRegex beforehand. */
  subscribedTopicRegex: string | null;
  serverAssignor: string | null;
  /** Owned partitions by topic id; null when unchanged since the last heartbeat. */
  topicPartitions: Array<{ topicId: string; partitions: number[] }> | null;
  clientId: string;
  clientHost: string;
}

export interface HeartbeatOutput {
  errorCode: number;
  errorMessage: string | null;
  memberId: string | null;
  memberEpoch: number;
  heartbeatIntervalMs: number;
  assignment: { topicPartitions: Array<{ topicId: string; partitions: number[] }> } | null;
}

/** A heartbeat answer that carries only an error. */
export const heartbeatError = (errorCode: number, errorMessage: string | null = null): HeartbeatOutput => ({
  errorCode,
  errorMessage,
  memberId: null,
  memberEpoch: -1,
  heartbeatIntervalMs: 0,
  assignment: null,
});

export class ConsumerMember {
  memberEpoch = 0;
  previousMemberEpoch = -1;
  /** Partitions the member owns now (as far as the broker has told it). */
  assigned: Assignment = new Map();
  /** Partitions the member was asked to give up and has not yet reported gone. */
  revoking: Assignment = new Map();
  /** Set when the assignment changed and the member has not been sent it yet. */
  dirty = true;
  /** Part of its target is still owned by another member that has to revoke it first. */
  unreleased = false;
  /** The topic names the member subscribed to by name. */
  names: string[] = [];
  /** Its v1 subscription regex, if any, with the source it sent. */
  regex: { source: string; re: RegExp } | null = null;
  /** What it is subscribed to now: its names plus the existing topics its regex matches, sorted. */
  subscribed: string[] = [];
  /** TopicManager.generation when `subscribed` was last matched against the topics. */
  matchedAt = -1;
  rebalanceTimeoutMs = 300_000;

  constructor(
    readonly memberId: string,
    public instanceId: string | null,
    public rackId: string | null,
    public clientId: string,
    public clientHost: string,
  ) {}
}

/**
 * A subscription regex as Kafka applies it: it must match the whole topic name. Undefined when it does not compile.
 */
export function compileTopicRegex(source: string): RegExp | undefined {
  try {
    return new RegExp(`^(?:${source})$`);
  } catch {
    return undefined;
  }
}

export const clone = (a: Assignment): Assignment => new Map([...a].map(([t, s]) => [t, new Set(s)]));
export const size = (a: Assignment): number => [...a.values()].reduce((n, s) => n + s.size, 0);
export const sameAssignment = (a: Assignment, b: Assignment): boolean => {
  if (size(a) !== size(b)) return false;
  for (const [t, s] of a) for (const p of s) if (!b.get(t)?.has(p)) return false;
  return true;
};
