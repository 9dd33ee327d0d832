/**
 * Metadata: brokers, the controller and topics with their partitions' leaders, replicas and ISR, all from the
 * metadata view. Each broker is described by its endpoint on the listener the request came in on, as Kafka does,
 * so clients keep using the network they bootstrapped through. Requested topics that do not exist are created
 * when auto-creation is enabled and the request allows it.
 *
 * Versions: v0 treats an empty topic list as "all topics"; v1+ uses null for all; v4+ carries
 * allowAutoTopicCreation (earlier versions always allow it); v10+ names topics by id as well; v8-v10 have the
 * authorized-operations fields (computed when asked for).
 */
import { ErrorCode } from '../../protocol/errors.js';
import { Metadata } from '../../protocol/messages/metadata.js';
import type { Encodable, ResponseOf } from '../../protocol/schema.js';
import { ZERO_UUID } from '../../protocol/schema.js';
import {
  AclOperation,
  authorizedOperations,
  CLUSTER,
  OPERATIONS_NOT_REQUESTED,
  topicResource,
} from '../../security/authorizer.js';
import type { Handler, RequestContext } from '../dispatch.js';
import type { MetadataView, PartitionInfo } from '../metadata-view.js';
import { invalidTopicName } from '../topics.js';
import { defineHandler, type HandlerDeps } from './define.js';

type TopicOut = Encodable<ResponseOf<typeof Metadata>['topics'][number]>;

/**
 * A partition as a client of `listener` sees it (Metadata, DescribeTopicPartitions): no leader when the leader
 * cannot be reached through that listener.
 */
export function partitionAsSeenOn(view: MetadataView, p: PartitionInfo, listener: string) {
  let errorCode = 0;
  let leaderId = p.leader;
  if (leaderId < 0) errorCode = ErrorCode.LEADER_NOT_AVAILABLE;
  else if (view.endpoint(leaderId, listener) === undefined) {
    // As Kafka: an unknown (or dead) leader is not available; a live one without this listener is misconfigured.
    errorCode = view.broker(leaderId) === undefined ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.LISTENER_NOT_FOUND;
    leaderId = -1;
  }
  return {
    errorCode,
    partitionIndex: p.partition,
    leaderId,
    leaderEpoch: p.leaderEpoch,
    replicaNodes: p.replicas as number[],
    isrNodes: p.isr as number[],
    offlineReplicas: p.offlineReplicas as number[],
  };
}

export function metadata({
  config,
  metadata: view,
  topics,
}: HandlerDeps<'config' | 'metadata' | 'topics'>): Handler<typeof Metadata> {
  const describe = (name: string, listener: string): TopicOut => {
    const t = view.topic(name)!;
    return {
      errorCode: 0,
      name,
      topicId: t.topicId,
      isInternal: t.isInternal,
      partitions: (view.partitions(name) ?? []).map((p) => partitionAsSeenOn(view, p, listener)),
    };
  };

  const mayDescribe = (ctx: RequestContext, name: string) => ctx.authorize(AclOperation.DESCRIBE, topicResource(name));

  return (ctx, req) => {
    const version = ctx.header.apiVersion;
    const out: TopicOut[] = [];
    // v0: an empty list means every topic; v1+: null means every topic and an empty list none.
    const all = req.topics === null || (version === 0 && req.topics.length === 0);
    if (all) {
      // Topics the requester may not describe are left out, as Kafka does.
      for (const name of view.topicNames()) if (mayDescribe(ctx, name)) out.push(describe(name, ctx.listenerName));
    } else {
      const allowAuto = version < 4 || req.allowAutoTopicCreation;
      // Kafka answers each topic once however often it is asked for (a list of 100,000 copies of a big topic
      // would otherwise cost seconds of encoding).
      const seen = new Set<string>();
      for (const t of req.topics!) {
        const key = `${t.name ?? ''}/${t.topicId}`;
        if (seen.has(key)) continue;
        seen.add(key);
        let name = t.name;
        if ((name === null || name === '') && t.topicId !== ZERO_UUID) {
          name = view.topicNameForId(t.topicId) ?? null;
          if (name === null) {
            // Only v12+ can carry a null name; before, the topic id is all the client asked by.
            const unnamed = version >= 12 ? null : '';
            out.push({ errorCode: ErrorCode.UNKNOWN_TOPIC_ID, name: unnamed, topicId: t.topicId, partitions: [] });
            continue;
          }
        }
        if (name === null || name === '') {
          // Neither a name nor an id (an unset variable on the client, say): Kafka refuses the name.
          const bad = version >= 12 ? name : '';
          out.push({ errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, name: bad, topicId: ZERO_UUID, partitions: [] });
          continue;
        }
        if (!mayDescribe(ctx, name)) {
          out.push({ errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, name, partitions: [] });
          continue;
        }
        if (view.topic(name)) {
          out.push(describe(name, ctx.listenerName));
          continue;
        }
        const invalid = invalidTopicName(name);
        if (invalid) {
          out.push({ errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, name, partitions: [] });
          continue;
        }
        // Internal topics are created by their coordinators with their own partition counts, never by a client.
        if (allowAuto && config.autoCreateTopicsEnable && !topics.isInternal(name)) {
          // Creating it takes CREATE on the cluster or on the topic, as CreateTopics does.
          if (
            !ctx.authorize(AclOperation.CREATE, CLUSTER) &&
            !ctx.authorize(AclOperation.CREATE, topicResource(name))
          ) {
            out.push({ errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, name, partitions: [] });
            continue;
          }
          const res = topics.autoCreate(name);
          if (res.errorCode === 0) {
            out.push(describe(name, ctx.listenerName));
            continue;
          }
          out.push({ errorCode: res.errorCode, name, partitions: [] });
          continue;
        }
        out.push({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name, partitions: [] });
      }
    }
    const brokers: Array<{ nodeId: number; host: string; port: number; rack: string | null }> = [];
    for (const b of view.brokers()) {
      const e = view.endpoint(b.nodeId, ctx.listenerName);
      if (e !== undefined) brokers.push({ nodeId: b.nodeId, host: e.host, port: e.port, rack: b.rack });
    }
    if (version >= 8 && req.includeTopicAuthorizedOperations) {
      for (const t of out) {
        if (t.errorCode !== 0 || !t.name) continue;
        const resource = topicResource(t.name);
        t.topicAuthorizedOperations = authorizedOperations((op) => ctx.authorize(op, resource), resource);
      }
    }
    const wantCluster = version >= 8 && version <= 10 && req.includeClusterAuthorizedOperations;
    return {
      throttleTimeMs: 0,
      brokers,
      clusterId: view.clusterId,
      controllerId: view.controllerId(),
      topics: out,
      clusterAuthorizedOperations: wantCluster
        ? authorizedOperations((op) => ctx.authorize(op, CLUSTER), CLUSTER)
        : OPERATIONS_NOT_REQUESTED,
    };
  };
}

export const metadataHandler = defineHandler(Metadata, metadata);
