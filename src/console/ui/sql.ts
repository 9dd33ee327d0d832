/**
 * The streaming SQL page (when the SQL service runs in this process), through its ksqlDB REST API: an editor that
 * runs statements. A SELECT goes to /query-stream and its rows are shown as they arrive (a push query runs until
 * it is stopped, its LIMIT is reached or the page is left); anything else goes to /ksql and its answer is shown as
 * tables. The statement is kept in the URL (`/sql?q=...`), so a query can be linked; opening the link fills the
 * editor without running it.
 */
import { api, streamLines } from './api.js';
import { h, table } from './dom.js';
import { registerExtension } from './extensions.js';
import { fail } from './pages.js';

const cell = (v: unknown): string | HTMLElement =>
  v === null || v === undefined ? h('span.muted', 'null') : typeof v === 'object' ? JSON.stringify(v) : String(v);

/** One entity of a /ksql answer as people read it: a status line, a table of its list, or its JSON. */
function entityView(e: Record<string, unknown>): HTMLElement {
  const status = e['commandStatus'] as { message?: string; queryId?: string | null } | undefined;
  if (status !== undefined) {
    return h('p.sql-status', status.message ?? 'Done', status.queryId ? ` (query ${status.queryId})` : '');
  }
  for (const [k, v] of Object.entries(e)) {
    if (k === 'warnings' || !Array.isArray(v)) continue;
    const rows = v as Array<Record<string, unknown>>;
    const headers = rows.length > 0 && typeof rows[0] === 'object' ? Object.keys(rows[0]!) : [k];
    return h(
      'div',
      h('h3', k),
      table(
        headers,
        rows.map((r) => (typeof r === 'object' && r !== null ? headers.map((x) => cell(r[x])) : [cell(r)])),
        'None',
      ),
    );
  }
  const { statementText: _s, warnings: _w, '@type': _t, ...rest } = e;
  return h('pre.schema', JSON.stringify(rest, null, 2));
}

registerExtension({
  feature: 'ksql',
  path: '/sql',
  title: 'SQL',
  async render(main, ctx) {
    const editor = h(
      'textarea.sql',
      {
        name: 'sql',
        rows: 7,
        spellcheck: false,
        placeholder: 'SELECT * FROM pageviews EMIT CHANGES;',
      },
      ctx.query.get('q') ?? '',
    ) as HTMLTextAreaElement;
    const reset = h(
      'select',
      { name: 'offset' },
      ['latest', 'earliest'].map((x) =>
        h('option', { value: x, selected: x === (ctx.query.get('offset') ?? 'latest') }, x),
      ),
    ) as HTMLSelectElement;
    const run = h('button', { type: 'submit', id: 'run' }, 'Run') as HTMLButtonElement;
    const stop = h('button.secondary', { type: 'button', id: 'stop', disabled: true }, 'Stop') as HTMLButtonElement;
    const status = h('p.muted', { id: 'sql-state' }, 'Ctrl+Enter runs the statement');
    const output = h('div', { id: 'sql-result' });
    const sources = h('div', { id: 'sql-sources' });
    let running: AbortController | undefined;

    const loadSources = async () => {
      try {
        const entities = (await api(`${ctx.url}/ksql`, 'POST', { ksql: 'SHOW STREAMS; SHOW TABLES;' })) as Array<
          Record<string, Array<{ name: string; type: string; topic: string }>>
        >;
        const list = [...(entities[0]?.['streams'] ?? []), ...(entities[1]?.['tables'] ?? [])];
        sources.replaceChildren(
          list.length === 0
            ? h('p.muted', 'No streams or tables yet')
            : h(
                'ul.sources',
                list.map((s) =>
                  h(
                    'li',
                    h(
                      'a',
                      {
                        href: '#',
                        title: `topic ${s.topic}`,
                        onclick: ((ev: Event) => {
                          ev.preventDefault();
                          editor.value = `SELECT * FROM ${s.name} EMIT CHANGES;`;
                          editor.focus();
                        }) as EventListener,
                      },
                      s.name,
                    ),
                    h('span.muted', ` ${s.type.toLowerCase()}`),
                  ),
                ),
              ),
        );
      } catch (err) {
        fail(err);
      }
    };

    const pushQuery = async (sql: string, ctl: AbortController) => {
      const head = h('thead');
      const rows = h('tbody');
      output.replaceChildren(h('div.table-wrap', h('table', { id: 'rows' }, head, rows)));
      let count = 0;
      let queryId = '';
      const onLine = (line: string) => {
        const v = JSON.parse(line) as unknown;
        if (Array.isArray(v)) {
          rows.append(
            h(
              'tr',
              v.map((x) => h('td', cell(x))),
            ),
          );
          count++;
          // The newest rows stay; a long-running query does not grow the page without bound.
          if (count > 1000) rows.firstElementChild?.remove();
          status.textContent = `Query ${queryId}: ${count} rows, running`;
        } else if (v !== null && typeof v === 'object' && 'columnNames' in v) {
          const header = v as { queryId?: string; columnNames: string[]; columnTypes?: string[] };
          queryId = header.queryId ?? '';
          head.replaceChildren(
            h(
              'tr',
              header.columnNames.map((c, i) => h('th', { title: header.columnTypes?.[i] ?? '' }, c)),
            ),
          );
          status.textContent = `Query ${queryId}: waiting for rows`;
        } else if (v !== null && typeof v === 'object' && 'message' in v) {
          throw new Error(String((v as { message: unknown }).message));
        }
      };
      await streamLines(
        `${ctx.url}/query-stream`,
        { sql, properties: { 'auto.offset.reset': reset.value } },
        'application/vnd.ksqlapi.delimited.v1',
        onLine,
        ctl.signal,
      );
      status.textContent = `Query ${queryId}: ${count} rows, ${ctl.signal.aborted ? 'stopped' : 'finished'}`;
    };

    const execute = async () => {
      const sql = editor.value.trim();
      if (sql === '') return;
      running?.abort();
      const ctl = new AbortController();
      running = ctl;
      const q = new URLSearchParams({ q: sql });
      if (reset.value !== 'latest') q.set('offset', reset.value);
      history.replaceState(null, '', `${location.pathname}?${q}`);
      run.disabled = true;
      status.textContent = 'Running…';
      try {
        if (/^select\b/i.test(sql)) {
          stop.disabled = false;
          await pushQuery(sql, ctl);
        } else {
          const entities = (await api(`${ctx.url}/ksql`, 'POST', {
            ksql: sql,
            streamsProperties: { 'auto.offset.reset': reset.value },
          })) as Array<Record<string, unknown>>;
          output.replaceChildren(...entities.map(entityView));
          status.textContent = `${entities.length} statement${entities.length === 1 ? '' : 's'} run`;
          await loadSources();
        }
      } catch (err) {
        status.textContent = 'Failed';
        output.replaceChildren(h('p.error', err instanceof Error ? err.message : String(err)));
      } finally {
        if (running === ctl) {
          running = undefined;
          run.disabled = false;
          stop.disabled = true;
        }
      }
    };

    stop.addEventListener('click', () => running?.abort());
    editor.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
        ev.preventDefault();
        void execute();
      }
    });
    main.append(
      h('h1', 'Streaming SQL'),
      h(
        'div.sql-layout',
        h(
          'form.sql-editor',
          {
            id: 'sql-form',
            onsubmit: ((ev: Event) => {
              ev.preventDefault();
              void execute();
            }) as EventListener,
          },
          editor,
          h('div.controls', h('label', 'auto.offset.reset', reset), run, stop),
        ),
        h('aside', h('h3', 'Streams and tables'), sources),
      ),
      status,
      output,
    );
    await loadSources();
    return () => running?.abort();
  },
});
