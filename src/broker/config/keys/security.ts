/** Broker config keys: security (TLS, SASL, ACLs, quotas). Listener protocols are in network.ts. */
import type { ConfigDefinition } from '../types.js';

export const SECURITY_KEYS: readonly ConfigDefinition[] = [];
