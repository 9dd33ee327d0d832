import { ErrorCode } from '../../protocol/errors.js';
import type { DescribeCluster } from '../../protocol/messages/describe-cluster.js';
import type { Broker } from '../broker.js';
import type { Handler } from '../dispatch.js';

const ENDPOINT_BROKERS = 1;
const ENDPOINT_CONTROLLERS = 2;
/** Kafka's "not requested" value for authorized operations. */
const OPS_NOT_REQUESTED = -2147483648;
/**
 * With no authorizer every operation that applies to the CLUSTER resource is allowed: CREATE(5), ALTER(7),
 * DESCRIBE(8), CLUSTER_ACTION(9), DESCRIBE_CONFIGS(10), ALTER_CONFIGS(11), IDEMPOTENT_WRITE(12), as a bit field.
 */
const CLUSTER_OPS = [5, 7, 8, 9, 10, 11, 12].reduce((bits, op) => bits | (1 << op), 0);

/** The single-node cluster: this broker, which is also its controller. */
export function describeCluster(broker: Broker): Handler<typeof DescribeCluster> {
  return (ctx, req) => {
    const base = {
      throttleTimeMs: 0,
      clusterId: broker.clusterId,
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
    return {
      ...base,
      errorCode: 0,
      errorMessage: null,
      controllerId: broker.nodeId,
      brokers: [{ brokerId: broker.nodeId, host: broker.advertisedHost, port: broker.advertisedPort, rack: null }],
      clusterAuthorizedOperations: req.includeClusterAuthorizedOperations ? CLUSTER_OPS : OPS_NOT_REQUESTED,
    };
  };
}
