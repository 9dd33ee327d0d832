/**
 * The syntax tree the parser builds and the engine plans from. Names of sources and columns are stored as ksqlDB
 * resolves them: unquoted identifiers upper-cased, back-quoted ones kept as written.
 */
import type { SqlType } from './types.js';

export type Expr =
  | { k: 'lit'; v: unknown; t: SqlType | null }
  | { k: 'col'; source: string | null; name: string }
  | { k: 'bin'; op: '+' | '-' | '*' | '/' | '%' | '||'; l: Expr; r: Expr }
  | { k: 'cmp'; op: '=' | '<>' | '<' | '<=' | '>' | '>='; l: Expr; r: Expr }
  | { k: 'and' | 'or'; l: Expr; r: Expr }
  | { k: 'not'; e: Expr }
  | { k: 'neg'; e: Expr }
  | { k: 'case'; operand: Expr | null; whens: Array<[Expr, Expr]>; otherwise: Expr | null }
  | { k: 'cast'; e: Expr; type: SqlType }
  | { k: 'like'; e: Expr; pattern: Expr; escape: string | null; not: boolean }
  | { k: 'in'; e: Expr; list: Expr[]; not: boolean }
  | { k: 'between'; e: Expr; lo: Expr; hi: Expr; not: boolean }
  | { k: 'isnull'; e: Expr; not: boolean }
  | { k: 'deref'; e: Expr; field: string }
  | { k: 'subscript'; e: Expr; index: Expr }
  | { k: 'call'; name: string; args: Expr[]; star: boolean }
  | { k: 'lambda'; params: string[]; body: Expr }
  | { k: 'array'; items: Expr[] }
  | { k: 'map'; entries: Array<[Expr, Expr]> }
  | { k: 'struct'; fields: Array<[string, Expr]> };

export type SelectItem = { kind: 'star'; source: string | null } | { kind: 'expr'; expr: Expr; alias: string | null };

export interface Relation {
  name: string;
  alias: string | null;
}

export interface JoinClause {
  type: 'INNER' | 'LEFT' | 'RIGHT' | 'FULL';
  source: Relation;
  /** WITHIN for stream-stream joins: milliseconds before and after. */
  within: { before: number; after: number; grace: number | null } | null;
  on: Expr;
}

export interface WindowSpec {
  type: 'TUMBLING' | 'HOPPING' | 'SESSION';
  /** SIZE (TUMBLING, HOPPING) or the inactivity gap (SESSION), in milliseconds. */
  size: number;
  advance: number;
  grace: number | null;
  retention: number | null;
}

export interface Query {
  select: SelectItem[];
  from: Relation;
  joins: JoinClause[];
  window: WindowSpec | null;
  where: Expr | null;
  groupBy: Expr[] | null;
  partitionBy: Expr[] | null;
  having: Expr | null;
  emit: 'CHANGES' | 'FINAL' | null;
  limit: number | null;
}

export interface ColumnDef {
  name: string;
  type: SqlType;
  key: boolean;
  primaryKey: boolean;
  headers: string | null;
}

export type Literal = string | number | boolean | null;

export type SourceType = 'STREAM' | 'TABLE';

export type Statement = (
  | {
      kind: 'createSource';
      sourceType: SourceType;
      orReplace: boolean;
      ifNotExists: boolean;
      source: boolean;
      name: string;
      columns: ColumnDef[];
      props: Record<string, Literal>;
      /** Set when the columns were inferred from the schema registry. */
      inferred?: boolean;
    }
  | {
      kind: 'createAs';
      sourceType: SourceType;
      orReplace: boolean;
      ifNotExists: boolean;
      name: string;
      props: Record<string, Literal>;
      query: Query;
    }
  | { kind: 'insertSelect'; target: string; props: Record<string, Literal>; query: Query }
  | { kind: 'insertValues'; target: string; columns: string[] | null; values: Expr[] }
  | { kind: 'drop'; sourceType: SourceType; ifExists: boolean; name: string; deleteTopic: boolean }
  | { kind: 'show'; what: 'STREAMS' | 'TABLES' | 'TOPICS' | 'QUERIES' | 'PROPERTIES' | 'FUNCTIONS'; extended: boolean }
  | { kind: 'describe'; name: string; extended: boolean }
  | { kind: 'describeFunction'; name: string }
  | { kind: 'explain'; queryId: string | null; statement: Statement | null }
  | { kind: 'print'; topic: string; fromBeginning: boolean; limit: number | null; interval: number | null }
  | { kind: 'set'; name: string; value: string }
  | { kind: 'unset'; name: string }
  | { kind: 'terminate'; queryId: string | null }
  | { kind: 'runScript'; path: string }
  | { kind: 'query'; query: Query }
) & { text: string };
