/**
 * JSON Schema through ajv (draft-07 by default; 2019-09 and 2020-12 when `$schema` says so). A schema is valid
 * when ajv compiles it. Compatibility follows Confluent's content-model rules: an object schema is open unless
 * `additionalProperties` is false, so a reader may drop a property only when it stays open, may add one only when
 * the writer was closed (an open writer may have put anything under that name), and may not narrow types,
 * enums, bounds or required lists. Local `$ref`s (#/definitions/...) are followed; references to other schemas
 * are compared by name.
 */
import { Ajv, type AnySchema } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ParsedSchema, ResolvedReference } from './index.js';

type Json = boolean | { [k: string]: unknown };
// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (
  ajv: Ajv,
) => void;

export class JsonSchema implements ParsedSchema {
  readonly type = 'JSON' as const;
  constructor(readonly root: Json) {}

  text(normalize: boolean): string {
    return JSON.stringify(normalize ? sortKeys(this.root) : this.root);
  }

  canRead(writer: ParsedSchema): string[] {
    const out: string[] = [];
    compare(this.root, this.root, (writer as JsonSchema).root, (writer as JsonSchema).root, '#', out, 0);
    return out;
  }
}

export function parseJsonSchema(text: string, refs: ResolvedReference[]): JsonSchema {
  const root = JSON.parse(text) as unknown;
  if (typeof root !== 'boolean' && (typeof root !== 'object' || root === null || Array.isArray(root))) {
    throw new Error('a JSON Schema is an object or a boolean');
  }
  const draft = typeof root === 'object' ? String((root as Record<string, unknown>)['$schema'] ?? '') : '';
  const opts = { strict: false, allErrors: false, validateFormats: true };
  const ajv = draft.includes('2020-12')
    ? new Ajv2020(opts)
    : draft.includes('2019-09')
      ? new Ajv2019(opts)
      : new Ajv(opts);
  addFormats(ajv as Ajv);
  for (const r of refs) ajv.addSchema(withoutDraft(JSON.parse(r.schema)) as AnySchema, r.name);
  ajv.compile(withoutDraft(root) as AnySchema);
  return new JsonSchema(root as Json);
}

/** Drafts ajv has no meta-schema for (04, 06) are compiled as draft-07, which reads them the same for our use. */
function withoutDraft(s: unknown): unknown {
  if (typeof s !== 'object' || s === null) return s;
  const d = String((s as Record<string, unknown>)['$schema'] ?? '');
  if (!/draft-0[46]/.test(d)) return s;
  const { $schema: _, ...rest } = s as Record<string, unknown>;
  return rest;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
  return out;
}

type Obj = Record<string, unknown>;

/** Follows a local `$ref` (JSON pointer into the same document); other references stay as they are. */
function deref(s: unknown, root: Json, depth = 0): unknown {
  if (typeof s !== 'object' || s === null || depth > 20) return s;
  const ref = (s as Obj)['$ref'];
  if (typeof ref !== 'string' || !ref.startsWith('#')) return s;
  let cur: unknown = root;
  for (const part of ref.slice(1).split('/').filter(Boolean)) {
    const key = decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~');
    cur = typeof cur === 'object' && cur !== null ? (cur as Obj)[key] : undefined;
  }
  return cur === undefined ? s : deref(cur, root, depth + 1);
}

function isAny(s: unknown): boolean {
  return s === true || (typeof s === 'object' && s !== null && Object.keys(s).length === 0);
}

function typesOf(s: Obj): string[] | undefined {
  const t = s['type'];
  if (typeof t === 'string') return [t];
  if (Array.isArray(t)) return t.map(String);
  return undefined;
}

/** Appends to `out` the reasons data valid under writer `w` may be invalid under reader `r`. */
function compare(r0: unknown, rRoot: Json, w0: unknown, wRoot: Json, path: string, out: string[], depth: number): void {
  if (depth > 32) return;
  const r = deref(r0, rRoot);
  const w = deref(w0, wRoot);
  if (isAny(r) || w === false) return;
  if (r === false) {
    out.push(`type: FALSE_SCHEMA_ADDED, location: ${path}`);
    return;
  }
  if (w === true) {
    out.push(`type: TYPE_NARROWED, location: ${path}`);
    return;
  }
  const rs = r as Obj;
  const ws = w as Obj;
  if (typeof rs['$ref'] === 'string' || typeof ws['$ref'] === 'string') {
    if (rs['$ref'] !== ws['$ref']) out.push(`type: REFERENCE_CHANGED, location: ${path}`);
    return;
  }
  const problem = (type: string) => out.push(`type: ${type}, location: ${path}`);

  const rt = typesOf(rs);
  const wt = typesOf(ws);
  if (rt !== undefined) {
    if (wt === undefined) problem('TYPE_NARROWED');
    else {
      for (const t of wt) {
        if (!rt.includes(t) && !(t === 'integer' && rt.includes('number'))) problem('TYPE_CHANGED');
      }
    }
  }
  if (Array.isArray(rs['enum'])) {
    const re = (rs['enum'] as unknown[]).map((x) => JSON.stringify(x));
    const we = Array.isArray(ws['enum']) ? (ws['enum'] as unknown[]).map((x) => JSON.stringify(x)) : undefined;
    if (we === undefined || we.some((x) => !re.includes(x))) problem('ENUM_ARRAY_NARROWED');
  }
  if ('const' in rs && JSON.stringify(rs['const']) !== JSON.stringify(ws['const'])) problem('CONST_CHANGED');
  // Upper bounds may only grow, lower bounds only shrink.
  for (const k of ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties']) {
    const rv = rs[k];
    const wv = ws[k];
    if (typeof rv === 'number' && (typeof wv !== 'number' || wv > rv)) problem(`${camelToUpper(k)}_DECREASED`);
  }
  for (const k of ['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties']) {
    const rv = rs[k];
    const wv = ws[k];
    if (typeof rv === 'number' && (typeof wv !== 'number' || wv < rv)) problem(`${camelToUpper(k)}_INCREASED`);
  }
  if (typeof rs['pattern'] === 'string' && rs['pattern'] !== ws['pattern']) problem('PATTERN_CHANGED');

  // Objects: the open/closed content model.
  const rProps = (rs['properties'] ?? {}) as Obj;
  const wProps = (ws['properties'] ?? {}) as Obj;
  const rAdd = rs['additionalProperties'];
  const wAdd = ws['additionalProperties'];
  const rOpen = rAdd !== false;
  const wOpen = wAdd !== false;
  for (const [name, wp] of Object.entries(wProps)) {
    const at = `${path}/properties/${name}`;
    if (name in rProps) compare(rProps[name], rRoot, wp, wRoot, at, out, depth + 1);
    else if (!rOpen) out.push(`type: PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL, location: ${at}`);
    else if (typeof rAdd === 'object' && rAdd !== null) compare(rAdd, rRoot, wp, wRoot, at, out, depth + 1);
  }
  for (const [name, rp] of Object.entries(rProps)) {
    if (name in wProps) continue;
    const at = `${path}/properties/${name}`;
    if (typeof wAdd === 'object' && wAdd !== null) compare(rp, rRoot, wAdd, wRoot, at, out, depth + 1);
    else if (wOpen && !isAny(deref(rp, rRoot))) out.push(`type: PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL, location: ${at}`);
  }
  if (!rOpen && wOpen) {
    problem('ADDITIONAL_PROPERTIES_REMOVED');
  } else if (typeof rAdd === 'object' && rAdd !== null && typeof wAdd === 'object' && wAdd !== null) {
    compare(rAdd, rRoot, wAdd, wRoot, `${path}/additionalProperties`, out, depth + 1);
  } else if (typeof rAdd === 'object' && rAdd !== null && wAdd === undefined && !isAny(rAdd)) {
    problem('ADDITIONAL_PROPERTIES_NARROWED');
  }
  const rReq = Array.isArray(rs['required']) ? (rs['required'] as string[]) : [];
  const wReq = Array.isArray(ws['required']) ? (ws['required'] as string[]) : [];
  for (const name of rReq)
    if (!wReq.includes(name)) out.push(`type: REQUIRED_PROPERTY_ADDED, location: ${path}/required/${name}`);

  // Arrays.
  const rItems = rs['items'];
  const wItems = ws['items'];
  if (rItems !== undefined && !Array.isArray(rItems)) {
    if (wItems === undefined) {
      if (!isAny(rItems)) problem('ITEMS_NARROWED');
    } else if (!Array.isArray(wItems)) compare(rItems, rRoot, wItems, wRoot, `${path}/items`, out, depth + 1);
  }

  // Alternatives: each writer branch must be readable by some reader branch.
  for (const k of ['oneOf', 'anyOf']) {
    const ra = rs[k];
    if (!Array.isArray(ra)) continue;
    const wa = Array.isArray(ws[k]) ? (ws[k] as unknown[]) : [ws];
    for (const [i, wb] of wa.entries()) {
      const ok = ra.some((rb) => {
        const tmp: string[] = [];
        compare(rb, rRoot, wb, wRoot, path, tmp, depth + 1);
        return tmp.length === 0;
      });
      if (!ok) out.push(`type: COMBINED_TYPE_SUBSCHEMAS_CHANGED, location: ${path}/${k}/${i}`);
    }
  }
}

function camelToUpper(k: string): string {
  return k.replace(/([A-Z])/g, '_$1').toUpperCase();
}
