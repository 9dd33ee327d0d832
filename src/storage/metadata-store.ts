import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from './checkpoint.js';

export const METADATA_FILE = 'samsa-metadata.json';

export interface TopicRecord {
  name: string;
  /** UUID string (8-4-4-4-12 hex), as the protocol layer encodes uuids. */
  topicId: string;
  partitions: number;
  /** Topic-level config overrides only (not defaults). */
  configs: Record<string, string>;
}

interface FileFormat {
  version: 1;
  topics: TopicRecord[];
}

/**
 * Durable topic metadata of a single node, as one JSON file replaced atomically on every change
 * (temp file, fsync, rename, fsync of the directory): after a crash either the old or the new state is read,
 * never a mix. Kept deliberately narrow so a replicated metadata log can take its place later.
 */
export class MetadataStore {
  private topics = new Map<string, TopicRecord>();
  readonly file: string;

  constructor(readonly dataDir: string) {
    this.file = path.join(dataDir, METADATA_FILE);
  }

  async open(): Promise<void> {
    this.openSync();
  }

  openSync(): void {
    fs.mkdirSync(this.dataDir, { recursive: true });
    fs.rmSync(this.file + '.tmp', { force: true });
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    const data = JSON.parse(text) as FileFormat;
    if (data.version !== 1 || !Array.isArray(data.topics)) throw new Error(`${this.file}: unsupported metadata format`);
    this.topics.clear();
    for (const t of data.topics) this.topics.set(t.name, { ...t, configs: { ...t.configs } });
  }

  list(): TopicRecord[] {
    return [...this.topics.values()];
  }

  get(name: string): TopicRecord | undefined {
    return this.topics.get(name);
  }

  getById(topicId: string): TopicRecord | undefined {
    for (const t of this.topics.values()) if (t.topicId === topicId) return t;
    return undefined;
  }

  /** Adds a topic; a missing topicId is generated. Throws if the name exists. */
  createTopic(t: {
    name: string;
    partitions: number;
    configs?: Record<string, string>;
    topicId?: string;
  }): TopicRecord {
    if (this.topics.has(t.name)) throw new Error(`topic ${t.name} already exists`);
    const rec: TopicRecord = {
      name: t.name,
      topicId: t.topicId ?? crypto.randomUUID(),
      partitions: t.partitions,
      configs: { ...(t.configs ?? {}) },
    };
    this.topics.set(rec.name, rec);
    this.persist();
    return rec;
  }

  deleteTopic(name: string): boolean {
    if (!this.topics.delete(name)) return false;
    this.persist();
    return true;
  }

  setPartitions(name: string, partitions: number): void {
    const t = this.require(name);
    t.partitions = partitions;
    this.persist();
  }

  /** Replaces the topic's config overrides. */
  setConfigs(name: string, configs: Record<string, string>): void {
    const t = this.require(name);
    t.configs = { ...configs };
    this.persist();
  }

  private require(name: string): TopicRecord {
    const t = this.topics.get(name);
    if (!t) throw new Error(`unknown topic ${name}`);
    return t;
  }

  private persist(): void {
    const data: FileFormat = { version: 1, topics: this.list() };
    writeFileAtomic(this.file, JSON.stringify(data, null, 1));
  }
}
