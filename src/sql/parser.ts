/**
 * The parser for ksqlDB's statement language, built with chevrotain (a lexer and an LL(k) parser with error
 * recovery off, building the syntax tree of ast.ts with embedded actions). The grammar is our own reading of
 * ksqlDB's syntax reference. Keywords are case-insensitive; the ones ksqlDB does not reserve also work as names.
 * Errors name the line and column of the offending token, as ksqlDB's do ("line 1:8: Syntax error at or near ...").
 */
import { createToken, EmbeddedActionsParser, Lexer, type IToken, type TokenType } from 'chevrotain';
import type {
  ColumnDef,
  Expr,
  JoinClause,
  Literal,
  Query,
  Relation,
  SelectItem,
  Statement,
  WindowSpec,
} from './ast.js';
import { PRIMITIVE_ALIASES, T, type SqlType } from './types.js';

/** A statement that does not parse; `line` and `column` are 1-based. */
export class SqlParseError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`line ${line}:${column}: ${message}`);
    this.name = 'SqlParseError';
  }
}

const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_][A-Za-z0-9_@$]*/ });
const NonReserved = createToken({ name: 'NonReserved', pattern: Lexer.NA });

const KEYWORD_TOKENS: TokenType[] = [];
const kw: Record<string, TokenType> = {};
function keyword(word: string, nonReserved = false): TokenType {
  const t = createToken({
    name: word,
    pattern: new RegExp(word, 'i'),
    longer_alt: Identifier,
    categories: nonReserved ? [NonReserved] : [],
  });
  KEYWORD_TOKENS.push(t);
  kw[word] = t;
  return t;
}
const RESERVED = [
  'SELECT',
  'FROM',
  'WHERE',
  'GROUP',
  'BY',
  'HAVING',
  'PARTITION',
  'WINDOW',
  'EMIT',
  'LIMIT',
  'AS',
  'CREATE',
  'OR',
  'STREAM',
  'TABLE',
  'WITH',
  'INSERT',
  'INTO',
  'VALUES',
  'DROP',
  'IF',
  'EXISTS',
  'SHOW',
  'LIST',
  'DESCRIBE',
  'EXPLAIN',
  'PRINT',
  'SET',
  'UNSET',
  'TERMINATE',
  'RUN',
  'AND',
  'NOT',
  'CASE',
  'WHEN',
  'THEN',
  'ELSE',
  'END',
  'CAST',
  'LIKE',
  'ESCAPE',
  'IN',
  'BETWEEN',
  'IS',
  'NULL',
  'TRUE',
  'FALSE',
  'PRIMARY',
  'JOIN',
  'INNER',
  'LEFT',
  'RIGHT',
  'FULL',
  'OUTER',
  'ON',
  'WITHIN',
  'ARRAY',
  'MAP',
  'STRUCT',
  'FUNCTION',
  'ALL',
];
const NON_RESERVED = [
  'REPLACE',
  'SOURCE',
  'DELETE',
  'TOPIC',
  'TOPICS',
  'STREAMS',
  'TABLES',
  'QUERIES',
  'PROPERTIES',
  'FUNCTIONS',
  'EXTENDED',
  'BEGINNING',
  'SCRIPT',
  'KEY',
  'HEADERS',
  'HEADER',
  'TUMBLING',
  'HOPPING',
  'SESSION',
  'SIZE',
  'ADVANCE',
  'GRACE',
  'PERIOD',
  'RETENTION',
  'CHANGES',
  'FINAL',
  'INTERVAL',
];
// Longer words first, so that no keyword is cut short by a prefix keyword (IN before INTERVAL).
for (const w of [...RESERVED, ...NON_RESERVED].sort((a, b) => b.length - a.length)) {
  keyword(w, NON_RESERVED.includes(w));
}

const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /\s+/, group: Lexer.SKIPPED });
const LineComment = createToken({ name: 'LineComment', pattern: /--[^\n\r]*/, group: Lexer.SKIPPED });
const BlockComment = createToken({ name: 'BlockComment', pattern: /\/\*[\s\S]*?\*\//, group: Lexer.SKIPPED });
const StringLit = createToken({ name: 'StringLit', pattern: /'(?:[^']|'')*'/ });
const QuotedId = createToken({ name: 'QuotedId', pattern: /`(?:[^`]|``)*`|"(?:[^"]|"")*"/ });
const DoubleLit = createToken({ name: 'DoubleLit', pattern: /(?:\d+\.?\d*|\.\d+)[eE][+-]?\d+/ });
const DecimalLit = createToken({ name: 'DecimalLit', pattern: /\d+\.\d*|\.\d+/ });
const IntegerLit = createToken({ name: 'IntegerLit', pattern: /\d+/ });
const Arrow = createToken({ name: 'Arrow', pattern: /->/ });
const Assign = createToken({ name: 'Assign', pattern: /:=/ });
const Lambda = createToken({ name: 'Lambda', pattern: /=>/ });
const Ne = createToken({ name: 'Ne', pattern: /<>|!=/ });
const Le = createToken({ name: 'Le', pattern: /<=/ });
const Ge = createToken({ name: 'Ge', pattern: /\u003e=/ });
const Lt = createToken({ name: 'Lt', pattern: /</ });
const Gt = createToken({ name: 'Gt', pattern: />/ });
const Eq = createToken({ name: 'Eq', pattern: /=/ });
const Plus = createToken({ name: 'Plus', pattern: /\+/ });
const Minus = createToken({ name: 'Minus', pattern: /-/ });
const Star = createToken({ name: 'Star', pattern: /\*/ });
const Slash = createToken({ name: 'Slash', pattern: /\// });
const Percent = createToken({ name: 'Percent', pattern: /%/ });
const Concat = createToken({ name: 'Concat', pattern: /\|\|/ });
const LParen = createToken({ name: 'LParen', pattern: /\(/ });
const RParen = createToken({ name: 'RParen', pattern: /\)/ });
const LBracket = createToken({ name: 'LBracket', pattern: /\[/ });
const RBracket = createToken({ name: 'RBracket', pattern: /]/ });
const Comma = createToken({ name: 'Comma', pattern: /,/ });
const Semi = createToken({ name: 'Semi', pattern: /;/ });
const Dot = createToken({ name: 'Dot', pattern: /\./ });
const Colon = createToken({ name: 'Colon', pattern: /:/ });

const ALL_TOKENS: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  StringLit,
  QuotedId,
  DoubleLit,
  DecimalLit,
  IntegerLit,
  Arrow,
  Assign,
  Lambda,
  Ne,
  Le,
  Ge,
  Lt,
  Gt,
  Eq,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  Concat,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Comma,
  Semi,
  Dot,
  Colon,
  NonReserved,
  ...KEYWORD_TOKENS,
  Identifier,
];

const lexer = new Lexer(ALL_TOKENS, { positionTracking: 'full', ensureOptimizations: false });

const TIME_UNITS: Record<string, number> = {
  MILLISECOND: 1,
  SECOND: 1000,
  MINUTE: 60_000,
  HOUR: 3_600_000,
  DAY: 86_400_000,
  WEEK: 7 * 86_400_000,
};

function unquote(image: string): string {
  const q = image[0]!;
  return image.slice(1, -1).replaceAll(q + q, q);
}

/** A name as ksqlDB resolves it: back-quoted (or double-quoted) kept as written, otherwise upper-cased. */
function nameOf(tok: IToken): string {
  return tok.tokenType === QuotedId ? unquote(tok.image) : tok.image.toUpperCase();
}

class SqlParser extends EmbeddedActionsParser {
  constructor() {
    super(ALL_TOKENS, { maxLookahead: 4 });
    this.performSelfAnalysis();
  }

  private readonly identifierTok = this.RULE('identifierTok', (): IToken => {
    return this.OR([
      { ALT: () => this.CONSUME(Identifier) },
      { ALT: () => this.CONSUME(QuotedId) },
      { ALT: () => this.CONSUME(NonReserved) },
    ]);
  });

  private readonly identifier = this.RULE('identifier', (): string => {
    const t = this.SUBRULE(this.identifierTok);
    return this.ACTION(() => nameOf(t));
  });

  readonly statements = this.RULE('statements', (): Array<{ stmt: Statement; first: IToken; last: IToken }> => {
    const out: Array<{ stmt: Statement; first: IToken; last: IToken }> = [];
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(Semi) },
        {
          ALT: () => {
            const first = this.LA(1);
            const stmt = this.SUBRULE(this.statement);
            const last = this.LA(0);
            this.OPTION(() => this.CONSUME2(Semi));
            this.ACTION(() => out.push({ stmt, first, last }));
          },
        },
      ]);
    });
    return out;
  });

  private readonly statement = this.RULE('statement', (): Statement => {
    return this.OR([
      { ALT: () => this.SUBRULE(this.createStatement) },
      { ALT: () => this.SUBRULE(this.insertStatement) },
      { ALT: () => this.SUBRULE(this.dropStatement) },
      { ALT: () => this.SUBRULE(this.showStatement) },
      { ALT: () => this.SUBRULE(this.describeStatement) },
      { ALT: () => this.SUBRULE(this.explainStatement) },
      { ALT: () => this.SUBRULE(this.printStatement) },
      { ALT: () => this.SUBRULE(this.setStatement) },
      { ALT: () => this.SUBRULE(this.unsetStatement) },
      { ALT: () => this.SUBRULE(this.terminateStatement) },
      { ALT: () => this.SUBRULE(this.runScriptStatement) },
      {
        ALT: () => {
          const query = this.SUBRULE(this.query);
          return { kind: 'query', query, text: '' } as Statement;
        },
      },
    ]);
  });

  private readonly createStatement = this.RULE('createStatement', (): Statement => {
    this.CONSUME(kw.CREATE!);
    let orReplace = false;
    let source = false;
    let ifNotExists = false;
    this.OPTION(() => {
      this.CONSUME(kw.OR!);
      this.CONSUME(kw.REPLACE!);
      orReplace = true;
    });
    this.OPTION2(() => {
      this.CONSUME(kw.SOURCE!);
      source = true;
    });
    const sourceType = this.OR([
      {
        ALT: () => {
          this.CONSUME(kw.STREAM!);
          return 'STREAM' as const;
        },
      },
      {
        ALT: () => {
          this.CONSUME(kw.TABLE!);
          return 'TABLE' as const;
        },
      },
    ]);
    this.OPTION3(() => {
      this.CONSUME(kw.IF!);
      this.CONSUME(kw.NOT!);
      this.CONSUME(kw.EXISTS!);
      ifNotExists = true;
    });
    const name = this.SUBRULE(this.identifier);
    let columns: ColumnDef[] = [];
    this.OPTION4(() => {
      columns = this.SUBRULE(this.columnDefs);
    });
    let props: Record<string, Literal> = {};
    this.OPTION5(() => {
      props = this.SUBRULE(this.withProps);
    });
    let query: Query | null = null;
    this.OPTION6(() => {
      this.CONSUME(kw.AS!);
      query = this.SUBRULE(this.query);
    });
    return this.ACTION((): Statement => {
      if (query !== null) {
        return { kind: 'createAs', sourceType, orReplace, ifNotExists, name, props, query, text: '' };
      }
      return { kind: 'createSource', sourceType, orReplace, ifNotExists, source, name, columns, props, text: '' };
    });
  });

  private readonly columnDefs = this.RULE('columnDefs', (): ColumnDef[] => {
    const cols: ColumnDef[] = [];
    this.CONSUME(LParen);
    this.AT_LEAST_ONE_SEP({ SEP: Comma, DEF: () => cols.push(this.SUBRULE(this.columnDef)) });
    this.CONSUME(RParen);
    return cols;
  });

  private readonly columnDef = this.RULE('columnDef', (): ColumnDef => {
    const name = this.SUBRULE(this.identifier);
    const type = this.SUBRULE(this.sqlType);
    let key = false;
    let primaryKey = false;
    let headers: string | null = null;
    this.OPTION(() => {
      this.OR([
        {
          ALT: () => {
            this.CONSUME(kw.KEY!);
            return (key = true);
          },
        },
        {
          ALT: () => {
            this.CONSUME(kw.PRIMARY!);
            this.CONSUME2(kw.KEY!);
            return (primaryKey = true);
          },
        },
        {
          ALT: () => {
            this.CONSUME(kw.HEADERS!);
            return (headers = '');
          },
        },
        {
          ALT: () => {
            this.CONSUME(kw.HEADER!);
            this.CONSUME(LParen);
            const s = this.CONSUME(StringLit);
            this.CONSUME(RParen);
            this.ACTION(() => (headers = unquote(s.image)));
          },
        },
      ]);
    });
    return { name, type, key, primaryKey, headers };
  });

  private readonly sqlType = this.RULE('sqlType', (): SqlType => {
    return this.OR([
      {
        ALT: () => {
          this.CONSUME(kw.ARRAY!);
          this.CONSUME(Lt);
          const item = this.SUBRULE(this.sqlType);
          this.CONSUME(Gt);
          return { base: 'ARRAY', item } as SqlType;
        },
      },
      {
        ALT: () => {
          this.CONSUME(kw.MAP!);
          this.CONSUME2(Lt);
          const key = this.SUBRULE2(this.sqlType);
          this.CONSUME(Comma);
          const value = this.SUBRULE3(this.sqlType);
          this.CONSUME2(Gt);
          return { base: 'MAP', key, value } as SqlType;
        },
      },
      {
        ALT: () => {
          this.CONSUME(kw.STRUCT!);
          this.CONSUME3(Lt);
          const fields: Array<{ name: string; type: SqlType }> = [];
          this.MANY_SEP({
            SEP: Comma,
            DEF: () => {
              const name = this.SUBRULE(this.identifier);
              const type = this.SUBRULE4(this.sqlType);
              fields.push({ name, type });
            },
          });
          this.CONSUME3(Gt);
          return { base: 'STRUCT', fields } as SqlType;
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(Identifier);
          const args: number[] = [];
          this.OPTION(() => {
            this.CONSUME(LParen);
            this.AT_LEAST_ONE_SEP({
              SEP: Comma,
              DEF: () => {
                const n = this.CONSUME(IntegerLit);
                args.push(Number(n.image));
              },
            });
            this.CONSUME(RParen);
          });
          return this.ACTION(() => primitiveType(t, args));
        },
      },
    ]);
  });

  private readonly withProps = this.RULE('withProps', (): Record<string, Literal> => {
    const props: Record<string, Literal> = {};
    this.CONSUME(kw.WITH!);
    this.CONSUME(LParen);
    this.AT_LEAST_ONE_SEP({
      SEP: Comma,
      DEF: () => {
        const name = this.SUBRULE(this.identifier);
        this.CONSUME(Eq);
        const v = this.SUBRULE(this.literalValue);
        this.ACTION(() => (props[name.toUpperCase()] = v));
      },
    });
    this.CONSUME(RParen);
    return props;
  });

  private readonly literalValue = this.RULE('literalValue', (): Literal => {
    return this.OR([
      {
        ALT: () => {
          const t = this.CONSUME(StringLit);
          return this.ACTION(() => unquote(t.image));
        },
      },
      { ALT: () => Number(this.CONSUME(IntegerLit).image) },
      { ALT: () => Number(this.CONSUME(DecimalLit).image) },
      {
        ALT: () => {
          this.CONSUME(kw.TRUE!);
          return true;
        },
      },
      {
        ALT: () => {
          this.CONSUME(kw.FALSE!);
          return false;
        },
      },
      {
        ALT: () => {
          this.CONSUME(kw.NULL!);
          return null;
        },
      },
    ]);
  });

  private readonly insertStatement = this.RULE('insertStatement', (): Statement => {
    this.CONSUME(kw.INSERT!);
    this.CONSUME(kw.INTO!);
    const target = this.SUBRULE(this.identifier);
    return this.OR([
      {
        ALT: () => {
          let columns: string[] | null = null;
          this.OPTION(() => {
            this.CONSUME(LParen);
            columns = [];
            this.AT_LEAST_ONE_SEP({ SEP: Comma, DEF: () => columns!.push(this.SUBRULE2(this.identifier)) });
            this.CONSUME(RParen);
          });
          this.CONSUME(kw.VALUES!);
          this.CONSUME2(LParen);
          const values: Expr[] = [];
          this.MANY_SEP({ SEP: Comma, DEF: () => values.push(this.SUBRULE(this.expression)) });
          this.CONSUME2(RParen);
          return { kind: 'insertValues', target, columns, values, text: '' } as Statement;
        },
      },
      {
        ALT: () => {
          let props: Record<string, Literal> = {};
          this.OPTION2(() => (props = this.SUBRULE(this.withProps)));
          const query = this.SUBRULE(this.query);
          return { kind: 'insertSelect', target, props, query, text: '' } as Statement;
        },
      },
    ]);
  });

  private readonly dropStatement = this.RULE('dropStatement', (): Statement => {
    this.CONSUME(kw.DROP!);
    const sourceType = this.OR([
      {
        ALT: () => {
          this.CONSUME(kw.STREAM!);
          return 'STREAM' as const;
        },
      },
      {
        ALT: () => {
          this.CONSUME(kw.TABLE!);
          return 'TABLE' as const;
        },
      },
    ]);
    let ifExists = false;
    let deleteTopic = false;
    this.OPTION(() => {
      this.CONSUME(kw.IF!);
      this.CONSUME(kw.EXISTS!);
      ifExists = true;
    });
    const name = this.SUBRULE(this.identifier);
    this.OPTION2(() => {
      this.CONSUME(kw.DELETE!);
      this.CONSUME(kw.TOPIC!);
      deleteTopic = true;
    });
    return { kind: 'drop', sourceType, ifExists, name, deleteTopic, text: '' };
  });

  private readonly showStatement = this.RULE('showStatement', (): Statement => {
    this.OR([{ ALT: () => this.CONSUME(kw.SHOW!) }, { ALT: () => this.CONSUME(kw.LIST!) }]);
    const what = this.OR2([
      {
        ALT: () => {
          this.CONSUME(kw.STREAMS!);
          return 'STREAMS' as const;
        },
      },
      {
        ALT: () => {
          this.CONSUME(kw.TABLES!);
          return 'TABLES' as const;
        },
      },
      {
        ALT: () => {
          this.CONSUME(kw.TOPICS!);
          return 'TOPICS' as const;
        },
      },
      {
        ALT: () => {
          this.CONSUME(kw.QUERIES!);
          return 'QUERIES' as const;
        },
      },
      {
        ALT: () => {
          this.CONSUME(kw.PROPERTIES!);
          return 'PROPERTIES' as const;
        },
      },
      {
        ALT: () => {
          this.CONSUME(kw.FUNCTIONS!);
          return 'FUNCTIONS' as const;
        },
      },
    ]);
    let extended = false;
    this.OPTION(() => {
      this.CONSUME(kw.EXTENDED!);
      extended = true;
    });
    return { kind: 'show', what, extended, text: '' };
  });

  private readonly describeStatement = this.RULE('describeStatement', (): Statement => {
    this.CONSUME(kw.DESCRIBE!);
    return this.OR([
      {
        ALT: () => {
          this.CONSUME(kw.FUNCTION!);
          const name = this.SUBRULE(this.identifier);
          return { kind: 'describeFunction', name, text: '' } as Statement;
        },
      },
      {
        GATE: () => this.LA(1).tokenType === kw.EXTENDED && this.LA(2).tokenType !== Semi && this.LA(2).image !== '',
        ALT: () => {
          this.CONSUME(kw.EXTENDED!);
          const name = this.SUBRULE2(this.identifier);
          return { kind: 'describe', name, extended: true, text: '' } as Statement;
        },
      },
      {
        ALT: () => {
          const name = this.SUBRULE3(this.identifier);
          return { kind: 'describe', name, extended: false, text: '' } as Statement;
        },
      },
    ]);
  });

  private readonly explainStatement = this.RULE('explainStatement', (): Statement => {
    this.CONSUME(kw.EXPLAIN!);
    return this.OR([
      {
        GATE: () => this.LA(2).tokenType === Semi || this.LA(2).image === '' || this.LA(2).tokenType === undefined,
        ALT: () => {
          const id = this.CONSUME(Identifier);
          return this.ACTION(() => ({ kind: 'explain', queryId: id.image.toUpperCase(), statement: null, text: '' }));
        },
      },
      {
        ALT: () => {
          const statement = this.SUBRULE(this.statement);
          return { kind: 'explain', queryId: null, statement, text: '' } as Statement;
        },
      },
    ]);
  });

  private readonly printStatement = this.RULE('printStatement', (): Statement => {
    this.CONSUME(kw.PRINT!);
    const topic = this.OR([
      {
        ALT: () => {
          const t = this.CONSUME(StringLit);
          return this.ACTION(() => unquote(t.image));
        },
      },
      {
        ALT: () => {
          const t = this.SUBRULE(this.identifierTok);
          return this.ACTION(() => (t.tokenType === QuotedId ? unquote(t.image) : t.image));
        },
      },
    ]);
    let fromBeginning = false;
    let limit: number | null = null;
    let interval: number | null = null;
    this.OPTION(() => {
      this.CONSUME(kw.FROM!);
      this.CONSUME(kw.BEGINNING!);
      fromBeginning = true;
    });
    this.OPTION2(() => {
      this.CONSUME(kw.INTERVAL!);
      interval = Number(this.CONSUME(IntegerLit).image);
    });
    this.OPTION3(() => {
      this.CONSUME(kw.LIMIT!);
      limit = Number(this.CONSUME2(IntegerLit).image);
    });
    return { kind: 'print', topic, fromBeginning, limit, interval, text: '' };
  });

  private readonly setStatement = this.RULE('setStatement', (): Statement => {
    this.CONSUME(kw.SET!);
    const name = this.CONSUME(StringLit);
    this.CONSUME(Eq);
    const value = this.CONSUME2(StringLit);
    return this.ACTION(() => ({ kind: 'set', name: unquote(name.image), value: unquote(value.image), text: '' }));
  });

  private readonly unsetStatement = this.RULE('unsetStatement', (): Statement => {
    this.CONSUME(kw.UNSET!);
    const name = this.CONSUME(StringLit);
    return this.ACTION(() => ({ kind: 'unset', name: unquote(name.image), text: '' }));
  });

  private readonly terminateStatement = this.RULE('terminateStatement', (): Statement => {
    this.CONSUME(kw.TERMINATE!);
    const queryId = this.OR([
      {
        ALT: () => {
          this.CONSUME(kw.ALL!);
          return null;
        },
      },
      { ALT: () => this.SUBRULE(this.identifier) },
    ]);
    return { kind: 'terminate', queryId, text: '' };
  });

  private readonly runScriptStatement = this.RULE('runScriptStatement', (): Statement => {
    this.CONSUME(kw.RUN!);
    this.CONSUME(kw.SCRIPT!);
    const path = this.CONSUME(StringLit);
    return this.ACTION(() => ({ kind: 'runScript', path: unquote(path.image), text: '' }));
  });

  // --- queries

  readonly query = this.RULE('query', (): Query => {
    this.CONSUME(kw.SELECT!);
    const select: SelectItem[] = [];
    this.AT_LEAST_ONE_SEP({ SEP: Comma, DEF: () => select.push(this.SUBRULE(this.selectItem)) });
    this.CONSUME(kw.FROM!);
    const from = this.SUBRULE(this.relation);
    const joins: JoinClause[] = [];
    this.MANY(() => joins.push(this.SUBRULE(this.joinClause)));
    let window: WindowSpec | null = null;
    let where: Expr | null = null;
    let groupBy: Expr[] | null = null;
    let partitionBy: Expr[] | null = null;
    let having: Expr | null = null;
    let emit: 'CHANGES' | 'FINAL' | null = null;
    let limit: number | null = null;
    this.OPTION(() => (window = this.SUBRULE(this.windowClause)));
    this.OPTION2(() => {
      this.CONSUME(kw.WHERE!);
      where = this.SUBRULE(this.expression);
    });
    this.OPTION3(() => {
      this.CONSUME(kw.GROUP!);
      this.CONSUME(kw.BY!);
      groupBy = this.SUBRULE(this.expressionList);
    });
    this.OPTION4(() => {
      this.CONSUME(kw.PARTITION!);
      this.CONSUME2(kw.BY!);
      partitionBy = this.SUBRULE2(this.expressionList);
    });
    this.OPTION5(() => {
      this.CONSUME(kw.HAVING!);
      having = this.SUBRULE2(this.expression);
    });
    this.OPTION6(() => {
      this.CONSUME(kw.EMIT!);
      emit = this.OR([
        {
          ALT: () => {
            this.CONSUME(kw.CHANGES!);
            return 'CHANGES' as const;
          },
        },
        {
          ALT: () => {
            this.CONSUME(kw.FINAL!);
            return 'FINAL' as const;
          },
        },
      ]);
    });
    this.OPTION7(() => {
      this.CONSUME(kw.LIMIT!);
      limit = Number(this.CONSUME(IntegerLit).image);
    });
    return { select, from, joins, window, where, groupBy, partitionBy, having, emit, limit };
  });

  private readonly expressionList = this.RULE('expressionList', (): Expr[] => {
    const out: Expr[] = [];
    this.OR([
      {
        // GROUP BY (a, b): a parenthesised list, told apart from a parenthesised expression by its comma.
        GATE: () => this.LA(1).tokenType === LParen && this.parenListAhead(),
        ALT: () => {
          this.CONSUME(LParen);
          this.AT_LEAST_ONE_SEP({ SEP: Comma, DEF: () => out.push(this.SUBRULE(this.expression)) });
          this.CONSUME(RParen);
        },
      },
      { ALT: () => this.AT_LEAST_ONE_SEP2({ SEP: Comma, DEF: () => out.push(this.SUBRULE2(this.expression)) }) },
    ]);
    return out;
  });

  private readonly selectItem = this.RULE('selectItem', (): SelectItem => {
    return this.OR([
      {
        ALT: () => {
          this.CONSUME(Star);
          return { kind: 'star', source: null } as SelectItem;
        },
      },
      {
        GATE: () => this.LA(2).tokenType === Dot && this.LA(3).tokenType === Star,
        ALT: () => {
          const source = this.SUBRULE(this.identifier);
          this.CONSUME(Dot);
          this.CONSUME2(Star);
          return { kind: 'star', source } as SelectItem;
        },
      },
      {
        ALT: () => {
          const expr = this.SUBRULE(this.expression);
          let alias: string | null = null;
          this.OPTION(() => {
            this.OPTION2(() => this.CONSUME(kw.AS!));
            alias = this.SUBRULE2(this.identifier);
          });
          return { kind: 'expr', expr, alias } as SelectItem;
        },
      },
    ]);
  });

  private readonly relation = this.RULE('relation', (): Relation => {
    const name = this.SUBRULE(this.identifier);
    let alias: string | null = null;
    this.OPTION(() => {
      this.OPTION2(() => this.CONSUME(kw.AS!));
      alias = this.SUBRULE2(this.identifier);
    });
    return { name, alias };
  });

  private readonly joinClause = this.RULE('joinClause', (): JoinClause => {
    let type: JoinClause['type'] = 'INNER';
    this.OPTION(() => {
      type = this.OR([
        {
          ALT: () => {
            this.CONSUME(kw.INNER!);
            return 'INNER' as const;
          },
        },
        {
          ALT: () => {
            this.CONSUME(kw.LEFT!);
            this.OPTION2(() => this.CONSUME(kw.OUTER!));
            return 'LEFT' as const;
          },
        },
        {
          ALT: () => {
            this.CONSUME(kw.RIGHT!);
            this.OPTION3(() => this.CONSUME2(kw.OUTER!));
            return 'RIGHT' as const;
          },
        },
        {
          ALT: () => {
            this.CONSUME(kw.FULL!);
            this.OPTION4(() => this.CONSUME3(kw.OUTER!));
            return 'FULL' as const;
          },
        },
      ]);
    });
    this.CONSUME(kw.JOIN!);
    const source = this.SUBRULE(this.relation);
    let within: JoinClause['within'] = null;
    this.OPTION5(() => {
      this.CONSUME(kw.WITHIN!);
      let before = 0;
      let after = 0;
      let grace: number | null = null;
      this.OR2([
        {
          ALT: () => {
            this.CONSUME(LParen);
            before = this.SUBRULE(this.duration);
            this.CONSUME(Comma);
            after = this.SUBRULE2(this.duration);
            this.CONSUME(RParen);
          },
        },
        { ALT: () => (before = after = this.SUBRULE3(this.duration)) },
      ]);
      this.OPTION6(() => {
        this.CONSUME(kw.GRACE!);
        this.CONSUME(kw.PERIOD!);
        grace = this.SUBRULE4(this.duration);
      });
      within = { before, after, grace };
    });
    this.CONSUME(kw.ON!);
    const on = this.SUBRULE(this.expression);
    return { type, source, within, on };
  });

  private readonly duration = this.RULE('duration', (): number => {
    const n = this.CONSUME(IntegerLit);
    const unit = this.CONSUME(Identifier);
    return this.ACTION(() => {
      const u = unit.image.toUpperCase().replace(/S$/, '');
      const f = TIME_UNITS[u === 'MILLISECOND' || u === 'MILLISECONDS' ? 'MILLISECOND' : u];
      if (f === undefined) {
        throw new SqlParseError(`Unknown time unit: '${unit.image}'`, unit.startLine ?? 1, unit.startColumn ?? 1);
      }
      return Number(n.image) * f;
    });
  });

  private readonly windowClause = this.RULE('windowClause', (): WindowSpec => {
    this.CONSUME(kw.WINDOW!);
    const w: WindowSpec = { type: 'TUMBLING', size: 0, advance: 0, grace: null, retention: null };
    this.OR([
      {
        ALT: () => {
          this.CONSUME(kw.TUMBLING!);
          this.CONSUME(LParen);
          this.CONSUME(kw.SIZE!);
          w.size = w.advance = this.SUBRULE3(this.duration);
          this.MANY(() => this.SUBRULE(this.windowOption, { ARGS: [w] }));
          this.CONSUME(RParen);
        },
      },
      {
        ALT: () => {
          this.CONSUME(kw.HOPPING!);
          this.CONSUME2(LParen);
          this.CONSUME2(kw.SIZE!);
          w.type = 'HOPPING';
          w.size = this.SUBRULE4(this.duration);
          this.CONSUME2(Comma);
          this.CONSUME(kw.ADVANCE!);
          this.CONSUME(kw.BY!);
          w.advance = this.SUBRULE5(this.duration);
          this.MANY2(() => this.SUBRULE2(this.windowOption, { ARGS: [w] }));
          this.CONSUME2(RParen);
        },
      },
      {
        ALT: () => {
          this.CONSUME(kw.SESSION!);
          this.CONSUME3(LParen);
          w.type = 'SESSION';
          w.size = this.SUBRULE6(this.duration);
          this.MANY3(() => this.SUBRULE3(this.windowOption, { ARGS: [w] }));
          this.CONSUME3(RParen);
        },
      },
    ]);
    return w;
  });

  private readonly windowOption = this.RULE('windowOption', (w: WindowSpec): void => {
    this.CONSUME(Comma);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(kw.RETENTION!);
          const d = this.SUBRULE(this.duration);
          this.ACTION(() => (w.retention = d));
        },
      },
      {
        ALT: () => {
          this.CONSUME(kw.GRACE!);
          this.CONSUME(kw.PERIOD!);
          const d = this.SUBRULE2(this.duration);
          this.ACTION(() => (w.grace = d));
        },
      },
    ]);
  });

  // --- expressions, loosest binding first

  readonly expression = this.RULE('expression', (): Expr => {
    let l = this.SUBRULE(this.andExpr);
    this.MANY(() => {
      this.CONSUME(kw.OR!);
      const r = this.SUBRULE2(this.andExpr);
      l = { k: 'or', l, r };
    });
    return l;
  });

  private readonly andExpr = this.RULE('andExpr', (): Expr => {
    let l = this.SUBRULE(this.notExpr);
    this.MANY(() => {
      this.CONSUME(kw.AND!);
      const r = this.SUBRULE2(this.notExpr);
      l = { k: 'and', l, r };
    });
    return l;
  });

  private readonly notExpr = this.RULE('notExpr', (): Expr => {
    return this.OR([
      {
        ALT: () => {
          this.CONSUME(kw.NOT!);
          const e = this.SUBRULE(this.notExpr);
          return { k: 'not', e } as Expr;
        },
      },
      { ALT: () => this.SUBRULE(this.predicate) },
    ]);
  });

  private readonly predicate = this.RULE('predicate', (): Expr => {
    let e = this.SUBRULE(this.concatExpr);
    this.OPTION(() => {
      this.OR([
        {
          ALT: () => {
            const op = this.OR2([
              {
                ALT: () => {
                  this.CONSUME(Eq);
                  return '=' as const;
                },
              },
              {
                ALT: () => {
                  this.CONSUME(Ne);
                  return '<>' as const;
                },
              },
              {
                ALT: () => {
                  this.CONSUME(Le);
                  return '<=' as const;
                },
              },
              {
                ALT: () => {
                  this.CONSUME(Ge);
                  return '>=' as const;
                },
              },
              {
                ALT: () => {
                  this.CONSUME(Lt);
                  return '<' as const;
                },
              },
              {
                ALT: () => {
                  this.CONSUME(Gt);
                  return '>' as const;
                },
              },
            ]);
            const r = this.SUBRULE2(this.concatExpr);
            e = { k: 'cmp', op, l: e, r };
          },
        },
        {
          ALT: () => {
            this.CONSUME(kw.IS!);
            let not = false;
            this.OPTION2(() => {
              this.CONSUME(kw.NOT!);
              return (not = true);
            });
            this.CONSUME(kw.NULL!);
            e = { k: 'isnull', e, not };
          },
        },
        {
          ALT: () => {
            let not = false;
            this.OPTION3(() => {
              this.CONSUME2(kw.NOT!);
              return (not = true);
            });
            this.OR3([
              {
                ALT: () => {
                  this.CONSUME(kw.LIKE!);
                  const pattern = this.SUBRULE3(this.concatExpr);
                  let esc: string | null = null;
                  this.OPTION4(() => {
                    this.CONSUME(kw.ESCAPE!);
                    const s = this.CONSUME(StringLit);
                    this.ACTION(() => (esc = unquote(s.image)));
                  });
                  e = { k: 'like', e, pattern, escape: esc, not };
                },
              },
              {
                ALT: () => {
                  this.CONSUME(kw.IN!);
                  this.CONSUME(LParen);
                  const list: Expr[] = [];
                  this.MANY_SEP({ SEP: Comma, DEF: () => list.push(this.SUBRULE(this.expression)) });
                  this.CONSUME(RParen);
                  e = { k: 'in', e, list, not };
                },
              },
              {
                ALT: () => {
                  this.CONSUME(kw.BETWEEN!);
                  const lo = this.SUBRULE4(this.concatExpr);
                  this.CONSUME(kw.AND!);
                  const hi = this.SUBRULE5(this.concatExpr);
                  e = { k: 'between', e, lo, hi, not };
                },
              },
            ]);
          },
        },
      ]);
    });
    return e;
  });

  private readonly concatExpr = this.RULE('concatExpr', (): Expr => {
    let l = this.SUBRULE(this.additive);
    this.MANY(() => {
      this.CONSUME(Concat);
      const r = this.SUBRULE2(this.additive);
      l = { k: 'bin', op: '||', l, r };
    });
    return l;
  });

  private readonly additive = this.RULE('additive', (): Expr => {
    let l = this.SUBRULE(this.multiplicative);
    this.MANY(() => {
      const op = this.OR([
        {
          ALT: () => {
            this.CONSUME(Plus);
            return '+' as const;
          },
        },
        {
          ALT: () => {
            this.CONSUME(Minus);
            return '-' as const;
          },
        },
      ]);
      const r = this.SUBRULE2(this.multiplicative);
      l = { k: 'bin', op, l, r };
    });
    return l;
  });

  private readonly multiplicative = this.RULE('multiplicative', (): Expr => {
    let l = this.SUBRULE(this.unary);
    this.MANY(() => {
      const op = this.OR([
        {
          ALT: () => {
            this.CONSUME(Star);
            return '*' as const;
          },
        },
        {
          ALT: () => {
            this.CONSUME(Slash);
            return '/' as const;
          },
        },
        {
          ALT: () => {
            this.CONSUME(Percent);
            return '%' as const;
          },
        },
      ]);
      const r = this.SUBRULE2(this.unary);
      l = { k: 'bin', op, l, r };
    });
    return l;
  });

  private readonly unary = this.RULE('unary', (): Expr => {
    return this.OR([
      {
        ALT: () => {
          this.CONSUME(Minus);
          const e = this.SUBRULE(this.unary);
          return this.ACTION(() => negate(e));
        },
      },
      {
        ALT: () => {
          this.CONSUME(Plus);
          return this.SUBRULE2(this.unary);
        },
      },
      { ALT: () => this.SUBRULE(this.postfix) },
    ]);
  });

  private readonly postfix = this.RULE('postfix', (): Expr => {
    let e = this.SUBRULE(this.primary);
    this.MANY(() => {
      this.OR([
        {
          ALT: () => {
            this.CONSUME(Arrow);
            const field = this.SUBRULE(this.identifier);
            e = { k: 'deref', e, field };
          },
        },
        {
          ALT: () => {
            this.CONSUME(LBracket);
            const index = this.SUBRULE(this.expression);
            this.CONSUME(RBracket);
            e = { k: 'subscript', e, index };
          },
        },
      ]);
    });
    return e;
  });

  private readonly primary = this.RULE('primary', (): Expr => {
    return this.OR([
      {
        ALT: () => {
          const t = this.CONSUME(StringLit);
          return this.ACTION(() => lit(unquote(t.image), T.STRING));
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(IntegerLit);
          return this.ACTION(() => integerLiteral(t.image));
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(DecimalLit);
          return this.ACTION(() => decimalLiteral(t.image));
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(DoubleLit);
          return this.ACTION(() => lit(Number(t.image), T.DOUBLE));
        },
      },
      {
        ALT: () => {
          this.CONSUME(kw.TRUE!);
          return lit(true, T.BOOLEAN);
        },
      },
      {
        ALT: () => {
          this.CONSUME(kw.FALSE!);
          return lit(false, T.BOOLEAN);
        },
      },
      {
        ALT: () => {
          this.CONSUME(kw.NULL!);
          return lit(null, null);
        },
      },
      { ALT: () => this.SUBRULE(this.caseExpr) },
      {
        ALT: () => {
          this.CONSUME(kw.CAST!);
          this.CONSUME(LParen);
          const e = this.SUBRULE(this.expression);
          this.CONSUME(kw.AS!);
          const type = this.SUBRULE(this.sqlType);
          this.CONSUME(RParen);
          return { k: 'cast', e, type } as Expr;
        },
      },
      {
        ALT: () => {
          this.CONSUME(kw.ARRAY!);
          this.CONSUME(LBracket);
          const items: Expr[] = [];
          this.MANY_SEP({ SEP: Comma, DEF: () => items.push(this.SUBRULE2(this.expression)) });
          this.CONSUME(RBracket);
          return { k: 'array', items } as Expr;
        },
      },
      {
        ALT: () => {
          this.CONSUME(kw.MAP!);
          this.CONSUME2(LParen);
          const entries: Array<[Expr, Expr]> = [];
          this.MANY_SEP2({
            SEP: Comma,
            DEF: () => {
              const k = this.SUBRULE3(this.expression);
              this.CONSUME(Assign);
              const v = this.SUBRULE4(this.expression);
              entries.push([k, v]);
            },
          });
          this.CONSUME2(RParen);
          return { k: 'map', entries } as Expr;
        },
      },
      {
        ALT: () => {
          this.CONSUME(kw.STRUCT!);
          this.CONSUME3(LParen);
          const fields: Array<[string, Expr]> = [];
          this.MANY_SEP3({
            SEP: Comma,
            DEF: () => {
              const name = this.SUBRULE(this.identifier);
              this.CONSUME2(Assign);
              const v = this.SUBRULE5(this.expression);
              fields.push([name, v]);
            },
          });
          this.CONSUME3(RParen);
          return { k: 'struct', fields } as Expr;
        },
      },
      {
        GATE: () => this.LA(2).tokenType === LParen,
        ALT: () => this.SUBRULE(this.functionCall),
      },
      {
        ALT: () => {
          this.CONSUME4(LParen);
          const e = this.SUBRULE6(this.expression);
          this.CONSUME4(RParen);
          return e;
        },
      },
      { ALT: () => this.SUBRULE(this.columnRef) },
    ]);
  });

  private readonly columnRef = this.RULE('columnRef', (): Expr => {
    const first = this.SUBRULE(this.identifier);
    let second: string | null = null;
    this.OPTION(() => {
      this.CONSUME(Dot);
      second = this.SUBRULE2(this.identifier);
    });
    return this.ACTION(() =>
      second === null ? { k: 'col', source: null, name: first } : { k: 'col', source: first, name: second },
    );
  });

  private readonly functionCall = this.RULE('functionCall', (): Expr => {
    const name = this.SUBRULE(this.identifier);
    this.CONSUME(LParen);
    const args: Expr[] = [];
    let star = false;
    this.OR([
      {
        ALT: () => {
          this.CONSUME(Star);
          return (star = true);
        },
      },
      { ALT: () => this.MANY_SEP({ SEP: Comma, DEF: () => args.push(this.SUBRULE(this.functionArg)) }) },
    ]);
    this.CONSUME(RParen);
    return { k: 'call', name, args, star };
  });

  private readonly functionArg = this.RULE('functionArg', (): Expr => {
    return this.OR([
      {
        GATE: () => this.lambdaAhead(),
        ALT: () => {
          const params: string[] = [];
          this.OR2([
            {
              ALT: () => {
                this.CONSUME(LParen);
                this.AT_LEAST_ONE_SEP({ SEP: Comma, DEF: () => params.push(this.SUBRULE(this.identifier)) });
                this.CONSUME(RParen);
              },
            },
            { ALT: () => params.push(this.SUBRULE2(this.identifier)) },
          ]);
          this.CONSUME(Lambda);
          const body = this.SUBRULE(this.expression);
          return { k: 'lambda', params, body } as Expr;
        },
      },
      { ALT: () => this.SUBRULE2(this.expression) },
    ]);
  });

  private readonly caseExpr = this.RULE('caseExpr', (): Expr => {
    this.CONSUME(kw.CASE!);
    let operand: Expr | null = null;
    this.OPTION(() => (operand = this.SUBRULE(this.expression)));
    const whens: Array<[Expr, Expr]> = [];
    this.AT_LEAST_ONE(() => {
      this.CONSUME(kw.WHEN!);
      const w = this.SUBRULE2(this.expression);
      this.CONSUME(kw.THEN!);
      const t = this.SUBRULE3(this.expression);
      whens.push([w, t]);
    });
    let otherwise: Expr | null = null;
    this.OPTION2(() => {
      this.CONSUME(kw.ELSE!);
      otherwise = this.SUBRULE4(this.expression);
    });
    this.CONSUME(kw.END!);
    return { k: 'case', operand, whens, otherwise };
  });

  /** True when the next tokens are `x =>` or `(x, y) =>`: a lambda argument. */
  private lambdaAhead(): boolean {
    const t1 = this.LA(1).tokenType;
    if (t1 !== LParen) return this.LA(2).tokenType === Lambda;
    for (let i = 2; i < 40; i++) {
      const t = this.LA(i).tokenType;
      if (t === RParen) return this.LA(i + 1).tokenType === Lambda;
      if (t !== Comma && t !== Identifier && t !== QuotedId && !(t?.CATEGORIES ?? []).includes(NonReserved)) {
        return false;
      }
    }
    return false;
  }

  /** True when a `(` starts a comma-separated list that ends with the matching `)`. */
  private parenListAhead(): boolean {
    let depth = 0;
    for (let i = 1; i < 10_000; i++) {
      const tok = this.LA(i);
      const t = tok.tokenType;
      if (t === undefined || tok.image === '' || t === Semi) return false;
      if (t === LParen || t === LBracket) depth++;
      else if (t === RParen || t === RBracket) {
        depth--;
        if (depth === 0) {
          const next = this.LA(i + 1).tokenType;
          return next !== Comma && next !== Plus && next !== Minus && next !== Star && next !== Slash;
        }
      } else if (t === Comma && depth === 1) return true;
    }
    return false;
  }
}

function lit(v: unknown, t: SqlType | null): Expr {
  return { k: 'lit', v, t };
}

function integerLiteral(image: string): Expr {
  const n = Number(image);
  return lit(n, n <= 2147483647 ? T.INTEGER : T.BIGINT);
}

function decimalLiteral(image: string): Expr {
  const [i = '', f = ''] = image.split('.');
  const digits = i.replace(/^0+/, '').length + f.length;
  return lit(Number(image), { base: 'DECIMAL', precision: Math.max(digits, f.length, 1), scale: f.length });
}

function negate(e: Expr): Expr {
  if (e.k === 'lit' && typeof e.v === 'number') return { ...e, v: -e.v };
  return { k: 'neg', e };
}

function primitiveType(tok: IToken, args: number[]): SqlType {
  const name = tok.image.toUpperCase();
  if (name === 'DECIMAL') {
    if (args.length !== 2) {
      throw new SqlParseError('DECIMAL needs a precision and a scale', tok.startLine ?? 1, tok.startColumn ?? 1);
    }
    return { base: 'DECIMAL', precision: args[0]!, scale: args[1]! };
  }
  const base = PRIMITIVE_ALIASES[name];
  if (base === undefined || args.length > 0) {
    throw new SqlParseError(`Unknown type: ${tok.image}`, tok.startLine ?? 1, tok.startColumn ?? 1);
  }
  return { base };
}

let parserInstance: SqlParser | undefined;

/** Parses a script of `;`-separated statements. Each statement carries its own text (for the command topic). */
export function parseStatements(text: string): Statement[] {
  const lexed = lexer.tokenize(text);
  if (lexed.errors.length > 0) {
    const e = lexed.errors[0]!;
    const near = text.slice(e.offset, e.offset + e.length).trim() || text.slice(e.offset, e.offset + 1);
    throw new SqlParseError(`Syntax error at or near '${near}'`, e.line ?? 1, e.column ?? 1);
  }
  const parser = (parserInstance ??= new SqlParser());
  parser.input = lexed.tokens;
  let result: Array<{ stmt: Statement; first: IToken; last: IToken }>;
  try {
    result = parser.statements();
  } catch (err) {
    if (err instanceof SqlParseError) throw err;
    throw err;
  }
  if (parser.errors.length > 0) {
    const e = parser.errors[0]!;
    const tok = e.token;
    if (tok.image === '' || Number.isNaN(tok.startOffset)) {
      const last = lexed.tokens[lexed.tokens.length - 1];
      throw new SqlParseError('Syntax error at or near end of input', last?.endLine ?? 1, (last?.endColumn ?? 0) + 1);
    }
    throw new SqlParseError(`Syntax error at or near '${tok.image}'`, tok.startLine ?? 1, tok.startColumn ?? 1);
  }
  return result.map(({ stmt, first, last }) => {
    stmt.text = `${text.slice(first.startOffset, (last.endOffset ?? last.startOffset) + 1)};`;
    return stmt;
  });
}

/** Parses exactly one statement. */
export function parseStatement(text: string): Statement {
  const all = parseStatements(text);
  if (all.length !== 1) throw new SqlParseError(`Expected one statement, found ${all.length}`, 1, 1);
  return all[0]!;
}

/** Parses one expression (tests and the REST inserts use it). */
export function parseExpression(text: string): Expr {
  const stmt = parseStatement(`SELECT ${text} FROM X;`);
  if (stmt.kind !== 'query' || stmt.query.select[0]?.kind !== 'expr') throw new Error('not an expression');
  return stmt.query.select[0].expr;
}
