/**
 * DescribeGroups (v0-v5): state, protocol and members of classic groups; an unknown group is reported as Dead
 * with no error, as Kafka does. v3+ have authorized operations (not computed); v4+ group instance ids; v5 is
 * flexible.
 */
import { DescribeGroups } from '../../protocol/messages/describe-groups.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';

/** Describes groups; an unknown group is reported as Dead with no error, as Kafka does for these versions. */
export function describeGroups({ groups }: HandlerDeps<'groups'>): Handler<typeof DescribeGroups> {
  return (_ctx, req) => ({
    throttleTimeMs: 0,
    groups: req.groups.map((id) => ({ ...groups.describeGroup(id), authorizedOperations: -2147483648 })),
  });
}

export const describeGroupsHandler = defineHandler(DescribeGroups, describeGroups);
