/**
 * Whatever fails while one request is handled (its handler, the promise it returns, the encoding of its response)
 * closes only that connection and is logged once at ERROR with API, version, escaped client id and peer; repeated
 * "closing connection" warnings are rate limited.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { escapeBytesForLog, escapeForLog, LogLimiter } from '../../src/broker/logger.js';
import { Metadata } from '../../src/protocol/messages/metadata.js';
import { withBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';

const BAD_RESPONSE = { topics: [{ errorCode: 0, name: null, partitions: [] }] }; // v1 cannot carry a null name

for (const [how, handler] of [
  ['its response does not encode', () => BAD_RESPONSE],
  ['its promise resolves to a response that does not encode', () => Promise.resolve(BAD_RESPONSE)],
  [
    'its handler throws',
    () => {
      throw new Error('handler bug');
    },
  ],
  ['its handler rejects', () => Promise.reject(new Error('async handler bug'))],
] as const) {
  test(`when ${how}, the request costs only its connection and is logged once`, async () => {
    await withBroker({ logLevel: 'warn' }, async (b) => {
      b.broker.dispatcher.register(Metadata, handler as never);
      const evil = await RawClient.connect(b.port, '127.0.0.1', 'evil\nERROR forged line\u001b[31m');
      const other = await RawClient.connect(b.port);
      await assert.rejects(evil.send(Metadata, 1, { topics: null }), /connection closed/);
      evil.close();
      // The broker and the other connection carry on.
      const { ApiVersions } = await import('../../src/protocol/messages/api-versions.js');
      const av = await other.send(ApiVersions, 0, {});
      assert.equal(av.errorCode, 0);
      other.close();
      const errors = b.logLines().filter((l) => l.includes(' ERROR '));
      assert.equal(errors.length, 1, errors.join('\n'));
      const line = errors[0]!;
      assert.match(line, /api=Metadata/);
      assert.match(line, /version=1/);
      assert.match(line, /conn=127\.0\.0\.1:\d+/);
      assert.ok(line.includes('evil\\\\nERROR forged line\\\\x1b[31m'), line);
      assert.ok(!line.includes('\n'), 'one line');
    });
  });
}

test('a flood of bad connections logs a few warnings per reason, not one each', async () => {
  await withBroker({ logLevel: 'warn' }, async (b) => {
    await Promise.all(
      Array.from(
        { length: 40 },
        () =>
          new Promise<void>((resolve) => {
            const s = connect(b.port, '127.0.0.1', () => s.write(Buffer.from('0000000301020300', 'hex')));
            s.on('close', () => resolve());
            s.on('error', () => {});
          }),
      ),
    );
    const warnings = b.logLines().filter((l) => l.includes('closing connection: invalid request size'));
    assert.ok(warnings.length >= 1 && warnings.length <= 5, `${warnings.length} warnings`);
  });
});

test('client text is escaped for logs: control characters, bad UTF-8, backslashes, long values', () => {
  assert.equal(escapeForLog('plain-id_1.0'), 'plain-id_1.0');
  assert.equal(escapeForLog('a\nb\tc\\d\u0000\u001b\u007f\u0085'), 'a\\nb\\tc\\\\d\\x00\\x1b\\x7f\\x85');
  assert.equal(escapeForLog('é漢字😀'), 'é漢字😀');
  assert.equal(escapeForLog('\ud800x\ufffd'), '\\ud800x\\ufffd');
  assert.equal(escapeForLog(null), '-');
  assert.match(escapeForLog('x'.repeat(1000)), /^x{256}\.\.\.\(1000 chars\)$/);
  assert.equal(escapeBytesForLog(Buffer.from([0x61, 0xff, 0xfe, 0x0a, 0xc3, 0xa9, 0xc3])), 'a\\xff\\xfe\\né\\xc3');
  assert.equal(
    escapeBytesForLog(Buffer.from([0xed, 0xa0, 0x80])),
    '\\xed\\xa0\\x80',
    'an encoded surrogate is not UTF-8',
  );
  assert.equal(escapeBytesForLog(Buffer.from([0xc0, 0xaf])), '\\xc0\\xaf', 'an overlong form is not UTF-8');
  assert.equal(escapeBytesForLog(Buffer.from('😀')), '😀');
});

test('LogLimiter writes a burst per reason and interval, then one line with the count', async () => {
  const lines: string[] = [];
  const sink = {
    warn: (_o: object, m?: string) => lines.push(m ?? ''),
    error: (_o: object, m?: string) => lines.push(m ?? ''),
  };
  const limiter = new LogLimiter(sink, 3, 200);
  for (let i = 0; i < 10; i++) limiter.write('bad frame', {}, `bad ${i}`);
  limiter.write('other', {}, 'other 0');
  assert.deepEqual(lines, ['bad 0', 'bad 1', 'bad 2', 'other 0']);
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(lines.length, 5);
  assert.match(lines[4]!, /^7 more "bad frame" warnings suppressed/);
  limiter.write('bad frame', {}, 'bad again');
  assert.equal(lines[5], 'bad again', 'a new interval writes again');
});
