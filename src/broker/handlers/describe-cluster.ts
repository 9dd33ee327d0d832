/**
 * DescribeCluster: the brokers (each by its endpoint on the request's listener), the controller and the cluster
 * id, from the metadata view. v1 adds the endpoint type: Samsa has no separate controller endpoints, so asking
 * for controllers is refused with MISMATCHED_ENDPOINT_TYPE, as a Kafka broker refuses it.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { DescribeCluster } from '../../protocol/messages/describe-cluster.js';
import { AclOperation, authorizedOperations, CLUSTER } from '../../security/authorizer.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';

const ENDPOINT_BROKERS = 1;
const ENDPOINT_CONTROLLERS = 2;
/** Kafka's "not requested" value for authorized operations. */
const OPS_NOT_REQUESTED = -2147483648;

export function describeCluster({ metadata: view }: HandlerDeps<'metadata'>): Handler<typeof DescribeCluster> {
  return (ctx, req) => {
    const base = {
      throttleTimeMs: 0,
      clusterId: view.clusterId,
      endpointType: req.endpointType,
      clusterAuthorizedOperations: OPS_NOT_REQUESTED,
    };
    if (ctx.header.apiVersion >= 1 && req.endpointType !== ENDPOINT_BROKERS) {
      if (req.endpointType === ENDPOINT_CONTROLLERS) {
        return {
          ...base,
          errorCode: ErrorCode.MISMATCHED_ENDPOINT_TYPE,
          errorMessage:
            'The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER',
          controllerId: -1,
          brokers: [],
        };
      }
      return {
        ...base,
        errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE,
        errorMessage: `Unsupported endpoint type ${req.endpointType}`,
        controllerId: -1,
        brokers: [],
      };
    }
    if (!ctx.authorize(AclOperation.DESCRIBE, CLUSTER)) {
      return {
        ...base,
        errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
        errorMessage: null,
        controllerId: -1,
        brokers: [],
      };
    }
    // Each broker as reached through the listener this request came in on.
    const brokers: Array<{ brokerId: number; host: string; port: number; rack: string | null }> = [];
    for (const b of view.brokers()) {
      const e = view.endpoint(b.nodeId, ctx.listenerName);
      if (e !== undefined) brokers.push({ brokerId: b.nodeId, host: e.host, port: e.port, rack: b.rack });
    }
    return {
      ...base,
      errorCode: 0,
      errorMessage: null,
      controllerId: view.controllerId(),
      brokers,
      clusterAuthorizedOperations: req.includeClusterAuthorizedOperations
        ? authorizedOperations((op) => ctx.authorize(op, CLUSTER), CLUSTER)
        : OPS_NOT_REQUESTED,
    };
  };
}

export const describeClusterHandler = defineHandler(DescribeCluster, describeCluster);
