/** Broker config keys: security (TLS, SASL, ACLs, quotas). Listener protocols are in network.ts. */
import { def, type ConfigDefinition } from '../types.js';

export const SECURITY_KEYS: readonly ConfigDefinition[] = [
  // Client quotas (src/broker/quotas): usage is measured over quota.window.num windows of this many seconds.
  def({
    name: 'quota.window.num',
    type: 'int',
    default: '11',
    min: 1,
    doc: 'Number of samples client quota usage is measured over.',
  }),
  def({
    name: 'quota.window.size.seconds',
    type: 'int',
    default: '1',
    min: 1,
    doc: 'Length of one client quota sample in seconds.',
  }),
];
