/**
 * What one SASL listener offers, read from the broker's properties with Kafka's names and precedence: the
 * listener's own `listener.name.<listener>.<key>` first, then the broker-wide key.
 *
 * - `sasl.enabled.mechanisms` (given): PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 (GSSAPI and OAUTHBEARER are refused).
 * - `listener.name.<listener>.plain.sasl.jaas.config` (or `sasl.jaas.config`): a PlainLoginModule whose
 *   `user_<name>="<password>"` options are the PLAIN users.
 */
import { SUPPORTED_MECHANISMS } from './mechanisms.js';
import { JaasError, type JaasModule, parseJaasConfig, plainUsers } from './jaas.js';

const PLAIN_LOGIN_MODULE = 'org.apache.kafka.common.security.plain.PlainLoginModule';

export interface SaslListenerSettings {
  mechanisms: string[];
  /** PLAIN users and their passwords. */
  plainUsers: Map<string, string>;
}

/** Reads the SASL settings of one listener; throws an Error naming the key when they are not valid. */
export function saslListenerSettings(
  props: Readonly<Record<string, string>>,
  listenerName: string,
  /** sasl.enabled.mechanisms of the listener (its override, else the broker's). */
  enabled: readonly string[],
): SaslListenerSettings {
  const l = listenerName.toLowerCase();
  const mechanisms = [...new Set(enabled.map((m) => m.trim().toUpperCase()).filter((m) => m !== ''))];
  if (mechanisms.length === 0) throw new Error(`sasl.enabled.mechanisms of listener ${listenerName} is empty`);
  for (const m of mechanisms) {
    if (!(SUPPORTED_MECHANISMS as readonly string[]).includes(m)) {
      throw new Error(
        `listener ${listenerName}: SASL mechanism ${m} is not supported (supported: ${SUPPORTED_MECHANISMS.join(', ')})`,
      );
    }
  }
  const users = new Map<string, string>();
  if (mechanisms.includes('PLAIN')) {
    const key = `listener.name.${l}.plain.sasl.jaas.config`;
    const text = props[key] ?? props['sasl.jaas.config'];
    const source = props[key] !== undefined ? key : 'sasl.jaas.config';
    if (text !== undefined && text.trim() !== '') {
      let modules: JaasModule[];
      try {
        modules = parseJaasConfig(text);
      } catch (e) {
        if (e instanceof JaasError) throw new Error(`${source}: ${e.message}`);
        throw e;
      }
      const plain = modules.filter((m) => m.loginModule === PLAIN_LOGIN_MODULE);
      if (plain.length === 0 && props[key] !== undefined) {
        throw new Error(`${source}: PLAIN needs ${PLAIN_LOGIN_MODULE} (found ${modules[0]!.loginModule})`);
      }
      for (const [u, p] of plainUsers(plain)) users.set(u, p);
    }
  }
  return { mechanisms, plainUsers: users };
}
