/** Samsa's Kafka client: producer, consumer (standalone or in a group), admin, typed errors and serializers. */
export { Producer, createProducer } from './producer.js';
export type {
  ProducerOptions,
  ProducerRecord,
  RecordMetadata,
  HeadersInput,
  DeliveryCallback,
  CompressionName,
  ConsumerGroupMetadata,
  TransactionOffset,
} from './producer.js';
export { Consumer, createConsumer } from './consumer.js';
export type {
  ConsumerOptions,
  ConsumerRecord,
  RecordHeader,
  RecordBatch,
  ConsumerStats,
  TopicPartition,
  TopicPartitionOffset,
  OffsetReset,
} from './consumer.js';
export type { GroupOptions, RebalanceListener } from './group.js';
export { rangeAssignor, roundRobinAssignor, cooperativeStickyAssignor } from './assignors.js';
export type { Assignor, MemberSubscription, AssignedPartitions } from './assignors.js';
export { Admin, createAdmin } from './admin.js';
export type {
  AdminOptions,
  NewTopic,
  ConfigResource,
  ConfigResourceType,
  ConfigEntry,
  ConfigChange,
  AlterOp,
  ClusterDescription,
  GroupListing,
  GroupDescription,
  PartitionOffsets,
  QuotaAlteration,
  QuotaEntity,
  QuotaEntry,
  QuotaMatch,
} from './admin.js';
export { Cluster } from './cluster.js';
export type { ClientOptions, ClientSecurity, BrokerInfo, TopicInfo, PartitionInfo } from './cluster.js';
export type { ClientTlsOptions } from './connection.js';
export type { SaslOptions, SaslMechanism } from './sasl.js';
export type { UserScramCredentials } from './admin.js';
export type { ScramMechanism } from '../protocol/sasl.js';
export { BrokerConnection } from './connection.js';
export {
  KafkaError,
  ErrorCode,
  ConnectionError,
  RequestTimeoutError,
  ClientStateError,
  isRetriable,
  errorName,
} from './errors.js';
export { murmur2, partitionForKey, defaultPartitioner } from './partitioner.js';
export type { Partitioner, PartitionerContext } from './partitioner.js';
export {
  serializers,
  deserializers,
  stringSerializer,
  jsonSerializer,
  bufferSerializer,
  stringDeserializer,
  jsonDeserializer,
  bufferDeserializer,
} from './serde.js';
export type { Serializer, Deserializer, Serialized } from './serde.js';
export { consoleLogger, silentLogger } from './logger.js';
export type { ClientLogger } from './logger.js';
export type { Acl, AclFilter, AclOperationName, AclPatternType, AclPermission, AclResourceType } from './acls.js';
