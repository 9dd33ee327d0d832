/** Raw-protocol helpers for the exactly-once tests: idempotent/transactional batches and the txn APIs. */
import { encodeBatch } from '../../src/protocol/records/batch.js';
import { Produce } from '../../src/protocol/messages/produce.js';
import { Fetch } from '../../src/protocol/messages/fetch.js';
import { InitProducerId } from '../../src/protocol/messages/init-producer-id.js';
import { AddPartitionsToTxn } from '../../src/protocol/messages/add-partitions-to-txn.js';
import { EndTxn } from '../../src/protocol/messages/end-txn.js';
import { CreateTopics } from '../../src/protocol/messages/create-topics.js';
import type { RawClient } from '../helpers/raw-client.js';

export interface ProducerIdentity {
  producerId: number;
  producerEpoch: number;
}

export function batch(pid: ProducerIdentity, seq: number, values: string[], transactional = false): Promise<Buffer> {
  return encodeBatch({
    records: values.map((v) => ({ key: null, value: v })),
    producerId: pid.producerId,
    producerEpoch: pid.producerEpoch,
    baseSequence: seq,
    transactional,
  });
}

export async function createTopic(c: RawClient, name: string, partitions = 1): Promise<void> {
  const r = await c.send(CreateTopics, 4, {
    topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 10_000,
    validateOnly: false,
  } as never);
  const code = (r as { topics: Array<{ errorCode: number }> }).topics[0]!.errorCode;
  if (code !== 0) throw new Error(`create ${name}: error ${code}`);
}

/** One partition's produce response. */
export async function produce(
  c: RawClient,
  topic: string,
  partition: number,
  records: Buffer,
  transactionalId: string | null = null,
) {
  const r = await c.send(Produce, 9, {
    transactionalId,
    acks: -1,
    timeoutMs: 10_000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
  } as never);
  return (r as { responses: Array<{ partitionResponses: Array<{ errorCode: number; baseOffset: number }> }> })
    .responses[0]!.partitionResponses[0]!;
}

export async function initPid(
  c: RawClient,
  transactionalId: string | null = null,
  timeoutMs = 60_000,
  version = 4,
  prev = { producerId: -1, producerEpoch: -1 },
) {
  return c.send(InitProducerId, version, {
    transactionalId,
    transactionTimeoutMs: timeoutMs,
    producerId: prev.producerId,
    producerEpoch: prev.producerEpoch,
  } as never) as Promise<{
    errorCode: number;
    producerId: number;
    producerEpoch: number;
  }>;
}

export async function addPartitions(
  c: RawClient,
  tid: string,
  pid: ProducerIdentity,
  topic: string,
  partitions: number[],
  version = 3,
): Promise<number[]> {
  const r = (await c.send(AddPartitionsToTxn, version, {
    v3AndBelowTransactionalId: tid,
    v3AndBelowProducerId: pid.producerId,
    v3AndBelowProducerEpoch: pid.producerEpoch,
    v3AndBelowTopics: [{ name: topic, partitions }],
    transactions: [],
  } as never)) as { resultsByTopicV3AndBelow: Array<{ resultsByPartition: Array<{ partitionErrorCode: number }> }> };
  return r.resultsByTopicV3AndBelow[0]!.resultsByPartition.map((p) => p.partitionErrorCode);
}

export async function endTxn(
  c: RawClient,
  tid: string,
  pid: ProducerIdentity,
  committed: boolean,
  version = 3,
): Promise<number> {
  const r = (await c.send(EndTxn, version, {
    transactionalId: tid,
    producerId: pid.producerId,
    producerEpoch: pid.producerEpoch,
    committed,
  } as never)) as { errorCode: number };
  return r.errorCode;
}

export interface FetchedPartition {
  errorCode: number;
  highWatermark: number;
  lastStableOffset: number;
  abortedTransactions: Array<{ producerId: number; firstOffset: number }> | null;
  records: Buffer;
}

export async function fetchOne(
  c: RawClient,
  topic: string,
  partition: number,
  offset: number,
  isolationLevel: 0 | 1,
): Promise<FetchedPartition> {
  const r = (await c.send(Fetch, 11, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic,
        partitions: [
          { partition, currentLeaderEpoch: -1, fetchOffset: offset, logStartOffset: -1, partitionMaxBytes: 1 << 20 },
        ],
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  } as never)) as { responses: Array<{ partitions: FetchedPartition[] }> };
  return r.responses[0]!.partitions[0]!;
}
