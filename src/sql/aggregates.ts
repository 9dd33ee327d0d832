/**
 * The aggregate functions, one table row each. An aggregate keeps a state that is plain JSON (numbers, strings,
 * arrays, objects) so that the state of every group can be written to a compacted changelog topic and read back
 * after a restart. `add` returns the new state (it may change the one given), `result` turns it into the value.
 * Constant arguments (TOPK's k, LATEST_BY_OFFSET's n) are fixed when the query is compiled.
 */
import { T, arrayOf, mapOf, type SqlType } from './types.js';

export interface AggregateFunction {
  name: string;
  min: number;
  max: number;
  /** Index of the first argument that must be a constant (the rest are constants too). */
  constantsFrom: number;
  returns(args: SqlType[]): SqlType;
  init(constants: unknown[]): unknown;
  add(state: any, v: unknown, constants: unknown[]): unknown;
  result(state: any, constants: unknown[]): unknown;
  /** COUNT(*): counts rows, not values. */
  countsRows?: boolean;
  description: string;
}

const keyOf = (v: unknown) => (typeof v === 'object' && v !== null ? JSON.stringify(v) : `${typeof v}:${String(v)}`);

function less(a: unknown, b: unknown): boolean {
  return (a as number) < (b as number);
}

function byOffset(latest: boolean): AggregateFunction {
  return {
    name: latest ? 'LATEST_BY_OFFSET' : 'EARLIEST_BY_OFFSET',
    min: 1,
    max: 3,
    constantsFrom: 1,
    returns: (a) => (a.length >= 2 && a[1]!.base === 'INTEGER' ? arrayOf(a[0]!) : a[0]!),
    init: () => ({ v: [] as unknown[] }),
    add: (s: { v: unknown[] }, v, c) => {
      const n = typeof c[0] === 'number' ? c[0] : 1;
      const ignoreNulls = typeof c[0] === 'boolean' ? c[0] : typeof c[1] === 'boolean' ? c[1] : true;
      if (v === null && ignoreNulls) return s;
      if (latest) {
        s.v.push(v);
        if (s.v.length > n) s.v.shift();
      } else if (s.v.length < n) s.v.push(v);
      return s;
    },
    result: (s: { v: unknown[] }, c) => (typeof c[0] === 'number' ? s.v : (s.v[latest ? s.v.length - 1 : 0] ?? null)),
    description: latest
      ? 'The value of the most recent record (by offset), ignoring NULLs by default.'
      : 'The value of the first record (by offset), ignoring NULLs by default.',
  };
}

const A: AggregateFunction[] = [
  {
    name: 'COUNT',
    min: 0,
    max: 1,
    constantsFrom: 99,
    returns: () => T.BIGINT,
    init: () => 0,
    add: (s: number, v) => (v === null ? s : s + 1),
    result: (s) => s,
    description: 'Number of rows (COUNT(*)) or of non-NULL values.',
  },
  {
    name: 'COUNT_DISTINCT',
    min: 1,
    max: 1,
    constantsFrom: 99,
    returns: () => T.BIGINT,
    init: () => ({}),
    add: (s: Record<string, 1>, v) => {
      if (v !== null) s[keyOf(v)] = 1;
      return s;
    },
    result: (s) => Object.keys(s).length,
    description: 'Number of distinct non-NULL values.',
  },
  {
    name: 'SUM',
    min: 1,
    max: 1,
    constantsFrom: 99,
    returns: (a) => a[0]!,
    init: () => 0,
    add: (s: number, v) => (v === null ? s : s + (v as number)),
    result: (s) => s,
    description: 'Sum of the values.',
  },
  {
    name: 'AVG',
    min: 1,
    max: 1,
    constantsFrom: 99,
    returns: () => T.DOUBLE,
    init: () => [0, 0],
    add: (s: [number, number], v) => {
      if (v !== null) {
        s[0] += v as number;
        s[1]++;
      }
      return s;
    },
    result: (s: [number, number]) => (s[1] === 0 ? null : s[0] / s[1]),
    description: 'Average of the non-NULL values.',
  },
  {
    name: 'MIN',
    min: 1,
    max: 1,
    constantsFrom: 99,
    returns: (a) => a[0]!,
    init: () => null,
    add: (s, v) => (v === null ? s : s === null || less(v, s) ? v : s),
    result: (s) => s,
    description: 'Smallest value.',
  },
  {
    name: 'MAX',
    min: 1,
    max: 1,
    constantsFrom: 99,
    returns: (a) => a[0]!,
    init: () => null,
    add: (s, v) => (v === null ? s : s === null || less(s, v) ? v : s),
    result: (s) => s,
    description: 'Largest value.',
  },
  byOffset(true),
  byOffset(false),
  {
    name: 'COLLECT_LIST',
    min: 1,
    max: 1,
    constantsFrom: 99,
    returns: (a) => arrayOf(a[0]!),
    init: () => [],
    add: (s: unknown[], v) => {
      if (s.length < 1000) s.push(v);
      return s;
    },
    result: (s: unknown[]) => s.slice(),
    description: 'All values as an array (at most 1000).',
  },
  {
    name: 'COLLECT_SET',
    min: 1,
    max: 1,
    constantsFrom: 99,
    returns: (a) => arrayOf(a[0]!),
    init: () => [],
    add: (s: unknown[], v) => {
      const k = keyOf(v);
      if (s.length < 1000 && !s.some((x) => keyOf(x) === k)) s.push(v);
      return s;
    },
    result: (s: unknown[]) => s.slice(),
    description: 'Distinct values as an array (at most 1000).',
  },
  {
    name: 'TOPK',
    min: 2,
    max: 2,
    constantsFrom: 1,
    returns: (a) => arrayOf(a[0]!),
    init: () => [],
    add: (s: unknown[], v, c) => {
      if (v === null) return s;
      const k = c[0] as number;
      let i = 0;
      while (i < s.length && !less(s[i], v)) i++;
      if (i < k) {
        s.splice(i, 0, v);
        if (s.length > k) s.pop();
      }
      return s;
    },
    result: (s: unknown[]) => s.slice(),
    description: 'The k largest values, largest first.',
  },
  {
    name: 'HISTOGRAM',
    min: 1,
    max: 1,
    constantsFrom: 99,
    returns: () => mapOf(T.STRING, T.BIGINT),
    init: () => ({}),
    add: (s: Record<string, number>, v) => {
      if (v !== null) {
        const k = String(v);
        s[k] = (s[k] ?? 0) + 1;
      }
      return s;
    },
    result: (s: Record<string, number>) => ({ ...s }),
    description: 'How many times each value occurs.',
  },
];

export const AGGREGATE_FUNCTIONS: ReadonlyMap<string, AggregateFunction> = new Map(A.map((a) => [a.name, a]));
