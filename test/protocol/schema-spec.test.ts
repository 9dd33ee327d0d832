/**
 * Cross-checks every declared API against Kafka's own message definitions: keys, versions, flexible versions,
 * and for every field its name, type, versions, nullable versions, tag and default.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_APIS } from '../../src/protocol/messages/index.js';
import { defaultValue, type FieldSpec } from '../../src/protocol/schema.js';
import { hasSpec, readSpec } from '../helpers/spec.js';

const camel = (s: string) => s[0]!.toLowerCase() + s.slice(1);
const PRIMS = new Set([
  'bool',
  'int8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'float64',
  'string',
  'bytes',
  'records',
  'uuid',
]);

function specDefault(type: string, d: string | undefined): unknown {
  if (d === undefined) return undefined;
  if (d === 'null') return null;
  if (type === 'bool') return d === 'true';
  if (type === 'string') return d;
  return Number(d);
}

/** Lowest version of a range such as "3+", "1-4" or "2". */
const minVersion = (range: string): number => (range === 'none' ? Infinity : Number(range.split(/[+-]/)[0]));

function compareFields(
  path: string,
  all: Array<[string, FieldSpec]>,
  theirs: any[],
  common: Map<string, any>,
  specMax: number,
): void {
  // Fields that exist only in versions newer than Kafka 3.9's are Samsa's extension and not in the spec.
  const ours = all.filter(([, f]) => minVersion(f.versions) <= specMax);
  assert.deepEqual(
    ours.map(([n]) => n),
    theirs.map((f) => camel(f.name)),
    `${path}: field names and order`,
  );
  theirs.forEach((tf, i) => {
    const [name, of] = ours[i]!;
    const p = `${path}.${name}`;
    assert.equal(of.versions, tf.versions, `${p}: versions`);
    assert.equal(of.nullable, tf.nullableVersions ?? 'none', `${p}: nullable versions`);
    assert.equal(of.tag, tf.tag, `${p}: tag`);
    assert.equal(of.taggedVersions, tf.taggedVersions, `${p}: tagged versions`);
    let type: string = tf.type;
    let spec = of;
    if (type.startsWith('[]')) {
      assert.equal(of.kind, 'array', `${p}: kind`);
      type = type.slice(2);
      spec = of.elem!;
    }
    if (PRIMS.has(type)) {
      assert.equal(spec.kind, type, `${p}: type`);
      const d = specDefault(type, tf.default);
      if (d !== undefined && of.kind !== 'array') assert.deepEqual(defaultValue(of), d, `${p}: default`);
    } else {
      assert.equal(spec.kind, 'struct', `${p}: struct type ${type}`);
      const fields = tf.fields ?? common.get(type)?.fields;
      assert.ok(fields, `${p}: struct ${type} has fields in the spec`);
      compareFields(p, spec.fields!, fields, common, specMax);
    }
  });
}

test('every declared API matches Kafka 3.9 message definitions', {
  skip: hasSpec ? false : 'NOTICE: ../shared/kafka-spec not found; schema cross-check skipped',
}, () => {
  assert.ok(ALL_APIS.length > 0);
  for (const a of ALL_APIS) {
    for (const side of ['Request', 'Response'] as const) {
      const s = readSpec(`${a.name}${side}`);
      assert.ok(s, `spec file for ${a.name}${side}`);
      assert.equal(a.key, s.apiKey, `${a.name}: api key`);
      assert.equal(a.kafka39Versions, s.validVersions, `${a.name}${side}: valid versions`);
      assert.equal(a.flexibleVersions, s.flexibleVersions, `${a.name}${side}: flexible versions`);
      const common = new Map<string, any>((s.commonStructs ?? []).map((c: any) => [c.name, c]));
      const root = side === 'Request' ? a.request.spec : a.response.spec;
      const specMax = Number(String(s.validVersions).split('-').at(-1));
      compareFields(`${a.name}${side}`, root.fields!, s.fields, common, specMax);
    }
  }
});
