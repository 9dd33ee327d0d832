/**
 * ListGroups (v0-v5): every group on this broker the requester may describe (all of them with DESCRIBE on the
 * cluster), with its protocol type; v4+ filtered by state, v5+ by type
 * (classic or consumer), filters matching case-insensitively; v3+ flexible.
 */
import { ListGroups } from '../../protocol/messages/list-groups.js';
import { AclOperation, CLUSTER, groupResource } from '../../security/authorizer.js';
import { defineHandler, type HandlerDeps } from './define.js';
import type { Handler } from '../dispatch.js';

/** Lists groups, filtered by state (v4+) and type (v5+); filters match case-insensitively. */
export function listGroups({ groups }: HandlerDeps<'groups'>): Handler<typeof ListGroups> {
  return (ctx, req) => {
    const v = ctx.header.apiVersion;
    const listed = groups.listGroups(v >= 4 ? req.statesFilter : [], v >= 5 ? req.typesFilter : []);
    // As Kafka: DESCRIBE on the cluster shows every group; otherwise only the groups the requester may describe.
    const all = ctx.authorize(AclOperation.DESCRIBE, CLUSTER);
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      groups: all ? listed : listed.filter((g) => ctx.authorize(AclOperation.DESCRIBE, groupResource(g.groupId))),
    };
  };
}

export const listGroupsHandler = defineHandler(ListGroups, listGroups);
