import type { ListGroups } from '../../protocol/messages/list-groups.js';
import type { Broker } from '../broker.js';
import type { Handler } from '../dispatch.js';

/** Lists groups, filtered by state (v4+) and type (v5+); filters match case-insensitively. */
export function listGroups(broker: Broker): Handler<typeof ListGroups> {
  return (ctx, req) => {
    const v = ctx.header.apiVersion;
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      groups: broker.groups.listGroups(v >= 4 ? req.statesFilter : [], v >= 5 ? req.typesFilter : []),
    };
  };
}
