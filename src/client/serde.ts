/**
 * Serializers turn application keys and values into bytes; deserializers turn them back. A serializer may return a
 * string, which the producer writes as UTF-8 straight into the batch without an intermediate Buffer.
 */
export type Serialized = Buffer | string | null;
export type Serializer<T> = (value: T, topic: string) => Serialized;
export type Deserializer<T> = (bytes: Buffer | null, topic: string) => T;

/** Strings as UTF-8; null stays null. */
export const stringSerializer: Serializer<string | null> = (v) => v;
/** Buffers as they are. */
export const bufferSerializer: Serializer<Buffer | null> = (v) => v;
/** Any JSON value; undefined and null become a null payload. */
export const jsonSerializer: Serializer<unknown> = (v) => (v === undefined || v === null ? null : JSON.stringify(v));

export const stringDeserializer: Deserializer<string | null> = (b) => (b === null ? null : b.toString('utf8'));
export const bufferDeserializer: Deserializer<Buffer | null> = (b) => b;
export const jsonDeserializer: Deserializer<unknown> = (b) => (b === null ? null : JSON.parse(b.toString('utf8')));

/** Accepts Buffer, string or null, so untyped producers can send either without configuring anything. */
export const defaultSerializer: Serializer<unknown> = (v) => {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  throw new TypeError('without a serializer, keys and values must be Buffer, string or null');
};

export const serializers = { string: stringSerializer, json: jsonSerializer, buffer: bufferSerializer } as const;
export const deserializers = {
  string: stringDeserializer,
  json: jsonDeserializer,
  buffer: bufferDeserializer,
} as const;
