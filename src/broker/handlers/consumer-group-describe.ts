/**
 * ConsumerGroupDescribe (v0, KIP-848): members, epochs, subscriptions and current and target assignments of
 * consumer groups. An unknown group gets GROUP_ID_NOT_FOUND with empty fields.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { ConsumerGroupDescribe } from '../../protocol/messages/consumer-group-describe.js';
import { AclOperation, authorizedOperations, groupResource } from '../../security/authorizer.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';

/** KIP-848: members, epochs and current/target assignments of consumer groups. */
export function consumerGroupDescribe({ groups }: HandlerDeps<'groups'>): Handler<typeof ConsumerGroupDescribe> {
  return (ctx, req) => ({
    throttleTimeMs: 0,
    groups: req.groupIds.map((id) => {
      // A group the requester may not describe: GROUP_AUTHORIZATION_FAILED, as in Kafka.
      const d = ctx.authorize(AclOperation.DESCRIBE, groupResource(id))
        ? groups.consumerGroupDescribe(id)
        : { groupId: id, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, errorMessage: null };
      if ('members' in d) {
        if (!req.includeAuthorizedOperations) return d;
        const resource = groupResource(id);
        return { ...d, authorizedOperations: authorizedOperations((op) => ctx.authorize(op, resource), resource) };
      }
      return {
        ...d,
        groupState: '',
        groupEpoch: 0,
        assignmentEpoch: 0,
        assignorName: '',
        members: [],
        authorizedOperations: -2147483648,
      };
    }),
  });
}

export const consumerGroupDescribeHandler = defineHandler(ConsumerGroupDescribe, consumerGroupDescribe);
