/**
 * Random records from an Avro schema annotated the way Confluent's datagen schemas are: `arg.properties` on a
 * type gives `options` (pick one), `range` ({min, max}), `regex` (a string matching it), or `iteration`
 * ({start, step}: successive values). Unannotated fields get plain random values of their type. The schema is
 * compiled once into generator functions, so producing a record costs no schema walking.
 */

/** A deterministic generator (mulberry32), so runs with the same seed produce the same data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Gen = (r: () => number) => unknown;
type Obj = Record<string, unknown>;

export function compileSchema(schema: unknown): Gen {
  return compileType(schema, new Map());
}

function compileType(t: unknown, named: Map<string, Gen>): Gen {
  if (typeof t === 'string') return compilePrimitive(t, undefined, named);
  if (Array.isArray(t)) {
    // A union: a nullable type produces values of its non-null branch (null now and then).
    const branches = t.filter((b) => b !== 'null').map((b) => compileType(b, named));
    const nullable = t.includes('null');
    if (branches.length === 0) return () => null;
    return (r) => (nullable && r() < 0.05 ? null : branches[Math.floor(r() * branches.length)]!(r));
  }
  const o = t as Obj;
  const args = o['arg.properties'] as Obj | undefined;
  const type = o['type'];
  if (type === 'record') {
    const fields = (o['fields'] as Obj[]).map((f) => [String(f['name']), compileType(f['type'], named)] as const);
    const gen: Gen = (r) => {
      const out: Obj = {};
      for (const [name, g] of fields) out[name] = g(r);
      return out;
    };
    if (typeof o['name'] === 'string') named.set(o['name'], gen);
    if (args?.['options']) return pickOption(args['options'] as unknown[]);
    return gen;
  }
  if (type === 'enum') {
    const symbols = (args?.['options'] as string[] | undefined) ?? (o['symbols'] as string[]);
    return pickOption(symbols);
  }
  if (type === 'array') {
    const items = compileType(o['items'], named);
    const len = (args?.['length'] as { min?: number; max?: number } | undefined) ?? { min: 1, max: 4 };
    return (r) => {
      const n = Math.floor((len.min ?? 0) + r() * ((len.max ?? 4) - (len.min ?? 0)));
      return Array.from({ length: n }, () => items(r));
    };
  }
  if (type === 'map') {
    const values = compileType(o['values'], named);
    return (r) => ({ [`k${Math.floor(r() * 100)}`]: values(r) });
  }
  if (typeof type === 'string') return compilePrimitive(type, args, named);
  return compileType(type, named);
}

function pickOption(options: unknown[]): Gen {
  return (r) => options[Math.floor(r() * options.length)];
}

function compilePrimitive(type: string, args: Obj | undefined, named: Map<string, Gen>): Gen {
  const isInt = type === 'int' || type === 'long';
  if (args?.['options']) return pickOption(args['options'] as unknown[]);
  const it = args?.['iteration'] as { start?: number; step?: number } | undefined;
  if (it) {
    let next = Number(it.start ?? 0);
    const step = Number(it.step ?? 1);
    return () => {
      const v = next;
      next += step;
      return type === 'string' ? String(v) : v;
    };
  }
  const range = args?.['range'] as { min?: number; max?: number } | undefined;
  if (range) {
    const min = Number(range.min ?? 0);
    const max = Number(range.max ?? (isInt ? 1000 : 1));
    return isInt ? (r) => min + Math.floor(r() * (max - min)) : (r) => min + r() * (max - min);
  }
  if (typeof args?.['regex'] === 'string') return compileRegex(args['regex']);
  switch (type) {
    case 'null':
      return () => null;
    case 'boolean':
      return (r) => r() < 0.5;
    case 'int':
      return (r) => Math.floor(r() * 2 ** 31) - 2 ** 30;
    case 'long':
      return (r) => Math.floor(r() * 2 ** 40);
    case 'float':
    case 'double':
      return (r) => r() * 1000;
    case 'string':
      return compileRegex('[a-z]{5,12}');
    case 'bytes':
      return (r) => Buffer.from([Math.floor(r() * 256), Math.floor(r() * 256)]);
    default: {
      const g = named.get(type);
      if (!g) throw new Error(`unknown Avro type ${type}`);
      return g;
    }
  }
}

// ------------------------------------------------------------------------------------------------- regex

type Ast =
  | { k: 'lit'; s: string }
  | { k: 'set'; chars: string }
  | { k: 'seq'; items: Ast[] }
  | { k: 'alt'; alts: Ast[] }
  | { k: 'rep'; node: Ast; min: number; max: number };

/** Strings a regex can produce are listed up front when there are at most this many (then a pick is one lookup). */
const ENUMERATE_LIMIT = 10_000;

/**
 * A string generator for a regular expression: literals, escapes (\d \w \s \. ...), classes ([a-z0-9_]), `.`,
 * groups with alternation, and the quantifiers ? * + {n} {m,n} (unbounded ones capped at five more).
 */
export function compileRegex(re: string): (r: () => number) => string {
  const p = { s: re.replace(/^\^/, '').replace(/\$$/, ''), i: 0 };
  const ast = parseAlternation(p);
  if (count(ast) <= ENUMERATE_LIMIT) {
    const all = enumerate(ast);
    return (r) => all[Math.floor(r() * all.length)]!;
  }
  return build(ast);
}

function count(a: Ast): number {
  switch (a.k) {
    case 'lit':
      return 1;
    case 'set':
      return a.chars.length;
    case 'seq':
      return a.items.reduce((n, x) => Math.min(n * count(x), Number.MAX_SAFE_INTEGER), 1);
    case 'alt':
      return a.alts.reduce((n, x) => n + count(x), 0);
    case 'rep': {
      const c = count(a.node);
      let total = 0;
      for (let n = a.min; n <= a.max; n++) total += c ** n;
      return Math.min(total, Number.MAX_SAFE_INTEGER);
    }
  }
}

function enumerate(a: Ast): string[] {
  switch (a.k) {
    case 'lit':
      return [a.s];
    case 'set':
      return [...a.chars];
    case 'seq':
      return a.items.reduce<string[]>(
        (acc, x) => {
          const next = enumerate(x);
          return acc.flatMap((prefix) => next.map((n) => prefix + n));
        },
        [''],
      );
    case 'alt':
      return a.alts.flatMap(enumerate);
    case 'rep': {
      const one = enumerate(a.node);
      const out: string[] = [];
      let level = [''];
      for (let n = 0; n <= a.max; n++) {
        if (n >= a.min) out.push(...level);
        if (n < a.max) level = level.flatMap((prefix) => one.map((x) => prefix + x));
      }
      return out;
    }
  }
}

function build(a: Ast): (r: () => number) => string {
  switch (a.k) {
    case 'lit': {
      const s = a.s;
      return () => s;
    }
    case 'set': {
      const chars = a.chars;
      return (r) => chars[Math.floor(r() * chars.length)]!;
    }
    case 'seq': {
      const parts = a.items.map(build);
      return (r) => {
        let s = '';
        for (const p of parts) s += p(r);
        return s;
      };
    }
    case 'alt': {
      const alts = a.alts.map(build);
      return (r) => alts[Math.floor(r() * alts.length)]!(r);
    }
    case 'rep': {
      const one = build(a.node);
      const { min, max } = a;
      return (r) => {
        const n = min + Math.floor(r() * (max - min + 1));
        let s = '';
        for (let k = 0; k < n; k++) s += one(r);
        return s;
      };
    }
  }
}

function parseAlternation(p: { s: string; i: number }): Ast {
  const alts: Ast[][] = [[]];
  while (p.i < p.s.length && p.s[p.i] !== ')') {
    if (p.s[p.i] === '|') {
      p.i++;
      alts.push([]);
      continue;
    }
    alts[alts.length - 1]!.push(parseQuantified(p));
  }
  const seqs = alts.map((items): Ast => (items.length === 1 ? items[0]! : { k: 'seq', items }));
  return seqs.length === 1 ? seqs[0]! : { k: 'alt', alts: seqs };
}

function parseQuantified(p: { s: string; i: number }): Ast {
  const node = parseAtom(p);
  const c = p.s[p.i];
  let min = 1;
  let max = 1;
  if (c === '?') [min, max] = [0, 1];
  else if (c === '*') [min, max] = [0, 5];
  else if (c === '+') [min, max] = [1, 6];
  else if (c === '{') {
    const end = p.s.indexOf('}', p.i);
    const [lo, hi] = p.s.slice(p.i + 1, end).split(',');
    min = Number(lo);
    max = hi === undefined ? min : hi === '' ? min + 5 : Number(hi);
    p.i = end;
  } else return node;
  p.i++;
  return { k: 'rep', node, min, max };
}

const DIGITS = '0123456789';
const WORD = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_';

function parseAtom(p: { s: string; i: number }): Ast {
  const c = p.s[p.i++]!;
  if (c === '(') {
    if (p.s.startsWith('?:', p.i)) p.i += 2;
    const inner = parseAlternation(p);
    p.i++; // ')'
    return inner;
  }
  if (c === '[') {
    let chars = '';
    while (p.i < p.s.length && p.s[p.i] !== ']') {
      const ch = p.s[p.i++]!;
      if (ch === '\\') {
        const e = p.s[p.i++]!;
        chars += e === 'd' ? DIGITS : e === 'w' ? WORD : e;
      } else if (p.s[p.i] === '-' && p.i + 1 < p.s.length && p.s[p.i + 1] !== ']') {
        const to = p.s[p.i + 1]!;
        p.i += 2;
        for (let k = ch.charCodeAt(0); k <= to.charCodeAt(0); k++) chars += String.fromCharCode(k);
      } else chars += ch;
    }
    p.i++; // ']'
    return { k: 'set', chars };
  }
  if (c === '.') return { k: 'set', chars: WORD };
  if (c === '\\') {
    const e = p.s[p.i++]!;
    if (e === 'd') return { k: 'set', chars: DIGITS };
    if (e === 'w') return { k: 'set', chars: WORD };
    if (e === 's') return { k: 'lit', s: ' ' };
    return { k: 'lit', s: e };
  }
  return { k: 'lit', s: c };
}
