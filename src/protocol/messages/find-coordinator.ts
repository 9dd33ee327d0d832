/** FindCoordinator: which broker coordinates a group or a transactional id (v4+: many keys at once). */
import { api, array, arrayOf, int16, int32, int8, string, type RequestOf, type ResponseOf } from '../schema.js';

/** Locates the broker that coordinates a group or a transactional id (v4+: several keys at once). */
export const FindCoordinator = api({
  key: 10,
  name: 'FindCoordinator',
  versions: '0-6',
  flexible: '3+',
  request: {
    key: string().v('0-3'),
    keyType: int8().v('1+'),
    coordinatorKeys: array(string()).v('4+'),
  },
  response: {
    throttleTimeMs: int32().v('1+'),
    errorCode: int16().v('0-3'),
    errorMessage: string().v('1-3').nullable('1-3'),
    nodeId: int32().v('0-3'),
    host: string().v('0-3'),
    port: int32().v('0-3'),
    coordinators: arrayOf({
      key: string().v('4+'),
      nodeId: int32().v('4+'),
      host: string().v('4+'),
      port: int32().v('4+'),
      errorCode: int16().v('4+'),
      errorMessage: string().v('4+').nullable('4+'),
    }).v('4+'),
  },
});

export type FindCoordinatorRequest = RequestOf<typeof FindCoordinator>;
export type FindCoordinatorResponse = ResponseOf<typeof FindCoordinator>;
