/**
 * The schema registry's REST API at the HTTP level: every endpoint, Confluent's error codes and bodies, content
 * types, id reuse, deletes, config and mode, references, and compatibility refusals (409) for each schema type and
 * level, plus malformed schemas (42201).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { call, registryBrokerForFile } from './helpers.js';

const f = registryBrokerForFile();

const get = (p: string) => call(f.url, 'GET', p);
const post = (p: string, b: unknown) => call(f.url, 'POST', p, b);
const put = (p: string, b: unknown) => call(f.url, 'PUT', p, b);
const del = (p: string) => call(f.url, 'DELETE', p);

function expectError(r: { status: number; body: { error_code: number; message: string } }, code: number): void {
  assert.equal(r.body?.error_code, code, JSON.stringify(r.body));
  assert.equal(r.status, code < 1000 ? code : Math.floor(code / 100));
  assert.equal(typeof r.body.message, 'string');
}

const avro = (fields: unknown[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'record', name: 'Rec', namespace: 'test', fields, ...extra });

describe('basics', () => {
  test('root, types, content types', async () => {
    assert.deepEqual((await get('/')).body, {});
    const types = await get('/schemas/types');
    assert.deepEqual([...types.body].sort(), ['AVRO', 'JSON', 'PROTOBUF']);
    assert.equal(types.contentType, 'application/vnd.schemaregistry.v1+json');
    const json = await call(f.url, 'GET', '/schemas/types', undefined, { accept: 'application/json' });
    assert.equal(json.contentType, 'application/json');
    const plain = await call(f.url, 'GET', '/schemas/types', undefined, {
      accept: 'application/vnd.schemaregistry+json',
    });
    assert.equal(plain.contentType, 'application/vnd.schemaregistry+json');
    const viaJson = await call(
      f.url,
      'POST',
      '/subjects/ct-value/versions',
      { schema: '"string"' },
      {
        'content-type': 'application/json',
      },
    );
    assert.equal(viaJson.status, 200);
    const viaPlain = await call(
      f.url,
      'POST',
      '/subjects/ct-value/versions',
      { schema: '"string"' },
      {
        'content-type': 'application/vnd.schemaregistry+json',
      },
    );
    assert.equal(viaPlain.body.id, viaJson.body.id);
    const text = await call(f.url, 'POST', '/subjects/ct-value/versions', 'schema', { 'content-type': 'text/plain' });
    assert.equal(text.status, 415);
    const bad = await call(f.url, 'POST', '/subjects/ct-value/versions', '{not json');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error_code, 400);
    assert.equal((await get('/no/such/path')).status, 404);
  });

  test('register, fetch by subject and id, ids reused across subjects', async () => {
    const s = avro([{ name: 'a', type: 'int' }]);
    const r1 = await post('/subjects/basic-value/versions', { schema: s });
    assert.equal(r1.status, 200);
    const id = r1.body.id as number;
    assert.ok(id > 0);
    // The same schema, spaced differently, under the same subject: same id, no new version.
    const again = await post('/subjects/basic-value/versions', { schema: JSON.stringify(JSON.parse(s), null, 2) });
    assert.equal(again.body.id, id);
    assert.deepEqual((await get('/subjects/basic-value/versions')).body, [1]);
    // Under another subject: same id, version 1 there.
    const other = await post('/subjects/basic-other/versions', { schema: s, schemaType: 'AVRO' });
    assert.equal(other.body.id, id);

    const v1 = await get('/subjects/basic-value/versions/1');
    assert.deepEqual(v1.body, { subject: 'basic-value', version: 1, id, schema: s });
    assert.deepEqual((await get('/subjects/basic-value/versions/latest')).body, v1.body);
    assert.deepEqual((await get('/subjects/basic-value/versions/-1')).body, v1.body);
    assert.deepEqual((await get('/subjects/basic-value/versions/1/schema')).body, JSON.parse(s));
    assert.deepEqual((await get(`/schemas/ids/${id}`)).body, { schema: s });
    assert.deepEqual((await get(`/schemas/ids/${id}?subject=basic-value`)).body, { schema: s });
    assert.deepEqual((await get(`/schemas/ids/${id}/schema`)).body, JSON.parse(s));
    assert.deepEqual((await get(`/schemas/ids/${id}/subjects`)).body, ['basic-other', 'basic-value']);
    assert.deepEqual((await get(`/schemas/ids/${id}/versions`)).body, [
      { subject: 'basic-other', version: 1 },
      { subject: 'basic-value', version: 1 },
    ]);
    const subjects = (await get('/subjects')).body as string[];
    assert.ok(subjects.includes('basic-value') && subjects.includes('basic-other'));
    assert.deepEqual((await get('/subjects?subjectPrefix=basic-v')).body, ['basic-value']);
    const schemas = (await get('/schemas?subjectPrefix=basic-')).body as Array<{ subject: string; id: number }>;
    assert.deepEqual(
      schemas.map((x) => [x.subject, x.id]),
      [
        ['basic-other', id],
        ['basic-value', id],
      ],
    );

    // A second version.
    const s2 = avro([
      { name: 'a', type: 'int' },
      { name: 'b', type: 'string', default: 'x' },
    ]);
    const r2 = await post('/subjects/basic-value/versions', { schema: s2 });
    assert.equal(r2.status, 200);
    assert.notEqual(r2.body.id, id);
    assert.deepEqual((await get('/subjects/basic-value/versions')).body, [1, 2]);
    assert.equal((await get('/subjects/basic-value/versions/latest')).body.version, 2);
    assert.deepEqual(
      ((await get('/schemas?subjectPrefix=basic-value&latestOnly=true')).body as Array<{ version: number }>).map(
        (x) => x.version,
      ),
      [2],
    );
  });

  test('not found and invalid version errors', async () => {
    expectError(await get('/subjects/nope/versions'), 40401);
    expectError(await get('/subjects/nope/versions/1'), 40401);
    expectError(await get('/schemas/ids/99999'), 40403);
    expectError(await get('/schemas/ids/99999/subjects'), 40403);
    await post('/subjects/nf-value/versions', { schema: '"long"' });
    expectError(await get('/subjects/nf-value/versions/7'), 40402);
    expectError(await get('/subjects/nf-value/versions/abc'), 42202);
    expectError(await get('/subjects/nf-value/versions/0'), 42202);
    expectError(await del('/subjects/nope'), 40401);
  });

  test('lookup: found, schema not found (40403), subject not found (40401)', async () => {
    const s = avro([{ name: 'k', type: 'string' }]);
    const { body } = await post('/subjects/look-value/versions', { schema: s });
    const found = await post('/subjects/look-value', { schema: JSON.stringify(JSON.parse(s), null, 1) });
    assert.equal(found.status, 200);
    assert.deepEqual(found.body, { subject: 'look-value', version: 1, id: body.id, schema: s });
    expectError(await post('/subjects/look-value', { schema: '"bytes"' }), 40403);
    expectError(await post('/subjects/look-nope', { schema: s }), 40401);
    // normalize=true matches an equivalent schema written in another attribute order.
    const reordered = JSON.stringify({
      name: 'Rec',
      fields: [{ type: 'string', name: 'k' }],
      namespace: 'test',
      type: 'record',
    });
    expectError(await post('/subjects/look-value', { schema: reordered }), 40403);
    assert.equal((await post('/subjects/look-value?normalize=true', { schema: reordered })).status, 200);
  });

  test('malformed schemas are refused with 42201 for each type', async () => {
    expectError(await post('/subjects/bad-avro/versions', { schema: '{"type":"record","name":"X"}' }), 42201);
    expectError(await post('/subjects/bad-avro/versions', { schema: '{"type":"nosuch"}' }), 42201);
    expectError(await post('/subjects/bad-json/versions', { schemaType: 'JSON', schema: '{"type": 12}' }), 42201);
    expectError(await post('/subjects/bad-json/versions', { schemaType: 'JSON', schema: '[1,2' }), 42201);
    expectError(
      await post('/subjects/bad-proto/versions', { schemaType: 'PROTOBUF', schema: 'syntax = "proto3"; message {' }),
      42201,
    );
    expectError(
      await post('/subjects/bad-proto/versions', {
        schemaType: 'PROTOBUF',
        schema: 'syntax = "proto3"; message M { Unknown u = 1; }',
      }),
      42201,
    );
    expectError(await post('/subjects/bad-type/versions', { schemaType: 'XML', schema: '<a/>' }), 42201);
    expectError(await post('/subjects/bad-empty/versions', {}), 42201);
  });
});

describe('config and mode', () => {
  test('global and subject compatibility levels', async () => {
    assert.deepEqual((await get('/config')).body, { compatibilityLevel: 'BACKWARD' });
    expectError(await get('/config/cfg-value'), 40408);
    assert.deepEqual((await get('/config/cfg-value?defaultToGlobal=true')).body, { compatibilityLevel: 'BACKWARD' });
    assert.deepEqual((await put('/config/cfg-value', { compatibility: 'FULL' })).body, { compatibility: 'FULL' });
    assert.deepEqual((await get('/config/cfg-value')).body, { compatibilityLevel: 'FULL' });
    expectError(await put('/config/cfg-value', { compatibility: 'SIDEWAYS' }), 42203);
    expectError(await put('/config', { compatibility: 'SIDEWAYS' }), 42203);
    assert.deepEqual((await del('/config/cfg-value')).body, { compatibilityLevel: 'FULL' });
    expectError(await get('/config/cfg-value'), 40408);
    assert.deepEqual((await put('/config', { compatibility: 'forward' })).body, { compatibility: 'FORWARD' });
    assert.deepEqual((await get('/config')).body, { compatibilityLevel: 'FORWARD' });
    assert.deepEqual((await del('/config')).body, { compatibilityLevel: 'FORWARD' });
    assert.deepEqual((await get('/config')).body, { compatibilityLevel: 'BACKWARD' });
  });

  test('modes: READONLY refuses writes, IMPORT takes explicit ids', async () => {
    assert.deepEqual((await get('/mode')).body, { mode: 'READWRITE' });
    expectError(await get('/mode/mode-ro'), 40409);
    assert.deepEqual((await get('/mode/mode-ro?defaultToGlobal=true')).body, { mode: 'READWRITE' });
    expectError(await put('/mode/mode-ro', { mode: 'WRITEONLY' }), 42204);
    assert.deepEqual((await put('/mode/mode-ro', { mode: 'READONLY' })).body, { mode: 'READONLY' });
    expectError(await post('/subjects/mode-ro/versions', { schema: '"int"' }), 42205);
    assert.deepEqual((await del('/mode/mode-ro')).body, { mode: 'READONLY' });
    assert.equal((await post('/subjects/mode-ro/versions', { schema: '"int"' })).status, 200);

    // An explicit id is refused outside IMPORT mode.
    expectError(await post('/subjects/mode-imp/versions', { schema: '"float"', id: 5000 }), 42205);
    // IMPORT on a subject with versions needs force.
    expectError(await put('/mode/mode-ro', { mode: 'IMPORT' }), 42205);
    assert.equal((await put('/mode/mode-imp', { mode: 'IMPORT' })).status, 200);
    const imp = await post('/subjects/mode-imp/versions', { schema: '"double"', id: 5000, version: 3 });
    assert.deepEqual(imp.body, { id: 5000 });
    assert.deepEqual((await get('/subjects/mode-imp/versions')).body, [3]);
    assert.deepEqual((await get('/schemas/ids/5000')).body, { schema: '"double"' });
    // The id holds another schema: refused.
    expectError(await post('/subjects/mode-imp/versions', { schema: '"boolean"', id: 5000 }), 42207);
    await del('/mode/mode-imp');
    // New ids continue after the largest one seen.
    const next = await post('/subjects/mode-after/versions', { schema: '"bytes"' });
    assert.ok(next.body.id > 5000);
  });
});

describe('deletes', () => {
  test('soft and permanent deletes of versions and subjects', async () => {
    const s1 = avro([{ name: 'deleted_a', type: 'int' }]);
    const s2 = avro([
      { name: 'deleted_a', type: 'int' },
      { name: 'b', type: ['null', 'string'], default: null },
    ]);
    const id1 = (await post('/subjects/del-value/versions', { schema: s1 })).body.id;
    await post('/subjects/del-value/versions', { schema: s2 });
    expectError(await del('/subjects/del-value/versions/2?permanent=true'), 40407);
    assert.equal((await del('/subjects/del-value/versions/2')).body, 2);
    expectError(await del('/subjects/del-value/versions/2'), 40406);
    assert.deepEqual((await get('/subjects/del-value/versions')).body, [1]);
    assert.deepEqual((await get('/subjects/del-value/versions?deleted=true')).body, [1, 2]);
    expectError(await get('/subjects/del-value/versions/2'), 40402);
    assert.equal((await get('/subjects/del-value/versions/2?deleted=true')).body.version, 2);
    assert.equal((await del('/subjects/del-value/versions/2?permanent=true')).body, 2);
    assert.deepEqual((await get('/subjects/del-value/versions?deleted=true')).body, [1]);
    expectError(await del('/subjects/del-value/versions/latest?permanent=true'), 40407);

    expectError(await del('/subjects/del-value?permanent=true'), 40405);
    assert.deepEqual((await del('/subjects/del-value')).body, [1]);
    expectError(await del('/subjects/del-value'), 40404);
    assert.ok(!((await get('/subjects')).body as string[]).includes('del-value'));
    assert.ok(((await get('/subjects?deleted=true')).body as string[]).includes('del-value'));
    assert.deepEqual((await get('/subjects?deletedOnly=true&subjectPrefix=del-')).body, ['del-value']);
    expectError(await get('/subjects/del-value/versions'), 40401);
    // A soft-deleted schema still resolves by id.
    assert.equal((await get(`/schemas/ids/${id1}`)).status, 200);
    assert.equal((await post('/subjects/del-value?deleted=true', { schema: s1 })).body.version, 1);
    assert.deepEqual((await del('/subjects/del-value?permanent=true')).body, [1]);
    expectError(await get('/subjects/del-value/versions?deleted=true'), 40401);
    expectError(await get(`/schemas/ids/${id1}`), 40403);
    // Re-registering after a permanent delete starts again at version 1.
    await post('/subjects/del-value/versions', { schema: s1 });
    assert.deepEqual((await get('/subjects/del-value/versions')).body, [1]);
  });

  test('references: resolved when parsing, listed in referencedby, protected from deletion', async () => {
    const address = JSON.stringify({
      type: 'record',
      name: 'Address',
      namespace: 'ref',
      fields: [{ name: 'city', type: 'string' }],
    });
    const addrId = (await post('/subjects/ref-address/versions', { schema: address })).body.id;
    const person = JSON.stringify({
      type: 'record',
      name: 'Person',
      namespace: 'ref',
      fields: [{ name: 'home', type: 'ref.Address' }],
    });
    // Without the reference the named type is unknown.
    expectError(await post('/subjects/ref-person/versions', { schema: person }), 42201);
    const references = [{ name: 'ref.Address', subject: 'ref-address', version: 1 }];
    const pid = (await post('/subjects/ref-person/versions', { schema: person, references })).body.id;
    const byId = await get(`/schemas/ids/${pid}`);
    assert.deepEqual(byId.body, { references, schema: person });
    assert.deepEqual((await get('/subjects/ref-person/versions/1')).body.references, references);
    assert.deepEqual((await get('/subjects/ref-address/versions/1/referencedby')).body, [pid]);
    expectError(await del('/subjects/ref-address/versions/1'), 42206);
    expectError(await del('/subjects/ref-address'), 42206);
    assert.ok(addrId !== pid);
    // JSON Schema and Protobuf references.
    const jsonRef = await post('/subjects/ref-jaddr/versions', {
      schemaType: 'JSON',
      schema: JSON.stringify({ type: 'object', properties: { city: { type: 'string' } } }),
    });
    assert.equal(jsonRef.status, 200);
    const jp = await post('/subjects/ref-jperson/versions', {
      schemaType: 'JSON',
      schema: JSON.stringify({ type: 'object', properties: { home: { $ref: 'address.json' } } }),
      references: [{ name: 'address.json', subject: 'ref-jaddr', version: 1 }],
    });
    assert.equal(jp.status, 200, JSON.stringify(jp.body));
    const pa = await post('/subjects/ref-paddr/versions', {
      schemaType: 'PROTOBUF',
      schema: 'syntax = "proto3";\npackage ref;\nmessage Address { string city = 1; }\n',
    });
    assert.equal(pa.status, 200);
    const pp = await post('/subjects/ref-pperson/versions', {
      schemaType: 'PROTOBUF',
      schema: 'syntax = "proto3";\npackage ref;\nimport "address.proto";\nmessage Person { Address home = 1; }\n',
      references: [{ name: 'address.proto', subject: 'ref-paddr', version: 1 }],
    });
    assert.equal(pp.status, 200, JSON.stringify(pp.body));
  });
});

/** Per type: a base schema, a change only BACKWARD refuses, one only FORWARD refuses, and a harmless edit. */
interface TypeCase {
  type: 'AVRO' | 'JSON' | 'PROTOBUF';
  base: string;
  backwardBreak: string;
  forwardBreak: string;
  harmless(s: string): string;
}

const CASES: TypeCase[] = [
  {
    type: 'AVRO',
    base: avro([{ name: 'a', type: 'int' }]),
    // A new field without default: the new reader cannot read old data; the old reader ignores it.
    backwardBreak: avro([
      { name: 'a', type: 'int' },
      { name: 'b', type: 'string' },
    ]),
    // A removed field without default: old readers need it.
    forwardBreak: avro([]),
    harmless: (s) => JSON.stringify({ ...JSON.parse(s), doc: 'edited' }),
  },
  {
    type: 'JSON',
    base: JSON.stringify({ type: 'object', properties: { a: { type: 'number' } } }),
    // Narrowing number to integer: old data may hold 1.5.
    backwardBreak: JSON.stringify({ type: 'object', properties: { a: { type: 'integer' } } }),
    // Widening number to number-or-string: old readers refuse strings.
    forwardBreak: JSON.stringify({ type: 'object', properties: { a: { type: ['number', 'string'] } } }),
    harmless: (s) => JSON.stringify({ ...JSON.parse(s), description: 'edited' }),
  },
  {
    type: 'PROTOBUF',
    base: 'syntax = "proto3";\npackage t;\nmessage M { int32 a = 1; }\nmessage N { string s = 1; }\n',
    // A removed message: data of it can no longer be read.
    backwardBreak: 'syntax = "proto3";\npackage t;\nmessage M { int32 a = 1; }\n',
    // An added message: old readers do not know it.
    forwardBreak:
      'syntax = "proto3";\npackage t;\nmessage M { int32 a = 1; }\nmessage N { string s = 1; }\nmessage O { bool b = 1; }\n',
    harmless: (s) => s.replace('int32 a = 1;', 'int32 a = 1; string note = 99;'),
  },
];

describe('compatibility levels refuse incompatible changes with 409', () => {
  for (const c of CASES) {
    const reg = (subject: string, schema: string) =>
      post(`/subjects/${subject}/versions`, { schemaType: c.type, schema });
    const level = (subject: string, l: string) => put(`/config/${subject}`, { compatibility: l });

    test(`${c.type} BACKWARD`, async () => {
      const s = `compat-${c.type}-backward`;
      await level(s, 'BACKWARD');
      assert.equal((await reg(s, c.base)).status, 200);
      const refused = await reg(s, c.backwardBreak);
      expectError(refused, 409);
      assert.match(refused.body.message, /incompatible/);
      assert.equal((await reg(s, c.forwardBreak)).status, 200, 'a forward-only break passes BACKWARD');
    });

    test(`${c.type} FORWARD`, async () => {
      const s = `compat-${c.type}-forward`;
      await level(s, 'FORWARD');
      await reg(s, c.base);
      expectError(await reg(s, c.forwardBreak), 409);
      assert.equal((await reg(s, c.backwardBreak)).status, 200, 'a backward-only break passes FORWARD');
    });

    test(`${c.type} FULL`, async () => {
      const s = `compat-${c.type}-full`;
      await level(s, 'FULL');
      await reg(s, c.base);
      expectError(await reg(s, c.backwardBreak), 409);
      expectError(await reg(s, c.forwardBreak), 409);
      assert.equal((await reg(s, c.harmless(c.base))).status, 200);
    });

    test(`${c.type} NONE`, async () => {
      const s = `compat-${c.type}-none`;
      await level(s, 'NONE');
      await reg(s, c.base);
      assert.equal((await reg(s, c.backwardBreak)).status, 200);
      assert.equal((await reg(s, c.forwardBreak)).status, 200);
    });

    for (const [lvl, brk] of [
      ['BACKWARD_TRANSITIVE', c.backwardBreak],
      ['FORWARD_TRANSITIVE', c.forwardBreak],
      ['FULL_TRANSITIVE', c.backwardBreak],
    ] as const) {
      test(`${c.type} ${lvl}`, async () => {
        const s = `compat-${c.type}-${lvl.toLowerCase()}`;
        // v1 then an incompatible v2 while checks are off; v3 is compatible with v2 only.
        await level(s, 'NONE');
        await reg(s, c.base);
        assert.equal((await reg(s, brk)).status, 200);
        await level(s, lvl.replace('_TRANSITIVE', ''));
        const latestOnly = await post(`/compatibility/subjects/${s}/versions/latest?verbose=true`, {
          schemaType: c.type,
          schema: c.harmless(brk),
        });
        assert.deepEqual(latestOnly.body, { is_compatible: true, messages: [] });
        await level(s, lvl);
        const all = await post(`/compatibility/subjects/${s}/versions?verbose=true`, {
          schemaType: c.type,
          schema: c.harmless(brk),
        });
        assert.equal(all.body.is_compatible, false);
        assert.ok(all.body.messages.length > 0);
        expectError(await reg(s, c.harmless(brk)), 409);
      });
    }
  }

  test('compatibility endpoint: a version, latest, verbose messages, errors', async () => {
    const s = 'compat-endpoint';
    await post(`/subjects/${s}/versions`, { schema: avro([{ name: 'a', type: 'int' }]) });
    const bad = await post(`/compatibility/subjects/${s}/versions/1?verbose=true`, {
      schema: avro([
        { name: 'a', type: 'int' },
        { name: 'z', type: 'long' },
      ]),
    });
    assert.equal(bad.body.is_compatible, false);
    assert.match(bad.body.messages.join('\n'), /z/);
    const ok = await post(`/compatibility/subjects/${s}/versions/latest`, {
      schema: avro([{ name: 'a', type: 'long' }]),
    });
    assert.deepEqual(ok.body, { is_compatible: true });
    expectError(await post(`/compatibility/subjects/${s}/versions/9`, { schema: '"int"' }), 40402);
    expectError(await post('/compatibility/subjects/compat-nope/versions/1', { schema: '"int"' }), 40401);
    expectError(await post(`/compatibility/subjects/${s}/versions/latest`, { schema: '{"type":' }), 42201);
  });
});
