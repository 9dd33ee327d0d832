/**
 * Date and time patterns in the style ksqlDB takes them (Java's DateTimeFormatter letters: yyyy, MM, dd, HH, mm,
 * ss, SSS, a, EEE, MMM, X/Z, quoted literals), with time zones through Intl. Used by FORMAT_TIMESTAMP,
 * PARSE_TIMESTAMP and friends, and by TIMESTAMP_FORMAT in WITH clauses.
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

type Part = { lit: string } | { field: string; width: number };

const patternCache = new Map<string, Part[]>();

function tokenize(pattern: string): Part[] {
  const cached = patternCache.get(pattern);
  if (cached) return cached;
  const parts: Part[] = [];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "'") {
      const end = pattern.indexOf("'", i + 1);
      const text = end < 0 ? pattern.slice(i + 1) : pattern.slice(i + 1, end);
      parts.push({ lit: text === '' ? "'" : text });
      i = end < 0 ? pattern.length : end + 1;
    } else if (/[A-Za-z]/.test(c)) {
      let j = i;
      while (pattern[j] === c) j++;
      parts.push({ field: c, width: j - i });
      i = j;
    } else {
      parts.push({ lit: c });
      i++;
    }
  }
  patternCache.set(pattern, parts);
  return parts;
}

/** Offset of `tz` from UTC at instant `ms`, in minutes. */
export function zoneOffsetMinutes(ms: number, tz: string): number {
  const u = tz.toUpperCase();
  if (u === 'UTC' || u === 'GMT' || u === 'Z') return 0;
  const fixed = /^(?:UTC|GMT)?([+-])(\d{1,2}):?(\d{2})?$/.exec(tz);
  if (fixed) return (fixed[1] === '-' ? -1 : 1) * (Number(fixed[2]) * 60 + Number(fixed[3] ?? 0));
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  const p: Record<string, number> = {};
  for (const x of f.formatToParts(new Date(ms))) if (x.type !== 'literal') p[x.type] = Number(x.value);
  const asUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return Math.round((asUtc - (ms - (((ms % 1000) + 1000) % 1000))) / 60000);
}

const pad = (n: number, w: number) => String(Math.abs(n)).padStart(w, '0');

/** Formats `ms` (UTC instant) with a Java-style pattern in time zone `tz`. */
export function formatWithPattern(ms: number, pattern: string, tz = 'UTC'): string {
  const off = zoneOffsetMinutes(ms, tz);
  const d = new Date(ms + off * 60000);
  let out = '';
  for (const p of tokenize(pattern)) {
    if ('lit' in p) {
      out += p.lit;
      continue;
    }
    const w = p.width;
    switch (p.field) {
      case 'y':
      case 'u':
        out += w === 2 ? pad(d.getUTCFullYear() % 100, 2) : pad(d.getUTCFullYear(), w);
        break;
      case 'M':
        out += w >= 3 ? MONTHS[d.getUTCMonth()]! : pad(d.getUTCMonth() + 1, w);
        break;
      case 'd':
        out += pad(d.getUTCDate(), w);
        break;
      case 'D': {
        const start = Date.UTC(d.getUTCFullYear(), 0, 1);
        out += pad(Math.floor((d.getTime() - start) / 86400000) + 1, w);
        break;
      }
      case 'H':
        out += pad(d.getUTCHours(), w);
        break;
      case 'h':
        out += pad(d.getUTCHours() % 12 === 0 ? 12 : d.getUTCHours() % 12, w);
        break;
      case 'm':
        out += pad(d.getUTCMinutes(), w);
        break;
      case 's':
        out += pad(d.getUTCSeconds(), w);
        break;
      case 'S':
        out += pad(d.getUTCMilliseconds(), 3).slice(0, w).padEnd(w, '0');
        break;
      case 'a':
        out += d.getUTCHours() < 12 ? 'AM' : 'PM';
        break;
      case 'E':
        out += DAYS[d.getUTCDay()]!;
        break;
      case 'X':
      case 'Z':
      case 'x': {
        if (off === 0 && p.field === 'X') {
          out += 'Z';
          break;
        }
        const sign = off < 0 ? '-' : '+';
        const hh = pad(Math.floor(Math.abs(off) / 60), 2);
        const mm = pad(Math.abs(off) % 60, 2);
        out +=
          w === 1
            ? `${sign}${hh}${mm === '00' ? '' : mm}`
            : w === 3 || (p.field === 'Z' && w > 3)
              ? `${sign}${hh}:${mm}`
              : `${sign}${hh}${mm}`;
        break;
      }
      default:
        out += p.field.repeat(w);
    }
  }
  return out;
}

/** Parses `text` with a Java-style pattern; the zone in the text wins over `tz`. Null when it does not match. */
export function parseWithPattern(text: string, pattern: string, tz = 'UTC'): number | null {
  const fields: string[] = [];
  let re = '^';
  for (const p of tokenize(pattern)) {
    if ('lit' in p) {
      re += p.lit.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      continue;
    }
    fields.push(p.field);
    switch (p.field) {
      case 'M':
        re += p.width >= 3 ? '([A-Za-z]{3})' : '(\\d{1,2})';
        break;
      case 'a':
        re += '(AM|PM|am|pm)';
        break;
      case 'E':
        re += '[A-Za-z]+';
        fields.pop();
        break;
      case 'X':
      case 'Z':
      case 'x':
        re += '(Z|[+-]\\d{2}:?\\d{2}|[+-]\\d{2})';
        break;
      case 'S':
        re += `(\\d{1,${p.width}})`;
        break;
      case 'y':
      case 'u':
        re += p.width === 2 ? '(\\d{2})' : '(\\d{4})';
        break;
      default:
        re += `(\\d{1,${Math.max(p.width, 2)}})`;
    }
  }
  const m = new RegExp(`${re}$`).exec(text.trim());
  if (!m) return null;
  let y = 1970;
  let mo = 0;
  let day = 1;
  let h = 0;
  let mi = 0;
  let s = 0;
  let ms = 0;
  let pm: boolean | null = null;
  let zone: number | null = null;
  fields.forEach((f, i) => {
    const v = m[i + 1]!;
    switch (f) {
      case 'y':
      case 'u':
        y = v.length === 2 ? 2000 + Number(v) : Number(v);
        break;
      case 'M':
        mo = /\d/.test(v) ? Number(v) - 1 : MONTHS.findIndex((x) => x.toLowerCase() === v.toLowerCase());
        break;
      case 'd':
        day = Number(v);
        break;
      case 'H':
      case 'h':
        h = Number(v);
        break;
      case 'm':
        mi = Number(v);
        break;
      case 's':
        s = Number(v);
        break;
      case 'S':
        ms = Number(v.padEnd(3, '0').slice(0, 3));
        break;
      case 'a':
        pm = v.toUpperCase() === 'PM';
        break;
      case 'X':
      case 'Z':
      case 'x':
        zone = v === 'Z' ? 0 : zoneOffsetMinutes(0, v);
        break;
    }
  });
  if (pm !== null) h = (h % 12) + (pm ? 12 : 0);
  const local = Date.UTC(y, mo, day, h, mi, s, ms);
  if (Number.isNaN(local)) return null;
  const off = zone ?? zoneOffsetMinutes(local, tz);
  return local - off * 60000;
}
