/**
 * What handlers may depend on, and how a handler file declares itself. Each handler file exports one definition
 * (`defineHandler(Api, create)`, with the highest version it serves when that is below the declared one), and
 * `create` takes only the services it names (`HandlerDeps<'replicas' | 'topics'>`), so a handler's dependencies
 * are visible in its signature instead of it reaching through the whole broker.
 */
import type { Api } from '../../protocol/schema.js';
import type { Authorizer } from '../../security/authorizer.js';
import type { BrokerConfig } from '../config/index.js';
import type { Dispatcher, Handler } from '../dispatch.js';
import type { FetchSessionCache } from '../fetch-sessions.js';
import type { FetchWaiters } from '../fetch-waiters.js';
import type { GroupCoordinator } from '../groups/coordinator.js';
import type { MetadataView } from '../metadata-view.js';
import type { ReplicaManager } from '../replica-manager.js';
import type { SchemaValidator } from '../schema-validation.js';
import type { TopicManager } from '../topics.js';
import type { TransactionCoordinator } from '../txn/coordinator.js';
import type { ClientQuotas } from '../quotas/client-quotas.js';
import type { ScramCredentials } from '../../security/sasl/scram-store.js';
import type { ClusterLink } from '../cluster-link.js';
import type { DynamicBrokerConfigs } from '../dynamic-config.js';

/** Everything a handler may be given. */
export interface BrokerServices {
  readonly config: BrokerConfig;
  /** This broker's node id. */
  readonly nodeId: number;
  /** The read-only picture of brokers, topics and partitions. */
  readonly metadata: MetadataView;
  /** The owner of partition state: leadership, epochs, ISR, high watermark; appends and reads go through it. */
  readonly replicas: ReplicaManager;
  /** Topic creation, deletion, partitions and config overrides. */
  readonly topics: TopicManager;
  readonly groups: GroupCoordinator;
  readonly txn: TransactionCoordinator;
  readonly waiters: FetchWaiters;
  readonly fetchSessions: FetchSessionCache;
  /** The registered APIs and versions (for ApiVersions). */
  readonly dispatcher: Dispatcher;
  /** The directory holding the partition logs. */
  readonly dataDir: string;
  readonly authorizer: Authorizer;
  /** Broker-side schema id validation for topics that ask for it. */
  readonly schemas: SchemaValidator;
  /** Client quotas: stored values (Describe/AlterClientQuotas) and their enforcement. */
  readonly quotas: ClientQuotas;
  /** SCRAM credentials of users (Describe/AlterUserScramCredentials, SASL SCRAM logins). */
  readonly scram: ScramCredentials;
  /** Cluster mode's membership and admin operations; undefined on a single node. */
  readonly cluster: ClusterLink | undefined;
  /** Dynamic broker configs (AlterConfigs on BROKER resources). */
  readonly dynamicConfigs: DynamicBrokerConfigs;
}

/** The services a handler names. */
export type HandlerDeps<K extends keyof BrokerServices> = Pick<BrokerServices, K>;

export interface HandlerDefinition {
  api: Api;
  /** Highest version served; the API's declared maximum when absent. */
  maxVersion?: number;
  create(services: BrokerServices): Handler<any>;
}

/** Declares the handler of `api`; registered by `handlers/index.ts`. */
export function defineHandler<A extends Api>(
  api: A,
  create: (services: BrokerServices) => Handler<A>,
  maxVersion?: number,
): HandlerDefinition {
  return maxVersion === undefined ? { api, create } : { api, create, maxVersion };
}
