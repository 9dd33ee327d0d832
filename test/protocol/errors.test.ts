import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, KafkaError, errorInfo, errorMessage, errorName, isRetriable } from '../../src/protocol/errors.js';

test('well-known codes have Kafka numbers', () => {
  assert.equal(ErrorCode.UNKNOWN_SERVER_ERROR, -1);
  assert.equal(ErrorCode.NONE, 0);
  assert.equal(ErrorCode.OFFSET_OUT_OF_RANGE, 1);
  assert.equal(ErrorCode.CORRUPT_MESSAGE, 2);
  assert.equal(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 3);
  assert.equal(ErrorCode.NOT_LEADER_OR_FOLLOWER, 6);
  assert.equal(ErrorCode.MESSAGE_TOO_LARGE, 10);
  assert.equal(ErrorCode.UNSUPPORTED_VERSION, 35);
  assert.equal(ErrorCode.TOPIC_ALREADY_EXISTS, 36);
  assert.equal(ErrorCode.INVALID_RECORD, 87);
  assert.equal(ErrorCode.UNKNOWN_TOPIC_ID, 100);
  assert.equal(ErrorCode.VOTER_NOT_FOUND, 127);
  assert.equal(ErrorCode.INVALID_REGULAR_EXPRESSION, 128);
});

test('the table covers every code from -1 to 128 exactly once', () => {
  const codes = Object.values(ErrorCode).sort((a, b) => a - b);
  assert.equal(codes.length, 130);
  for (const [i, c] of codes.entries()) assert.equal(c, i - 1);
  for (const [name, code] of Object.entries(ErrorCode)) {
    assert.equal(errorName(code), name);
    assert.equal(errorInfo(code)?.code, code);
    assert.ok(errorMessage(code).length > 0);
  }
});

test('names and retriability follow Kafka', () => {
  assert.equal(errorName(35), 'UNSUPPORTED_VERSION');
  assert.equal(errorName(2), 'CORRUPT_MESSAGE');
  assert.equal(errorName(10), 'MESSAGE_TOO_LARGE');
  assert.equal(errorName(87), 'INVALID_RECORD');
  // retriable: the client may simply try again (after a metadata refresh)
  for (const c of [2, 3, 5, 6, 7, 13, 14, 15, 16, 19, 20, 41, 51, 56, 74, 75, 89, 100]) {
    assert.equal(isRetriable(c), true, `${errorName(c)} is retriable`);
  }
  for (const c of [-1, 0, 1, 8, 10, 17, 29, 35, 36, 45, 47, 87, 90, 127]) {
    assert.equal(isRetriable(c), false, `${errorName(c)} is not retriable`);
  }
  assert.equal(Object.values(ErrorCode).filter(isRetriable).length, 31);
});

test('unknown codes are named, not thrown on', () => {
  assert.equal(errorName(999), 'UNKNOWN_ERROR_CODE_999');
  assert.equal(errorName(-2), 'UNKNOWN_ERROR_CODE_-2');
  assert.equal(errorInfo(129), undefined);
  assert.equal(isRetriable(999), false);
});

test('KafkaError carries code, retriability and a message', () => {
  const e = new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  assert.ok(e instanceof Error);
  assert.equal(e.code, 3);
  assert.equal(e.retriable, true);
  assert.equal(e.codeName, 'UNKNOWN_TOPIC_OR_PARTITION');
  assert.equal(e.message, errorMessage(3));

  const m = new KafkaError(ErrorCode.MESSAGE_TOO_LARGE, 'batch of 2000000 bytes over the 1048588 limit');
  assert.equal(m.code, 10);
  assert.equal(m.retriable, false);
  assert.equal(m.message, 'batch of 2000000 bytes over the 1048588 limit');
});
