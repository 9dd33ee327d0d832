/**
 * Transaction markers for partitions led by other brokers (Kafka's TransactionMarkerChannelManager, reduced): a
 * WriteTxnMarkers request to the partition's current leader over the inter-broker client, retried with the leader
 * looked up again after leadership errors or a failed connection, until it is written or `giveUpMs` passes. The
 * promise never rejects: a marker that could not be written is logged (the transaction is complete in the
 * coordinator's log; Kafka retries forever).
 */
import { ErrorCode, errorName } from '../../protocol/errors.js';
import { WriteTxnMarkers } from '../../protocol/messages/write-txn-markers.js';
import type { Logger } from '../../storage/logger.js';
import type { InterBrokerClient } from '../inter-broker.js';

export interface MarkerChannelOptions {
  /** The current leader of a partition; -1 when there is none. */
  leaderOf(topic: string, partition: number): number;
  /** The inter-broker connection to a broker. */
  clientFor(nodeId: number): InterBrokerClient | undefined;
  log: Logger;
  retryMs?: number;
  giveUpMs?: number;
  requestTimeoutMs?: number;
}

const RETRIABLE = new Set<number>([
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.NOT_ENOUGH_REPLICAS,
  ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
  ErrorCode.REQUEST_TIMED_OUT,
  ErrorCode.KAFKA_STORAGE_ERROR,
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
]);

export class MarkerChannel {
  constructor(private readonly o: MarkerChannelOptions) {}

  /** Writes one marker at the partition's leader; resolves when written, or when giving up (logged). */
  async send(
    topic: string,
    partition: number,
    producerId: number,
    producerEpoch: number,
    commit: boolean,
    coordinatorEpoch: number,
  ): Promise<void> {
    const giveUpAt = Date.now() + (this.o.giveUpMs ?? 60_000);
    const retryMs = this.o.retryMs ?? 100;
    let last = '';
    while (Date.now() < giveUpAt) {
      const leader = this.o.leaderOf(topic, partition);
      const client = leader >= 0 ? this.o.clientFor(leader) : undefined;
      if (client !== undefined) {
        try {
          const res = await client.send(
            WriteTxnMarkers,
            1,
            {
              markers: [
                {
                  producerId,
                  producerEpoch,
                  transactionResult: commit,
                  topics: [{ name: topic, partitionIndexes: [partition] }],
                  coordinatorEpoch,
                },
              ],
            },
            this.o.requestTimeoutMs ?? 30_000,
          );
          const code = res.markers[0]?.topics[0]?.partitions[0]?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
          if (code === 0) return;
          last = errorName(code);
          // The producer was fenced or the partition is gone: nothing to retry.
          if (!RETRIABLE.has(code)) break;
        } catch (err) {
          last = (err as Error).message;
        }
      } else last = `no leader known for ${topic}-${partition}`;
      await new Promise((r) => setTimeout(r, retryMs));
    }
    this.o.log.warn(
      { topic, partition, producerId, commit, err: last },
      'could not write a transaction marker at the partition leader',
    );
  }
}
