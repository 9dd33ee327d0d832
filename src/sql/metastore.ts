/**
 * The metastore: the streams and tables the engine knows, each with its topic, formats, columns (key columns
 * first) and event-time settings. It is rebuilt at start-up by replaying the command topic, so it holds no state
 * of its own that is not in a statement.
 */
import type { SourceType } from './ast.js';
import { SqlError } from './errors.js';
import type { FormatOptions } from './formats.js';
import type { SqlType } from './types.js';

export interface SourceColumn {
  name: string;
  type: SqlType;
  key: boolean;
}

export interface DataSource {
  name: string;
  type: SourceType;
  topic: string;
  keyFormat: string;
  valueFormat: string;
  keyOptions: FormatOptions;
  valueOptions: FormatOptions;
  /** Key columns first, then value columns. */
  columns: SourceColumn[];
  /** The column event time comes from (WITH TIMESTAMP), or null for the record timestamp. */
  timestampColumn: string | null;
  timestampFormat: string | null;
  /** Set for windowed tables (a windowed aggregation's output): its keys carry the window. */
  window: { type: 'TUMBLING' | 'HOPPING' | 'SESSION'; size: number } | null;
  partitions: number;
  replicas: number;
  /** The statement that created it. */
  statement: string;
  /** CREATE SOURCE ...: read-only, no INSERT. */
  readOnly: boolean;
  /** Id of the persistent query that writes it, if any. */
  writerQuery: string | null;
}

export class MetaStore {
  private readonly sources = new Map<string, DataSource>();

  get(name: string): DataSource {
    const s = this.sources.get(name);
    if (!s) throw new SqlError(`${name} does not exist.`);
    return s;
  }

  find(name: string): DataSource | undefined {
    return this.sources.get(name);
  }

  put(s: DataSource): void {
    this.sources.set(s.name, s);
  }

  delete(name: string): void {
    this.sources.delete(name);
  }

  all(): DataSource[] {
    return [...this.sources.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}

export const keyColumns = (s: DataSource) => s.columns.filter((c) => c.key);
export const valueColumns = (s: DataSource) => s.columns.filter((c) => !c.key);
