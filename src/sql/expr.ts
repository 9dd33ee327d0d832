/**
 * Compiles expressions into closures over a row (an array of column values laid out by a Scope), with ksqlDB's
 * typing and NULL semantics: arithmetic and comparisons with NULL give NULL, AND/OR follow three-valued logic, a
 * WHERE that is NULL drops the row, integer division truncates and division by zero gives NULL. Types are inferred
 * at compile time so that nothing is looked up per record.
 */
import type { Expr } from './ast.js';
import { SqlError } from './errors.js';
import { LAMBDA_FUNCTIONS, SCALAR_FUNCTIONS } from './functions.js';
import {
  T,
  arrayOf,
  castValue,
  isNumeric,
  mapOf,
  NULL_TYPE,
  roundDecimal,
  typeToString,
  widerNumeric,
  type SqlType,
} from './types.js';

export type Row = unknown[];
export type Evaluator = (row: Row) => unknown;

export interface ScopeColumn {
  name: string;
  /** Names the column's source answers to (its name and alias); empty for computed columns. */
  sources: string[];
  type: SqlType;
  index: number;
}

/** The columns a row holds, by position. */
export class Scope {
  /** Row indexes of the columns resolved so far (planning uses it to find the columns a query never reads). */
  readonly used = new Set<number>();

  constructor(readonly columns: ScopeColumn[]) {}

  resolve(source: string | null, name: string): ScopeColumn {
    const found = this.columns.filter((c) => c.name === name && (source === null || c.sources.includes(source)));
    if (found.length === 0) {
      if (source !== null && !this.columns.some((c) => c.sources.includes(source))) {
        throw new SqlError(`'${source}' is not a valid stream/table name or alias.`);
      }
      throw new SqlError(`Column '${source ? `${source}.` : ''}${name}' cannot be resolved.`);
    }
    if (found.length > 1)
      throw new SqlError(
        `Column '${name}' is ambiguous. Could be any of: ${found.map((c) => `${c.sources[0]}.${c.name}`).join(', ')}`,
      );
    this.used.add(found[0]!.index);
    return found[0]!;
  }

  tryResolve(source: string | null, name: string): ScopeColumn | null {
    try {
      return this.resolve(source, name);
    } catch {
      return null;
    }
  }
}

export interface Compiled {
  fn: Evaluator;
  type: SqlType;
}

interface LambdaVar {
  cell: { v: unknown };
  type: SqlType;
}

class Compiler {
  private readonly lambdaVars = new Map<string, LambdaVar>();

  constructor(private readonly scope: Scope) {}

  compile(e: Expr): Compiled {
    switch (e.k) {
      case 'lit': {
        const v = e.v;
        return { fn: () => v, type: e.t ?? NULL_TYPE };
      }
      case 'col': {
        if (e.source === null) {
          const lv = this.lambdaVars.get(e.name);
          if (lv) {
            const cell = lv.cell;
            return { fn: () => cell.v, type: lv.type };
          }
        }
        const c = this.scope.resolve(e.source, e.name);
        const i = c.index;
        return { fn: (r) => r[i] ?? null, type: c.type };
      }
      case 'neg': {
        const x = this.compile(e.e);
        const f = x.fn;
        return {
          fn: (r) => {
            const v = f(r);
            return v === null ? null : -(v as number);
          },
          type: x.type,
        };
      }
      case 'bin':
        return this.binary(e.op, this.compile(e.l), this.compile(e.r));
      case 'cmp':
        return this.comparison(e.op, this.compile(e.l), this.compile(e.r));
      case 'and': {
        const l = this.bool(e.l);
        const r = this.bool(e.r);
        return {
          fn: (row) => {
            const a = l(row);
            if (a === false) return false;
            const b = r(row);
            if (b === false) return false;
            return a === null || b === null ? null : true;
          },
          type: T.BOOLEAN,
        };
      }
      case 'or': {
        const l = this.bool(e.l);
        const r = this.bool(e.r);
        return {
          fn: (row) => {
            const a = l(row);
            if (a === true) return true;
            const b = r(row);
            if (b === true) return true;
            return a === null || b === null ? null : false;
          },
          type: T.BOOLEAN,
        };
      }
      case 'not': {
        const x = this.bool(e.e);
        return {
          fn: (r) => {
            const v = x(r);
            return v === null ? null : !v;
          },
          type: T.BOOLEAN,
        };
      }
      case 'isnull': {
        const x = this.compile(e.e).fn;
        const not = e.not;
        return { fn: (r) => (x(r) === null) !== not, type: T.BOOLEAN };
      }
      case 'case':
        return this.caseExpr(e);
      case 'cast': {
        const x = this.compile(e.e);
        const from = x.type;
        const to = e.type;
        const f = x.fn;
        return { fn: (r) => castValue(f(r), from, to), type: to };
      }
      case 'like':
        return this.like(e);
      case 'in': {
        const x = this.compile(e.e);
        const list = e.list.map((i) => this.comparison('=', x, this.compile(i)).fn);
        const not = e.not;
        return {
          fn: (r) => {
            let sawNull = false;
            for (const eq of list) {
              const v = eq(r);
              if (v === true) return !not;
              if (v === null) sawNull = true;
            }
            return sawNull ? null : not;
          },
          type: T.BOOLEAN,
        };
      }
      case 'between': {
        const x = this.compile(e.e);
        const ge = this.comparison('>=', x, this.compile(e.lo)).fn;
        const le = this.comparison('<=', x, this.compile(e.hi)).fn;
        const not = e.not;
        return {
          fn: (r) => {
            const a = ge(r);
            const b = le(r);
            if (a === null || b === null) return null;
            return (a && b) !== not;
          },
          type: T.BOOLEAN,
        };
      }
      case 'deref': {
        const x = this.compile(e.e);
        if (x.type.base !== 'STRUCT') throw new SqlError(`Expected STRUCT type, got: ${typeToString(x.type)}`);
        const field = x.type.fields.find((f) => f.name === e.field || f.name.toUpperCase() === e.field);
        if (!field) throw new SqlError(`Could not find field '${e.field}' in '${typeToString(x.type)}'.`);
        const name = field.name;
        const f = x.fn;
        return {
          fn: (r) => {
            const s = f(r) as Record<string, unknown> | null;
            return s === null ? null : (s[name] ?? null);
          },
          type: field.type,
        };
      }
      case 'subscript': {
        const x = this.compile(e.e);
        const idx = this.compile(e.index).fn;
        const f = x.fn;
        if (x.type.base === 'ARRAY') {
          return {
            fn: (r) => {
              const a = f(r) as unknown[] | null;
              const i = idx(r) as number | null;
              if (a === null || i === null) return null;
              const j = i > 0 ? i - 1 : a.length + i;
              return a[j] ?? null;
            },
            type: x.type.item,
          };
        }
        if (x.type.base === 'MAP') {
          return {
            fn: (r) => {
              const m = f(r) as Record<string, unknown> | null;
              const k = idx(r);
              if (m === null || k === null) return null;
              return m[String(k)] ?? null;
            },
            type: x.type.value,
          };
        }
        throw new SqlError(`Subscript expected either ARRAY or MAP, got: ${typeToString(x.type)}`);
      }
      case 'array': {
        const items = e.items.map((i) => this.compile(i));
        const fns = items.map((i) => i.fn);
        const item = items.find((i) => !(i.type.base === 'STRING' && false))?.type ?? T.STRING;
        return {
          fn: (r) => fns.map((f) => f(r)),
          type: arrayOf(items.length > 0 ? commonType(items.map((i) => i.type)) : item),
        };
      }
      case 'map': {
        const entries = e.entries.map(([k, v]) => [this.compile(k), this.compile(v)] as const);
        const vt = entries.length > 0 ? commonType(entries.map(([, v]) => v.type)) : T.STRING;
        return {
          fn: (r) => {
            const out: Record<string, unknown> = {};
            for (const [k, v] of entries) out[String(k.fn(r))] = v.fn(r);
            return out;
          },
          type: mapOf(T.STRING, vt),
        };
      }
      case 'struct': {
        const fields = e.fields.map(([n, v]) => [n, this.compile(v)] as const);
        return {
          fn: (r) => {
            const out: Record<string, unknown> = {};
            for (const [n, v] of fields) out[n] = v.fn(r);
            return out;
          },
          type: { base: 'STRUCT', fields: fields.map(([name, c]) => ({ name, type: c.type })) },
        };
      }
      case 'call':
        return this.call(e);
      case 'lambda':
        throw new SqlError('A lambda can only be an argument of TRANSFORM, FILTER or REDUCE.');
    }
  }

  bool(e: Expr): Evaluator {
    const c = this.compile(e);
    if (c.type.base !== 'BOOLEAN' && !(e.k === 'lit' && e.v === null)) {
      throw new SqlError(`Type error: expected BOOLEAN, got ${typeToString(c.type)}`);
    }
    return c.fn;
  }

  private binary(op: '+' | '-' | '*' | '/' | '%' | '||', l: Compiled, r: Compiled): Compiled {
    const a = l.fn;
    const b = r.fn;
    if (op === '||' || (op === '+' && (l.type.base === 'STRING' || r.type.base === 'STRING'))) {
      return {
        fn: (row) => {
          const x = a(row);
          const y = b(row);
          return x === null || y === null ? null : String(x) + String(y);
        },
        type: T.STRING,
      };
    }
    if (op === '+' || op === '-') {
      // TIMESTAMP/DATE arithmetic with intervals is done with functions in ksqlDB; numbers only here.
    }
    if (l.type === NULL_TYPE || r.type === NULL_TYPE) {
      return { fn: () => null, type: l.type === NULL_TYPE ? r.type : l.type };
    }
    if (!isNumeric(l.type) || !isNumeric(r.type)) {
      throw new SqlError(
        `Error processing expression: Unsupported arithmetic types. ${typeToString(l.type)} ${typeToString(r.type)}`,
      );
    }
    const type = widerNumeric(l.type, r.type);
    const integral = type.base === 'INTEGER' || type.base === 'BIGINT';
    const int32 = type.base === 'INTEGER';
    const scale = type.base === 'DECIMAL' ? type.scale : -1;
    let fn: Evaluator;
    switch (op) {
      case '+':
        fn = (row) => {
          const x = a(row) as number | null;
          const y = b(row) as number | null;
          return x === null || y === null ? null : x + y;
        };
        break;
      case '-':
        fn = (row) => {
          const x = a(row) as number | null;
          const y = b(row) as number | null;
          return x === null || y === null ? null : x - y;
        };
        break;
      case '*':
        fn = (row) => {
          const x = a(row) as number | null;
          const y = b(row) as number | null;
          return x === null || y === null ? null : x * y;
        };
        break;
      case '/':
        fn = integral
          ? (row) => {
              const x = a(row) as number | null;
              const y = b(row) as number | null;
              return x === null || y === null || y === 0 ? null : Math.trunc(x / y);
            }
          : (row) => {
              const x = a(row) as number | null;
              const y = b(row) as number | null;
              return x === null || y === null || (y === 0 && scale >= 0) ? null : x / y;
            };
        break;
      default:
        fn = (row) => {
          const x = a(row) as number | null;
          const y = b(row) as number | null;
          return x === null || y === null || (y === 0 && integral) ? null : x % y;
        };
    }
    if (int32) {
      const inner = fn;
      fn = (row) => {
        const v = inner(row) as number | null;
        return v === null ? null : v | 0;
      };
    } else if (scale >= 0) {
      const inner = fn;
      fn = (row) => {
        const v = inner(row) as number | null;
        return v === null ? null : roundDecimal(v, scale);
      };
    }
    return { fn, type };
  }

  comparison(op: '=' | '<>' | '<' | '<=' | '>' | '>=', l: Compiled, r: Compiled): Compiled {
    const a = l.fn;
    const b = r.fn;
    const structural = ['ARRAY', 'MAP', 'STRUCT', 'BYTES'].includes(l.type.base);
    if (!comparable(l.type, r.type)) {
      throw new SqlError(`Cannot compare ${typeToString(l.type)} to ${typeToString(r.type)} with ${op}.`);
    }
    // A STRING compared with a TIMESTAMP/DATE/TIME literal is read as that type, as ksqlDB does.
    const conv = temporalConverter(l.type, r.type);
    const ca = conv.left;
    const cb = conv.right;
    if (structural) {
      const eq = (row: Row) => {
        const x = a(row);
        const y = b(row);
        if (x === null || y === null) return null;
        return (
          JSON.stringify(x instanceof Buffer ? x.toString('base64') : x) ===
          JSON.stringify(y instanceof Buffer ? y.toString('base64') : y)
        );
      };
      if (op === '=') return { fn: eq, type: T.BOOLEAN };
      if (op === '<>')
        return {
          fn: (row) => {
            const v = eq(row);
            return v === null ? null : !v;
          },
          type: T.BOOLEAN,
        };
      throw new SqlError(`Operator ${op} cannot be used to compare ${typeToString(l.type)}`);
    }
    let fn: Evaluator;
    switch (op) {
      case '=':
        fn = (row) => {
          const x = ca(a(row));
          const y = cb(b(row));
          return x === null || y === null ? null : x === y;
        };
        break;
      case '<>':
        fn = (row) => {
          const x = ca(a(row));
          const y = cb(b(row));
          return x === null || y === null ? null : x !== y;
        };
        break;
      case '<':
        fn = (row) => {
          const x = ca(a(row)) as number;
          const y = cb(b(row)) as number;
          return x === null || y === null ? null : x < y;
        };
        break;
      case '<=':
        fn = (row) => {
          const x = ca(a(row)) as number;
          const y = cb(b(row)) as number;
          return x === null || y === null ? null : x <= y;
        };
        break;
      case '>':
        fn = (row) => {
          const x = ca(a(row)) as number;
          const y = cb(b(row)) as number;
          return x === null || y === null ? null : x > y;
        };
        break;
      default:
        fn = (row) => {
          const x = ca(a(row)) as number;
          const y = cb(b(row)) as number;
          return x === null || y === null ? null : x >= y;
        };
    }
    return { fn, type: T.BOOLEAN };
  }

  private caseExpr(e: Extract<Expr, { k: 'case' }>): Compiled {
    const operand = e.operand ? this.compile(e.operand) : null;
    const whens = e.whens.map(([w, t]) => {
      const cond = operand ? this.comparison('=', operand, this.compile(w)).fn : this.bool(w);
      return [cond, this.compile(t)] as const;
    });
    const otherwise = e.otherwise ? this.compile(e.otherwise) : null;
    const conds = whens.map(([c]) => c);
    const thens = whens.map(([, t]) => t.fn);
    const other = otherwise?.fn ?? null;
    const type = commonType([...whens.map(([, t]) => t.type), ...(otherwise ? [otherwise.type] : [])]);
    return {
      fn: (r) => {
        for (let i = 0; i < conds.length; i++) if (conds[i]!(r) === true) return thens[i]!(r);
        return other === null ? null : other(r);
      },
      type,
    };
  }

  private like(e: Extract<Expr, { k: 'like' }>): Compiled {
    const x = this.compile(e.e).fn;
    const not = e.not;
    const esc = e.escape;
    if (e.pattern.k === 'lit' && typeof e.pattern.v === 'string') {
      const re = likeRegex(e.pattern.v, esc);
      return {
        fn: (r) => {
          const v = x(r);
          return v === null ? null : re.test(v as string) !== not;
        },
        type: T.BOOLEAN,
      };
    }
    const p = this.compile(e.pattern).fn;
    return {
      fn: (r) => {
        const v = x(r);
        const pat = p(r);
        return v === null || pat === null ? null : likeRegex(pat as string, esc).test(v as string) !== not;
      },
      type: T.BOOLEAN,
    };
  }

  private call(e: Extract<Expr, { k: 'call' }>): Compiled {
    if ((LAMBDA_FUNCTIONS as readonly string[]).includes(e.name)) return this.lambdaCall(e);
    const f = SCALAR_FUNCTIONS.get(e.name);
    if (!f) throw new SqlError(`Can't find any functions with the name '${e.name}'`);
    if (e.args.length < f.min || e.args.length > f.max) {
      throw new SqlError(`Function '${e.name}' does not accept parameters (${e.args.length} given).`);
    }
    const args = e.args.map((a) => this.compile(a));
    const types = args.map((a) => a.type);
    const type = typeof f.returns === 'function' ? f.returns(types) : f.returns;
    const fns = args.map((a) => a.fn);
    const impl = f.fn;
    const n = fns.length;
    const checkNulls = !f.nulls;
    const typed = f.typed === true;
    const safe = (v: unknown) => (v === undefined || (typeof v === 'number' && Number.isNaN(v)) ? null : v);
    if (n === 1 && !typed) {
      const a0 = fns[0]!;
      return {
        fn: (r) => {
          const v = a0(r);
          if (checkNulls && v === null) return null;
          try {
            return safe(impl(v));
          } catch {
            return null;
          }
        },
        type,
      };
    }
    const buf: unknown[] = new Array(n + (typed ? 1 : 0));
    if (typed) buf[n] = types;
    return {
      fn: (r) => {
        for (let i = 0; i < n; i++) {
          const v = fns[i]!(r);
          if (checkNulls && v === null) return null;
          buf[i] = v;
        }
        try {
          return safe(impl(...buf));
        } catch {
          return null;
        }
      },
      type,
    };
  }

  private withVars<R>(names: string[], types: SqlType[], body: (cells: Array<{ v: unknown }>) => R): R {
    const cells = names.map(() => ({ v: null as unknown }));
    const saved = names.map((n) => this.lambdaVars.get(n));
    for (let i = 0; i < names.length; i++) this.lambdaVars.set(names[i]!, { cell: cells[i]!, type: types[i]! });
    try {
      return body(cells);
    } finally {
      for (let i = 0; i < names.length; i++) {
        if (saved[i]) this.lambdaVars.set(names[i]!, saved[i]!);
        else this.lambdaVars.delete(names[i]!);
      }
    }
  }

  private lambdaCall(e: Extract<Expr, { k: 'call' }>): Compiled {
    const coll = this.compile(e.args[0]!);
    const lambdas = e.args.slice(1).filter((a) => a.k === 'lambda') as Array<Extract<Expr, { k: 'lambda' }>>;
    const src = coll.fn;
    const isMap = coll.type.base === 'MAP';
    if (coll.type.base !== 'ARRAY' && !isMap) throw new SqlError(`${e.name} expects an ARRAY or a MAP`);
    const elemTypes =
      coll.type.base === 'ARRAY' ? [coll.type.item] : coll.type.base === 'MAP' ? [coll.type.key, coll.type.value] : [];
    const need = (l: Extract<Expr, { k: 'lambda' }> | undefined, n: number) => {
      if (!l || l.params.length !== n) throw new SqlError(`${e.name} expects a lambda with ${n} argument(s)`);
      return l;
    };
    if (e.name === 'TRANSFORM') {
      if (!isMap) {
        const l = need(lambdas[0], 1);
        const body = this.withVars(l.params, elemTypes, (cells) => ({ c: this.compile(l.body), cells }));
        const cell = body.cells[0]!;
        const f = body.c.fn;
        return {
          fn: (r) => {
            const a = src(r) as unknown[] | null;
            if (a === null) return null;
            return a.map((x) => {
              cell.v = x;
              return f(r);
            });
          },
          type: arrayOf(body.c.type),
        };
      }
      const lk = need(lambdas[0], 2);
      const lv = need(lambdas[1], 2);
      const kb = this.withVars(lk.params, elemTypes, (cells) => ({ c: this.compile(lk.body), cells }));
      const vb = this.withVars(lv.params, elemTypes, (cells) => ({ c: this.compile(lv.body), cells }));
      return {
        fn: (r) => {
          const m = src(r) as Record<string, unknown> | null;
          if (m === null) return null;
          const out: Record<string, unknown> = {};
          for (const [k, v] of Object.entries(m)) {
            kb.cells[0]!.v = k;
            kb.cells[1]!.v = v;
            vb.cells[0]!.v = k;
            vb.cells[1]!.v = v;
            out[String(kb.c.fn(r))] = vb.c.fn(r);
          }
          return out;
        },
        type: mapOf(kb.c.type, vb.c.type),
      };
    }
    if (e.name === 'FILTER') {
      const l = need(lambdas[0], isMap ? 2 : 1);
      const body = this.withVars(l.params, elemTypes, (cells) => ({ c: this.compile(l.body), cells }));
      const f = body.c.fn;
      const cells = body.cells;
      if (!isMap) {
        return {
          fn: (r) => {
            const a = src(r) as unknown[] | null;
            if (a === null) return null;
            return a.filter((x) => {
              cells[0]!.v = x;
              return f(r) === true;
            });
          },
          type: coll.type,
        };
      }
      return {
        fn: (r) => {
          const m = src(r) as Record<string, unknown> | null;
          if (m === null) return null;
          const out: Record<string, unknown> = {};
          for (const [k, v] of Object.entries(m)) {
            cells[0]!.v = k;
            cells[1]!.v = v;
            if (f(r) === true) out[k] = v;
          }
          return out;
        },
        type: coll.type,
      };
    }
    // REDUCE(collection, initial, (state, x) => ...) or (state, k, v) => ... for maps
    const init = this.compile(e.args[1]!);
    const l = need(lambdas[0], isMap ? 3 : 2);
    const body = this.withVars(l.params, [init.type, ...elemTypes], (cells) => ({ c: this.compile(l.body), cells }));
    const f = body.c.fn;
    const cells = body.cells;
    const initFn = init.fn;
    return {
      fn: (r) => {
        const c = src(r);
        let s = initFn(r);
        if (c === null) return s;
        if (!isMap) {
          for (const x of c as unknown[]) {
            cells[0]!.v = s;
            cells[1]!.v = x;
            s = f(r);
          }
        } else {
          for (const [k, v] of Object.entries(c as Record<string, unknown>)) {
            cells[0]!.v = s;
            cells[1]!.v = k;
            cells[2]!.v = v;
            s = f(r);
          }
        }
        return s;
      },
      type: init.type,
    };
  }
}

function comparable(a: SqlType, b: SqlType): boolean {
  if (a === NULL_TYPE || b === NULL_TYPE) return true;
  if (isNumeric(a) && isNumeric(b)) return true;
  const temporal = ['TIMESTAMP', 'DATE', 'TIME'];
  if (temporal.includes(a.base) && (b.base === 'STRING' || b.base === a.base)) return true;
  if (temporal.includes(b.base) && a.base === 'STRING') return true;
  return a.base === b.base;
}

const identity = (v: unknown) => v;

function temporalConverter(a: SqlType, b: SqlType): { left: (v: unknown) => unknown; right: (v: unknown) => unknown } {
  if (a.base === 'STRING' && ['TIMESTAMP', 'DATE', 'TIME'].includes(b.base)) {
    return { left: (v) => castValue(v, T.STRING, b), right: identity };
  }
  if (b.base === 'STRING' && ['TIMESTAMP', 'DATE', 'TIME'].includes(a.base)) {
    return { left: identity, right: (v) => castValue(v, T.STRING, a) };
  }
  return { left: identity, right: identity };
}

function commonType(types: SqlType[]): SqlType {
  if (types.length === 0) return T.STRING;
  if (types.every(isNumeric)) return types.reduce((x, y) => widerNumeric(x, y));
  return types[0]!;
}

const likeCache = new Map<string, RegExp>();

function likeRegex(pattern: string, esc: string | null): RegExp {
  const key = `${esc ?? ''}\u0000${pattern}`;
  let re = likeCache.get(key);
  if (re) return re;
  let src = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (esc !== null && c === esc && i + 1 < pattern.length) {
      src += pattern[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    } else if (c === '%') src += '[\\s\\S]*';
    else if (c === '_') src += '[\\s\\S]';
    else src += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  re = new RegExp(`${src}$`);
  if (likeCache.size < 1000) likeCache.set(key, re);
  return re;
}

/** Compiles one expression against a scope. */
export function compileExpr(e: Expr, scope: Scope): Compiled {
  return new Compiler(scope).compile(e);
}

/** Compiles a predicate (WHERE, HAVING, ON): the evaluator answers true, false or null. */
export function compilePredicate(e: Expr, scope: Scope): Evaluator {
  return new Compiler(scope).bool(e);
}

/** The name ksqlDB gives an unaliased select expression: the column name, a struct field, or KSQL_COL_n. */
export function defaultColumnName(e: Expr, position: number): string {
  if (e.k === 'col') return e.name;
  if (e.k === 'deref') {
    const parts: string[] = [];
    let cur: Expr = e;
    while (cur.k === 'deref') {
      parts.unshift(cur.field);
      cur = cur.e;
    }
    if (cur.k === 'col') return [cur.name, ...parts].join('__');
    return parts.join('__');
  }
  return `KSQL_COL_${position}`;
}

/** A constant expression's value (literals, arithmetic on literals, function calls on them). */
export function evaluateConstant(e: Expr): unknown {
  return compileExpr(e, new Scope([])).fn([]);
}
