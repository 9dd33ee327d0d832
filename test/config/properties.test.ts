import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadProperties, parseOverride, parseProperties } from '../../src/broker/config/index.js';

test('separators: =, : and blanks, with blanks around them', () => {
  const p = parseProperties('a=1\nb:2\nc 3\nd  =  4\ne\t:\tfive six\nf=\ng\n');
  assert.deepEqual(p, { a: '1', b: '2', c: '3', d: '4', e: 'five six', f: '', g: '' });
});

test('comments with # and ! and blank lines are skipped; a # inside a value is kept', () => {
  const p = parseProperties('# comment\n   ! another\n\n\t\nkey=value # not a comment\n');
  assert.deepEqual(p, { key: 'value # not a comment' });
});

test('line continuations join lines and drop the leading blanks of the next line', () => {
  const p = parseProperties('listeners=PLAINTEXT://:9092,\\\n     CONTROLLER://:9093\nnext=1\n');
  assert.deepEqual(p, { listeners: 'PLAINTEXT://:9092,CONTROLLER://:9093', next: '1' });
});

test('an even number of trailing backslashes is an escaped backslash, not a continuation', () => {
  const p = parseProperties('path=C:\\\\dir\\\\\nother=x\n');
  assert.deepEqual(p, { path: 'C:\\dir\\', other: 'x' });
});

test('a continued line may start with # without becoming a comment; a comment line does not continue', () => {
  const p = parseProperties('a=one\\\n  #two\n# c \\\nb=2\n');
  assert.deepEqual(p, { a: 'one#two', b: '2' });
});

test('escapes: \\t \\n \\r \\f \\uXXXX, escaped separators in keys, other escaped chars stand for themselves', () => {
  const p = parseProperties('k\\=x\\:y\\ z=v\nesc=a\\tb\\nc\\rd\\fe\nuni=caf\\u00e9 \\u2603\nplain=\\q\\#\n');
  assert.equal(p['k=x:y z'], 'v');
  assert.equal(p['esc'], 'a\tb\nc\rd\fe');
  assert.equal(p['uni'], 'café ☃');
  assert.equal(p['plain'], 'q#');
});

test('a malformed \\u escape is an error naming the source and line', () => {
  assert.throws(
    () => parseProperties('ok=1\nbad=\\u12G4\n', 'server.properties'),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /server\.properties:2: malformed \\u escape/);
      return true;
    },
  );
});

test('CRLF and CR line endings, trailing blanks in values kept, later duplicates win', () => {
  const p = parseProperties('a=1\r\nb=2 \rc=3\r\na=4');
  assert.deepEqual(p, { a: '4', b: '2 ', c: '3' });
});

test('loadProperties reads a file and reports a missing one clearly', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'samsa-props-'));
  try {
    const file = join(dir, 'server.properties');
    await writeFile(file, '\ufeffnode.id=7\nlog.dirs=/tmp/x\n');
    assert.deepEqual(loadProperties(file), { 'node.id': '7', 'log.dirs': '/tmp/x' });
    assert.throws(
      () => loadProperties(join(dir, 'missing.properties')),
      /cannot read config file .*missing\.properties: no such file/,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('parseOverride splits at the first = and rejects missing key or =', () => {
  assert.deepEqual(parseOverride('a.b=c=d'), ['a.b', 'c=d']);
  assert.deepEqual(parseOverride('empty='), ['empty', '']);
  assert.throws(() => parseOverride('novalue'), /invalid override 'novalue': expected key=value/);
  assert.throws(() => parseOverride('=5'), /invalid override '=5': expected key=value/);
});
