/** Java-style .properties files and --override key=value pairs. */
import { readFileSync } from 'node:fs';
import { ConfigError } from './types.js';
// .properties files

/**
 * Parses text in java.util.Properties format: '#' and '!' comment lines, key=value / key:value / key value,
 * backslash line continuations (leading blanks of the next line dropped), and escapes \t \n \r \f \uXXXX
 * (any other escaped character stands for itself). Later duplicates win. `source` names the origin in errors.
 */
export function parseProperties(text: string, source = '<properties>'): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  const lines = text.split(/\r\n|\r|\n/);
  let i = 0;
  if (lines[0]?.charCodeAt(0) === 0xfeff) lines[0] = lines[0].slice(1); // tolerate a UTF-8 BOM
  while (i < lines.length) {
    const startLine = i + 1;
    let line = stripLeading(lines[i++]!);
    if (line === '' || line[0] === '#' || line[0] === '!') continue;
    // Join continuation lines: a line ending in an odd number of backslashes continues on the next one.
    while (endsWithOddBackslashes(line)) {
      line = line.slice(0, -1);
      if (i >= lines.length) break;
      line += stripLeading(lines[i++]!);
    }
    // Key ends at the first unescaped '=', ':' or blank.
    let k = 0;
    while (k < line.length) {
      const c = line[k]!;
      if (c === '\\') {
        k += 2;
        continue;
      }
      if (c === '=' || c === ':' || c === ' ' || c === '\t' || c === '\f') break;
      k++;
    }
    const rawKey = line.slice(0, Math.min(k, line.length));
    let v = k;
    while (v < line.length && (line[v] === ' ' || line[v] === '\t' || line[v] === '\f')) v++;
    if (v < line.length && (line[v] === '=' || line[v] === ':')) v++;
    while (v < line.length && (line[v] === ' ' || line[v] === '\t' || line[v] === '\f')) v++;
    const key = unescapeProperty(rawKey, source, startLine);
    out[key] = unescapeProperty(line.slice(v), source, startLine);
  }
  return { ...out };
}

function stripLeading(s: string): string {
  let j = 0;
  while (j < s.length && (s[j] === ' ' || s[j] === '\t' || s[j] === '\f')) j++;
  return j === 0 ? s : s.slice(j);
}

function endsWithOddBackslashes(s: string): boolean {
  let n = 0;
  for (let j = s.length - 1; j >= 0 && s[j] === '\\'; j--) n++;
  return n % 2 === 1;
}

function unescapeProperty(s: string, source: string, line: number): string {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let j = 0; j < s.length; j++) {
    const c = s[j]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = s[++j];
    if (n === undefined) break; // a lone trailing backslash at end of file: dropped, as Java does
    switch (n) {
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 'f':
        out += '\f';
        break;
      case 'u': {
        const hex = s.slice(j + 1, j + 5);
        if (!/^[0-9A-Fa-f]{4}$/.test(hex)) {
          throw new ConfigError(
            `${source}:${line}: malformed \\u escape '\\u${hex}': expected four hexadecimal digits`,
          );
        }
        out += String.fromCharCode(parseInt(hex, 16));
        j += 4;
        break;
      }
      default:
        out += n;
    }
  }
  return out;
}

/** Reads and parses a .properties file (as UTF-8, unlike Java's ISO-8859-1; ASCII files read the same). */
export function loadProperties(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'it is a directory'
            : (e as Error).message;
    throw new ConfigError(`cannot read config file ${file}: ${why}`);
  }
  return parseProperties(text, file);
}

/** Parses one "key=value" command-line override. */
export function parseOverride(text: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0 || text.slice(0, eq).trim() === '') {
    throw new ConfigError(`invalid override '${text}': expected key=value, e.g. --override log.retention.hours=24`);
  }
  return [text.slice(0, eq).trim(), text.slice(eq + 1)];
}
