/**
 * The shapes the group coordinator's operations take and give: what handlers pass in (decoded from the requests)
 * and what they get back, shared by the service, its shards and the managers inside them.
 */
import type { ClassicGroup, Protocol } from './classic.js';
import type { ConsumerGroup } from './consumer.js';

export type Group = ClassicGroup | ConsumerGroup;

export interface JoinInput {
  groupId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string;
  protocols: Protocol[];
  reason: string | null;
  clientId: string;
  clientHost: string;
  /** KIP-394: v4+ joins without a member id are first answered MEMBER_ID_REQUIRED. */
  requireKnownMemberId: boolean;
  /** KIP-814: v9+ may be told to skip assignment. */
  supportsSkipAssignment: boolean;
}

export interface SyncInput {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
  assignments: Array<{ memberId: string; assignment: Buffer }>;
}

export interface CommitPartition {
  partitionIndex: number;
  committedOffset: number;
  committedLeaderEpoch: number;
  commitTimestamp: number;
  committedMetadata: string | null;
}

export interface CommitInput {
  groupId: string;
  generationIdOrMemberEpoch: number;
  memberId: string;
  groupInstanceId: string | null;
  topics: Array<{ name: string; partitions: CommitPartition[] }>;
}

export interface FetchedPartition {
  partitionIndex: number;
  committedOffset: number;
  committedLeaderEpoch: number;
  metadata: string | null;
  errorCode: number;
}

export interface FetchedGroup {
  errorCode: number;
  topics: Array<{ name: string; partitions: FetchedPartition[] }>;
}

export interface GroupDescription {
  errorCode: number;
  groupId: string;
  groupState: string;
  protocolType: string;
  protocolData: string;
  members: Array<{
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    memberMetadata: Buffer;
    memberAssignment: Buffer;
  }>;
}

export interface ListedGroup {
  groupId: string;
  protocolType: string;
  groupState: string;
  groupType: string;
}
