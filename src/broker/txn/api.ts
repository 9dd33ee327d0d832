/**
 * The shapes the transaction coordinator's operations take and give, shared by the service and its shards.
 */
import type { TxnRecord } from './records.js';

export interface TxnMetadata extends TxnRecord {
  transactionalId: string;
}

export interface InitResult {
  errorCode: number;
  producerId: number;
  producerEpoch: number;
}

export interface TopicPartitions {
  name: string;
  partitions: number[];
}

export interface PartitionResult {
  name: string;
  results: Array<{ partition: number; errorCode: number }>;
}

export interface TxnOffsetCommitInput {
  transactionalId: string;
  groupId: string;
  producerId: number;
  producerEpoch: number;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  topics: Array<{
    name: string;
    partitions: Array<{
      partitionIndex: number;
      committedOffset: number;
      committedLeaderEpoch: number;
      committedMetadata: string | null;
    }>;
  }>;
}
