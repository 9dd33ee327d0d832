/**
 * Which listener brokers of a cluster reach each other on, and with what security, as Kafka decides it:
 *
 * - the inter-broker listener is `inter.broker.listener.name`, else the listener named by
 *   `security.inter.broker.protocol` (Kafka's listeners named after their protocol), else the first listener;
 * - on SSL and SASL_SSL the broker connects with TLS: its keystore as the client certificate, its truststore as the
 *   CAs the peer's certificate must chain to, and the peer's advertised host checked against the certificate
 *   unless `ssl.endpoint.identification.algorithm` is empty (the listener's `listener.name.<l>.` overrides apply);
 * - on SASL_PLAINTEXT and SASL_SSL it logs in with `sasl.mechanism.inter.broker.protocol` as the user of the
 *   `username` and `password` options of the listener's JAAS config for that mechanism
 *   (`listener.name.<l>.<mechanism>.sasl.jaas.config`, else `sasl.jaas.config`).
 */
import { JaasError, parseJaasConfig } from '../security/sasl/jaas.js';
import { interBrokerTlsOptions } from '../security/tls.js';
import { listenerValue, type BrokerConfig } from './config/index.js';
import type { InterBrokerSecurity } from './inter-broker.js';

type Config = Pick<BrokerConfig, 'raw' | 'values' | 'clientListeners'>;

/** The name of the inter-broker listener (upper case). */
export function interBrokerListenerName(config: Config): string | undefined {
  const named = config.values.get('inter.broker.listener.name') as string | null | undefined;
  if (named !== null && named !== undefined && named !== '') return named.toUpperCase();
  const protocol = config.values.get('security.inter.broker.protocol') as string | null | undefined;
  if (protocol !== null && protocol !== undefined && protocol !== '') return protocol.toUpperCase();
  return config.clientListeners[0]?.name;
}

/**
 * The inter-broker listener's security, checked now (a broker with an unusable setting should not start). Throws
 * an Error naming the key when it cannot be used. Undefined for a PLAINTEXT inter-broker listener.
 */
export function interBrokerSecurity(config: Config): InterBrokerSecurity | undefined {
  const name = interBrokerListenerName(config);
  if (name === undefined) return undefined;
  const named = config.values.get('inter.broker.listener.name') as string | null | undefined;
  const protocolKey = config.values.get('security.inter.broker.protocol') as string | null | undefined;
  if (named && protocolKey) {
    throw new Error('set inter.broker.listener.name or security.inter.broker.protocol, not both');
  }
  const listener = config.clientListeners.find((l) => l.name === name);
  if (listener === undefined) {
    const key = named ? 'inter.broker.listener.name' : 'security.inter.broker.protocol';
    throw new Error(`${key}: no listener named ${name} in listeners`);
  }
  const protocol = listener.securityProtocol;
  const out: InterBrokerSecurity = { listener: name };
  const get = (key: string) => listenerValue(config, name, key);
  if (protocol === 'SSL' || protocol === 'SASL_SSL') {
    const tls = interBrokerTlsOptions((k) => get(k) as string | string[] | null, name);
    const algorithm = String(get('ssl.endpoint.identification.algorithm') ?? '').trim();
    out.tls = {
      ...tls,
      rejectUnauthorized: true,
      ...(algorithm === '' ? { checkServerIdentity: () => undefined } : {}),
    };
  }
  if (protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL') {
    const mechanism = String(config.values.get('sasl.mechanism.inter.broker.protocol') ?? 'PLAIN').toUpperCase();
    const enabled = ((get('sasl.enabled.mechanisms') as string[] | null) ?? []).map((m) => m.trim().toUpperCase());
    if (enabled.length > 0 && !enabled.includes(mechanism)) {
      throw new Error(
        `sasl.mechanism.inter.broker.protocol ${mechanism} is not enabled on the inter-broker listener ${name} (sasl.enabled.mechanisms: ${enabled.join(', ')})`,
      );
    }
    const perMechanism = `listener.name.${name.toLowerCase()}.${mechanism.toLowerCase()}.sasl.jaas.config`;
    const source = config.raw[perMechanism] !== undefined ? perMechanism : 'sasl.jaas.config';
    const text = config.raw[source];
    if (text === undefined || text.trim() === '') {
      throw new Error(
        `the inter-broker listener ${name} is ${protocol}: set ${perMechanism} with the broker's username and password`,
      );
    }
    let username: string | undefined;
    let password: string | undefined;
    try {
      for (const m of parseJaasConfig(text)) {
        username ??= m.options.get('username');
        password ??= m.options.get('password');
      }
    } catch (e) {
      if (e instanceof JaasError) throw new Error(`${source}: ${e.message}`);
      throw e;
    }
    if (username === undefined || password === undefined) {
      throw new Error(`${source}: the broker's own username="..." password="..." are missing (inter-broker login)`);
    }
    out.sasl = { mechanism, username, password };
  }
  return out.tls === undefined && out.sasl === undefined ? undefined : out;
}
