/** DescribeCluster: the cluster id, controller and brokers (or controllers, by endpoint type in v1). */
import { api, arrayOf, bool, int16, int32, int8, string, type RequestOf, type ResponseOf } from '../schema.js';

export const DescribeCluster = api({
  key: 60,
  name: 'DescribeCluster',
  versions: '0-1',
  flexible: '0+',
  request: {
    includeClusterAuthorizedOperations: bool(),
    endpointType: int8().v('1+').dflt(1),
  },
  response: {
    throttleTimeMs: int32(),
    errorCode: int16(),
    errorMessage: string().nullable('0+').dflt(null),
    endpointType: int8().v('1+').dflt(1),
    clusterId: string(),
    controllerId: int32().dflt(-1),
    brokers: arrayOf({
      brokerId: int32(),
      host: string(),
      port: int32(),
      rack: string().nullable('0+').dflt(null),
    }),
    clusterAuthorizedOperations: int32().dflt(-2147483648),
  },
});

export type DescribeClusterRequest = RequestOf<typeof DescribeCluster>;
export type DescribeClusterResponse = ResponseOf<typeof DescribeCluster>;
