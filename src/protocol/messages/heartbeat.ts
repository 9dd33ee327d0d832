/** Heartbeat: a classic group member keeps its session alive and learns of rebalances. */
import { api, int16, int32, string, type RequestOf, type ResponseOf } from '../schema.js';

/** A classic group member tells its coordinator it is alive; the answer reports a pending rebalance. */
export const Heartbeat = api({
  key: 12,
  name: 'Heartbeat',
  versions: '0-4',
  flexible: '4+',
  request: {
    groupId: string(),
    generationId: int32(),
    memberId: string(),
    groupInstanceId: string().v('3+').nullable('3+').dflt(null),
  },
  response: {
    throttleTimeMs: int32().v('1+'),
    errorCode: int16(),
  },
});

export type HeartbeatRequest = RequestOf<typeof Heartbeat>;
export type HeartbeatResponse = ResponseOf<typeof Heartbeat>;
