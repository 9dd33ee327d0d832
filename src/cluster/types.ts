/**
 * The cluster metadata Samsa keeps in etcd, as the rest of the code sees it: broker registrations, the controller,
 * topics, partition states and dynamic configs. Every record read from etcd carries the etcd revisions that make
 * compare-and-swap possible: `version` is the key's mod revision (ZooKeeper's zkVersion), a broker's `epoch` is the
 * create revision of its registration (ZooKeeper's czxid, which Kafka used as the broker epoch).
 */

/** No leader: the partition is offline (Kafka's -1). */
export const NO_LEADER = -1;

export interface BrokerEndpoint {
  /** Listener name, upper case (e.g. PLAINTEXT). */
  listener: string;
  host: string;
  port: number;
  securityProtocol: string;
}

/** What a broker writes when it registers (the value of its lease-bound key). */
export interface BrokerRegistrationData {
  nodeId: number;
  rack: string | null;
  endpoints: BrokerEndpoint[];
  /** Random per process start, so a broker can recognise its own registration. */
  incarnationId: string;
  /** Set during a controlled shutdown: the controller moves leadership away from this broker. */
  shuttingDown?: boolean;
  registeredAtMs: number;
}

export interface BrokerRegistration extends BrokerRegistrationData {
  /** Broker epoch: the etcd create revision of this registration; a new one on every registration. */
  epoch: number;
  /** The etcd lease the registration is bound to (decimal string). */
  lease: string;
}

export interface ControllerData {
  brokerId: number;
  /** Controller epoch, one more than the previous controller's. */
  epoch: number;
  /** The controller's broker epoch when it won. */
  brokerEpoch: number;
}

export interface ControllerInfo extends ControllerData {
  /** Create revision of the controller key: the fence every controller write compares against. */
  revision: number;
}

export interface TopicData {
  /** UUID string (8-4-4-4-12 hex), as the protocol layer encodes uuids. */
  topicId: string;
  /** Number of partitions (partition keys 0..partitions-1). */
  partitions: number;
}

export interface TopicInfo extends TopicData {
  name: string;
  version: number;
}

/** A partition's replicated state, written only with compare-and-swap on its version. */
export interface PartitionStateData {
  /** The assignment, preferred leader first. During a reassignment: target replicas, then the ones leaving. */
  replicas: number[];
  isr: number[];
  leader: number;
  /** Bumped on every leader change. */
  leaderEpoch: number;
  /** Bumped on every change of this record (Kafka's partition epoch). */
  partitionEpoch: number;
  /** Reassignment in progress: replicas being added and removed (KIP-455). Empty otherwise. */
  addingReplicas: number[];
  removingReplicas: number[];
}

export interface PartitionState extends PartitionStateData {
  topic: string;
  partition: number;
  /** Mod revision of the key; the expected version of the next compare-and-swap. */
  version: number;
}

/** A config override map (the keys and values Kafka's AlterConfigs takes). */
export type ConfigMap = Record<string, string>;

/** One change seen by the metadata cache; `before`/`after` undefined mean created/deleted. */
export type MetadataChange =
  | { kind: 'broker'; nodeId: number; before?: BrokerRegistration; after?: BrokerRegistration }
  | { kind: 'controller'; before?: ControllerInfo; after?: ControllerInfo }
  | { kind: 'topic'; name: string; before?: TopicInfo; after?: TopicInfo }
  | { kind: 'partition'; topic: string; partition: number; before?: PartitionState; after?: PartitionState }
  | { kind: 'topicConfig'; name: string; before?: ConfigMap; after?: ConfigMap }
  | { kind: 'brokerConfig'; broker: number | 'default'; before?: ConfigMap; after?: ConfigMap };
