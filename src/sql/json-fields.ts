/**
 * A fast path for the JSON format's values: reads the columns' fields straight from the bytes of a flat JSON
 * object (string, number, true, false and null values; any other fields are skipped), without building the
 * object or a string of the whole document. It gives up (returns false) on anything it does not handle exactly as
 * `JSON.parse` plus a lookup by column name would: nested objects or arrays, escapes in strings, non-ASCII field
 * names, a column's field given twice, or bytes that are not valid JSON. The caller then takes the slow path, so
 * the results are the same either way.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

/** Buffer's own latin1 and utf8 slicers skip toString's argument handling; toString where they are missing. */
interface Slicers {
  latin1Slice?(start: number, end: number): string;
  utf8Slice?(start: number, end: number): string;
}
const proto = Buffer.prototype as unknown as Slicers;
const latin1 =
  typeof proto.latin1Slice === 'function'
    ? (b: Buffer, s: number, e: number) => (b as unknown as Required<Slicers>).latin1Slice(s, e)
    : (b: Buffer, s: number, e: number) => b.toString('latin1', s, e);
const utf8 =
  typeof proto.utf8Slice === 'function'
    ? (b: Buffer, s: number, e: number) => (b as unknown as Required<Slicers>).utf8Slice(s, e)
    : (b: Buffer, s: number, e: number) => b.toString('utf8', s, e);

const isWs = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const isDigit = (c: number) => c >= ZERO && c <= NINE;

/** Field positions whose names are remembered. */
const MEMO_FIELDS = 32;

function sameBytes(b: Buffer, s: number, e: number, name: Buffer): boolean {
  if (e - s !== name.length) return false;
  for (let j = 0; j < name.length; j++) if (b[s + j] !== name[j]) return false;
  return true;
}

/** Matched field: none yet, case-insensitively, exactly (the exact name wins, as in `lookupField`). */
const NONE = 0;
const FOLDED = 1;
const EXACT = 2;

export class JsonFieldReader {
  private readonly exact: Buffer[];
  private readonly folded: Buffer[];
  /** Per column: NONE, FOLDED or EXACT, and the field's value (reused between documents). */
  private readonly how: Uint8Array;
  readonly values: unknown[];
  /** Set while reading a value: its end. */
  private end = 0;
  /** Per field position (the first MEMO_FIELDS): the name last seen there and the column it matched. */
  private readonly memo: Array<{ name: Buffer; col: number; match: number } | undefined> = [];

  /**
   * null when a name is not ASCII or two names differ only in case (one field then fills two columns):
   * those are left to the slow path.
   */
  static create(names: string[]): JsonFieldReader | null {
    for (const n of names) for (let i = 0; i < n.length; i++) if (n.charCodeAt(i) > 0x7f) return null;
    if (new Set(names.map((n) => n.toLowerCase())).size !== names.length) return null;
    return new JsonFieldReader(names);
  }

  private constructor(names: string[]) {
    this.exact = names.map((n) => Buffer.from(n, 'latin1'));
    this.folded = names.map((n) => Buffer.from(n.toLowerCase(), 'latin1'));
    this.how = new Uint8Array(names.length);
    this.values = new Array(names.length).fill(null);
  }

  /** Whether column `c` was found in the last document read (its value is then in `values[c]`). */
  found(c: number): boolean {
    return this.how[c] !== NONE;
  }

  /** Reads the columns' fields of a document; false to leave it to the slow path. */
  read(b: Buffer): boolean {
    const len = b.length;
    const how = this.how;
    how.fill(NONE);
    let i = 0;
    while (i < len && isWs(b[i]!)) i++;
    if (b[i] !== OPEN) return false;
    i++;
    while (i < len && isWs(b[i]!)) i++;
    let field = 0;
    if (b[i] === CLOSE) i++;
    else {
      for (;;) {
        if (b[i] !== QUOTE) return false;
        const ks = i + 1;
        let k = ks;
        for (;;) {
          if (k >= len) return false;
          const c = b[k]!;
          if (c === QUOTE) break;
          if (c === BACKSLASH || c < 0x20 || c > 0x7f) return false;
          k++;
        }
        i = k + 1;
        while (i < len && isWs(b[i]!)) i++;
        if (b[i] !== COLON) return false;
        i++;
        while (i < len && isWs(b[i]!)) i++;
        // Which column the field is, and how well it matches: documents mostly name their fields in the same
        // order, so the name seen last time at this position is tried first.
        let col = -1;
        let match = NONE;
        const memo = field < MEMO_FIELDS ? this.memo[field] : undefined;
        if (memo !== undefined && sameBytes(b, ks, k, memo.name)) {
          col = memo.col;
          match = memo.match;
        } else {
          for (let c = 0; c < this.exact.length; c++) {
            const m = this.matches(b, ks, k, c);
            if (m > match) {
              col = c;
              match = m;
              if (m === EXACT) break;
            }
          }
          if (field < MEMO_FIELDS) this.memo[field] = { name: Buffer.from(b.subarray(ks, k)), col, match };
        }
        field++;
        if (col >= 0) {
          const had = how[col]!;
          // A column's field twice (or two spellings of it): JSON.parse and the lookup decide; leave it to them.
          if (had === match || (had === EXACT && match === FOLDED)) return false;
        }
        const v = this.value(b, i, col >= 0);
        if (v === undefined) return false;
        i = this.end;
        if (col >= 0) {
          this.values[col] = v;
          how[col] = match;
        }
        while (i < len && isWs(b[i]!)) i++;
        if (b[i] === COMMA) {
          i++;
          while (i < len && isWs(b[i]!)) i++;
          continue;
        }
        if (b[i] !== CLOSE) return false;
        i++;
        break;
      }
    }
    while (i < len && isWs(b[i]!)) i++;
    return i === len;
  }

  /** How field name b[s, e) matches column c's name: EXACT, FOLDED or NONE. */
  private matches(b: Buffer, s: number, e: number, c: number): number {
    const x = this.exact[c]!;
    if (x.length !== e - s) return NONE;
    let same = true;
    for (let j = 0; j < x.length; j++) {
      if (b[s + j] !== x[j]) {
        same = false;
        break;
      }
    }
    if (same) return EXACT;
    const f = this.folded[c]!;
    for (let j = 0; j < f.length; j++) {
      let ch = b[s + j]!;
      if (ch >= 0x41 && ch <= 0x5a) ch += 0x20;
      if (ch !== f[j]) return NONE;
    }
    return FOLDED;
  }

  /** A scalar value at `i` (its end goes to this.end); undefined when it is not one this reader handles. */
  private value(b: Buffer, i: number, wanted: boolean): unknown {
    const len = b.length;
    const c = b[i];
    if (c === QUOTE) {
      let k = i + 1;
      let ascii = true;
      for (;;) {
        if (k >= len) return undefined;
        const ch = b[k]!;
        if (ch === QUOTE) break;
        if (ch === BACKSLASH || ch < 0x20) return undefined;
        if (ch > 0x7f) ascii = false;
        k++;
      }
      this.end = k + 1;
      if (!wanted) return null;
      return ascii ? latin1(b, i + 1, k) : utf8(b, i + 1, k);
    }
    if (c === MINUS || (c !== undefined && isDigit(c))) {
      let k = i;
      const neg = c === MINUS;
      if (neg) k++;
      const ds = k;
      if (b[k] === ZERO) k++;
      else if (k < len && isDigit(b[k]!) && b[k] !== ZERO) {
        while (k < len && isDigit(b[k]!)) k++;
      } else return undefined;
      const de = k;
      let plain = true;
      if (b[k] === DOT) {
        plain = false;
        k++;
        if (!(k < len && isDigit(b[k]!))) return undefined;
        while (k < len && isDigit(b[k]!)) k++;
      }
      if (b[k] === 0x65 || b[k] === 0x45) {
        plain = false;
        k++;
        if (b[k] === PLUS || b[k] === MINUS) k++;
        if (!(k < len && isDigit(b[k]!))) return undefined;
        while (k < len && isDigit(b[k]!)) k++;
      }
      this.end = k;
      if (!wanted) return null;
      if (plain && de - ds <= 15) {
        let n = 0;
        for (let j = ds; j < de; j++) n = n * 10 + (b[j]! - ZERO);
        return neg ? -n : n;
      }
      return Number(latin1(b, i, k));
    }
    if (c === 0x74 && b[i + 1] === 0x72 && b[i + 2] === 0x75 && b[i + 3] === 0x65) {
      this.end = i + 4;
      return true;
    }
    if (c === 0x66 && b[i + 1] === 0x61 && b[i + 2] === 0x6c && b[i + 3] === 0x73 && b[i + 4] === 0x65) {
      this.end = i + 5;
      return false;
    }
    if (c === 0x6e && b[i + 1] === 0x75 && b[i + 2] === 0x6c && b[i + 3] === 0x6c) {
      this.end = i + 4;
      return null;
    }
    return undefined;
  }
}
