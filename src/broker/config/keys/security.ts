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
  // SASL (src/broker/sasl.ts, src/security/sasl): per listener with listener.name.<listener>.<key> overrides.
  def({
    name: 'sasl.enabled.mechanisms',
    type: 'list',
    default: 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    validValues: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'],
    doc: 'SASL mechanisms offered on SASL listeners (Kafka defaults to GSSAPI, which Samsa does not implement).',
  }),
  def({
    name: 'sasl.jaas.config',
    type: 'password',
    default: null,
    doc: 'JAAS login module config; a PlainLoginModule with user_<name>="<password>" options lists the PLAIN users.',
  }),
  def({
    name: 'sasl.server.max.receive.size',
    type: 'int',
    default: '524288',
    min: 1,
    doc: 'Largest frame accepted from a client before it has authenticated; a larger one closes the connection.',
  }),
  def({
    name: 'connections.max.reauth.ms',
    type: 'long',
    default: '0',
    min: 0,
    doc: 'SASL session lifetime (KIP-368); a client must re-authenticate within it. 0 disables expiry.',
  }),
  def({
    name: 'connection.failed.authentication.delay.ms',
    type: 'int',
    default: '100',
    min: 0,
    doc: 'Delay before a failed SASL login is answered, doubled per recent failure from the same address (to 32x).',
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
  // Inter-broker connections in a cluster (src/broker/inter-broker-security.ts).
  def({
    name: 'security.inter.broker.protocol',
    type: 'string',
    default: null,
    validValues: ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'],
    doc: 'Security protocol between brokers: the inter-broker listener is the one of that name (use inter.broker.listener.name for named listeners; set one of the two, not both).',
  }),
  def({
    name: 'sasl.mechanism.inter.broker.protocol',
    type: 'string',
    default: 'PLAIN',
    validValues: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'],
    doc: "SASL mechanism brokers log in to each other with; the user is the username and password options of the inter-broker listener's JAAS config for that mechanism (Kafka defaults to GSSAPI, which Samsa does not implement).",
  }),
];
