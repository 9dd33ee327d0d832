/**
 * ConsumerGroupDescribe (v0, KIP-848): members, epochs, subscriptions and current and target assignments of
 * consumer groups. An unknown group gets GROUP_ID_NOT_FOUND with empty fields.
 */
import { ConsumerGroupDescribe } from '../../protocol/messages/consumer-group-describe.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';

/** KIP-848: members, epochs and current/target assignments of consumer groups. */
export function consumerGroupDescribe({ groups }: HandlerDeps<'groups'>): Handler<typeof ConsumerGroupDescribe> {
  return (_ctx, req) => ({
    throttleTimeMs: 0,
    groups: req.groupIds.map((id) => {
      const d = groups.consumerGroupDescribe(id);
      if ('members' in d) return d;
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
