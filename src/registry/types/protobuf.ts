/**
 * Protobuf schemas through protobufjs: `.proto` text (proto2 or proto3), or a base64 FileDescriptorProto as
 * Confluent's serializers send it. Referenced files (imports) are parsed into the same root first, so every
 * named type must resolve. Compatibility follows Confluent's Protobuf rules: the reader keeps every message the
 * writer has; a field number keeps its kind (scalar, message, enum), its scalar wire group (int32/uint32/int64/
 * uint64/bool, sint32/sint64, string/bytes, fixed32/sfixed32, fixed64/sfixed64), its named type and its
 * cardinality; fields may come and go unless they are proto2 `required`.
 */
import protobuf from 'protobufjs';
import 'protobufjs/ext/descriptor/index.js';
import type { ParsedSchema, ResolvedReference } from './index.js';

const SCALAR_GROUPS: string[][] = [
  ['int32', 'uint32', 'int64', 'uint64', 'bool'],
  ['sint32', 'sint64'],
  ['string', 'bytes'],
  ['fixed32', 'sfixed32'],
  ['fixed64', 'sfixed64'],
  ['float'],
  ['double'],
];
const SCALARS = new Set(SCALAR_GROUPS.flat());

export class ProtobufSchema implements ParsedSchema {
  readonly type = 'PROTOBUF' as const;
  constructor(
    readonly root: protobuf.Root,
    private readonly given: string,
  ) {}

  text(_normalize: boolean): string {
    return this.given;
  }

  /** Every message type by full name (without the leading dot), in declaration order. */
  messages(): Map<string, protobuf.Type> {
    const out = new Map<string, protobuf.Type>();
    const walk = (ns: protobuf.NamespaceBase): void => {
      for (const o of ns.nestedArray) {
        if (o instanceof protobuf.Type) out.set(o.fullName.slice(1), o);
        if (o instanceof protobuf.Namespace || o instanceof protobuf.Type) walk(o);
      }
    };
    walk(this.root);
    return out;
  }

  canRead(writer: ParsedSchema): string[] {
    const out: string[] = [];
    const mine = this.messages();
    for (const [name, wType] of (writer as ProtobufSchema).messages()) {
      const rType = mine.get(name);
      if (rType === undefined) {
        out.push(`type: MESSAGE_REMOVED, location: #/${name}`);
        continue;
      }
      for (const wf of wType.fieldsArray) {
        const at = `#/${name}/${wf.id}`;
        const rf = rType.fieldsById[wf.id];
        if (rf === undefined) {
          if (wf.required) out.push(`type: REQUIRED_FIELD_REMOVED, location: ${at}`);
          continue;
        }
        const wk = kindOf(wf);
        const rk = kindOf(rf);
        if (wk.kind !== rk.kind) out.push(`type: FIELD_KIND_CHANGED, location: ${at}`);
        else if (wk.kind === 'scalar' && groupOf(wk.name) !== groupOf(rk.name))
          out.push(`type: FIELD_SCALAR_KIND_CHANGED, location: ${at}`);
        else if (wk.kind !== 'scalar' && wk.name !== rk.name)
          out.push(`type: FIELD_NAMED_TYPE_CHANGED, location: ${at}`);
        if (wf.repeated !== rf.repeated || (wf.map ?? false) !== (rf.map ?? false))
          out.push(`type: FIELD_LABEL_CHANGED, location: ${at}`);
        if (rf.partOf && !wf.partOf && rType.oneofsArray.some((o) => o === rf.partOf && o.fieldsArray.length > 1))
          out.push(`type: FIELD_MOVED_TO_EXISTING_ONEOF, location: ${at}`);
      }
      for (const rf of rType.fieldsArray) {
        if (rf.required && wType.fieldsById[rf.id] === undefined)
          out.push(`type: REQUIRED_FIELD_ADDED, location: #/${name}/${rf.id}`);
      }
    }
    return out;
  }
}

function groupOf(scalar: string): number {
  return SCALAR_GROUPS.findIndex((g) => g.includes(scalar));
}

function kindOf(f: protobuf.Field): { kind: 'scalar' | 'message' | 'enum'; name: string } {
  if (SCALARS.has(f.type)) return { kind: 'scalar', name: f.type };
  const t = f.resolvedType;
  if (t instanceof protobuf.Enum) return { kind: 'enum', name: t.fullName };
  return { kind: 'message', name: t?.fullName ?? f.type };
}

/** A schema text that is not `.proto` source but base64 (a serialized FileDescriptorProto). */
export function isSerializedDescriptor(text: string): boolean {
  const t = text.trim();
  return t.length > 0 && /^[A-Za-z0-9+/=\s]+$/.test(t) && !/\b(syntax|message|package|enum|import)\b/.test(t);
}

/** Decodes a base64 FileDescriptorProto into `root` (wrapped as a one-file FileDescriptorSet). */
function addDescriptor(root: protobuf.Root, base64: string): protobuf.Root {
  const file = Buffer.from(base64, 'base64');
  const w = protobuf.Writer.create();
  w.uint32(10).bytes(file);
  const parsed = (protobuf.Root as unknown as { fromDescriptor(b: Uint8Array): protobuf.Root }).fromDescriptor(
    w.finish(),
  );
  for (const o of parsed.nestedArray.slice()) {
    parsed.remove(o);
    root.add(o);
  }
  return root;
}

export function parseProtobuf(text: string, refs: ResolvedReference[]): ProtobufSchema {
  const root = new protobuf.Root();
  const opts = { keepCase: true, alternateCommentMode: true };
  for (const r of refs) {
    if (isSerializedDescriptor(r.schema)) addDescriptor(root, r.schema);
    else protobuf.parse(r.schema, root, opts);
  }
  if (isSerializedDescriptor(text)) addDescriptor(root, text);
  else protobuf.parse(text, root, opts);
  root.resolveAll();
  const schema = new ProtobufSchema(root, text.trim());
  if (schema.messages().size === 0) throw new Error('a Protobuf schema needs at least one message');
  return schema;
}

interface DescriptorMessage {
  name: string;
  field?: Array<{ name: string; typeName?: string }>;
  nestedType?: DescriptorMessage[];
}

/**
 * A `.proto` text as a base64 FileDescriptorProto (what `?format=serialized` asks for, and what Confluent's
 * Protobuf deserializers read). Only for schemas without references: a descriptor names its dependencies as other
 * files, which a single parsed root does not keep apart. Named field types are written fully qualified.
 */
export function serializedDescriptor(text: string): string | undefined {
  if (isSerializedDescriptor(text)) return text.trim();
  const root = protobuf.parse(text, new protobuf.Root(), { keepCase: true }).root;
  root.resolveAll();
  const set = (root as unknown as { toDescriptor(syntax: string): protobuf.Message }).toDescriptor(
    /syntax\s*=\s*"proto2"/.test(text) ? 'proto2' : 'proto3',
  );
  const json = set.toJSON() as { file?: Array<Record<string, unknown>> };
  const files = json.file ?? [];
  if (files.length !== 1) return undefined;
  const file = files[0]!;
  const pkg = typeof file['package'] === 'string' ? `.${file['package']}` : '';
  const qualify = (messages: DescriptorMessage[] | undefined, scope: string): void => {
    for (const m of messages ?? []) {
      const full = `${scope}.${m.name}`;
      const type = root.lookupType(full.slice(1));
      for (const f of m.field ?? []) {
        const resolved = type.fields[f.name]?.resolvedType;
        if (f.typeName !== undefined && resolved) f.typeName = resolved.fullName;
      }
      qualify(m.nestedType, full);
    }
  };
  qualify(file['messageType'] as DescriptorMessage[] | undefined, pkg);
  file['name'] = 'schema.proto';
  const FileDescriptorProto = descriptorType();
  if (!FileDescriptorProto) return undefined;
  const msg = FileDescriptorProto.fromObject(file);
  return Buffer.from(FileDescriptorProto.encode(msg).finish()).toString('base64');
}

/** The FileDescriptorProto type of protobufjs's descriptor extension. */
function descriptorType(): protobuf.Type | undefined {
  const ext = (protobuf as unknown as { descriptor?: { FileDescriptorProto?: protobuf.Type } }).descriptor;
  return ext?.FileDescriptorProto;
}
