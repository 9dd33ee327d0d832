import * as path from 'node:path';
import { readFileAtomic, writeFileAtomic } from '../storage/checkpoint.js';
import {
  type AclBinding,
  AclPermissionType,
  codeByName,
  invalidBinding,
  OPERATION_NAMES,
  PATTERN_TYPE_NAMES,
  PatternType,
  PERMISSION_NAMES,
  RESOURCE_TYPE_NAMES,
} from './acl.js';
import { AclOperation, ResourceType } from './authorizer.js';

export const ACLS_FILE = 'acls.json';

export interface AclStore {
  /** Every stored binding. */
  load(): Promise<AclBinding[]>;
  /** Replaces the stored set; resolves once it is durable. */
  save(bindings: readonly AclBinding[]): Promise<void>;
  /**
   * A store shared with other brokers (cluster mode) calls `onChange` with every binding whenever any broker changes
   * them; returns a function that stops watching. Absent for a store only this broker writes.
   */
  watch?(onChange: (bindings: AclBinding[]) => void): () => void;
}

/** One ACL as stored (a file entry, an etcd value): names rather than codes, as Kafka's tools print them. */
export interface StoredAcl {
  resourceType: string;
  resourceName: string;
  patternType: string;
  principal: string;
  host: string;
  operation: string;
  permission: string;
}

interface FileFormat {
  version: 1;
  acls: StoredAcl[];
}

export class FileAclStore implements AclStore {
  readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, ACLS_FILE);
  }

  async load(): Promise<AclBinding[]> {
    const text = readFileAtomic(this.file);
    if (text === undefined) return [];
    let data: FileFormat;
    try {
      data = JSON.parse(text) as FileFormat;
    } catch (e) {
      throw new Error(`${this.file}: not valid JSON (${(e as Error).message})`);
    }
    if (data.version !== 1 || !Array.isArray(data.acls)) throw new Error(`${this.file}: unsupported format`);
    return data.acls.map((s, i) => aclFromStored(s, `${this.file}: ACL ${i + 1}`));
  }

  async save(bindings: readonly AclBinding[]): Promise<void> {
    const data: FileFormat = { version: 1, acls: bindings.map(aclToStored) };
    writeFileAtomic(this.file, JSON.stringify(data, null, 1));
  }
}

/** A stored ACL as a binding; throws naming `where` when it is not a valid one. */
export function aclFromStored(s: StoredAcl, where: string): AclBinding {
  const b: AclBinding = {
    resourceType: codeByName(ResourceType, String(s.resourceType)) ?? ResourceType.UNKNOWN,
    resourceName: String(s.resourceName),
    patternType: codeByName(PatternType, String(s.patternType)) ?? PatternType.UNKNOWN,
    principal: String(s.principal),
    host: String(s.host),
    operation: codeByName(AclOperation, String(s.operation)) ?? AclOperation.UNKNOWN,
    permission: codeByName(AclPermissionType, String(s.permission)) ?? AclPermissionType.UNKNOWN,
  };
  const invalid = invalidBinding(b);
  if (invalid !== undefined) throw new Error(`${where} is not valid: ${invalid}`);
  return b;
}

export function aclToStored(b: AclBinding): StoredAcl {
  return {
    resourceType: RESOURCE_TYPE_NAMES.get(b.resourceType)!,
    resourceName: b.resourceName,
    patternType: PATTERN_TYPE_NAMES.get(b.patternType)!,
    principal: b.principal,
    host: b.host,
    operation: OPERATION_NAMES.get(b.operation)!,
    permission: PERMISSION_NAMES.get(b.permission)!,
  };
}
