/**
 * The broker's authorizer from its configuration: Samsa's ACL authorizer when `authorizer.class.name` names
 * Kafka's StandardAuthorizer or AclAuthorizer (ACLs kept in the data directory, or in etcd for a cluster, `super.users`,
 * `allow.everyone.if.no.acl.found`), otherwise allow-everything, as Kafka behaves without an authorizer.
 */
import { AclAuthorizer, parseSuperUsers } from '../security/acl-authorizer.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ACLS_FILE, type AclStore, FileAclStore } from '../security/acl-store.js';
import { SCRAM_CREDENTIALS_FILE } from '../security/sasl/scram-store.js';
import { CLIENT_QUOTAS_FILE } from './quotas/store.js';
import { allowEverything, type Authorizer } from '../security/authorizer.js';
import type { Logger } from '../storage/logger.js';
import type { BrokerConfig } from './config/index.js';

export async function openAuthorizer(
  config: BrokerConfig,
  dataDir: string,
  log: Logger,
  /** The cluster's shared ACLs (etcd) in cluster mode; else the data directory's file. */
  store?: AclStore,
): Promise<Authorizer> {
  const className = (config.values.get('authorizer.class.name') as string | null) ?? '';
  if (className === '') return allowEverything;
  const superUsers = parseSuperUsers(config.values.get('super.users') as string | null);
  const authorizer = await AclAuthorizer.open({
    store: store ?? new FileAclStore(dataDir),
    superUsers,
    allowEveryoneIfNoAclFound: config.values.get('allow.everyone.if.no.acl.found') === true,
    log,
  });
  log.debug(`ACL authorizer on: ${authorizer.size} ACLs, ${superUsers.length} super users`);
  return authorizer;
}

/**
 * In cluster mode ACLs, SCRAM credentials and client quotas are the cluster's (etcd): files a single node left in
 * the data directory are not read, which is said once at start rather than silently ignored.
 */
export function warnUnusedSecurityFiles(dataDir: string, log: Logger): void {
  for (const file of [ACLS_FILE, SCRAM_CREDENTIALS_FILE, CLIENT_QUOTAS_FILE]) {
    if (existsSync(join(dataDir, file))) {
      log.warn(
        `${join(dataDir, file)} is not used in cluster mode: ACLs, SCRAM users and client quotas are the cluster's, in etcd (create them again through any broker)`,
      );
    }
  }
}
