/**
 * Schema types the registry understands (AVRO, JSON, PROTOBUF): each parses a schema text (with the texts of the
 * schemas it references) into a `ParsedSchema` that knows its stored form and whether it can read data written
 * with another schema of its type. Compatibility levels are built on that one question (`checkCompatibility`).
 */
import { invalidSchema, RegistryError } from '../errors.js';
import { parseAvro } from './avro.js';
import { parseJsonSchema } from './json.js';
import { parseProtobuf } from './protobuf.js';

export type SchemaType = 'AVRO' | 'JSON' | 'PROTOBUF';
export const SCHEMA_TYPES: readonly SchemaType[] = ['JSON', 'PROTOBUF', 'AVRO'];

/** A referenced schema, already looked up: the name the referring schema uses and the referenced text. */
export interface ResolvedReference {
  name: string;
  schema: string;
}

export interface ParsedSchema {
  readonly type: SchemaType;
  /** The text to store: compact as given, or in a normal form when `normalize` is asked for. */
  text(normalize: boolean): string;
  /**
   * Problems reading data written with `writer` (same type) through this schema; empty when it can. Messages name
   * the rule broken, as Confluent's verbose compatibility answers do.
   */
  canRead(writer: ParsedSchema): string[];
}

export type CompatibilityLevel =
  | 'NONE'
  | 'BACKWARD'
  | 'BACKWARD_TRANSITIVE'
  | 'FORWARD'
  | 'FORWARD_TRANSITIVE'
  | 'FULL'
  | 'FULL_TRANSITIVE';
export const COMPATIBILITY_LEVELS: readonly CompatibilityLevel[] = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
];

export function isSchemaType(s: string): s is SchemaType {
  return (SCHEMA_TYPES as readonly string[]).includes(s);
}

/** Parses `text` as a schema of `type`; a malformed schema is a 42201 RegistryError. */
export function parseSchema(type: SchemaType, text: string, refs: ResolvedReference[] = []): ParsedSchema {
  try {
    switch (type) {
      case 'AVRO':
        return parseAvro(text, refs);
      case 'JSON':
        return parseJsonSchema(text, refs);
      case 'PROTOBUF':
        return parseProtobuf(text, refs);
    }
  } catch (e) {
    if (e instanceof RegistryError) throw e;
    throw invalidSchema(e instanceof Error ? e.message : String(e));
  }
}

/**
 * Checks `candidate` against the existing versions of a subject (oldest first) under `level`; returns the
 * problems found (empty: compatible). Non-transitive levels compare with the latest version only.
 */
export function checkCompatibility(
  level: CompatibilityLevel,
  candidate: ParsedSchema,
  previous: ParsedSchema[],
): string[] {
  if (level === 'NONE' || previous.length === 0) return [];
  const against = level.endsWith('_TRANSITIVE') ? previous.slice().reverse() : [previous[previous.length - 1]!];
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  const problems: string[] = [];
  for (const old of against) {
    if (old.type !== candidate.type) {
      problems.push(`Incompatible schema type: ${candidate.type} after ${old.type}`);
      continue;
    }
    if (backward) for (const p of candidate.canRead(old)) problems.push(`{direction: BACKWARD, ${p}}`);
    if (forward) for (const p of old.canRead(candidate)) problems.push(`{direction: FORWARD, ${p}}`);
    if (problems.length > 0) break;
  }
  return problems;
}
