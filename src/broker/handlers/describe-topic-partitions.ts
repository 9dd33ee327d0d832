/**
 * DescribeTopicPartitions (v0, KIP-966): topics and their partitions from the metadata view (the whole cluster in
 * cluster mode), in topic name order, a page at a time. A page holds at most ResponsePartitionLimit partitions
 * (capped by max.request.partition.size.limit); when partitions are left, NextCursor names the topic and partition
 * to ask from next, and the client sends the same request again with that Cursor.
 *
 * As Kafka: an empty topic list asks for every topic the requester may describe (topics it may not, or that fail,
 * are left out); named topics that do not exist answer UNKNOWN_TOPIC_OR_PARTITION (INVALID_TOPIC_EXCEPTION for an
 * invalid name), topics the requester may not describe TOPIC_AUTHORIZATION_FAILED. A cursor must name one of the
 * requested topics and a non-negative partition, else every requested topic answers INVALID_REQUEST. Samsa has no
 * eligible leader replicas (KIP-966's ELR), so both ELR lists are empty.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { DescribeTopicPartitions } from '../../protocol/messages/describe-topic-partitions.js';
import type { Encodable, ResponseOf } from '../../protocol/schema.js';
import { ZERO_UUID } from '../../protocol/schema.js';
import { AclOperation, authorizedOperations, topicResource } from '../../security/authorizer.js';
import type { Handler } from '../dispatch.js';
import { invalidTopicName } from '../topics.js';
import { defineHandler, type HandlerDeps } from './define.js';
import { partitionAsSeenOn } from './metadata.js';

type Response = Encodable<ResponseOf<typeof DescribeTopicPartitions>>;
type TopicOut = NonNullable<Response['topics']>[number];

export function describeTopicPartitions({
  config,
  metadata: view,
}: HandlerDeps<'config' | 'metadata'>): Handler<typeof DescribeTopicPartitions> {
  const brokerLimit = (config.values.get('max.request.partition.size.limit') as number | undefined) ?? 2000;

  const missing = (name: string, errorCode: number): TopicOut => ({
    errorCode,
    name,
    topicId: ZERO_UUID,
    isInternal: false,
    partitions: [],
  });

  return (ctx, req) => {
    const requested = [...new Set(req.topics.map((t) => t.name))];
    const all = requested.length === 0;
    const cursor = req.cursor;
    if (cursor !== null && (cursor.partitionIndex < 0 || (!all && !requested.includes(cursor.topicName)))) {
      return {
        throttleTimeMs: 0,
        topics: requested.map((name) => missing(name, ErrorCode.INVALID_REQUEST)),
        nextCursor: null,
      };
    }
    const limit = Math.min(brokerLimit, req.responsePartitionLimit);
    const names = (all ? view.topicNames() : requested)
      .filter((n) => cursor === null || n >= cursor.topicName)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

    const out: TopicOut[] = [];
    const denied: TopicOut[] = [];
    let nextCursor: { topicName: string; partitionIndex: number } | null = null;
    let remaining = limit;
    for (const name of names) {
      if (!ctx.authorize(AclOperation.DESCRIBE, topicResource(name))) {
        // Asking for every topic leaves out those the requester may not see.
        if (!all) {
          const bad = invalidTopicName(name) !== null;
          denied.push(missing(name, bad ? ErrorCode.INVALID_TOPIC_EXCEPTION : ErrorCode.TOPIC_AUTHORIZATION_FAILED));
        }
        continue;
      }
      if (remaining <= 0) {
        // The page is full: the next one starts at the beginning of this topic.
        nextCursor = { topicName: name, partitionIndex: 0 };
        break;
      }
      const t = view.topic(name);
      const partitions = t ? view.partitions(name) : undefined;
      if (!t || !partitions) {
        if (!all) {
          const bad = invalidTopicName(name) !== null;
          out.push(missing(name, bad ? ErrorCode.INVALID_TOPIC_EXCEPTION : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
        }
        continue;
      }
      const start = cursor !== null && name === cursor.topicName ? cursor.partitionIndex : 0;
      const end = Math.min(partitions.length, start + remaining);
      const resource = topicResource(name);
      out.push({
        errorCode: 0,
        name,
        topicId: t.topicId,
        isInternal: t.isInternal,
        partitions: partitions.slice(start, end).map((p) => ({
          ...partitionAsSeenOn(view, p, ctx.listenerName),
          eligibleLeaderReplicas: [],
          lastKnownElr: [],
        })),
        topicAuthorizedOperations: authorizedOperations((op) => ctx.authorize(op, resource), resource),
      });
      if (end < partitions.length) {
        nextCursor = { topicName: name, partitionIndex: end };
        break;
      }
      remaining -= Math.max(0, end - start);
    }
    return { throttleTimeMs: 0, topics: [...out, ...denied], nextCursor };
  };
}

export const describeTopicPartitionsHandler = defineHandler(DescribeTopicPartitions, describeTopicPartitions);
