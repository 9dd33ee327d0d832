/**
 * The principal of a TLS client certificate, as Kafka builds it: the subject as an RFC 2253 distinguished name
 * (most specific attribute first, `CN=alice,OU=eng,O=acme,C=DE`), mapped with `ssl.principal.mapping.rules`.
 *
 * Rules are Kafka's: `RULE:pattern/replacement/` with an optional `L` or `U` after the last slash (lower or upper
 * case the result), and `DEFAULT` (the distinguished name as it is), separated by commas; the first rule whose
 * pattern matches the whole name wins, and a name no rule matches is refused. A `/` inside a pattern or
 * replacement is written `\/`.
 */
import type { X509Certificate } from 'node:crypto';
import type { Principal } from './authorizer.js';

export type MappingRule =
  | { kind: 'default' }
  | { kind: 'rule'; pattern: RegExp; whole: RegExp; replacement: string; caseMode: '' | 'L' | 'U'; text: string };

/**
 * The subject of a certificate as an RFC 2253 distinguished name. Node prints the subject one attribute per line
 * in certificate order with RFC 2253 escaping (multi-valued attributes joined by ` + `); RFC 2253 lists them in
 * reverse order, separated by commas.
 */
export function distinguishedName(cert: X509Certificate): string {
  const lines = cert.subject.split('\n').filter((l) => l !== '');
  return lines
    .reverse()
    .map((l) => l.replace(/ \+ /g, '+'))
    .join(',');
}

/** Reads one `/`-terminated part of a rule (with `\/` standing for `/`); returns it and the index after the `/`. */
function readPart(text: string, from: number): [string, number] | undefined {
  let out = '';
  for (let i = from; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && text[i + 1] === '/') {
      out += '/';
      i++;
    } else if (c === '\\' && i + 1 < text.length) {
      out += c + text[i + 1];
      i++;
    } else if (c === '/') return [out, i + 1];
    else out += c;
  }
  return undefined;
}

/** Parses `ssl.principal.mapping.rules`; throws an Error naming the bad rule. */
export function parseMappingRules(text: string): MappingRule[] {
  const rules: MappingRule[] = [];
  let i = 0;
  const skip = () => {
    while (i < text.length && /[\s,]/.test(text[i]!)) i++;
  };
  skip();
  while (i < text.length) {
    if (text.startsWith('DEFAULT', i)) {
      rules.push({ kind: 'default' });
      i += 'DEFAULT'.length;
    } else if (text.startsWith('RULE:', i)) {
      const start = i;
      const p = readPart(text, i + 5);
      const r = p && readPart(text, p[1]);
      if (!p || !r)
        throw new Error(
          `invalid ssl.principal.mapping.rules: '${text.slice(start)}' is not RULE:pattern/replacement/[LU]`,
        );
      i = r[1];
      let caseMode: '' | 'L' | 'U' = '';
      if (text[i] === 'L' || text[i] === 'U') caseMode = text[i++] as 'L' | 'U';
      let pattern: RegExp;
      let whole: RegExp;
      try {
        pattern = new RegExp(p[0], 'g');
        whole = new RegExp(`^(?:${p[0]})$`);
      } catch (err) {
        throw new Error(`invalid ssl.principal.mapping.rules: pattern '${p[0]}': ${(err as Error).message}`);
      }
      rules.push({ kind: 'rule', pattern, whole, replacement: r[0], caseMode, text: text.slice(start, i) });
    } else {
      throw new Error(
        `invalid ssl.principal.mapping.rules: '${text.slice(i)}' is neither DEFAULT nor RULE:pattern/replacement/[LU]`,
      );
    }
    const before = i;
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i < text.length && text[i] !== ',') {
      throw new Error(`invalid ssl.principal.mapping.rules: expected ',' after '${text.slice(0, before)}'`);
    }
    skip();
  }
  if (rules.length === 0) rules.push({ kind: 'default' });
  return rules;
}

/** The user name for a distinguished name, or undefined when no rule applies. */
export function mapDistinguishedName(rules: readonly MappingRule[], dn: string): string | undefined {
  for (const r of rules) {
    if (r.kind === 'default') return dn;
    if (!r.whole.test(dn)) continue;
    r.pattern.lastIndex = 0;
    let out = dn.replace(r.pattern, r.replacement);
    if (r.caseMode === 'L') out = out.toLowerCase();
    else if (r.caseMode === 'U') out = out.toUpperCase();
    return out;
  }
  return undefined;
}

/** The principal builder of an SSL listener: certificate -> User:<mapped name>, or an Error when no rule applies. */
export function sslPrincipalBuilder(rulesText: string): (cert: X509Certificate) => Principal | Error {
  const rules = parseMappingRules(rulesText);
  return (cert) => {
    const dn = distinguishedName(cert);
    const name = mapDistinguishedName(rules, dn);
    if (name === undefined) return new Error(`no ssl.principal.mapping.rules rule applies to ${dn}`);
    return { type: 'User', name };
  };
}
