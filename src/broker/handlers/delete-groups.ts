import type { DeleteGroups } from '../../protocol/messages/delete-groups.js';
import type { Broker } from '../broker.js';
import type { Handler } from '../dispatch.js';

/** Deletes groups without active members, with their committed offsets. */
export function deleteGroups(broker: Broker): Handler<typeof DeleteGroups> {
  return async (_ctx, req) => ({ throttleTimeMs: 0, results: await broker.groups.deleteGroups(req.groupsNames) });
}
