/**
 * The `_schemas` topic's record formats, as Confluent's Schema Registry writes them, so a topic written by one
 * can be read by the other: JSON keys with a `keytype` and a `magic` number, JSON values, and a null value
 * (tombstone) for a permanently deleted schema version or a removed setting. Compaction keeps the latest record
 * per key, which is all the registry needs to rebuild its state.
 */
import type { CompatibilityLevel, SchemaType } from './types/index.js';

export interface SchemaReference {
  name: string;
  subject: string;
  version: number;
}

export type Mode = 'READWRITE' | 'READONLY' | 'READONLY_OVERRIDE' | 'IMPORT';
export const MODES: readonly Mode[] = ['READWRITE', 'READONLY', 'READONLY_OVERRIDE', 'IMPORT'];

/** One stored schema version of a subject. */
export interface SchemaVersion {
  subject: string;
  version: number;
  id: number;
  schemaType: SchemaType;
  schema: string;
  references: SchemaReference[];
  deleted: boolean;
}

export type StoreKey =
  | { keytype: 'SCHEMA'; subject: string; version: number; magic: 1 }
  | { keytype: 'CONFIG'; subject: string | null; magic: 0 }
  | { keytype: 'MODE'; subject: string | null; magic: 0 }
  | { keytype: 'DELETE_SUBJECT'; subject: string; magic: 0 }
  | { keytype: 'CLEAR_SUBJECT'; subject: string; magic: 0 }
  | { keytype: 'NOOP'; magic: 0 };

/** What a record means to the registry's state. */
export type StoreEvent =
  | { kind: 'schema'; subject: string; version: number; value: SchemaVersion | null }
  | { kind: 'config'; subject: string | null; level: CompatibilityLevel | null }
  | { kind: 'mode'; subject: string | null; mode: Mode | null }
  | { kind: 'delete-subject'; subject: string; version: number }
  | { kind: 'noop' };

/** The key and value bytes of an event, in Confluent's formats. */
export function encodeEvent(e: StoreEvent): { key: string; value: string | null } {
  switch (e.kind) {
    case 'schema': {
      const key = { keytype: 'SCHEMA', subject: e.subject, version: e.version, magic: 1 };
      if (e.value === null) return { key: JSON.stringify(key), value: null };
      const v = e.value;
      const value: Record<string, unknown> = { subject: v.subject, version: v.version, id: v.id };
      if (v.schemaType !== 'AVRO') value['schemaType'] = v.schemaType;
      if (v.references.length > 0) value['references'] = v.references;
      value['schema'] = v.schema;
      value['deleted'] = v.deleted;
      return { key: JSON.stringify(key), value: JSON.stringify(value) };
    }
    case 'config':
      return {
        key: JSON.stringify({ keytype: 'CONFIG', subject: e.subject, magic: 0 }),
        value: e.level === null ? null : JSON.stringify({ compatibilityLevel: e.level }),
      };
    case 'mode':
      return {
        key: JSON.stringify({ keytype: 'MODE', subject: e.subject, magic: 0 }),
        value: e.mode === null ? null : JSON.stringify({ mode: e.mode }),
      };
    case 'delete-subject':
      return {
        key: JSON.stringify({ keytype: 'DELETE_SUBJECT', subject: e.subject, magic: 0 }),
        value: JSON.stringify({ subject: e.subject, version: e.version }),
      };
    case 'noop':
      return { key: JSON.stringify({ keytype: 'NOOP', magic: 0 }), value: null };
  }
}

/** Reads one record of the topic; records this registry does not know (or cannot parse) are skipped (null). */
export function decodeEvent(keyBytes: Buffer | null, valueBytes: Buffer | null): StoreEvent | null {
  if (keyBytes === null) return null;
  let key: Record<string, unknown>;
  let value: Record<string, unknown> | null;
  try {
    key = JSON.parse(keyBytes.toString('utf8')) as Record<string, unknown>;
    value = valueBytes === null ? null : (JSON.parse(valueBytes.toString('utf8')) as Record<string, unknown>);
  } catch {
    return null;
  }
  const subject = typeof key['subject'] === 'string' ? key['subject'] : null;
  switch (key['keytype']) {
    case 'SCHEMA': {
      if (subject === null || typeof key['version'] !== 'number') return null;
      const version = key['version'];
      if (value === null) return { kind: 'schema', subject, version, value: null };
      return {
        kind: 'schema',
        subject,
        version,
        value: {
          subject,
          version,
          id: Number(value['id']),
          schemaType: ((value['schemaType'] as string | undefined) ?? 'AVRO') as SchemaType,
          schema: String(value['schema']),
          references: Array.isArray(value['references']) ? (value['references'] as SchemaReference[]) : [],
          deleted: value['deleted'] === true,
        },
      };
    }
    case 'CONFIG':
      return {
        kind: 'config',
        subject,
        level: value === null ? null : ((value['compatibilityLevel'] as CompatibilityLevel | undefined) ?? null),
      };
    case 'MODE':
      return { kind: 'mode', subject, mode: value === null ? null : ((value['mode'] as Mode | undefined) ?? null) };
    case 'DELETE_SUBJECT':
      if (subject === null || value === null) return null;
      return { kind: 'delete-subject', subject, version: Number(value['version']) };
    case 'NOOP':
      return { kind: 'noop' };
    default:
      return null;
  }
}
