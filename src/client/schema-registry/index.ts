/** Schema-registry serialization for Samsa's client: the registry client, the wire format, and the serdes. */
export { SchemaRegistryClient, SchemaRegistryError } from './client.js';
export type {
  SchemaRegistryClientOptions,
  RegistrySchema,
  SchemaReference,
  SchemaType,
  SubjectVersion,
} from './client.js';
export { frame, unframe, encodeIndexes, MAGIC_BYTE } from './wire.js';
export {
  AvroSerializer,
  AvroDeserializer,
  JsonSchemaSerializer,
  JsonSchemaDeserializer,
  ProtobufSerializer,
  ProtobufDeserializer,
  SchemaRegistryDeserializer,
  topicNameStrategy,
  recordNameStrategy,
  topicRecordNameStrategy,
  subjectNameStrategies,
  messageIndexes,
  protoRoot,
} from './serdes.js';
export type {
  SubjectNameStrategy,
  SerializerOptions,
  AvroDeserializerOptions,
  JsonSerdeOptions,
  ProtobufSerializerOptions,
  ProtobufDeserializerOptions,
} from './serdes.js';
