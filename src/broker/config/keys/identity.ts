/** Broker config keys: identity & roles. */
import { def, ignoredDef, type ConfigDefinition } from '../types.js';
import { checkClusterId } from '../values.js';

export const IDENTITY_KEYS: readonly ConfigDefinition[] = [
  def({
    name: 'node.id',
    type: 'int',
    default: '1',
    min: 0,
    doc: 'Numeric id of this node; reported to clients as the broker id.',
    synonyms: ['broker.id'],
  }),
  def({
    name: 'broker.id',
    type: 'int',
    default: null,
    min: 0,
    doc: 'Older name for node.id; if both are set they must agree.',
  }),
  def({
    name: 'cluster.id',
    type: 'string',
    default: null,
    samsaOnly: true,
    check: checkClusterId,
    doc: 'Cluster id (22-character base64url UUID). Unset: generated once and stored with the data directory.',
  }),
  ignoredDef({
    name: 'process.roles',
    quiet: true,
    type: 'list',
    default: '',
    validValues: ['broker', 'controller'],
    doc: 'KRaft roles; accepted for compatibility. A Samsa process always acts as a combined single-node cluster.',
  }),
  ignoredDef({
    name: 'controller.quorum.voters',
    quiet: true,
    type: 'list',
    default: '',
    doc: 'KRaft voter list; accepted for compatibility. Samsa has no separate controller quorum.',
  }),
  ignoredDef({
    name: 'controller.quorum.bootstrap.servers',
    quiet: true,
    type: 'list',
    default: '',
    doc: 'KRaft controller bootstrap list; accepted for compatibility and ignored.',
  }),
  def({
    name: 'controller.listener.names',
    type: 'list',
    default: null,
    doc: 'Listener names used by KRaft controllers; Samsa does not serve these listeners and skips them.',
  }),
  def({
    name: 'inter.broker.listener.name',
    type: 'string',
    default: null,
    doc: 'Listener brokers of a cluster reach each other on (replica fetches, transaction markers), with its security; unset: the listener security.inter.broker.protocol names, else the first listener. Unused by a single node.',
  }),
  def({
    name: 'broker.rack',
    type: 'string',
    default: null,
    doc: 'Rack label of this broker, reported to clients in Metadata and DescribeCluster.',
  }),
];
