/** DescribeLogDirs: the log directories of a broker and the size of each partition in them. */
import { api, array, arrayOf, bool, int16, int32, int64, string, type RequestOf, type ResponseOf } from '../schema.js';

export const DescribeLogDirs = api({
  key: 35,
  name: 'DescribeLogDirs',
  versions: '0-4',
  flexible: '2+',
  request: {
    topics: arrayOf({
      topic: string(),
      partitions: array(int32()),
    }).nullable('0+'),
  },
  response: {
    throttleTimeMs: int32(),
    errorCode: int16().v('3+'),
    results: arrayOf({
      errorCode: int16(),
      logDir: string(),
      topics: arrayOf({
        name: string(),
        partitions: arrayOf({
          partitionIndex: int32(),
          partitionSize: int64(),
          offsetLag: int64(),
          isFutureKey: bool(),
        }),
      }),
      totalBytes: int64().v('4+').dflt(-1),
      usableBytes: int64().v('4+').dflt(-1),
    }),
  },
});

export type DescribeLogDirsRequest = RequestOf<typeof DescribeLogDirs>;
export type DescribeLogDirsResponse = ResponseOf<typeof DescribeLogDirs>;
