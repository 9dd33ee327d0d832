/**
 * Declarative message schemas. Each API is declared once (see messages/*.ts) with typed field builders; this
 * module derives, per version, an encoder and a decoder from that declaration, including flexible versions
 * (compact strings, bytes and arrays) and tagged fields. Codecs are built lazily and cached per version.
 *
 * Version ranges use the notation of Kafka's message definitions: "0+", "3-7", "none".
 */
import { DecodeError, Reader, Writer } from './primitives.js';

export type Kind =
  | 'bool'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'float64'
  | 'string'
  | 'bytes'
  | 'records'
  | 'uuid'
  | 'array'
  | 'struct';

export interface FieldSpec {
  kind: Kind;
  versions: string;
  nullable: string;
  tag?: number;
  taggedVersions?: string;
  default?: unknown;
  /** Element type of an array. */
  elem?: FieldSpec;
  /** Fields of a struct, in wire order. */
  fields?: Array<[string, FieldSpec]>;
}

/** A typed field declaration; `T` is the decoded JavaScript type. */
export class F<T> {
  declare readonly _t: T;
  constructor(readonly spec: FieldSpec) {}

  /** The versions in which the field exists. */
  v(range: string): F<T> {
    return new F<T>({ ...this.spec, versions: range });
  }

  /** The versions in which the field may be null. */
  nullable(range = '0+'): F<T | null> {
    return new F<T | null>({ ...this.spec, nullable: range });
  }

  /** A tagged field: present only when set, with this tag, in these versions. */
  tag(tag: number, range: string): F<T> {
    return new F<T>({ ...this.spec, tag, taggedVersions: range });
  }

  /** The value a decoder gives when the field is absent in a version, and a tagged field is omitted at. */
  dflt(value: T): F<T> {
    return new F<T>({ ...this.spec, default: value });
  }
}

const prim =
  <T>(kind: Kind) =>
  (): F<T> =>
    new F<T>({ kind, versions: '0+', nullable: 'none' });
export const bool = prim<boolean>('bool');
export const int8 = prim<number>('int8');
export const int16 = prim<number>('int16');
export const uint16 = prim<number>('uint16');
export const int32 = prim<number>('int32');
export const uint32 = prim<number>('uint32');
export const int64 = prim<number>('int64');
export const float64 = prim<number>('float64');
export const string = prim<string>('string');
export const bytes = prim<Buffer>('bytes');
/** Record batches or a legacy message set, carried as opaque bytes (decoded as a view, never copied). */
export const records = prim<Buffer | null>('records');
export const uuid = prim<string>('uuid');

export type Fields = Record<string, F<any>>;
export type Infer<S extends Fields> = { [K in keyof S]: S[K] extends F<infer T> ? T : never };
/** What an encoder accepts: any field may be left out and takes its default. */
export type Encodable<T> = T extends Buffer
  ? T
  : T extends Array<infer E>
    ? Array<Encodable<E>>
    : T extends object
      ? { [K in keyof T]?: Encodable<T[K]> }
      : T;

export function struct<S extends Fields>(fields: S): F<Infer<S>> {
  return new F<Infer<S>>({
    kind: 'struct',
    versions: '0+',
    nullable: 'none',
    fields: Object.entries(fields).map(([k, f]) => [k, f.spec]),
  });
}

export function array<T>(elem: F<T>): F<T[]> {
  return new F<T[]>({ kind: 'array', versions: '0+', nullable: 'none', elem: elem.spec });
}

/** Shorthand for an array of structs. */
export function arrayOf<S extends Fields>(fields: S): F<Array<Infer<S>>> {
  return array(struct(fields));
}

// ---------------------------------------------------------------------------------------------------------------
// Version ranges

export function inRange(range: string, v: number): boolean {
  if (range === 'none') return false;
  if (range.endsWith('+')) return v >= Number(range.slice(0, -1));
  const dash = range.indexOf('-');
  if (dash > 0) return v >= Number(range.slice(0, dash)) && v <= Number(range.slice(dash + 1));
  return v === Number(range);
}

// ---------------------------------------------------------------------------------------------------------------
// Codecs

type Enc = (w: Writer, value: any) => void;
type Dec = (r: Reader) => any;
interface Codec {
  enc: Enc;
  dec: Dec;
}

export function defaultValue(spec: FieldSpec): unknown {
  if (spec.default !== undefined) {
    const d = spec.default;
    return Array.isArray(d) ? [...d] : d;
  }
  switch (spec.kind) {
    case 'bool':
      return false;
    case 'string':
      return '';
    case 'bytes':
      return Buffer.alloc(0);
    case 'records':
      return null;
    case 'uuid':
      return ZERO_UUID;
    case 'array':
      return [];
    case 'struct':
      return defaultStruct(spec);
    default:
      return 0;
  }
}

export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

function defaultStruct(spec: FieldSpec): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [name, f] of spec.fields!) o[name] = defaultValue(f);
  return o;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: a test for ASCII, control characters included
const utf8Length = (s: string): number => (s.length < 64 && /^[\x00-\x7f]*$/.test(s) ? s.length : Buffer.byteLength(s));

function leafCodec(spec: FieldSpec, version: number, flexible: boolean): Codec {
  const nullable = inRange(spec.nullable, version);
  switch (spec.kind) {
    case 'bool':
      return { enc: (w, v) => w.bool(!!v), dec: (r) => r.bool() };
    case 'int8':
      return { enc: (w, v) => w.int8(v ?? 0), dec: (r) => r.int8() };
    case 'int16':
      return { enc: (w, v) => w.int16(v ?? 0), dec: (r) => r.int16() };
    case 'uint16':
      return { enc: (w, v) => w.uint16(v ?? 0), dec: (r) => r.uint16() };
    case 'int32':
      return { enc: (w, v) => w.int32(v ?? 0), dec: (r) => r.int32() };
    case 'uint32':
      return { enc: (w, v) => w.uint32(v ?? 0), dec: (r) => r.uint32() };
    case 'int64':
      return { enc: (w, v) => w.int64(v ?? 0), dec: (r) => r.int64() };
    case 'float64':
      return { enc: (w, v) => w.float64(v ?? 0), dec: (r) => r.float64() };
    case 'uuid':
      return { enc: (w, v) => w.uuid(v ?? ZERO_UUID), dec: (r) => r.uuid() };
    case 'string':
      return stringCodec(nullable, flexible);
    case 'bytes':
    case 'records':
      return bytesCodec(nullable, flexible);
    default:
      throw new Error(`not a leaf kind: ${spec.kind}`);
  }
}

function stringCodec(nullable: boolean, flexible: boolean): Codec {
  const enc: Enc = (w, v) => {
    if (v === null || v === undefined) {
      if (!nullable && v === null) throw new TypeError('null for a non-nullable string');
      if (v === undefined && !nullable) v = '';
      else {
        if (flexible) w.uvarint(0);
        else w.int16(-1);
        return;
      }
    }
    const n = utf8Length(v);
    if (flexible) w.uvarint(n + 1);
    else w.int16(n);
    w.utf8(v, n);
  };
  const dec: Dec = (r) => {
    const n = flexible ? r.uvarint() - 1 : r.int16();
    if (n < 0) {
      if (!nullable) throw new DecodeError('null for a non-nullable string');
      return null;
    }
    return r.utf8(n);
  };
  return { enc, dec };
}

function bytesCodec(nullable: boolean, flexible: boolean): Codec {
  const enc: Enc = (w, v: Buffer | null | undefined) => {
    if (v === null || v === undefined) {
      if (!nullable && v === null) throw new TypeError('null for non-nullable bytes');
      if (!nullable) v = Buffer.alloc(0);
      else {
        if (flexible) w.uvarint(0);
        else w.int32(-1);
        return;
      }
    }
    if (flexible) w.uvarint(v.length + 1);
    else w.int32(v.length);
    w.bytes(v);
  };
  const dec: Dec = (r) => {
    const n = flexible ? r.uvarint() - 1 : r.int32();
    if (n < 0) {
      if (!nullable) throw new DecodeError('null for non-nullable bytes');
      return null;
    }
    return r.slice(n);
  };
  return { enc, dec };
}

function arrayCodec(spec: FieldSpec, version: number, flexible: boolean): Codec {
  const nullable = inRange(spec.nullable, version);
  const elem = codecFor(spec.elem!, version, flexible);
  const enc: Enc = (w, v: unknown[] | null | undefined) => {
    if (v === null || v === undefined) {
      if (nullable) {
        if (flexible) w.uvarint(0);
        else w.int32(-1);
        return;
      }
      if (v === null) throw new TypeError('null for a non-nullable array');
      v = [];
    }
    if (flexible) w.uvarint(v.length + 1);
    else w.int32(v.length);
    for (let i = 0; i < v.length; i++) elem.enc(w, v[i]);
  };
  const dec: Dec = (r) => {
    const n = flexible ? r.uvarint() - 1 : r.int32();
    if (n < 0) {
      if (!nullable) throw new DecodeError('null for a non-nullable array');
      return null;
    }
    // Every element takes at least one byte: reject counts the frame cannot hold before allocating anything.
    if (n > r.remaining) throw new DecodeError(`array of ${n} elements in ${r.remaining} bytes`);
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = elem.dec(r);
    return out;
  };
  return { enc, dec };
}

interface PlainField {
  name: string;
  codec: Codec;
  spec: FieldSpec;
}
interface TaggedField extends PlainField {
  tag: number;
}

function structCodec(spec: FieldSpec, version: number, flexible: boolean): Codec {
  const plain: PlainField[] = [];
  const tagged: TaggedField[] = [];
  const absent: Array<[string, FieldSpec]> = [];
  for (const [name, f] of spec.fields!) {
    if (!inRange(f.versions, version)) {
      absent.push([name, f]);
      continue;
    }
    if (f.tag !== undefined && flexible && inRange(f.taggedVersions!, version)) {
      tagged.push({ name, spec: f, tag: f.tag, codec: codecFor(f, version, flexible) });
    } else {
      plain.push({ name, spec: f, codec: codecFor(f, version, flexible) });
    }
  }
  tagged.sort((a, b) => a.tag - b.tag);
  const byTag = new Map(tagged.map((t) => [t.tag, t]));

  const enc: Enc = (w, v: Record<string, unknown> | undefined) => {
    const o = v ?? {};
    for (let i = 0; i < plain.length; i++) {
      const p = plain[i]!;
      const x = o[p.name];
      p.codec.enc(w, x === undefined ? defaultValue(p.spec) : x);
    }
    if (!flexible) return;
    const present: TaggedField[] = [];
    for (const t of tagged) {
      const x = o[t.name];
      if (x !== undefined && !isDefault(t.spec, x)) present.push(t);
    }
    w.uvarint(present.length);
    for (const t of present) {
      const sub = new Writer(64);
      t.codec.enc(sub, o[t.name]);
      const b = sub.toBuffer();
      w.uvarint(t.tag);
      w.uvarint(b.length);
      w.bytes(b);
    }
  };
  const dec: Dec = (r) => {
    const o: Record<string, unknown> = {};
    for (let i = 0; i < plain.length; i++) {
      const p = plain[i]!;
      o[p.name] = p.codec.dec(r);
    }
    for (const [name, f] of absent) o[name] = defaultValue(f);
    if (flexible) {
      for (const t of tagged) o[t.name] = defaultValue(t.spec);
      const n = r.uvarint();
      let last = -1;
      for (let i = 0; i < n; i++) {
        const tag = r.uvarint();
        if (tag <= last) throw new DecodeError(`tagged fields out of order: ${tag} after ${last}`);
        last = tag;
        const size = r.uvarint();
        r.need(size);
        const t = byTag.get(tag);
        if (t === undefined) {
          r.skip(size);
          continue;
        }
        const sub = new Reader(r.buf, r.pos, r.pos + size);
        o[t.name] = t.codec.dec(sub);
        r.pos += size;
      }
    }
    return o;
  };

  const nullable = inRange(spec.nullable, version);
  if (!nullable) return { enc, dec };
  return {
    enc: (w, v) => {
      if (v === null) {
        w.int8(-1);
        return;
      }
      w.int8(1);
      enc(w, v);
    },
    dec: (r) => (r.int8() < 0 ? null : dec(r)),
  };
}

function isDefault(spec: FieldSpec, v: unknown): boolean {
  if (spec.kind === 'struct' && v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return spec.fields!.every(([name, f]) => o[name] === undefined || isDefault(f, o[name]));
  }
  const d = defaultValue(spec);
  if (Array.isArray(v)) return v.length === 0 && Array.isArray(d) && d.length === 0;
  if (Buffer.isBuffer(v)) return Buffer.isBuffer(d) && v.equals(d);
  return v === d;
}

function codecFor(spec: FieldSpec, version: number, flexible: boolean): Codec {
  if (spec.kind === 'struct') return structCodec(spec, version, flexible);
  if (spec.kind === 'array') return arrayCodec(spec, version, flexible);
  return leafCodec(spec, version, flexible);
}

// ---------------------------------------------------------------------------------------------------------------
// APIs

export interface MessageCodec<T> {
  encode(w: Writer, value: Encodable<T>): void;
  decode(r: Reader): T;
}

export class Api<Req = any, Res = any> {
  readonly minVersion: number;
  readonly maxVersion: number;
  /** First flexible version, or Infinity when none is. */
  readonly firstFlexible: number;
  readonly request: F<Req>;
  readonly response: F<Res>;
  /** The versions Kafka 3.9 accepts (equal to `versions` unless Samsa also speaks newer ones). */
  kafka39Versions: string;
  private readonly reqCodecs = new Map<number, MessageCodec<Req>>();
  private readonly resCodecs = new Map<number, MessageCodec<Res>>();

  constructor(
    readonly key: number,
    readonly name: string,
    readonly versions: string,
    readonly flexibleVersions: string,
    request: F<Req>,
    response: F<Res>,
  ) {
    const [min, max] = versions.split('-').map(Number);
    this.minVersion = min!;
    this.maxVersion = max ?? min!;
    this.firstFlexible = flexibleVersions === 'none' ? Infinity : Number(flexibleVersions.replace('+', ''));
    this.request = request;
    this.response = response;
    this.kafka39Versions = versions;
  }

  isFlexible(version: number): boolean {
    return version >= this.firstFlexible;
  }

  supports(version: number): boolean {
    return version >= this.minVersion && version <= this.maxVersion;
  }

  /** Request header version: 2 for flexible versions, else 1 (header v0 is only ControlledShutdown v0's). */
  requestHeaderVersion(version: number): number {
    return this.isFlexible(version) ? 2 : 1;
  }

  /** Response header version: 1 for flexible versions, else 0; ApiVersions always answers with header v0. */
  responseHeaderVersion(version: number): number {
    return this.key !== 18 && this.isFlexible(version) ? 1 : 0;
  }

  requestCodec(version: number): MessageCodec<Req> {
    return this.cached(this.reqCodecs, this.request, version);
  }

  responseCodec(version: number): MessageCodec<Res> {
    return this.cached(this.resCodecs, this.response, version);
  }

  private cached<T>(cache: Map<number, MessageCodec<T>>, root: F<T>, version: number): MessageCodec<T> {
    let c = cache.get(version);
    if (c === undefined) {
      if (!this.supports(version)) throw new RangeError(`${this.name} v${version} is not a known version`);
      const codec = structCodec(root.spec, version, this.isFlexible(version));
      c = { encode: codec.enc, decode: codec.dec };
      cache.set(version, c);
    }
    return c;
  }
}

export interface ApiDeclaration<Rq extends Fields, Rs extends Fields> {
  key: number;
  name: string;
  /** Valid versions, "min-max". */
  versions: string;
  /** Flexible versions, "N+" or "none". */
  flexible: string;
  /**
   * Set only when Samsa accepts versions newer than Kafka 3.9 does (because current clients send them): the
   * versions Kafka 3.9 accepts. The spec cross-check compares against this, and skips fields that exist only in
   * the newer versions.
   */
  kafka39Versions?: string;
  request: Rq;
  response: Rs;
}

export function api<Rq extends Fields, Rs extends Fields>(d: ApiDeclaration<Rq, Rs>): Api<Infer<Rq>, Infer<Rs>> {
  const a = new Api(d.key, d.name, d.versions, d.flexible, struct(d.request), struct(d.response));
  a.kafka39Versions = d.kafka39Versions ?? d.versions;
  return a;
}

export type RequestOf<A> = A extends Api<infer Rq, any> ? Rq : never;
export type ResponseOf<A> = A extends Api<any, infer Rs> ? Rs : never;
