/**
 * ElectLeaders (v0-2), AlterPartitionReassignments (v0) and ListPartitionReassignments (v0). In cluster mode they
 * go to the cluster link, which writes the new partition states to etcd with compare-and-swap (any broker may
 * serve them; docs/cluster.md). On a single node every partition is led by its only replica: a preferred or
 * unclean election is not needed, a reassignment can only name this broker, and none is ever in progress.
 */
import { ErrorCode } from '../../protocol/errors.js';
import {
  AlterPartitionReassignments,
  ElectLeaders,
  ListPartitionReassignments,
} from '../../protocol/messages/cluster-apis.js';
import { AclOperation, CLUSTER } from '../../security/authorizer.js';
import type { AdminResult, PartitionRef } from '../cluster-link.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';

const message = (r: AdminResult): string | null => (r.errorCode === 0 ? null : (r.message ?? null));

/** Groups per-partition results by topic, in request order. */
function byTopic<T extends PartitionRef>(results: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of results) {
    const list = out.get(r.topic);
    if (list) list.push(r);
    else out.set(r.topic, [r]);
  }
  return out;
}

export function electLeaders({
  cluster,
  metadata,
  nodeId,
}: HandlerDeps<'cluster' | 'metadata' | 'nodeId'>): Handler<typeof ElectLeaders> {
  return async (ctx, req) => {
    const type = ctx.header.apiVersion >= 1 ? req.electionType : 0;
    if (!ctx.authorize(AclOperation.ALTER, CLUSTER)) {
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
        replicaElectionResults: (req.topicPartitions ?? []).map((t) => ({
          topic: t.topic,
          partitionResult: t.partitions.map((p) => ({
            partitionId: p,
            errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
            errorMessage: null,
          })),
        })),
      };
    }
    const asked: PartitionRef[] | null =
      req.topicPartitions === null
        ? null
        : req.topicPartitions.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })));
    let results: Array<PartitionRef & AdminResult>;
    if (cluster !== undefined) {
      const known = (asked ?? []).filter((p) => metadata.partition(p.topic, p.partition) !== undefined);
      const unknown = (asked ?? []).filter((p) => metadata.partition(p.topic, p.partition) === undefined);
      const done = await cluster.electLeaders(type, asked === null ? null : known);
      results = [...done, ...unknown.map((p) => ({ ...p, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }))];
      // Asked for every partition: only the ones whose leader changed or failed are reported, as in Kafka.
      if (asked === null) results = results.filter((r) => r.errorCode !== ErrorCode.ELECTION_NOT_NEEDED);
    } else {
      const all =
        asked ??
        metadata
          .topicNames()
          .flatMap((t) => (metadata.partitions(t) ?? []).map((p) => ({ topic: t, partition: p.partition })));
      results = all.map((p) => {
        const info = metadata.partition(p.topic, p.partition);
        if (info === undefined) return { ...p, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
        return info.leader === nodeId
          ? { ...p, errorCode: ErrorCode.ELECTION_NOT_NEEDED }
          : { ...p, errorCode: ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE };
      });
      if (asked === null) results = [];
    }
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      replicaElectionResults: [...byTopic(results)].map(([topic, list]) => ({
        topic,
        partitionResult: list.map((r) => ({
          partitionId: r.partition,
          errorCode: r.errorCode,
          errorMessage: message(r),
        })),
      })),
    };
  };
}

export function alterPartitionReassignments({
  cluster,
  metadata,
  nodeId,
}: HandlerDeps<'cluster' | 'metadata' | 'nodeId'>): Handler<typeof AlterPartitionReassignments> {
  return async (ctx, req) => {
    if (!ctx.authorize(AclOperation.ALTER, CLUSTER)) {
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
        errorMessage: null,
        responses: [],
      };
    }
    const responses = await Promise.all(
      req.topics.map(async (t) => ({
        name: t.name,
        partitions: await Promise.all(
          t.partitions.map(async (p) => {
            const ref = { topic: t.name, partition: p.partitionIndex };
            let r: AdminResult;
            if (metadata.partition(t.name, p.partitionIndex) === undefined) {
              r = { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
            } else if (
              p.replicas !== null &&
              (p.replicas.length === 0 || new Set(p.replicas).size !== p.replicas.length)
            ) {
              r = {
                errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
                message: 'The replica list is empty or repeats a broker.',
              };
            } else if (cluster !== undefined) {
              r = await cluster.alterReassignment(ref, p.replicas);
            } else if (p.replicas === null) {
              r = { errorCode: ErrorCode.NO_REASSIGNMENT_IN_PROGRESS };
            } else if (p.replicas.length === 1 && p.replicas[0] === nodeId) {
              r = { errorCode: 0 };
            } else {
              r = {
                errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
                message: `The only broker is ${nodeId}.`,
              };
            }
            return { partitionIndex: p.partitionIndex, errorCode: r.errorCode, errorMessage: message(r) };
          }),
        ),
      })),
    );
    return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, responses };
  };
}

export function listPartitionReassignments({
  cluster,
}: HandlerDeps<'cluster'>): Handler<typeof ListPartitionReassignments> {
  return (ctx, req) => {
    if (!ctx.authorize(AclOperation.DESCRIBE, CLUSTER)) {
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
        errorMessage: null,
        topics: [],
      };
    }
    const filter =
      req.topics === null
        ? undefined
        : req.topics.flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition })));
    const list = cluster?.listReassignments(filter) ?? [];
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      topics: [...byTopic(list)].map(([name, ps]) => ({
        name,
        partitions: ps.map((p) => ({
          partitionIndex: p.partition,
          replicas: p.replicas,
          addingReplicas: p.addingReplicas,
          removingReplicas: p.removingReplicas,
        })),
      })),
    };
  };
}

export const electLeadersHandler = defineHandler(ElectLeaders, electLeaders);
export const alterPartitionReassignmentsHandler = defineHandler(
  AlterPartitionReassignments,
  alterPartitionReassignments,
);
export const listPartitionReassignmentsHandler = defineHandler(ListPartitionReassignments, listPartitionReassignments);
