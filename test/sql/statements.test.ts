/**
 * One test per statement kind: the parser's tree for each (and its errors with line and column), then the
 * statements that need a broker run through the engine: INSERT INTO ... VALUES, INSERT INTO ... SELECT, DELIMITED
 * and KAFKA formats, EXPLAIN, PRINT, SET/UNSET, RUN SCRIPT, TERMINATE and DROP ... DELETE TOPIC.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqlEngine } from '../../src/sql/engine.js';
import { parseStatements, SqlParseError } from '../../src/sql/parser.js';
import { startTestBroker } from '../helpers/broker.js';

const KINDS: Array<[string, string, Record<string, unknown>?]> = [
  [
    "CREATE STREAM s (id INT KEY, v STRING) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON');",
    'createSource',
    { sourceType: 'STREAM' },
  ],
  [
    "CREATE OR REPLACE TABLE t (id INT PRIMARY KEY, v STRING) WITH (KAFKA_TOPIC='t', FORMAT='JSON');",
    'createSource',
    { orReplace: true },
  ],
  ["CREATE SOURCE TABLE t2 (id INT PRIMARY KEY) WITH (KAFKA_TOPIC='t');", 'createSource', { source: true }],
  [
    "CREATE STREAM IF NOT EXISTS s3 (a DECIMAL(4, 2), b ARRAY<MAP<STRING, STRUCT<x INT>>>, c BYTES, d DATE, e TIME, f TIMESTAMP) WITH (KAFKA_TOPIC='x', VALUE_FORMAT='JSON', PARTITIONS=2, REPLICAS=1, TIMESTAMP='f');",
    'createSource',
    { ifNotExists: true },
  ],
  ['CREATE STREAM s2 AS SELECT * FROM s EMIT CHANGES;', 'createAs', { sourceType: 'STREAM' }],
  [
    'CREATE TABLE c AS SELECT id, COUNT(*) FROM s WINDOW HOPPING (SIZE 1 MINUTE, ADVANCE BY 10 SECONDS, RETENTION 1 DAY, GRACE PERIOD 5 SECONDS) GROUP BY id;',
    'createAs',
    { sourceType: 'TABLE' },
  ],
  ['INSERT INTO s SELECT * FROM s2;', 'insertSelect'],
  ["INSERT INTO s (id, v) VALUES (1, 'x');", 'insertValues', { columns: ['ID', 'V'] }],
  ['DROP STREAM IF EXISTS s DELETE TOPIC;', 'drop', { ifExists: true, deleteTopic: true }],
  ['SHOW STREAMS;', 'show', { what: 'STREAMS' }],
  ['LIST TABLES;', 'show', { what: 'TABLES' }],
  ['SHOW TOPICS EXTENDED;', 'show', { what: 'TOPICS', extended: true }],
  ['SHOW QUERIES;', 'show', { what: 'QUERIES' }],
  ['SHOW PROPERTIES;', 'show', { what: 'PROPERTIES' }],
  ['SHOW FUNCTIONS;', 'show', { what: 'FUNCTIONS' }],
  ['DESCRIBE s;', 'describe', { name: 'S', extended: false }],
  ['DESCRIBE EXTENDED s;', 'describe', { name: 'S', extended: true }],
  ['DESCRIBE FUNCTION substring;', 'describeFunction', { name: 'SUBSTRING' }],
  ['EXPLAIN CSAS_S2_1;', 'explain', { queryId: 'CSAS_S2_1' }],
  ['EXPLAIN SELECT * FROM s EMIT CHANGES;', 'explain', { queryId: null }],
  [
    "PRINT 'my-topic' FROM BEGINNING INTERVAL 2 LIMIT 10;",
    'print',
    { topic: 'my-topic', fromBeginning: true, interval: 2, limit: 10 },
  ],
  ["SET 'auto.offset.reset'='earliest';", 'set', { name: 'auto.offset.reset', value: 'earliest' }],
  ["UNSET 'auto.offset.reset';", 'unset', { name: 'auto.offset.reset' }],
  ['TERMINATE CSAS_S2_1;', 'terminate', { queryId: 'CSAS_S2_1' }],
  ['TERMINATE ALL;', 'terminate', { queryId: null }],
  ["RUN SCRIPT '/tmp/x.sql';", 'runScript', { path: '/tmp/x.sql' }],
  ['SELECT a, b FROM s s1 JOIN t ON s1.id = t.id WHERE a > 1 PARTITION BY b EMIT CHANGES LIMIT 5;', 'query'],
  [
    'SELECT `mixedCase` FROM s WINDOW SESSION (30 SECONDS) GROUP BY `mixedCase` HAVING COUNT(*) > 2 EMIT FINAL;',
    'query',
  ],
];

test('the parser builds each statement kind', () => {
  for (const [text, kind, fields] of KINDS) {
    const [s] = parseStatements(text);
    assert.equal(s?.kind, kind, text);
    assert.equal(s?.text, text);
    for (const [k, v] of Object.entries(fields ?? {}))
      assert.deepEqual((s as unknown as Record<string, unknown>)[k], v, `${text}: ${k}`);
  }
  const [q] = parseStatements('SELECT `mixedCase` FROM s WINDOW SESSION (30 SECONDS) GROUP BY `mixedCase` EMIT FINAL;');
  assert.ok(q?.kind === 'query' && q.query.window?.type === 'SESSION' && q.query.window.size === 30_000);
  assert.ok(
    q?.kind === 'query' &&
      q.query.select[0]?.kind === 'expr' &&
      q.query.select[0].expr.k === 'col' &&
      q.query.select[0].expr.name === 'mixedCase',
  );
});

test('parse errors point at line and column', () => {
  const cases: Array<[string, number, number, RegExp]> = [
    ['SELECT * FRM t;', 1, 10, /Syntax error at or near 'FRM'/],
    ['SHOW STREAMS;\nCREATE STREAM (a INT);', 2, 15, /Syntax error at or near '\('/],
    ["CREATE STREAM s (a INT) WITH (KAFKA_TOPIC='x'", 1, 46, /end of input/],
    ['SELECT # FROM t;', 1, 8, /Syntax error at or near '#'/],
    ['CREATE STREAM s (a NUMBERS);', 1, 20, /Unknown type: NUMBERS/],
  ];
  for (const [text, line, column, msg] of cases) {
    assert.throws(
      () => parseStatements(text),
      (e: unknown) => e instanceof SqlParseError && e.line === line && e.column === column && msg.test(e.message),
      text,
    );
  }
});

test('engine statements: inserts, formats, EXPLAIN, PRINT, SET, RUN SCRIPT, TERMINATE, DROP', async () => {
  const broker = await startTestBroker();
  const engine = new SqlEngine({ bootstrap: broker.bootstrap });
  const dir = mkdtempSync(join(tmpdir(), 'samsa-sql-'));
  try {
    await engine.start();
    const script = join(dir, 'setup.sql');
    writeFileSync(
      script,
      `CREATE STREAM orders (id INT KEY, item VARCHAR, qty INT) WITH (KAFKA_TOPIC='orders', PARTITIONS=1, VALUE_FORMAT='DELIMITED');
       CREATE STREAM big_orders (id INT KEY, item VARCHAR, qty INT) WITH (KAFKA_TOPIC='big', PARTITIONS=1, VALUE_FORMAT='JSON');`,
    );
    const ran = await engine.execute(`RUN SCRIPT '${script}';`);
    assert.deepEqual(
      ran.map((e) => (e.commandStatus as { message: string }).message),
      ['Stream created', 'Stream created'],
    );
    await engine.execute(
      "INSERT INTO orders (id, item, qty) VALUES (1, 'apple', 5); INSERT INTO orders VALUES (2, 'pear, green', 50);",
    );
    const printed: unknown[][] = [];
    const p = await engine.query("PRINT 'orders' FROM BEGINNING LIMIT 2;", {}, (v) => printed.push(v));
    await p.done;
    // The key is the KAFKA format's 4-byte big-endian INT 1.
    assert.ok(
      String(printed[0]).includes('key: \u0000\u0000\u0000\u0001, value: apple,5, partition: 0'),
      String(printed[0]),
    );
    assert.match(String(printed[1]), /value: "pear, green",50/);

    // SET applies to the rest of the request: the INSERT INTO ... SELECT reads from the beginning.
    const ins = await engine.execute(
      "SET 'auto.offset.reset'='earliest'; INSERT INTO big_orders SELECT * FROM orders WHERE qty > 10;",
    );
    const qid = (ins[0]!.commandStatus as { queryId: string }).queryId;
    assert.match(qid, /^INSERTQUERY_BIG_ORDERS_/);
    const rows: unknown[][] = [];
    const h = await engine.query(
      'SELECT * FROM big_orders EMIT CHANGES LIMIT 1;',
      { 'auto.offset.reset': 'earliest' },
      (v) => rows.push(v),
    );
    await h.done;
    assert.deepEqual(rows, [[2, 'pear, green', 50]]);
    const unset = await engine.execute("SET 'a'='b'; UNSET 'a'; SHOW PROPERTIES;");
    assert.ok(!(unset[0]!.overwrittenProperties as string[]).includes('a'));

    const explained = await engine.execute(`EXPLAIN ${qid};`);
    assert.match(String((explained[0]!.queryDescription as { executionPlan: string }).executionPlan), /FILTER/);
    await assert.rejects(engine.execute('DROP STREAM big_orders;'), /terminate them before dropping/);
    await engine.execute(`TERMINATE ${qid};`);
    const dropped = await engine.execute('DROP STREAM big_orders DELETE TOPIC;');
    assert.match(String((dropped[0]!.commandStatus as { message: string }).message), /was dropped/);
    const shown = await engine.execute('SHOW STREAMS;');
    assert.deepEqual(
      (shown[0]!.streams as Array<{ name: string }>).map((s) => s.name),
      ['ORDERS'],
    );
    await assert.rejects(engine.execute("INSERT INTO orders VALUES ('x');"), /Expected a value for each column/);
    await assert.rejects(engine.execute('SELECT * FROM orders EMIT CHANGES;'), /\/query/);
  } finally {
    await engine.close();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
