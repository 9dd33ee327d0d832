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
