/**
 * Brokers with a SASL_PLAINTEXT listener for tests: PLAIN users from Kafka's JAAS syntax, SCRAM users created
 * through Samsa's admin client (AlterUserScramCredentials) on a second, PLAINTEXT listener.
 */
import type { ScramMechanism } from '../../src/protocol/sasl.js';
import type { TestBroker } from './broker.js';

export const PLAIN_USERS = { admin: 'admin-secret', alice: 'alice-secret' } as const;

export const PLAIN_JAAS =
  'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" ' +
  'user_admin="admin-secret" user_alice="alice-secret";';

/** Broker config with SASL_PLAINTEXT first (the test broker's port) and PLAINTEXT second (for admin work). */
export function saslBrokerConfig(extra: Record<string, string> = {}): Record<string, string> {
  return {
    listeners: 'SASL_PLAINTEXT://127.0.0.1:0,PLAINTEXT://127.0.0.1:0',
    'listener.name.sasl_plaintext.plain.sasl.jaas.config': PLAIN_JAAS,
    ...extra,
  };
}

/** host:port of a listener of the broker, by name. */
export function listenerAddress(b: TestBroker, name: string): string {
  const l = b.broker.listeners.find((x) => x.name === name);
  if (l === undefined) throw new Error(`no listener ${name}`);
  return `127.0.0.1:${l.port}`;
}

/** Creates SCRAM users through AlterUserScramCredentials on the PLAINTEXT listener. */
export async function createScramUsers(
  b: TestBroker,
  users: Array<{ user: string; password: string; mechanisms?: ScramMechanism[] }>,
): Promise<void> {
  const { createAdmin } = await import('../../src/client/index.js');
  const admin = createAdmin({ bootstrapServers: listenerAddress(b, 'PLAINTEXT') });
  try {
    await admin.alterUserScramCredentials({
      upsertions: users.flatMap((u) =>
        (u.mechanisms ?? (['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const)).map((mechanism) => ({
          user: u.user,
          mechanism,
          password: u.password,
        })),
      ),
    });
  } finally {
    admin.close();
  }
}
