/**
 * CreateTopics (v0-v7): creates topics, each whole or not at all, with explicit assignments checked against the
 * brokers in the metadata view. v1+ validateOnly and error messages; v4+ -1 partitions or replication factor
 * mean the broker defaults; v5+ answer with the topic's configs, partition count and replication factor; v7 the
 * topic id.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { CreateTopics } from '../../protocol/messages/create-topics.js';
import type { Encodable, ResponseOf } from '../../protocol/schema.js';
import { topicConfigViews } from '../configs-view.js';
import { AclOperation, CLUSTER, type Resource, topicResource } from '../../security/authorizer.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler, RequestContext } from '../dispatch.js';
import { invalidTopicName } from '../topics.js';
import { internalTopicChange, tooManyNewPartitions } from '../validate.js';

type TopicOut = Encodable<ResponseOf<typeof CreateTopics>['topics'][number]>;
type TopicIn = Parameters<Handler<typeof CreateTopics>>[1]['topics'][number];

const fail = (name: string, errorCode: number, errorMessage: string): TopicOut => ({
  name,
  errorCode,
  errorMessage,
  numPartitions: -1,
  replicationFactor: -1,
  configs: [],
});

/** The end of the message for an assignment naming a broker that does not exist. */
export function unknownBroker(id: number, brokerIds: readonly number[]): string {
  return brokerIds.length === 1
    ? `names broker ${id}, but the only broker is ${brokerIds[0]}.`
    : `names broker ${id}, which is not one of the brokers ${brokerIds.join(', ')}.`;
}

/**
 * Checks an explicit replica assignment against the brokers of the cluster and returns the partition count and
 * replication factor it implies, or an error text (INVALID_REPLICA_ASSIGNMENT).
 */
export function checkAssignment(
  brokerIds: readonly number[],
  assignments: ReadonlyArray<{ partitionIndex: number; brokerIds: readonly number[] }>,
): { partitions: number; replicationFactor: number } | string {
  const seen = new Set<number>();
  let rf = -1;
  for (const a of assignments) {
    if (seen.has(a.partitionIndex))
      return `Partition ${a.partitionIndex} appears more than once in the manual assignment.`;
    seen.add(a.partitionIndex);
    if (a.brokerIds.length === 0)
      return `The manual assignment of partition ${a.partitionIndex} has an empty replica list.`;
    if (new Set(a.brokerIds).size !== a.brokerIds.length) {
      return `The manual assignment of partition ${a.partitionIndex} names a broker more than once.`;
    }
    const unknown = a.brokerIds.find((b) => !brokerIds.includes(b));
    if (unknown !== undefined)
      return `The manual assignment of partition ${a.partitionIndex} ${unknownBroker(unknown, brokerIds)}`;
    if (rf !== -1 && a.brokerIds.length !== rf)
      return 'All partitions in a manual assignment must have the same number of replicas.';
    rf = a.brokerIds.length;
  }
  for (let p = 0; p < assignments.length; p++) {
    if (!seen.has(p)) return 'Partitions in a manual assignment must be numbered consecutively from 0.';
  }
  return { partitions: assignments.length, replicationFactor: rf };
}

/** Creates topics (or, with validateOnly, checks that they could be created). Each topic succeeds or fails whole. */
export function createTopics({
  config,
  metadata,
  topics,
}: HandlerDeps<'config' | 'metadata' | 'topics'>): Handler<typeof CreateTopics> {
  const describeOut = (
    version: number,
    name: string,
    topicId: string | undefined,
    numPartitions: number,
    replicationFactor: number,
    configs: Record<string, string>,
  ): TopicOut => {
    const out: TopicOut = { name, topicId, errorCode: 0, errorMessage: null };
    if (version >= 5) {
      out.numPartitions = numPartitions;
      out.replicationFactor = replicationFactor;
      out.configs = topicConfigViews(configs, config).map((c) => ({
        name: c.name,
        value: c.value,
        readOnly: c.readOnly,
        configSource: c.source,
        isSensitive: c.isSensitive,
      }));
    }
    return out;
  };

  /** Cluster mode: checked here, created by the controller's rules in etcd (replicas balanced and rack-aware). */
  const createInCluster = async (
    version: number,
    t: TopicIn,
    numPartitions: number,
    replicationFactor: number,
    configs: Record<string, string>,
    validateOnly: boolean,
  ): Promise<TopicOut> => {
    const check = topics.validateCreate(t.name, numPartitions, replicationFactor, configs);
    if (check.errorCode !== 0) return fail(t.name, check.errorCode, check.errorMessage ?? '');
    const assignment =
      t.assignments.length > 0
        ? [...t.assignments].sort((a, b) => a.partitionIndex - b.partitionIndex).map((a) => [...a.brokerIds])
        : undefined;
    const res = await topics.cluster!.createTopic({
      name: t.name,
      partitions: numPartitions,
      replicationFactor,
      assignment,
      configs,
      validateOnly,
    });
    if (res.errorCode !== 0) return fail(t.name, res.errorCode, res.errorMessage ?? '');
    return describeOut(
      version,
      t.name,
      res.topicId,
      res.partitions ?? numPartitions,
      res.replicationFactor ?? replicationFactor,
      configs,
    );
  };

  const createOne = (
    ctx: RequestContext,
    version: number,
    t: TopicIn,
    validateOnly: boolean,
  ): TopicOut | Promise<TopicOut> => {
    // CREATE on the cluster covers every topic; otherwise the topic itself needs it.
    const mayCreate = (resource: Resource) => ctx.authorize(AclOperation.CREATE, resource);
    if (!mayCreate(CLUSTER) && !mayCreate(topicResource(t.name))) {
      return fail(t.name, ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'Authorization failed.');
    }
    // Name and existence come first, as in Kafka, so an existing topic is reported as such whatever else is wrong.
    const badName = invalidTopicName(t.name);
    if (badName) return fail(t.name, ErrorCode.INVALID_TOPIC_EXCEPTION, badName);
    if (topics.get(t.name)) return fail(t.name, ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${t.name}' already exists.`);
    const internal = internalTopicChange(t.name, 'create');
    if (internal) return fail(t.name, ErrorCode.INVALID_REQUEST, internal);
    const nullConfigs = t.configs.filter((c) => c.value === null).map((c) => c.name);
    if (nullConfigs.length > 0) {
      return fail(
        t.name,
        ErrorCode.INVALID_CONFIG,
        `Null value not supported for topic configs: ${nullConfigs.join(',')}`,
      );
    }
    const configs: Record<string, string> = {};
    for (const c of t.configs) configs[c.name] = c.value!;

    let numPartitions = t.numPartitions;
    let replicationFactor = t.replicationFactor;
    if (t.assignments.length > 0) {
      if (numPartitions !== -1 || replicationFactor !== -1) {
        return fail(
          t.name,
          ErrorCode.INVALID_REQUEST,
          'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.',
        );
      }
      const a = checkAssignment(
        metadata.brokers().map((b) => b.nodeId),
        t.assignments,
      );
      if (typeof a === 'string') return fail(t.name, ErrorCode.INVALID_REPLICA_ASSIGNMENT, a);
      numPartitions = a.partitions;
      replicationFactor = a.replicationFactor;
    }
    if (numPartitions === -1) numPartitions = config.numPartitions;
    if (replicationFactor === -1) replicationFactor = config.defaultReplicationFactor;

    const tooMany = tooManyNewPartitions(numPartitions);
    if (tooMany) return fail(t.name, ErrorCode.INVALID_PARTITIONS, tooMany);
    if (topics.cluster !== undefined) {
      return createInCluster(version, t, numPartitions, replicationFactor, configs, validateOnly);
    }
    const res = topics.create(t.name, numPartitions, replicationFactor, configs, validateOnly);
    if (res.errorCode !== 0) return fail(t.name, res.errorCode, res.errorMessage ?? '');
    const created = validateOnly ? undefined : topics.get(t.name);
    const out: TopicOut = { name: t.name, topicId: created?.topicId, errorCode: 0, errorMessage: null };
    if (version >= 5 && !ctx.authorize(AclOperation.DESCRIBE_CONFIGS, topicResource(t.name))) {
      // As Kafka: the topic is created, but its configs are shown only to who may describe them.
      out.numPartitions = created?.partitions ?? numPartitions;
      out.replicationFactor = replicationFactor;
      out.topicConfigErrorCode = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
    } else if (version >= 5) {
      out.numPartitions = created?.partitions ?? numPartitions;
      out.replicationFactor = replicationFactor;
      out.configs = topicConfigViews(created?.configs ?? configs, config).map((c) => ({
        name: c.name,
        value: c.value,
        readOnly: c.readOnly,
        configSource: c.source,
        isSensitive: c.isSensitive,
      }));
    }
    return out;
  };

  return (ctx, req) => {
    const version = ctx.header.apiVersion;
    const counts = new Map<string, number>();
    for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const results: Array<TopicOut | Promise<TopicOut>> = [];
    const answered = new Set<string>();
    for (const t of req.topics) {
      if (counts.get(t.name)! > 1) {
        // Every entry of a repeated name fails, and the name is answered once.
        if (!answered.has(t.name)) results.push(fail(t.name, ErrorCode.INVALID_REQUEST, 'Duplicate topic name.'));
        answered.add(t.name);
        continue;
      }
      results.push(createOne(ctx, version, t, req.validateOnly));
    }
    if (results.some((r) => r instanceof Promise)) {
      return Promise.all(results).then((all) => ({ throttleTimeMs: 0, topics: all }));
    }
    return { throttleTimeMs: 0, topics: results as TopicOut[] };
  };
}

export const createTopicsHandler = defineHandler(CreateTopics, createTopics);
