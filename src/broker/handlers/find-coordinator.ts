import { ErrorCode } from '../../protocol/errors.js';
import type { FindCoordinator } from '../../protocol/messages/find-coordinator.js';
import type { Broker } from '../broker.js';
import type { Handler } from '../dispatch.js';

const GROUP = 0;
const TRANSACTION = 1;

/** This single broker coordinates every group and transactional id; v4+ answers many keys at once. */
export function findCoordinator(broker: Broker): Handler<typeof FindCoordinator> {
  const lookup = (keyType: number) => {
    if (keyType !== GROUP && keyType !== TRANSACTION) {
      return {
        errorCode: ErrorCode.INVALID_REQUEST,
        errorMessage: `Unknown coordinator key type ${keyType}.`,
        nodeId: -1,
        host: '',
        port: -1,
      };
    }
    if (keyType === GROUP) {
      try {
        // Kafka creates the offsets topic when a group coordinator is first looked up.
        broker.groups.ensureTopic();
      } catch (err) {
        return {
          errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
          errorMessage: (err as Error).message,
          nodeId: -1,
          host: '',
          port: -1,
        };
      }
    }
    return {
      errorCode: 0,
      errorMessage: null,
      nodeId: broker.nodeId,
      host: broker.advertisedHost,
      port: broker.advertisedPort,
    };
  };
  return (ctx, req) => {
    const v = ctx.header.apiVersion;
    if (v < 4) {
      const r = lookup(v >= 1 ? req.keyType : GROUP);
      return { throttleTimeMs: 0, ...r, coordinators: [] };
    }
    const r = lookup(req.keyType);
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      nodeId: -1,
      host: '',
      port: -1,
      coordinators: req.coordinatorKeys.map((key) => ({ key, ...r })),
    };
  };
}
