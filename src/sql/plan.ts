/**
 * Turns a SELECT into an executable plan: the source (and joined table), the row layout and compiled evaluators for
 * WHERE, the projection, GROUP BY, the aggregates, HAVING and PARTITION BY, and the output schema. Planning has no
 * side effects, so the engine plans a statement before it records it in the command topic.
 *
 * Row layout of a source: ROWTIME, ROWPARTITION, ROWOFFSET, WINDOWSTART, WINDOWEND, then the key columns and the
 * value columns. A join appends the table's row after the stream's. An aggregation's output row holds the GROUP BY
 * values, then the aggregate results, then WINDOWSTART, WINDOWEND and ROWTIME.
 */
import type { Expr, Query, WindowSpec } from './ast.js';
import { AGGREGATE_FUNCTIONS, type AggregateFunction } from './aggregates.js';
import { SqlError } from './errors.js';
import {
  compileExpr,
  compilePredicate,
  defaultColumnName,
  evaluateConstant,
  Scope,
  type Evaluator,
  type ScopeColumn,
} from './expr.js';
import { keyColumns, valueColumns, type DataSource, type MetaStore, type SourceColumn } from './metastore.js';
import { T, type SqlType } from './types.js';

export const PSEUDO = ['ROWTIME', 'ROWPARTITION', 'ROWOFFSET', 'WINDOWSTART', 'WINDOWEND'] as const;
export const PSEUDO_COUNT = PSEUDO.length;
const PSEUDO_TYPES: SqlType[] = [T.BIGINT, T.INTEGER, T.BIGINT, T.BIGINT, T.BIGINT];
export const ROWTIME = 0;
export const ROWPARTITION = 1;
export const ROWOFFSET = 2;
export const WINDOWSTART = 3;
export const WINDOWEND = 4;

export interface OutputColumn extends SourceColumn {}

export interface AggregateSpec {
  fn: AggregateFunction;
  arg: Evaluator | null;
  constants: unknown[];
}

export interface JoinPlan {
  /** STREAM_TABLE looks the stream's records up in the table; the others read both sides' topics. */
  kind: 'STREAM_TABLE' | 'STREAM_STREAM' | 'TABLE_TABLE';
  /** The right-hand source (the table of a stream-table join). */
  table: DataSource;
  type: 'INNER' | 'LEFT' | 'RIGHT' | 'FULL';
  /** The left-side expression whose value is looked up among the right side's keys (or join values). */
  leftKey: Evaluator;
  /** The right-side expression of ON, over the right side's own row (offset 0). */
  rightKey: Evaluator;
  /** Where the right side's row starts in the joined row. */
  offset: number;
  /** Stream-stream joins: WITHIN (milliseconds before and after) and the grace period (null: eager, no grace). */
  within: { before: number; after: number; grace: number | null } | null;
  /** Table-table joins: the left expression is a foreign key (not the left table's primary key). */
  foreignKey: boolean;
  /** Tables of further JOIN clauses, looked up in order after this join (multi-way joins). */
  lookups?: LookupPlan[];
}

/** A table of a further JOIN clause: its row for the value of an expression over the sources joined before it. */
export interface LookupPlan {
  table: DataSource;
  type: 'INNER' | 'LEFT';
  leftKey: Evaluator;
  /** Where the table's row starts in the joined row. */
  offset: number;
}

export interface QueryPlan {
  source: DataSource;
  join: JoinPlan | null;
  /** Number of slots in the input row. */
  width: number;
  where: Evaluator | null;
  /** Output columns, key columns first. */
  output: OutputColumn[];
  keyCount: number;
  /** Evaluators of the output columns over the input row (projection) or over the aggregate row. */
  project: Evaluator[];
  aggregate: {
    groupBy: Evaluator[];
    aggs: AggregateSpec[];
    having: Evaluator | null;
    window: WindowSpec | null;
    /**
     * The grouping expressions are the source's key columns, in order: records of one group are already in one
     * partition, so the aggregation needs no repartition topic (as in ksqlDB).
     */
    byKey: boolean;
  } | null;
  /** Output is a table (aggregation, or a projection of a table). */
  outputIsTable: boolean;
  limit: number | null;
  /** Stream-side partitions are re-keyed (PARTITION BY or a join key that is not the stream's key). */
  selectStar: boolean;
  /** An aggregation over one source that reads none of the source's key columns (their decoding may be skipped). */
  keyUnused?: boolean;
}

export function sourceScope(ds: DataSource, alias: string | null, offset = 0): ScopeColumn[] {
  const sources = alias && alias !== ds.name ? [ds.name, alias] : [ds.name];
  const cols: ScopeColumn[] = PSEUDO.map((name, i) => ({ name, sources, type: PSEUDO_TYPES[i]!, index: offset + i }));
  for (let i = 0; i < ds.columns.length; i++) {
    const c = ds.columns[i]!;
    cols.push({ name: c.name, sources, type: c.type, index: offset + PSEUDO_COUNT + i });
  }
  return cols;
}

const exprKey = (e: Expr): string => JSON.stringify(e, (_k, v) => v);

function sameExpr(a: Expr, b: Expr, scope: Scope): boolean {
  if (a.k === 'col' && b.k === 'col') {
    const x = scope.tryResolve(a.source, a.name);
    const y = scope.tryResolve(b.source, b.name);
    return x !== null && x === y;
  }
  return exprKey(a) === exprKey(b);
}

function isAggregateCall(e: Expr): boolean {
  return e.k === 'call' && AGGREGATE_FUNCTIONS.has(e.name);
}

function containsAggregate(e: Expr): boolean {
  let found = false;
  walk(e, (x) => {
    if (isAggregateCall(x)) found = true;
  });
  return found;
}

function walk(e: Expr, f: (e: Expr) => void): void {
  f(e);
  switch (e.k) {
    case 'bin':
    case 'cmp':
    case 'and':
    case 'or':
      walk(e.l, f);
      walk(e.r, f);
      break;
    case 'not':
    case 'neg':
    case 'isnull':
    case 'cast':
    case 'deref':
      walk(e.e, f);
      break;
    case 'case':
      if (e.operand) walk(e.operand, f);
      for (const [w, t] of e.whens) {
        walk(w, f);
        walk(t, f);
      }
      if (e.otherwise) walk(e.otherwise, f);
      break;
    case 'like':
      walk(e.e, f);
      walk(e.pattern, f);
      break;
    case 'in':
      walk(e.e, f);
      for (const x of e.list) walk(x, f);
      break;
    case 'between':
      walk(e.e, f);
      walk(e.lo, f);
      walk(e.hi, f);
      break;
    case 'subscript':
      walk(e.e, f);
      walk(e.index, f);
      break;
    case 'call':
      if (!isAggregateCall(e)) for (const a of e.args) walk(a, f);
      break;
    case 'lambda':
      walk(e.body, f);
      break;
    case 'array':
      for (const x of e.items) walk(x, f);
      break;
    case 'map':
      for (const [k, v] of e.entries) {
        walk(k, f);
        walk(v, f);
      }
      break;
    case 'struct':
      for (const [, v] of e.fields) walk(v, f);
      break;
    default:
  }
}

/** Rewrites `e` bottom-up with `f` (which returns a replacement or null to keep descending). */
function rewrite(e: Expr, f: (e: Expr) => Expr | null): Expr {
  const r = f(e);
  if (r !== null) return r;
  const g = (x: Expr) => rewrite(x, f);
  switch (e.k) {
    case 'bin':
    case 'cmp':
      return { ...e, l: g(e.l), r: g(e.r) };
    case 'and':
    case 'or':
      return { ...e, l: g(e.l), r: g(e.r) };
    case 'not':
    case 'neg':
      return { ...e, e: g(e.e) };
    case 'isnull':
      return { ...e, e: g(e.e) };
    case 'cast':
      return { ...e, e: g(e.e) };
    case 'deref':
      return { ...e, e: g(e.e) };
    case 'case':
      return {
        ...e,
        operand: e.operand ? g(e.operand) : null,
        whens: e.whens.map(([w, t]) => [g(w), g(t)] as [Expr, Expr]),
        otherwise: e.otherwise ? g(e.otherwise) : null,
      };
    case 'like':
      return { ...e, e: g(e.e), pattern: g(e.pattern) };
    case 'in':
      return { ...e, e: g(e.e), list: e.list.map(g) };
    case 'between':
      return { ...e, e: g(e.e), lo: g(e.lo), hi: g(e.hi) };
    case 'subscript':
      return { ...e, e: g(e.e), index: g(e.index) };
    case 'call':
      return { ...e, args: e.args.map(g) };
    case 'array':
      return { ...e, items: e.items.map(g) };
    case 'map':
      return { ...e, entries: e.entries.map(([k, v]) => [g(k), g(v)] as [Expr, Expr]) };
    case 'struct':
      return { ...e, fields: e.fields.map(([n, v]) => [n, g(v)] as [string, Expr]) };
    default:
      return e;
  }
}

interface Projected {
  name: string;
  expr: Expr;
}

/** The select list with `*` expanded and every item named. */
function expandSelect(q: Query, sources: Array<{ ds: DataSource; alias: string }>): Projected[] {
  const out: Projected[] = [];
  let pos = 0;
  for (const item of q.select) {
    if (item.kind === 'star') {
      for (const s of sources) {
        if (item.source !== null && item.source !== s.alias && item.source !== s.ds.name) continue;
        const windowed = s.ds.window !== null;
        const names = [
          ...keyColumns(s.ds).map((c) => c.name),
          ...(windowed ? ['WINDOWSTART', 'WINDOWEND'] : []),
          ...valueColumns(s.ds).map((c) => c.name),
        ];
        for (const n of names) {
          const name = sources.length > 1 ? `${s.alias}_${n}` : n;
          out.push({ name, expr: { k: 'col', source: s.alias, name: n } });
        }
      }
      pos++;
      continue;
    }
    out.push({ name: item.alias ?? defaultColumnName(item.expr, pos), expr: item.expr });
    pos++;
  }
  const seen = new Set<string>();
  for (const p of out) {
    if (seen.has(p.name)) throw new SqlError(`Duplicate column name: ${p.name}`);
    seen.add(p.name);
  }
  return out;
}

export interface PlanOptions {
  /** A pull query: no EMIT CHANGES, reads what is there now. */
  pull?: boolean;
}

export function planQuery(q: Query, meta: MetaStore, opts: PlanOptions = {}): QueryPlan {
  const source = meta.get(q.from.name);
  const alias = q.from.alias ?? source.name;
  const cols = sourceScope(source, alias);
  const sources = [{ ds: source, alias }];
  let join: JoinPlan | null = null;
  const lookups: LookupPlan[] = [];
  if (q.joins.length >= 1) {
    const j = q.joins[0]!;
    const table = meta.get(j.source.name);
    const kind =
      source.type === 'STREAM'
        ? table.type === 'TABLE'
          ? 'STREAM_TABLE'
          : 'STREAM_STREAM'
        : table.type === 'TABLE'
          ? 'TABLE_TABLE'
          : null;
    if (kind === null)
      throw new SqlError(
        'Invalid join order: table-stream joins are not supported; only stream-table joins. Got TABLE [JOIN] STREAM.',
      );
    if (kind === 'STREAM_TABLE' && j.type === 'RIGHT')
      throw new SqlError(
        'Invalid join type: right-outer join not supported for stream-table join. Got STREAM [RIGHT] OUTER JOIN TABLE.',
      );
    if (kind === 'STREAM_TABLE' && j.type === 'FULL')
      throw new SqlError('Full outer joins between streams and tables are not supported.');
    if (kind === 'STREAM_STREAM' && j.within === null)
      throw new SqlError('Stream-Stream joins must have a WITHIN clause specified. None was provided.');
    if (kind !== 'STREAM_STREAM' && j.within !== null)
      throw new SqlError('A window definition was provided for a Stream-Table or Table-Table join.');
    const talias = j.source.alias ?? table.name;
    const offset = cols.length;
    cols.push(...sourceScope(table, talias, offset));
    sources.push({ ds: table, alias: talias });
    const scope = new Scope(cols);
    const on = j.on;
    if (on.k !== 'cmp' || on.op !== '=')
      throw new SqlError('Invalid join condition: joins need an equality between the two sources.');
    const sideOf = (e: Expr): 'L' | 'R' | null => {
      let side: 'L' | 'R' | null = null;
      let mixed = false;
      walk(e, (x) => {
        if (x.k !== 'col') return;
        const c = scope.tryResolve(x.source, x.name);
        if (c === null) return;
        const s = c.index >= offset ? 'R' : 'L';
        if (side !== null && side !== s) mixed = true;
        side = s;
      });
      return mixed ? null : side;
    };
    let leftExpr: Expr;
    let rightExpr: Expr;
    if (sideOf(on.l) === 'L' && sideOf(on.r) === 'R') [leftExpr, rightExpr] = [on.l, on.r];
    else if (sideOf(on.l) === 'R' && sideOf(on.r) === 'L') [leftExpr, rightExpr] = [on.r, on.l];
    else throw new SqlError('Invalid join condition: each side of = must refer to one of the two sources.');
    const isKeyOf = (e: Expr, ds: DataSource, at: number) => {
      if (e.k !== 'col') return false;
      const c = scope.tryResolve(e.source, e.name);
      return c !== null && keyColumns(ds).length === 1 && c.index === at + PSEUDO_COUNT;
    };
    let foreignKey = false;
    if (kind !== 'STREAM_STREAM') {
      const tkeys = keyColumns(table);
      if (tkeys.length !== 1) throw new SqlError('Joined tables need exactly one PRIMARY KEY column.');
      if (!isKeyOf(rightExpr, table, offset))
        throw new SqlError(
          `Invalid join condition: ${kind === 'TABLE_TABLE' ? 'the right' : 'table-side'} join expression must be the table's primary key \`${tkeys[0]!.name}\`.`,
        );
      if (kind === 'TABLE_TABLE') {
        foreignKey = !isKeyOf(leftExpr, source, 0);
        if (foreignKey && (j.type === 'FULL' || j.type === 'RIGHT'))
          throw new SqlError(
            `Invalid join type: ${j.type === 'FULL' ? 'full' : 'right'}-outer join not supported for foreign-key table-table join. Got TABLE [${j.type === 'FULL' ? 'FULL' : 'RIGHT'}] OUTER JOIN TABLE.`,
          );
      }
    }
    const left = compileExpr(leftExpr, new Scope(cols.slice(0, offset)));
    const right = compileExpr(rightExpr, new Scope(sourceScope(table, talias, 0)));
    join = {
      kind,
      table,
      type: j.type,
      leftKey: left.fn,
      rightKey: right.fn,
      offset,
      within: j.within,
      foreignKey,
    };
    // More JOIN clauses: each a table looked up by an expression over the sources before it (ksqlDB's multi-way
    // joins, here for a stream joined with tables; the table's changes do not re-emit rows, as in any stream-table
    // join).
    for (const jn of q.joins.slice(1)) {
      const t = meta.get(jn.source.name);
      if (kind === 'TABLE_TABLE' || t.type !== 'TABLE')
        throw new SqlError(
          `Samsa joins more than two sources only as a stream joined with tables (got ${kind === 'TABLE_TABLE' ? 'TABLE' : 'STREAM'} [JOIN] ${t.type}).`,
        );
      if (jn.type !== 'INNER' && jn.type !== 'LEFT')
        throw new SqlError(
          `Invalid join type: ${jn.type === 'FULL' ? 'full' : 'right'}-outer join not supported for stream-table join. Got STREAM [${jn.type}] OUTER JOIN TABLE.`,
        );
      if (jn.within !== null)
        throw new SqlError('A window definition was provided for a Stream-Table or Table-Table join.');
      const alias = jn.source.alias ?? t.name;
      if (sources.some((x) => x.alias.toUpperCase() === alias.toUpperCase()))
        throw new SqlError(`Each side of the join must have a unique alias: ${alias} is used twice.`);
      const at = cols.length;
      const before = new Scope(cols.slice());
      cols.push(...sourceScope(t, alias, at));
      sources.push({ ds: t, alias });
      const all = new Scope(cols);
      const c = jn.on;
      if (c.k !== 'cmp' || c.op !== '=')
        throw new SqlError('Invalid join condition: joins need an equality between the two sources.');
      const refersTo = (e: Expr): 'OLD' | 'NEW' | null => {
        let side: 'OLD' | 'NEW' | null = null;
        let mixed = false;
        walk(e, (x) => {
          if (x.k !== 'col') return;
          const r = all.tryResolve(x.source, x.name);
          if (r === null) return;
          const sd = r.index >= at ? 'NEW' : 'OLD';
          if (side !== null && side !== sd) mixed = true;
          side = sd;
        });
        return mixed ? null : side;
      };
      let oldExpr: Expr;
      let newExpr: Expr;
      if (refersTo(c.l) === 'OLD' && refersTo(c.r) === 'NEW') [oldExpr, newExpr] = [c.l, c.r];
      else if (refersTo(c.l) === 'NEW' && refersTo(c.r) === 'OLD') [oldExpr, newExpr] = [c.r, c.l];
      else throw new SqlError('Invalid join condition: each side of = must refer to one of the joined sources.');
      const tkeys = keyColumns(t);
      if (tkeys.length !== 1) throw new SqlError('Joined tables need exactly one PRIMARY KEY column.');
      const nk = newExpr.k === 'col' ? all.tryResolve(newExpr.source, newExpr.name) : null;
      if (nk === null || nk.index !== at + PSEUDO_COUNT)
        throw new SqlError(
          `Invalid join condition: table-side join expression must be the table's primary key \`${tkeys[0]!.name}\`.`,
        );
      lookups.push({ table: t, type: jn.type, leftKey: compileExpr(oldExpr, before).fn, offset: at });
    }
  }
  if (join) join.lookups = lookups;
  const scope = new Scope(cols);
  const width = cols.length;
  const where = q.where ? compilePredicate(q.where, scope) : null;
  const projected = expandSelect(q, sources);
  const aggregating = q.groupBy !== null || projected.some((p) => containsAggregate(p.expr));
  if (q.window && !aggregating) throw new SqlError('WINDOW clause requires a GROUP BY clause.');
  if (!aggregating) {
    if (q.having) throw new SqlError('HAVING requires GROUP BY.');
    return planProjection(q, projected, scope, source, join, width, where, opts);
  }
  return planAggregation(q, projected, scope, source, join, width, where);
}

function planProjection(
  q: Query,
  projected: Projected[],
  scope: Scope,
  source: DataSource,
  join: JoinPlan | null,
  width: number,
  where: Evaluator | null,
  opts: PlanOptions,
): QueryPlan {
  // Which projected items are key columns of the output?
  let keyExprs: Expr[];
  const fkJoin = join?.foreignKey === true;
  if (q.partitionBy) keyExprs = q.partitionBy;
  else if (fkJoin || join?.kind === 'TABLE_TABLE') {
    keyExprs = [{ k: 'col', source: q.from.alias ?? source.name, name: keyColumns(source)[0]!.name }];
  } else if (join?.kind === 'STREAM_STREAM') {
    // The result is keyed by the join expression (either side of ON, as projected).
    const on = q.joins[0]!.on as Extract<Expr, { k: 'cmp' }>;
    keyExprs = [on.l];
  } else if (join) {
    const srcKey = keyColumns(join.table)[0]!;
    keyExprs = [{ k: 'col', source: join.table.name, name: srcKey.name }];
  } else keyExprs = keyColumns(source).map((c) => ({ k: 'col', source: null, name: c.name }) as Expr);
  const keyItems: Projected[] = [];
  const valueItems: Projected[] = [];
  for (const p of projected) {
    const isKey =
      !opts.pull &&
      keyExprs.some(
        (k) =>
          sameExpr(p.expr, k, scope) ||
          (join !== null && !fkJoin && k.k === 'col' && isJoinLeftExpr(p.expr, q, scope, join)),
      ) &&
      keyItems.length < keyExprs.length;
    (isKey ? keyItems : valueItems).push(p);
  }
  if (!opts.pull && q.partitionBy && keyItems.length < keyExprs.length) {
    throw new SqlError(
      'Key missing from projection (ie, SELECT). The query used to build the result must include the PARTITION BY expression(s) in its projection.',
    );
  }
  const items = [...keyItems, ...valueItems];
  const compiled = items.map((p) => compileExpr(p.expr, scope));
  return {
    source,
    join,
    width,
    where,
    output: items.map((p, i) => ({ name: p.name, type: compiled[i]!.type, key: i < keyItems.length })),
    keyCount: keyItems.length,
    project: compiled.map((c) => c.fn),
    aggregate: null,
    outputIsTable: source.type === 'TABLE' && (!join || join.kind === 'TABLE_TABLE'),
    limit: q.limit,
    selectStar: q.select.some((s) => s.kind === 'star'),
  };
}

function isJoinLeftExpr(e: Expr, q: Query, scope: Scope, join: JoinPlan): boolean {
  const on = q.joins[0]!.on;
  if (on.k !== 'cmp') return false;
  const sides = [on.l, on.r];
  return sides.some((s) => sameExpr(e, s, scope)) && join !== null;
}

function planAggregation(
  q: Query,
  projected: Projected[],
  scope: Scope,
  source: DataSource,
  join: JoinPlan | null,
  width: number,
  where: Evaluator | null,
): QueryPlan {
  if (!q.groupBy) throw new SqlError('Aggregate functions need a GROUP BY clause.');
  const groupBy = q.groupBy;
  const groupCompiled = groupBy.map((g) => compileExpr(g, scope));
  const aggCalls: Expr[] = [];
  const aggIndex = (e: Expr) => {
    const k = exprKey(e);
    let i = aggCalls.findIndex((x) => exprKey(x) === k);
    if (i < 0) {
      aggCalls.push(e);
      i = aggCalls.length - 1;
    }
    return i;
  };
  const G = groupBy.length;
  // Rewrite projection/HAVING over the aggregate row: group values, aggregate results, WINDOWSTART, WINDOWEND, ROWTIME.
  const toAggRow = (e: Expr): Expr =>
    rewrite(e, (x) => {
      if (isAggregateCall(x)) return { k: 'col', source: '$', name: `$AGG${aggIndex(x)}` };
      const g = groupBy.findIndex((gb) => sameExpr(x, gb, scope));
      if (g >= 0) return { k: 'col', source: '$', name: `$KEY${g}` };
      if (x.k === 'col' && (x.name === 'WINDOWSTART' || x.name === 'WINDOWEND' || x.name === 'ROWTIME')) {
        return { k: 'col', source: '$', name: x.name };
      }
      if (x.k === 'col') {
        throw new SqlError(
          `Non-aggregate SELECT expression(s) not part of GROUP BY: ${x.source ? `${x.source}.` : ''}${x.name}`,
        );
      }
      return null;
    });
  const keyItems: Projected[] = [];
  const valueItems: Projected[] = [];
  for (const p of projected) {
    const g = groupBy.findIndex((gb) => sameExpr(p.expr, gb, scope));
    if (g >= 0 && !keyItems.some((k) => sameExpr(k.expr, groupBy[g]!, scope))) keyItems.push(p);
    else valueItems.push(p);
  }
  if (keyItems.length < G) {
    throw new SqlError(
      'Key missing from projection (ie, SELECT). The query used to build the result must include the grouping expressions ' +
        groupBy.map((g) => (g.k === 'col' ? g.name : 'expression')).join(', ') +
        ' in its projection (eg, SELECT ... FROM ... GROUP BY ...).',
    );
  }
  keyItems.sort(
    (a, b) =>
      groupBy.findIndex((g) => sameExpr(a.expr, g, scope)) - groupBy.findIndex((g) => sameExpr(b.expr, g, scope)),
  );
  const items = [...keyItems, ...valueItems];
  const rewritten = items.map((p) => toAggRow(p.expr));
  const havingExpr = q.having ? toAggRow(q.having) : null;
  // Now the aggregates are known: compile their arguments over the input row.
  const aggs: AggregateSpec[] = aggCalls.map((c) => {
    if (c.k !== 'call') throw new Error('unreachable');
    const fn = AGGREGATE_FUNCTIONS.get(c.name)!;
    if (c.star && c.name !== 'COUNT') throw new SqlError(`${c.name}(*) is not valid.`);
    const n = c.args.length;
    if (!c.star && (n < fn.min || n > fn.max))
      throw new SqlError(`Function '${c.name}' does not accept ${n} parameter(s).`);
    const arg = c.star || n === 0 ? null : compileExpr(c.args[0]!, scope);
    const constants = c.args.slice(Math.min(fn.constantsFrom, n)).map((a) => evaluateConstant(a));
    return {
      fn,
      arg: arg?.fn ?? null,
      constants,
      argType: arg?.type ?? T.BIGINT,
      argTypes: [arg?.type ?? T.BIGINT, ...c.args.slice(1).map((a) => compileExpr(a, new Scope([])).type)],
    } as AggregateSpec & { argTypes: SqlType[] };
  });
  const aggCols: ScopeColumn[] = [
    ...groupCompiled.map((g, i) => ({ name: `$KEY${i}`, sources: ['$'], type: g.type, index: i })),
    ...aggs.map((a, i) => ({
      name: `$AGG${i}`,
      sources: ['$'],
      type: a.fn.returns((a as AggregateSpec & { argTypes: SqlType[] }).argTypes),
      index: G + i,
    })),
    { name: 'WINDOWSTART', sources: ['$'], type: T.BIGINT, index: G + aggs.length },
    { name: 'WINDOWEND', sources: ['$'], type: T.BIGINT, index: G + aggs.length + 1 },
    { name: 'ROWTIME', sources: ['$'], type: T.BIGINT, index: G + aggs.length + 2 },
  ];
  const aggScope = new Scope(aggCols);
  const compiled = rewritten.map((e) => compileExpr(e, aggScope));
  return {
    source,
    join,
    width,
    where,
    output: items.map((p, i) => ({ name: p.name, type: compiled[i]!.type, key: i < keyItems.length })),
    keyCount: keyItems.length,
    project: compiled.map((c) => c.fn),
    aggregate: {
      groupBy: groupCompiled.map((g) => g.fn),
      aggs,
      having: havingExpr ? compilePredicate(havingExpr, aggScope) : null,
      window: q.window,
      byKey:
        keyColumns(source).length > 0 &&
        groupBy.length === keyColumns(source).length &&
        groupBy.every((g, i) => {
          if (g.k !== 'col') return false;
          const c = scope.tryResolve(g.source, g.name);
          return c !== null && c.index === PSEUDO_COUNT + i;
        }),
    },
    outputIsTable: true,
    limit: q.limit,
    selectStar: false,
    // (Every expression over the input row is compiled by now: WHERE, GROUP BY and the aggregates' arguments.)
    keyUnused: join === null && keyColumns(source).every((_, i) => !scope.used.has(PSEUDO_COUNT + i)),
  };
}

/**
 * Whether a persistent query's aggregation goes through a repartition topic: a GROUP BY over one source (no join)
 * whose grouping expressions are not the source's key, so the records of a group may be in any partition.
 */
export function needsRepartition(p: QueryPlan): boolean {
  return p.aggregate !== null && p.join === null && !p.aggregate.byKey && p.source.window === null;
}

/** The width of an aggregate row for a plan. */
export function aggregateRowWidth(p: QueryPlan): number {
  const a = p.aggregate!;
  return a.groupBy.length + a.aggs.length + 3;
}
