import { ErrorCode } from '../../protocol/errors.js';
import type { OffsetForLeaderEpoch } from '../../protocol/messages/offset-for-leader-epoch.js';
import type { Broker } from '../broker.js';
import type { Handler } from '../dispatch.js';
import { checkLeaderEpoch } from './list-offsets.js';

/** The end offset of a leader epoch: where the next higher epoch begins, or the log end for the current one. */
export function offsetForLeaderEpoch(broker: Broker): Handler<typeof OffsetForLeaderEpoch> {
  return (_ctx, req) => ({
    throttleTimeMs: 0,
    topics: req.topics.map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((p) => {
        const log = broker.topics.partition(t.topic, p.partition);
        if (log === undefined) {
          return {
            partition: p.partition,
            errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            leaderEpoch: -1,
            endOffset: -1,
          };
        }
        const epochError = checkLeaderEpoch(log, p.currentLeaderEpoch);
        if (epochError !== 0) return { partition: p.partition, errorCode: epochError, leaderEpoch: -1, endOffset: -1 };
        const r = log.endOffsetForEpoch(p.leaderEpoch);
        return { partition: p.partition, errorCode: 0, leaderEpoch: r.epoch, endOffset: r.endOffset };
      }),
    })),
  });
}
