/**
 * The etcd key layout of one cluster, in one place (docs/cluster.md describes it for operators). Everything lives
 * under `<root>/<cluster.id>/` (root `/samsa` by default), so brokers configured with the same cluster.id form one
 * cluster and several clusters can share an etcd:
 *
 *   brokers/<nodeId>                 registration, bound to the broker's lease (JSON BrokerRegistrationData)
 *   controller                       the elected controller, bound to its broker's lease (JSON ControllerData)
 *   controller-epoch                 the last controller epoch handed out (decimal)
 *   topics/<name>                    topic id and partition count (JSON TopicData)
 *   partitions/<topic>/<partition>   partition state (JSON PartitionStateData), compare-and-swap on mod revision
 *   configs/topics/<name>            topic config overrides (JSON ConfigMap)
 *   configs/brokers/<nodeId>         dynamic broker configs of one broker; `<default>` for the cluster default
 *   producer-ids                     the next producer id no broker has been given yet (decimal)
 *   security/acls/<id>               one ACL binding (JSON StoredAcl); id: a hash of the binding
 *   security/scram/<user>/<mech>     one user's SCRAM credential (JSON; salted keys, never a password); user
 *                                    URI-encoded
 *   security/quotas/<id>             one client quota entity and its values (JSON StoredQuota); id: a hash of it
 *
 * Values are JSON (controller-epoch: a number) so etcdctl shows them readably.
 */

export const DEFAULT_ROOT = '/samsa';
export const DEFAULT_BROKER_CONFIG = '<default>';

/** The prefix (with trailing slash) of one cluster's keys. */
export function clusterPrefix(clusterId: string, root: string = DEFAULT_ROOT): string {
  if (clusterId === '' || clusterId.includes('/'))
    throw new Error(`cluster.id "${clusterId}" cannot name an etcd prefix`);
  return `${root.replace(/\/+$/, '')}/${clusterId}/`;
}

// Keys relative to the cluster prefix.
export const keys = {
  brokersPrefix: 'brokers/',
  broker: (nodeId: number) => `brokers/${nodeId}`,
  controller: 'controller',
  controllerEpoch: 'controller-epoch',
  producerIds: 'producer-ids',
  topicsPrefix: 'topics/',
  topic: (name: string) => `topics/${name}`,
  partitionsPrefix: 'partitions/',
  topicPartitionsPrefix: (topic: string) => `partitions/${topic}/`,
  partition: (topic: string, partition: number) => `partitions/${topic}/${partition}`,
  topicConfig: (name: string) => `configs/topics/${name}`,
  brokerConfig: (broker: number | 'default') =>
    `configs/brokers/${broker === 'default' ? DEFAULT_BROKER_CONFIG : broker}`,
  securityPrefix: 'security/',
  aclsPrefix: 'security/acls/',
  scramPrefix: 'security/scram/',
  quotasPrefix: 'security/quotas/',
} as const;

/** What a relative key names, or undefined for keys Samsa does not know (ignored by the cache). */
export type ParsedKey =
  | { kind: 'broker'; nodeId: number }
  | { kind: 'controller' }
  | { kind: 'controllerEpoch' }
  | { kind: 'topic'; name: string }
  | { kind: 'partition'; topic: string; partition: number }
  | { kind: 'topicConfig'; name: string }
  | { kind: 'brokerConfig'; broker: number | 'default' }
  /** ACLs, SCRAM credentials and client quotas (src/cluster/security-stores.ts reads them). */
  | { kind: 'security'; key: string };

const INT = /^(0|[1-9][0-9]{0,9})$/;

export function parseKey(key: string): ParsedKey | undefined {
  if (key === keys.controller) return { kind: 'controller' };
  if (key === keys.controllerEpoch) return { kind: 'controllerEpoch' };
  if (key.startsWith(keys.securityPrefix)) return { kind: 'security', key };
  const parts = key.split('/');
  if (parts[0] === 'brokers' && parts.length === 2 && INT.test(parts[1]!)) {
    return { kind: 'broker', nodeId: Number(parts[1]) };
  }
  if (parts[0] === 'topics' && parts.length === 2 && parts[1] !== '') return { kind: 'topic', name: parts[1]! };
  if (parts[0] === 'partitions' && parts.length === 3 && parts[1] !== '' && INT.test(parts[2]!)) {
    return { kind: 'partition', topic: parts[1]!, partition: Number(parts[2]) };
  }
  if (parts[0] === 'configs' && parts.length === 3) {
    if (parts[1] === 'topics' && parts[2] !== '') return { kind: 'topicConfig', name: parts[2]! };
    if (parts[1] === 'brokers') {
      if (parts[2] === DEFAULT_BROKER_CONFIG) return { kind: 'brokerConfig', broker: 'default' };
      if (INT.test(parts[2]!)) return { kind: 'brokerConfig', broker: Number(parts[2]) };
    }
  }
  return undefined;
}
