/** AddPartitionsToTxn: partitions join a transaction (v4+: brokers batch several transactions, or only verify). */
import { api, array, arrayOf, bool, int16, int32, int64, string, type RequestOf, type ResponseOf } from '../schema.js';

const addPartitionsToTxnTopic = {
  name: string(),
  partitions: array(int32()),
};

const addPartitionsToTxnPartitionResult = {
  partitionIndex: int32(),
  partitionErrorCode: int16(),
};

const addPartitionsToTxnTopicResult = {
  name: string(),
  resultsByPartition: arrayOf(addPartitionsToTxnPartitionResult),
};

/** Registers partitions in an ongoing transaction (v4+: brokers batch several transactions and may only verify). */
export const AddPartitionsToTxn = api({
  key: 24,
  name: 'AddPartitionsToTxn',
  versions: '0-5',
  flexible: '3+',
  request: {
    transactions: arrayOf({
      transactionalId: string().v('4+'),
      producerId: int64().v('4+'),
      producerEpoch: int16().v('4+'),
      verifyOnly: bool().v('4+'),
      topics: arrayOf(addPartitionsToTxnTopic).v('4+'),
    }).v('4+'),
    v3AndBelowTransactionalId: string().v('0-3'),
    v3AndBelowProducerId: int64().v('0-3'),
    v3AndBelowProducerEpoch: int16().v('0-3'),
    v3AndBelowTopics: arrayOf(addPartitionsToTxnTopic).v('0-3'),
  },
  response: {
    throttleTimeMs: int32(),
    errorCode: int16().v('4+'),
    resultsByTransaction: arrayOf({
      transactionalId: string().v('4+'),
      topicResults: arrayOf(addPartitionsToTxnTopicResult).v('4+'),
    }).v('4+'),
    resultsByTopicV3AndBelow: arrayOf(addPartitionsToTxnTopicResult).v('0-3'),
  },
});

export type AddPartitionsToTxnRequest = RequestOf<typeof AddPartitionsToTxn>;
export type AddPartitionsToTxnResponse = ResponseOf<typeof AddPartitionsToTxn>;
