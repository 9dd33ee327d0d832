/**
 * Read-only views of the message declarations for tools that walk them (the schema-driven fuzzer, docs): which
 * fields a struct has in one version, whether each may be null there and whether it travels as a tagged field.
 * Pure functions over the FieldSpec tree that schema.ts builds its codecs from, so any API declared later is
 * described without extra work.
 */
import { type Api, type FieldSpec, inRange } from './schema.js';

export interface FieldView {
  name: string;
  spec: FieldSpec;
  /** May be null in this version. */
  nullable: boolean;
  /** Travels as a tagged field in this version (may then be left out entirely). */
  tagged: boolean;
}

/** The fields of a struct spec that exist in `version`, in wire order (tagged ones too, marked). */
export function fieldsAt(spec: FieldSpec, version: number, flexible: boolean): FieldView[] {
  if (spec.kind !== 'struct') throw new TypeError(`not a struct: ${spec.kind}`);
  const out: FieldView[] = [];
  for (const [name, f] of spec.fields!) {
    if (!inRange(f.versions, version)) continue;
    out.push({
      name,
      spec: f,
      nullable: inRange(f.nullable, version),
      tagged: f.tag !== undefined && flexible && inRange(f.taggedVersions!, version),
    });
  }
  return out;
}

/** Whether a value of this spec may be null in `version` (for array elements and other specs outside a struct). */
export function nullableAt(spec: FieldSpec, version: number): boolean {
  return inRange(spec.nullable, version);
}

/** The request fields of `api` in `version`. */
export function requestFields(api: Api, version: number): FieldView[] {
  return fieldsAt(api.request.spec, version, api.isFlexible(version));
}

/** Every version of `api`, oldest first. */
export function versionsOf(api: Api): number[] {
  const out: number[] = [];
  for (let v = api.minVersion; v <= api.maxVersion; v++) out.push(v);
  return out;
}
