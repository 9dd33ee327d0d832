/**
 * The schema registry's pages (when the registry runs in this process), through its own REST API:
 * - /schemas: subjects with their type, latest version and id, number of versions and compatibility level;
 * - /schemas/SUBJECT?version=N: one version's schema (the latest without `version`), its compatibility level
 *   (changeable), and `&diff=M` shows what changed from version M to version N, line by line.
 */
import { api } from './api.js';
import { card, h, table, toast } from './dom.js';
import { registerExtension } from './extensions.js';
import { fail, link, navigate } from './pages.js';

const LEVELS = ['BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE', 'NONE'];

interface SchemaVersion {
  subject: string;
  version: number;
  id: number;
  schemaType?: string;
  schema: string;
  references?: Array<{ name: string; subject: string; version: number }>;
}

const subjectHref = (s: string, q = '') => `/schemas/${encodeURIComponent(s)}${q}`;

/** The schema as people read it: JSON (Avro, JSON Schema) pretty-printed, Protobuf as written. */
function pretty(v: SchemaVersion): string {
  if (v.schemaType === 'PROTOBUF') return v.schema;
  try {
    return JSON.stringify(JSON.parse(v.schema), null, 2);
  } catch {
    return v.schema;
  }
}

export type DiffLine = { op: ' ' | '-' | '+'; text: string };

/** A line diff of `a` to `b` through their longest common subsequence (schemas are short: quadratic is fine). */
export function diffLines(a: string[], b: string[]): DiffLine[] {
  const n = a.length;
  const m = b.length;
  // common[i][j]: length of the longest common subsequence of a[i..] and b[j..].
  const common = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      common[i]![j] = a[i] === b[j] ? common[i + 1]![j + 1]! + 1 : Math.max(common[i + 1]![j]!, common[i]![j + 1]!);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ op: ' ', text: a[i]! });
      i++;
      j++;
    } else if (common[i + 1]![j]! >= common[i]![j + 1]!) out.push({ op: '-', text: a[i++]! });
    else out.push({ op: '+', text: b[j++]! });
  }
  while (i < n) out.push({ op: '-', text: a[i++]! });
  while (j < m) out.push({ op: '+', text: b[j++]! });
  return out;
}

const typeOf = (v: { schemaType?: string }) => v.schemaType ?? 'AVRO';

registerExtension({
  feature: 'schema-registry',
  path: '/schemas',
  title: 'Schemas',
  async render(main, ctx) {
    const [subjects, global] = await Promise.all([
      api(`${ctx.url}/subjects`) as Promise<string[]>,
      api(`${ctx.url}/config`) as Promise<{ compatibilityLevel: string }>,
    ]);
    const rows = await Promise.all(
      subjects.sort().map(async (s) => {
        const e = encodeURIComponent(s);
        const [versions, latest, config] = await Promise.all([
          api(`${ctx.url}/subjects/${e}/versions`) as Promise<number[]>,
          api(`${ctx.url}/subjects/${e}/versions/latest`) as Promise<SchemaVersion>,
          api(`${ctx.url}/config/${e}?defaultToGlobal=true`) as Promise<{ compatibilityLevel: string }>,
        ]);
        return [
          link(subjectHref(s), s),
          typeOf(latest),
          latest.version,
          versions.length,
          latest.id,
          config.compatibilityLevel,
        ];
      }),
    );
    main.append(
      h('h1', 'Schemas'),
      h('div.cards', card('Subjects', subjects.length), card('Compatibility', global.compatibilityLevel, 'word')),
      h('h2', 'Subjects'),
      table(
        ['Subject', 'Type', ['Latest version', 'num'], ['Versions', 'num'], ['Schema id', 'num'], 'Compatibility'],
        rows,
        'No subjects yet: a producer with a registry serializer registers its schema on its first record',
      ),
    );
    return undefined;
  },
});

registerExtension({
  feature: 'schema-registry',
  path: '/schemas/:subject',
  async render(main, ctx) {
    const subject = ctx.params['subject']!;
    const e = encodeURIComponent(subject);
    const [versions, config, global] = await Promise.all([
      api(`${ctx.url}/subjects/${e}/versions`) as Promise<number[]>,
      api(`${ctx.url}/config/${e}?defaultToGlobal=true`) as Promise<{ compatibilityLevel: string }>,
      api(`${ctx.url}/config`) as Promise<{ compatibilityLevel: string }>,
    ]);
    const latestVersion = versions[versions.length - 1] ?? 1;
    const wanted = Number(ctx.query.get('version') ?? latestVersion);
    const shownVersion = versions.includes(wanted) ? wanted : latestVersion;
    const diffParam = ctx.query.get('diff');
    const against = diffParam !== null && versions.includes(Number(diffParam)) ? Number(diffParam) : undefined;
    const load = (v: number) => api(`${ctx.url}/subjects/${e}/versions/${v}`) as Promise<SchemaVersion>;
    const [shown, old] = await Promise.all([load(shownVersion), against === undefined ? undefined : load(against)]);

    // Compatibility: the subject's own level or the global one it falls back to; setting it here sets the subject's.
    const level = h(
      'select',
      { name: 'compatibility' },
      LEVELS.map((l) => h('option', { value: l, selected: l === config.compatibilityLevel }, l)),
    ) as HTMLSelectElement;
    const compat = h(
      'form.inline',
      {
        id: 'compatibility',
        onsubmit: (async (ev: Event) => {
          ev.preventDefault();
          try {
            await api(`${ctx.url}/config/${e}`, 'PUT', { compatibility: level.value });
            toast(`Compatibility of ${subject} set to ${level.value}`);
          } catch (err) {
            fail(err);
          }
        }) as EventListener,
      },
      h('label', 'Compatibility', level),
      h('button', { type: 'submit' }, 'Set'),
      h('span.muted', `global: ${global.compatibilityLevel}`),
    );

    const pick = (name: string, selected: number) =>
      h(
        'select',
        { name },
        versions.map((v) => h('option', { value: v, selected: v === selected }, `version ${v}`)),
      ) as HTMLSelectElement;
    const from = pick('from', against ?? versions[Math.max(0, versions.indexOf(shownVersion) - 1)] ?? shownVersion);
    const to = pick('to', shownVersion);
    const compare = h(
      'form.inline',
      {
        id: 'compare',
        onsubmit: ((ev: Event) => {
          ev.preventDefault();
          navigate(subjectHref(subject, `?version=${to.value}&diff=${from.value}`));
        }) as EventListener,
      },
      h('label', 'From', from),
      h('label', 'To', to),
      h('button', { type: 'submit', disabled: versions.length < 2 }, 'Compare'),
    );

    let body: HTMLElement;
    if (old !== undefined) {
      const lines = diffLines(pretty(old).split('\n'), pretty(shown).split('\n'));
      const added = lines.filter((l) => l.op === '+').length;
      const removed = lines.filter((l) => l.op === '-').length;
      body = h(
        'div',
        h('h2', `Changes from version ${old.version} (id ${old.id}) to version ${shown.version} (id ${shown.id})`),
        h(
          'p.muted',
          added + removed === 0 ? 'The two versions are the same.' : `${added} lines added, ${removed} removed`,
        ),
        h(
          'pre.diff',
          { id: 'diff' },
          lines.map((l) => h(`span.${l.op === '+' ? 'add' : l.op === '-' ? 'del' : 'same'}`, `${l.op} ${l.text}\n`)),
        ),
      );
    } else {
      body = h(
        'div',
        h('h2', `Version ${shown.version}`),
        h('pre.schema', { id: 'schema' }, pretty(shown)),
        shown.references && shown.references.length > 0
          ? table(
              ['Reference', 'Subject', ['Version', 'num']],
              shown.references.map((r) => [
                r.name,
                link(subjectHref(r.subject, `?version=${r.version}`), r.subject),
                r.version,
              ]),
            )
          : null,
      );
    }

    main.append(
      h('h1', subject),
      h(
        'div.cards',
        card('Type', typeOf(shown)),
        card('Versions', versions.length),
        card('Latest version', latestVersion),
        card('Schema id', shown.id),
      ),
      compat,
      h(
        'div.tabs',
        versions.map((v) =>
          h(
            `a${v === shownVersion && against === undefined ? '.active' : ''}`,
            { href: subjectHref(subject, `?version=${v}`), 'data-link': true },
            `v${v}`,
          ),
        ),
      ),
      compare,
      body,
    );
    return undefined;
  },
});
