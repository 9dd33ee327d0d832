/**
 * The JSON format's value decoding: the fast field reader (src/sql/json-fields.ts) against the plain way
 * (JSON.parse, then each column's field by exact name, else case-insensitively), over hand-picked edge cases and
 * many generated documents. Both must give the same row, or both refuse the bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getFormat } from '../../src/sql/formats.js';
import { JsonFieldReader } from '../../src/sql/json-fields.js';
import { arrayOf, fromJsonValue, lookupField, T, type SqlType } from '../../src/sql/types.js';

const COLUMNS: Array<{ name: string; type: SqlType }> = [
  { name: 'ID', type: T.BIGINT },
  { name: 'REGION', type: T.STRING },
  { name: 'amount', type: T.INTEGER },
  { name: 'Ok', type: T.BOOLEAN },
  { name: 'PRICE', type: T.DOUBLE },
  { name: 'TAGS', type: arrayOf(T.STRING) },
];

/** The reference: what decoding did before the fast path. */
function reference(text: string): unknown[] | null {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return null;
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return null;
  const o = doc as Record<string, unknown>;
  return COLUMNS.map((c) => {
    const v = o[c.name];
    return fromJsonValue(v === undefined ? lookupField(o, c.name) : v, c.type);
  });
}

const codec = getFormat('JSON').codec(COLUMNS, false, {});

function decode(text: string): unknown[] | null {
  const row = new Array(COLUMNS.length + 2).fill('untouched');
  if (!codec.decode(Buffer.from(text, 'utf8'), row, 2)) return null;
  return row.slice(2);
}

function same(text: string): void {
  assert.deepEqual(decode(text), reference(text), `document: ${JSON.stringify(text)}`);
}

test('JSON values: edge cases decode as JSON.parse and the field lookup do', () => {
  const cases = [
    '{"ID":1,"REGION":"r","amount":5,"Ok":true,"PRICE":1.5,"TAGS":["a"]}',
    '{}',
    ' { } ',
    '\t{\n"id" : 7 ,\r\n "region":"x"}\n',
    '{"id":1,"ID":2}',
    '{"ID":2,"id":1}',
    '{"id":1,"Id":2}',
    '{"ID":1,"ID":2}',
    '{"AMOUNT":3,"amount":4}',
    '{"region":"caf\u00e9","x":"\u00fc"}',
    '{"r\u00e9gion":"a","REGION":"b"}',
    '{"REGION":"a\\"b"}',
    '{"REGION":"a\\u0041"}',
    '{"REGION":"tab\there"}',
    '{"REGION":12}',
    '{"REGION":true}',
    '{"REGION":{"a":1}}',
    '{"REGION":null,"ID":null}',
    '{"ID":-0}',
    '{"ID":0}',
    '{"ID":01}',
    '{"ID":-}',
    '{"ID":1.}',
    '{"ID":.5}',
    '{"ID":1e5,"PRICE":-2.5E-3}',
    '{"ID":1e+2,"PRICE":1E400}',
    '{"ID":12345678901234567890}',
    '{"ID":123456789012345}',
    '{"ID":9007199254740993}',
    '{"ID":"42"}',
    '{"amount":"x"}',
    '{"Ok":"true"}',
    '{"Ok":false}',
    '{"Ok":fals}',
    '{"Ok":nul}',
    '{"Ok":truex}',
    '{"other":[1,2,{"a":"}"}],"ID":3}',
    '{"other":{"ID":9},"ID":3}',
    '{"ID":1,}',
    '{"ID":1',
    '{"ID" 1}',
    '{ID:1}',
    '{"ID":1}}',
    '{"ID":1} x',
    '[1,2]',
    '"text"',
    '12',
    'null',
    '',
    '\ufeff{"ID":1}',
    '{"constructor":1,"__proto__":2,"ID":3}',
    '{"TAGS":["a","b"],"PRICE":3}',
    '{"TAGS":[]}',
  ];
  for (const c of cases) same(c);
});

test('JSON values: generated documents decode as JSON.parse and the field lookup do', () => {
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const names = ['ID', 'id', 'Id', 'REGION', 'region', 'AMOUNT', 'amount', 'ok', 'OK', 'Ok', 'PRICE', 'TAGS', 'x', 'é'];
  const scalars = [
    () => String(rnd(100000) - 50000),
    () => `${rnd(1000)}.${rnd(1000)}`,
    () => `${rnd(10)}e${rnd(5) - 2}`,
    () => '-0',
    () => `"${'abcé\u00ff'.slice(rnd(5))}"`,
    () => '"a\\nb"',
    () => 'true',
    () => 'false',
    () => 'null',
    () => '[1,"x"]',
    () => '{"a":[]}',
  ];
  const ws = () => [' ', '', '', '\n', '\t'][rnd(5)]!;
  let fast = 0;
  const reader = JsonFieldReader.create(COLUMNS.map((c) => c.name))!;
  for (let n = 0; n < 20000; n++) {
    const fields: string[] = [];
    const count = rnd(6);
    for (let f = 0; f < count; f++)
      fields.push(`${ws()}"${names[rnd(names.length)]}"${ws()}:${ws()}${scalars[rnd(scalars.length)]!()}${ws()}`);
    let text = `${ws()}{${fields.join(',')}}${ws()}`;
    // Now and then, damage it.
    if (rnd(10) === 0) {
      const at = rnd(text.length + 1);
      text = text.slice(0, at) + [',', '}', '"', ':', '', 'x'][rnd(6)] + text.slice(at + 1);
    }
    same(text);
    if (reader.read(Buffer.from(text))) fast++;
  }
  // Most documents take the fast path (the test would prove little otherwise).
  assert.ok(fast > 5000, `fast path taken ${fast} times`);
});

test('JSON values: names differing only in case, or not ASCII, are left to the slow path', () => {
  assert.equal(JsonFieldReader.create(['A', 'a']), null);
  assert.equal(JsonFieldReader.create(['caf\u00e9']), null);
  assert.notEqual(JsonFieldReader.create(['A', 'B']), null);
});
