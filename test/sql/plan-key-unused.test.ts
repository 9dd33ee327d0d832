/**
 * An aggregation that reads none of its source's key columns skips decoding a KAFKA STRING key (a hot-path
 * saving): the plan must say so only when no expression over the input row names the key, and the decoder must
 * then leave everything else of the row as it was.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConsumerRecord } from '../../src/client/index.js';
import type { Query } from '../../src/sql/ast.js';
import { MetaStore, type DataSource } from '../../src/sql/metastore.js';
import { parseStatement } from '../../src/sql/parser.js';
import { planQuery, PSEUDO_COUNT } from '../../src/sql/plan.js';
import { RecordDecoder } from '../../src/sql/runtime.js';
import { T } from '../../src/sql/types.js';

function source(keyFormat: string): DataSource {
  return {
    name: 'EVENTS',
    type: 'STREAM',
    topic: 'events',
    keyFormat,
    valueFormat: 'JSON',
    keyOptions: {},
    valueOptions: {},
    columns: [
      { name: 'USER', type: T.STRING, key: true },
      { name: 'REGION', type: T.STRING, key: false },
      { name: 'AMOUNT', type: T.INTEGER, key: false },
    ],
    timestampColumn: null,
    timestampFormat: null,
    window: null,
    partitions: 1,
    replicas: 1,
    statement: '',
    readOnly: false,
    writerQuery: null,
  };
}

function plan(sql: string, keyFormat = 'KAFKA') {
  const meta = new MetaStore();
  meta.put(source(keyFormat));
  const stmt = parseStatement(sql) as { query: Query };
  return planQuery(stmt.query, meta);
}

test('plans say whether an aggregation reads its source key', () => {
  const unused = [
    'SELECT region, COUNT(*) FROM events GROUP BY region EMIT CHANGES;',
    'SELECT region, SUM(amount) AS s FROM events WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY region EMIT CHANGES;',
    "SELECT region, COUNT(*) FROM events WHERE amount > 5 AND region <> 'x' GROUP BY region EMIT CHANGES;",
  ];
  const used = [
    'SELECT user, COUNT(*) FROM events GROUP BY user EMIT CHANGES;',
    "SELECT region, COUNT(*) FROM events WHERE user = 'a' GROUP BY region EMIT CHANGES;",
    'SELECT region, COUNT_DISTINCT(user) AS u FROM events GROUP BY region EMIT CHANGES;',
    'SELECT region, LATEST_BY_OFFSET(events.user) AS u FROM events GROUP BY region EMIT CHANGES;',
    'SELECT UCASE(user) AS u, COUNT(*) FROM events GROUP BY UCASE(user) EMIT CHANGES;',
  ];
  for (const q of unused) assert.equal(plan(q).keyUnused, true, q);
  for (const q of used) assert.equal(plan(q).keyUnused, false, q);
  // Projections never skip the key.
  assert.notEqual(plan("SELECT region FROM events WHERE region = 'a' EMIT CHANGES;").keyUnused, true);
});

test('a decoder told the key is unused reads the same values and only skips a KAFKA STRING key', () => {
  const rec = (key: Buffer | null): ConsumerRecord => ({
    topic: 'events',
    partition: 0,
    offset: 7,
    timestamp: 1000,
    timestampType: 'CreateTime',
    key,
    value: Buffer.from('{"region":"r1","amount":3}'),
    headers: [],
  });
  const width = PSEUDO_COUNT + 3;
  for (const keyFormat of ['KAFKA', 'JSON']) {
    const ds = source(keyFormat);
    const full = new Array(width).fill(null);
    const lean = new Array(width).fill(null);
    const key = Buffer.from(keyFormat === 'JSON' ? '"u1"' : 'u1');
    assert.equal(new RecordDecoder(ds).decode(rec(key), full), true);
    assert.equal(new RecordDecoder(ds, true).decode(rec(key), lean), true);
    assert.equal(full[PSEUDO_COUNT], 'u1');
    // KAFKA STRING keys cannot fail to decode: skipped. A JSON key can fail (the record is then dropped): decoded.
    assert.equal(lean[PSEUDO_COUNT], keyFormat === 'KAFKA' ? null : 'u1');
    assert.deepEqual(lean.slice(PSEUDO_COUNT + 1), full.slice(PSEUDO_COUNT + 1));
    assert.deepEqual(lean.slice(0, PSEUDO_COUNT), full.slice(0, PSEUDO_COUNT));
  }
  // A JSON key that does not parse still drops the record when the key is unused.
  assert.equal(new RecordDecoder(source('JSON'), true).decode(rec(Buffer.from('{oops')), new Array(8)), false);
});
