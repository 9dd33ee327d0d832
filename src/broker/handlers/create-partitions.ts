/**
 * CreatePartitions (v0-v3): raises the partition count of topics, optionally with an explicit assignment of the
 * new partitions to brokers (checked against the brokers in the metadata view). v2+ are flexible; v3 changes
 * nothing on the wire.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { CreatePartitions } from '../../protocol/messages/create-partitions.js';
import type { Encodable, ResponseOf } from '../../protocol/schema.js';
import { AclOperation, topicResource } from '../../security/authorizer.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler, RequestContext } from '../dispatch.js';
import { internalTopicChange, tooManyNewPartitions } from '../validate.js';

type Result = Encodable<ResponseOf<typeof CreatePartitions>['results'][number]>;
type TopicIn = Parameters<Handler<typeof CreatePartitions>>[1]['topics'][number];

/** Raises the partition count of topics, optionally with an explicit assignment of the new partitions. */
export function createPartitions({
  metadata,
  topics,
}: HandlerDeps<'metadata' | 'topics'>): Handler<typeof CreatePartitions> {
  const one = (ctx: RequestContext, t: TopicIn, validateOnly: boolean): Result | Promise<Result> => {
    const fail = (errorCode: number, errorMessage: string): Result => ({ name: t.name, errorCode, errorMessage });
    if (!ctx.authorize(AclOperation.ALTER, topicResource(t.name)))
      return fail(ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'Authorization failed.');
    const topic = topics.get(t.name);
    if (!topic) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${t.name}' does not exist.`);
    if (t.count < topic.partitions) {
      return fail(
        ErrorCode.INVALID_PARTITIONS,
        `Topic currently has ${topic.partitions} partitions, which is higher than the requested ${t.count}.`,
      );
    }
    if (t.count === topic.partitions)
      return fail(ErrorCode.INVALID_PARTITIONS, `Topic already has ${topic.partitions} partitions.`);
    if (t.assignments !== null) {
      const added = t.count - topic.partitions;
      if (t.assignments.length !== added) {
        return fail(
          ErrorCode.INVALID_REPLICA_ASSIGNMENT,
          `Increasing the number of partitions by ${added} but ${t.assignments.length} assignments provided.`,
        );
      }
      for (let i = 0; i < t.assignments.length; i++) {
        const ids = t.assignments[i]!.brokerIds;
        const p = topic.partitions + i;
        if (ids.length === 0)
          return fail(
            ErrorCode.INVALID_REPLICA_ASSIGNMENT,
            `The assignment of new partition ${p} has an empty replica list.`,
          );
        if (new Set(ids).size !== ids.length) {
          return fail(
            ErrorCode.INVALID_REPLICA_ASSIGNMENT,
            `The assignment of new partition ${p} names a broker more than once.`,
          );
        }
        const unknown = ids.find((b) => metadata.broker(b) === undefined);
        if (unknown !== undefined) {
          const known = metadata.brokers().map((b) => b.nodeId);
          const where = known.length === 1 ? `the only broker is ${known[0]}` : `the brokers are ${known.join(', ')}`;
          return fail(
            ErrorCode.INVALID_REPLICA_ASSIGNMENT,
            `Unknown broker ${unknown} in the assignment of new partition ${p}; ${where}.`,
          );
        }
      }
    }
    const internal = internalTopicChange(t.name, 'add partitions to');
    if (internal) return fail(ErrorCode.INVALID_REQUEST, internal);
    const tooMany = tooManyNewPartitions(t.count - topic.partitions);
    if (tooMany) return fail(ErrorCode.INVALID_PARTITIONS, tooMany);
    if (topics.cluster !== undefined) {
      // Cluster mode: the new partitions' replicas are placed by the controller's rules, in etcd.
      const assignment = t.assignments?.map((a) => [...a.brokerIds]);
      return topics.cluster
        .createPartitions(t.name, t.count, assignment, validateOnly)
        .then((r) => ({ name: t.name, errorCode: r.errorCode, errorMessage: r.errorMessage }));
    }
    const res = topics.createPartitions(t.name, t.count, validateOnly);
    return { name: t.name, errorCode: res.errorCode, errorMessage: res.errorMessage };
  };

  return (ctx, req) => {
    const counts = new Map<string, number>();
    for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const results: Array<Result | Promise<Result>> = [];
    const answered = new Set<string>();
    for (const t of req.topics) {
      if (counts.get(t.name)! > 1) {
        if (!answered.has(t.name))
          results.push({ name: t.name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic name.' });
        answered.add(t.name);
        continue;
      }
      results.push(one(ctx, t, req.validateOnly));
    }
    if (results.some((r) => r instanceof Promise)) {
      return Promise.all(results).then((all) => ({ throttleTimeMs: 0, results: all }));
    }
    return { throttleTimeMs: 0, results: results as Result[] };
  };
}

export const createPartitionsHandler = defineHandler(CreatePartitions, createPartitions);
