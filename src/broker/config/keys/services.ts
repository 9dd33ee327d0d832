/**
 * Broker config keys: the HTTP services a broker process can serve beside the Kafka listeners (schema registry,
 * streaming SQL, metrics, web console). Each service reads its keys from `BrokerConfig.values`; the broker itself
 * only validates them.
 */
import { def, type ConfigDefinition } from '../types.js';
import { checkHttpListenerList } from '../values.js';

export const SERVICE_KEYS: readonly ConfigDefinition[] = [
  // --- schema registry
  def({
    name: 'schema.registry.enabled',
    type: 'boolean',
    default: 'false',
    samsaOnly: true,
    doc: 'Serve the Confluent-compatible schema registry from this process (samsa start turns it on).',
  }),
  def({
    name: 'schema.registry.listeners',
    type: 'list',
    default: 'http://127.0.0.1:8081',
    samsaOnly: true,
    check: checkHttpListenerList,
    doc: 'Comma-separated http://host:port endpoints of the schema registry.',
  }),
  def({
    name: 'schema.registry.kafkastore.topic',
    type: 'string',
    default: '_schemas',
    samsaOnly: true,
    doc: "The compacted topic holding the registry's schemas, settings and deletions (Confluent's kafkastore.topic).",
  }),
  def({
    name: 'schema.registry.schema.compatibility.level',
    type: 'string',
    default: 'backward',
    samsaOnly: true,
    validValues: [
      'none',
      'backward',
      'backward_transitive',
      'forward',
      'forward_transitive',
      'full',
      'full_transitive',
    ],
    doc: "Compatibility level of subjects with no level of their own until one is set (Confluent's schema.compatibility.level).",
  }),
  def({
    name: 'confluent.schema.registry.url',
    type: 'string',
    default: null,
    doc:
      'A schema registry the broker asks when a topic has confluent.value.schema.validation or ' +
      "confluent.key.schema.validation on (Confluent Server's key); unset, the registry served by this process is used.",
  }),
  // --- streaming SQL
  def({
    name: 'ksql.enabled',
    type: 'boolean',
    default: 'false',
    samsaOnly: true,
    doc: 'Serve streaming SQL (the ksqlDB REST API) from this process (samsa start turns it on).',
  }),
  def({
    name: 'ksql.listeners',
    type: 'list',
    default: 'http://127.0.0.1:8088',
    samsaOnly: true,
    check: checkHttpListenerList,
    doc: 'Comma-separated http://host:port endpoints of the ksqlDB-compatible REST API.',
  }),
  def({
    name: 'ksql.service.id',
    type: 'string',
    default: 'default_',
    samsaOnly: true,
    doc: 'Names the SQL command topic (_confluent-ksql-<id>_command_topic) and the consumer groups of persistent queries.',
  }),
  def({
    name: 'ksql.schema.registry.url',
    type: 'string',
    default: null,
    doc:
      "The schema registry of streaming SQL's AVRO, PROTOBUF and JSON_SR formats (ksqlDB's key); unset, the registry " +
      'served by this process is used when it runs.',
  }),
  // --- metrics
  def({
    name: 'metrics.enabled',
    type: 'boolean',
    default: 'false',
    samsaOnly: true,
    doc: 'Serve Prometheus metrics from this process (samsa start turns it on).',
  }),
  def({
    name: 'metrics.listeners',
    type: 'list',
    default: 'http://127.0.0.1:9644',
    samsaOnly: true,
    check: checkHttpListenerList,
    doc: 'Comma-separated http://host:port endpoints serving /metrics.',
  }),
  // --- web console and REST Proxy v3
  def({
    name: 'console.enabled',
    type: 'boolean',
    default: 'false',
    samsaOnly: true,
    doc: 'Serve the web console and the REST Proxy v3 API from this process (samsa start turns it on).',
  }),
  def({
    name: 'console.listeners',
    type: 'list',
    default: 'http://127.0.0.1:8080',
    samsaOnly: true,
    check: checkHttpListenerList,
    doc: 'Comma-separated http://host:port endpoints of the web console and /v3 REST API.',
  }),
];
