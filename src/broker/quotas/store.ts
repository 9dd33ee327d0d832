import * as path from 'node:path';
import { readFileAtomic, writeFileAtomic } from '../../storage/checkpoint.js';
import type { QuotaEntity, QuotaRecord } from './entities.js';

export const CLIENT_QUOTAS_FILE = 'client-quotas.json';

export interface ClientQuotaStore {
  /** Every stored entity with its values. */
  load(): Promise<QuotaRecord[]>;
  /** Replaces the stored set; resolves once it is durable. */
  save(records: readonly QuotaRecord[]): Promise<void>;
  /**
   * A store shared with other brokers (cluster mode) calls `onChange` with every record whenever any broker changes
   * them; returns a function that stops watching. Absent for a store only this broker writes.
   */
  watch?(onChange: (records: QuotaRecord[]) => void): () => void;
}

/** One entity's quotas as stored (a file entry, an etcd value), with Kafka's entity type names. */
export interface StoredQuota {
  entity: { user?: string | null; 'client-id'?: string | null; ip?: string | null };
  values: Record<string, number>;
}

interface FileFormat {
  version: 1;
  quotas: StoredQuota[];
}

export class FileClientQuotaStore implements ClientQuotaStore {
  readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, CLIENT_QUOTAS_FILE);
  }

  async load(): Promise<QuotaRecord[]> {
    const text = readFileAtomic(this.file);
    if (text === undefined) return [];
    const data = JSON.parse(text) as FileFormat;
    if (data.version !== 1 || !Array.isArray(data.quotas)) throw new Error(`${this.file}: unsupported format`);
    return data.quotas.map(quotaFromStored);
  }

  async save(records: readonly QuotaRecord[]): Promise<void> {
    const data: FileFormat = { version: 1, quotas: records.map(quotaToStored) };
    writeFileAtomic(this.file, JSON.stringify(data, null, 1));
  }
}

export function quotaFromStored(q: StoredQuota): QuotaRecord {
  const entity: QuotaEntity = {};
  if ('user' in q.entity) entity.user = q.entity.user ?? null;
  if ('client-id' in q.entity) entity.clientId = q.entity['client-id'] ?? null;
  if ('ip' in q.entity) entity.ip = q.entity.ip ?? null;
  return { entity, values: { ...q.values } };
}

export function quotaToStored(r: QuotaRecord): StoredQuota {
  const entity: StoredQuota['entity'] = {};
  if (r.entity.user !== undefined) entity.user = r.entity.user;
  if (r.entity.clientId !== undefined) entity['client-id'] = r.entity.clientId;
  if (r.entity.ip !== undefined) entity.ip = r.entity.ip;
  return { entity, values: r.values };
}
