/**
 * Avro schemas through avsc. Compatibility is Avro's schema resolution: a reader can read a writer's data when
 * avsc can build a resolver from one to the other (matching names or aliases, promotable primitives, defaults for
 * fields the writer lacks, enum symbols the reader knows or a default symbol, union branches that resolve).
 * References are named types parsed first into the same type registry.
 */
import avro from 'avsc';
import type { ParsedSchema, ResolvedReference } from './index.js';

type AvroType = ReturnType<typeof avro.Type.forSchema>;

export class AvroSchema implements ParsedSchema {
  readonly type = 'AVRO' as const;
  constructor(
    readonly avroType: AvroType,
    private readonly given: unknown,
  ) {}

  text(normalize: boolean): string {
    return normalize ? JSON.stringify(this.avroType.schema({ exportAttrs: true })) : JSON.stringify(this.given);
  }

  canRead(writer: ParsedSchema): string[] {
    try {
      this.avroType.createResolver((writer as AvroSchema).avroType);
      return [];
    } catch (e) {
      return [`type: READER_CANNOT_READ_WRITER, message: ${e instanceof Error ? e.message : String(e)}`];
    }
  }
}

export function parseAvro(text: string, refs: ResolvedReference[]): AvroSchema {
  const registry: Record<string, AvroType> = {};
  for (const r of refs) avro.Type.forSchema(parseJsonText(r.schema), { registry });
  const given = parseJsonText(text);
  return new AvroSchema(avro.Type.forSchema(given as avro.Schema, { registry }), given);
}

/** Avro accepts a bare primitive name as a schema ("string"), besides JSON. */
function parseJsonText(text: string): avro.Schema {
  const t = text.trim();
  try {
    return JSON.parse(t) as avro.Schema;
  } catch {
    if (/^[A-Za-z_][A-Za-z0-9_.]*$/.test(t)) return t;
    throw new Error(`not JSON: ${t.slice(0, 60)}`);
  }
}
