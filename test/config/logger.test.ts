import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/broker/config/index.js';
import { componentLogger, createLogger, formatTextLine } from '../../src/broker/logger.js';

function capture(): { lines: string[]; write(s: string): void } {
  const lines: string[] = [];
  return { lines, write: (s: string) => void lines.push(s) };
}

test('text format: ISO time, padded level, [component], message, key=value', () => {
  const sink = capture();
  const log = componentLogger(createLogger({ level: 'info', destination: sink }), 'net');
  log.info({ port: 9092, peer: 'a b', ok: true, obj: { x: 1 } }, 'listening');
  log.debug('not shown at info');
  log.warn('careful');
  assert.equal(sink.lines.length, 2);
  assert.match(
    sink.lines[0]!,
    /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO {2}\[net\] listening port=9092 peer="a b" ok=true obj=\{"x":1\}\n$/,
  );
  assert.match(sink.lines[1]!, /^\S+ WARN {2}\[net\] careful\n$/);
});

test('text format keeps errors on one line; the stack only at error level and above', () => {
  const sink = capture();
  const log = createLogger({ level: 'info', destination: sink });
  const err = Object.assign(new Error('disk full'), { code: 'ENOSPC' });
  log.warn({ err }, 'retrying');
  log.error({ err }, 'giving up');
  assert.equal(sink.lines.length, 2);
  for (const l of sink.lines) assert.equal(l.indexOf('\n'), l.length - 1);
  assert.match(sink.lines[0]!, /WARN {2}retrying err="Error: disk full" code=ENOSPC\n$/);
  assert.match(sink.lines[1]!, /ERROR giving up err="Error: disk full" code=ENOSPC stack="Error: disk full\\n {4}at /);
});

test('formatTextLine renders a fixed record exactly', () => {
  const line = formatTextLine({
    time: Date.UTC(2026, 10, 21, 12),
    level: 30,
    component: 'main',
    msg: 'hello',
    n: 1,
    s: 'x=y',
  });
  assert.equal(line, '2026-11-21T12:00:00.000Z INFO  [main] hello n=1 s="x=y"\n');
});

test('json format is plain pino JSON', () => {
  const sink = capture();
  const log = componentLogger(createLogger({ format: 'json', level: 'debug', destination: sink }), 'store');
  log.debug({ segment: 3 }, 'rolled');
  const rec = JSON.parse(sink.lines[0]!);
  assert.equal(rec.level, 20);
  assert.equal(rec.component, 'store');
  assert.equal(rec.segment, 3);
  assert.equal(rec.msg, 'rolled');
  assert.equal(typeof rec.time, 'number');
});

test('LOG_LEVEL is honoured when no level is given; an explicit level wins', () => {
  const saved = process.env.LOG_LEVEL;
  try {
    process.env.LOG_LEVEL = 'debug';
    assert.equal(createLogger({ destination: capture() }).level, 'debug');
    assert.equal(createLogger({ level: 'warn', destination: capture() }).level, 'warn');
    process.env.LOG_LEVEL = '';
    assert.equal(createLogger({ destination: capture() }).level, 'info');
    delete process.env.LOG_LEVEL;
    assert.equal(createLogger({ destination: capture() }).level, 'info');
  } finally {
    if (saved === undefined) delete process.env.LOG_LEVEL;
    else process.env.LOG_LEVEL = saved;
  }
});

test('unknown level or format is a ConfigError naming the choices', () => {
  assert.throws(
    () => createLogger({ level: 'loud' }),
    (e: unknown) =>
      e instanceof ConfigError && /invalid log level 'loud': expected one of trace, debug/.test(e.message),
  );
  assert.throws(
    () => createLogger({ format: 'xml' }),
    (e: unknown) => e instanceof ConfigError && /expected text or json/.test(e.message),
  );
});
