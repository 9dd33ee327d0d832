import type { RequestContext } from '../dispatch.js';

/** The client address as Kafka reports it in group descriptions ("/ip"). */
export function clientHost(ctx: RequestContext): string {
  const remote = ctx.connection.remote;
  const i = remote.lastIndexOf(':');
  return `/${i > 0 ? remote.slice(0, i) : remote}`;
}
