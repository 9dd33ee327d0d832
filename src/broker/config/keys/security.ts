/** Broker config keys: security (TLS, SASL, ACLs, quotas). Listener protocols are in network.ts. */
import { def, type ConfigDefinition } from '../types.js';

/** The `authorizer.class.name` values that turn ACLs on (src/security/acl-authorizer.ts keeps the same list). */
const AUTHORIZER_CLASS_NAMES = [
  'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
  'kafka.security.authorizer.AclAuthorizer',
];

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
  // ACLs (src/security/acl-authorizer.ts).
  def({
    name: 'authorizer.class.name',
    type: 'string',
    default: '',
    check: (v) =>
      v === '' || v === null || AUTHORIZER_CLASS_NAMES.includes(String(v))
        ? undefined
        : `empty (no ACLs) or one of ${AUTHORIZER_CLASS_NAMES.join(', ')} (both turn on Samsa's ACL authorizer; other authorizer classes cannot be loaded)`,
    doc: "Turns ACLs on: Kafka's StandardAuthorizer or AclAuthorizer class name (either selects Samsa's ACL authorizer); empty allows everyone everything.",
  }),
  def({
    name: 'super.users',
    type: 'string',
    default: null,
    doc: 'Principals allowed everything whatever the ACLs say, separated by semicolons (User:admin;User:CN=broker,O=Acme).',
  }),
  def({
    name: 'allow.everyone.if.no.acl.found',
    type: 'boolean',
    default: 'false',
    doc: 'With ACLs on, allow everyone on a resource that no ACL names (otherwise only super users).',
  }),
];
