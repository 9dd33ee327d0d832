/**
 * FindCoordinator: which broker coordinates a consumer group (the leader of the group's `__consumer_offsets`
 * partition) or a transactional id (the leader of its `__transaction_state` partition), answered with that
 * broker's endpoint on the request's listener. Leadership comes from the metadata view, so the answer follows the
 * partition when it moves. As in Kafka, looking up a group coordinator creates the offsets topic.
 *
 * Versions: v0 knows only groups; v1+ carries the key type; v4+ looks up many keys in one request.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { FindCoordinator } from '../../protocol/messages/find-coordinator.js';
import { AclOperation, groupResource, transactionalIdResource } from '../../security/authorizer.js';
import type { Handler, RequestContext } from '../dispatch.js';
import { OFFSETS_TOPIC } from '../groups/offsets.js';
import { partitionForGroup } from '../groups/records.js';
import { TXN_TOPIC } from '../txn/coordinator.js';
import { defineHandler, type HandlerDeps } from './define.js';

const GROUP = 0;
const TRANSACTION = 1;

interface Coordinator {
  errorCode: number;
  errorMessage: string | null;
  nodeId: number;
  host: string;
  port: number;
}

const failure = (errorCode: number, errorMessage: string | null): Coordinator => ({
  errorCode,
  errorMessage,
  nodeId: -1,
  host: '',
  port: -1,
});

export function findCoordinator({
  groups,
  metadata: view,
  nodeId,
}: HandlerDeps<'groups' | 'metadata' | 'nodeId'>): Handler<typeof FindCoordinator> {
  const lookup = (ctx: RequestContext, keyType: number, key: string): Coordinator => {
    if (keyType !== GROUP && keyType !== TRANSACTION) {
      return failure(ErrorCode.INVALID_REQUEST, `Unknown coordinator key type ${keyType}.`);
    }
    const resource = keyType === GROUP ? groupResource(key) : transactionalIdResource(key);
    if (!ctx.authorize(AclOperation.DESCRIBE, resource)) {
      const code =
        keyType === GROUP ? ErrorCode.GROUP_AUTHORIZATION_FAILED : ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
      return failure(code, null);
    }
    if (keyType === GROUP) {
      try {
        // Kafka creates the offsets topic when a group coordinator is first looked up.
        groups.ensureTopic();
      } catch (err) {
        return failure(ErrorCode.COORDINATOR_NOT_AVAILABLE, (err as Error).message);
      }
    }
    const topic = view.topic(keyType === GROUP ? OFFSETS_TOPIC : TXN_TOPIC);
    // The transaction coordinator creates its topic on first use, on this broker, which then leads it.
    const leader =
      topic === undefined
        ? nodeId
        : (view.partition(topic.name, partitionForGroup(key, topic.partitionCount))?.leader ?? -1);
    const endpoint = leader < 0 ? undefined : view.endpoint(leader, ctx.listenerName);
    if (endpoint === undefined) return failure(ErrorCode.COORDINATOR_NOT_AVAILABLE, null);
    return { errorCode: 0, errorMessage: null, nodeId: leader, host: endpoint.host, port: endpoint.port };
  };

  return (ctx, req) => {
    const v = ctx.header.apiVersion;
    if (v < 4) {
      const r = lookup(ctx, v >= 1 ? req.keyType : GROUP, req.key);
      return { throttleTimeMs: 0, ...r, coordinators: [] };
    }
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      nodeId: -1,
      host: '',
      port: -1,
      coordinators: req.coordinatorKeys.map((key) => ({ key, ...lookup(ctx, req.keyType, key) })),
    };
  };
}

export const findCoordinatorHandler = defineHandler(FindCoordinator, findCoordinator);
