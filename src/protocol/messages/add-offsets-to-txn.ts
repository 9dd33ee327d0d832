/** AddOffsetsToTxn: a transactional producer adds its consumer group's offsets partition to the transaction. */
import { api, int16, int32, int64, string, type RequestOf, type ResponseOf } from '../schema.js';

/** Adds a group's offsets topic partition to a transaction before TxnOffsetCommit. */
export const AddOffsetsToTxn = api({
  key: 25,
  name: 'AddOffsetsToTxn',
  versions: '0-4',
  flexible: '3+',
  request: {
    transactionalId: string(),
    producerId: int64(),
    producerEpoch: int16(),
    groupId: string(),
  },
  response: {
    throttleTimeMs: int32(),
    errorCode: int16(),
  },
});

export type AddOffsetsToTxnRequest = RequestOf<typeof AddOffsetsToTxn>;
export type AddOffsetsToTxnResponse = ResponseOf<typeof AddOffsetsToTxn>;
