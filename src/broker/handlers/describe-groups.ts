import type { DescribeGroups } from '../../protocol/messages/describe-groups.js';
import type { Broker } from '../broker.js';
import type { Handler } from '../dispatch.js';

/** Describes groups; an unknown group is reported as Dead with no error, as Kafka does for these versions. */
export function describeGroups(broker: Broker): Handler<typeof DescribeGroups> {
  return (_ctx, req) => ({
    throttleTimeMs: 0,
    groups: req.groups.map((id) => ({ ...broker.groups.describeGroup(id), authorizedOperations: -2147483648 })),
  });
}
