/**
 * Broker config keys: cluster membership and replication (etcd, controller, replica fetchers). Kafka's names and
 * defaults; etcd.* are Samsa's own (etcd takes the role ZooKeeper had). src/cluster implements them
 * (docs/cluster.md); the replica fetcher keys are validated but have no effect until replication is built.
 */
import { def, ignoredDef, type ConfigDefinition, type ConfigValue } from '../types.js';

const NOT_YET = 'Not used by Samsa yet; validated only.';

/** Each element an http(s) URL with a port, as etcd clients take them. */
function checkEndpoints(v: ConfigValue): string | undefined {
  if (!Array.isArray(v)) return undefined;
  for (const e of v) {
    let url: URL;
    try {
      url = new URL(e);
    } catch {
      return `etcd client URLs such as http://127.0.0.1:2379 ("${e}" is not a URL)`;
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.port === '') {
      return `etcd client URLs such as http://127.0.0.1:2379 ("${e}" needs http:// or https:// and a port)`;
    }
  }
  return undefined;
}

export const CLUSTER_KEYS: readonly ConfigDefinition[] = [
  def({
    name: 'etcd.endpoints',
    type: 'list',
    default: null,
    check: checkEndpoints,
    samsaOnly: true,
    doc: `Comma-separated etcd client URLs; set, the broker joins the cluster named by cluster.id. Unset: single node.`,
  }),
  def({
    name: 'etcd.prefix',
    type: 'string',
    default: '/samsa',
    check: (v) => (typeof v === 'string' && v.startsWith('/') ? undefined : 'a key prefix starting with /'),
    samsaOnly: true,
    doc: `Root of Samsa's keys in etcd; a cluster's keys live under <prefix>/<cluster.id>/.`,
  }),
  def({
    name: 'etcd.request.timeout.ms',
    type: 'int',
    default: '3000',
    min: 100,
    samsaOnly: true,
    doc: `Deadline of each etcd request, so an unresponsive etcd cannot stall the broker.`,
  }),
  def({
    name: 'broker.session.timeout.ms',
    type: 'int',
    default: '9000',
    min: 1000,
    doc: `A broker whose keep-alives stop for this long loses its registration (the etcd lease TTL, whole seconds).`,
  }),
  def({
    name: 'broker.heartbeat.interval.ms',
    type: 'int',
    default: '2000',
    min: 10,
    doc: `How often a broker keeps its registration alive (at most a third of the session is used).`,
  }),
  def({
    name: 'initial.broker.registration.timeout.ms',
    type: 'int',
    default: '60000',
    min: 1,
    doc: `How long a starting broker waits to register (e.g. for its previous run's session to expire).`,
  }),
  def({
    name: 'unclean.leader.election.enable',
    type: 'boolean',
    default: 'false',
    doc: `Let a replica outside the ISR lead when no ISR replica is alive, losing records it lacks.`,
  }),
  def({
    name: 'auto.leader.rebalance.enable',
    type: 'boolean',
    default: 'true',
    doc: `The controller moves leadership back to preferred replicas when a broker leads too few of its own.`,
  }),
  def({
    name: 'leader.imbalance.check.interval.seconds',
    type: 'long',
    default: '300',
    min: 1,
    doc: `How often the controller checks for leader imbalance.`,
  }),
  def({
    name: 'leader.imbalance.per.broker.percentage',
    type: 'int',
    default: '10',
    min: 0,
    max: 100,
    doc: `Share of a broker's preferred partitions led elsewhere above which a rebalance is triggered.`,
  }),
  def({
    name: 'replica.lag.time.max.ms',
    type: 'long',
    default: '30000',
    min: 1,
    doc: `A follower that has not caught up for this long leaves the ISR.`,
  }),
  def({
    name: 'replica.fetch.wait.max.ms',
    type: 'int',
    default: '500',
    min: 0,
    doc: `Longest a follower's fetch waits at the leader for new data.`,
  }),
  def({
    name: 'replica.fetch.min.bytes',
    type: 'int',
    default: '1',
    min: 1,
    doc: `Bytes a follower's fetch waits for at the leader.`,
  }),
  def({
    name: 'replica.fetch.response.max.bytes',
    type: 'int',
    default: '10485760',
    min: 0,
    doc: `Bytes a follower fetches per request (at least one batch).`,
  }),
  def({
    name: 'replica.fetch.backoff.ms',
    type: 'int',
    default: '1000',
    min: 0,
    doc: `Pause of a follower after a failed fetch.`,
  }),
  def({
    name: 'replica.socket.timeout.ms',
    type: 'int',
    default: '30000',
    doc: `Socket timeout of a follower's fetch requests.`,
  }),
  ignoredDef({
    name: 'replica.high.watermark.checkpoint.interval.ms',
    type: 'long',
    default: '5000',
    min: 1,
    doc: 'How often high watermarks are written to disk; Samsa writes them with the recovery points (log.flush.offset.checkpoint.interval.ms) and at shutdown.',
  }),
  ignoredDef({
    name: 'num.replica.fetchers',
    type: 'int',
    default: '1',
    min: 1,
    doc: 'Fetcher connections per source broker; Samsa runs one per source broker, with every partition it leads in one request.',
  }),
  def({
    name: 'controlled.shutdown.enable',
    type: 'boolean',
    default: 'true',
    doc: `On SIGTERM, move leadership away before stopping.`,
  }),
  ignoredDef({
    name: 'controlled.shutdown.max.retries',
    type: 'int',
    default: '3',
    min: 0,
    doc: `Attempts of a controlled shutdown before stopping anyway. ${NOT_YET}`,
  }),
  ignoredDef({
    name: 'controlled.shutdown.retry.backoff.ms',
    type: 'long',
    default: '5000',
    min: 0,
    doc: `Pause between controlled shutdown attempts. ${NOT_YET}`,
  }),
];
