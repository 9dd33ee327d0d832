/**
 * The console's pages: overview, topics, topic detail (messages, partitions, configs, produce), consumer groups
 * and group detail. Each renders into `main` and returns a cleanup for its timers and streams.
 */
import { api, ApiError, streamLines, v3 } from './api.js';
import { sparkline, TimeChart } from './charts.js';
import { card, fmt, h, table, toast } from './dom.js';

export type Cleanup = () => void;
/** A page renders into `main`; it may resolve to a Cleanup for its timers and streams. */
export type Page = (main: HTMLElement, params: Record<string, string>, query: URLSearchParams) => Promise<unknown>;

export const link = (href: string, text: string) => h('a', { href, 'data-link': true }, text);
const topicHref = (t: string, tab?: string) => `/topics/${encodeURIComponent(t)}${tab ? `?tab=${tab}` : ''}`;
const groupHref = (g: string) => `/groups/${encodeURIComponent(g)}`;

export function fail(e: unknown): void {
  toast(e instanceof ApiError ? `${e.code}: ${e.message}` : String(e), true);
}

/** Messages per second of each topic over the sampled window, from the server's throughput samples. */
async function rates(): Promise<Map<string, { series: Array<number | null>; now: number }>> {
  const t = await api('/console/api/throughput');
  const out = new Map<string, { series: Array<number | null>; now: number }>();
  for (const [topic, ends] of Object.entries(t.topics as Record<string, Array<number | null>>)) {
    const series: Array<number | null> = [];
    for (let i = 1; i < ends.length; i++) {
      const a = ends[i - 1];
      const b = ends[i];
      const dt = (t.times[i] - t.times[i - 1]) / 1000;
      series.push(a === null || b === null || a === undefined || b === undefined || dt <= 0 ? null : (b - a) / dt);
    }
    out.set(topic, { series, now: series.length > 0 ? (series[series.length - 1] ?? 0) : 0 });
  }
  return out;
}

/** Whether there are at least two rates to draw a line through. */
function hasTrend(rate: { series: Array<number | null> } | undefined): boolean {
  return rate !== undefined && rate.series.filter((v) => v !== null).length >= 2;
}

interface TopicRow {
  name: string;
  partitions: number;
  replication: number;
  /** Bytes on the leaders, null when unknown. */
  size: number | null;
}

/** The cells the overview and the topics page share: name, partitions, replication, rate and sparkline. */
function topicCells(t: TopicRow, rate: { series: Array<number | null>; now: number } | undefined) {
  return [
    link(topicHref(t.name), t.name),
    t.partitions,
    t.replication,
    rate ? fmt.rate(rate.now) : '—',
    hasTrend(rate) ? sparkline(rate!.series) : h('span.muted', 'sampling…'),
  ];
}

// ---------------------------------------------------------------------------------------------- overview

export const overviewPage: Page = async (main) => {
  const [o, r] = await Promise.all([api('/console/api/overview'), rates()]);
  const userTopics = o.topics.filter((t: { internal: boolean }) => !t.internal);
  main.append(
    h('h1', 'Overview'),
    h(
      'div.cards',
      card('Brokers', o.brokers.length),
      card('Controller', o.controller),
      card('Topics', userTopics.length),
      card(
        'Partitions',
        userTopics.reduce((n: number, t: { partitions: number }) => n + t.partitions, 0),
      ),
      card('Under-replicated', o.under_replicated, o.under_replicated > 0 ? 'bad' : 'ok'),
      card('Offline', o.offline, o.offline > 0 ? 'bad' : 'ok'),
    ),
    h('h2', 'Brokers'),
    table(
      ['Id', 'Host', 'Port', 'Rack', 'Role'],
      o.brokers.map((b: { id: number; host: string; port: number; rack: string | null }) => [
        b.id,
        b.host,
        b.port,
        b.rack ?? '—',
        b.id === o.controller ? h('span.pill', 'controller') : '',
      ]),
    ),
    h('h2', 'Topics'),
    table(
      ['Topic', ['Partitions', 'num'], ['Replication', 'num'], ['Msgs/s', 'num'], 'Last 5 minutes', 'Health'],
      userTopics.map((t: TopicRow & { under_replicated: number; offline: number }) => {
        return [
          ...topicCells(t, r.get(t.name)),
          t.offline > 0
            ? h('span.pill.bad', `${t.offline} offline`)
            : t.under_replicated > 0
              ? h('span.pill.bad', `${t.under_replicated} under-replicated`)
              : h('span.pill.Stable', 'ok'),
        ];
      }),
      'No topics yet: create one on the Topics page',
    ),
  );
};

// ---------------------------------------------------------------------------------------------- topics

export const topicsPage: Page = async (main, _p, query) => {
  const showInternal = query.get('internal') === '1';
  const [o, r] = await Promise.all([api('/console/api/overview'), rates()]);
  const topics = o.topics.filter((t: { internal: boolean }) => showInternal || !t.internal);
  const name = h('input', {
    name: 'name',
    placeholder: 'orders',
    required: true,
    pattern: '[a-zA-Z0-9._\\-]+',
  }) as HTMLInputElement;
  const count = h('input', {
    name: 'partitions',
    type: 'number',
    min: 1,
    value: 1,
    style: 'width:90px',
  }) as HTMLInputElement;
  const rf = h('input', {
    name: 'replication',
    type: 'number',
    min: 1,
    value: 1,
    style: 'width:90px',
  }) as HTMLInputElement;
  const form = h(
    'form.inline',
    {
      id: 'create-topic',
      onsubmit: (async (e: Event) => {
        e.preventDefault();
        try {
          await api(v3('/topics'), 'POST', {
            topic_name: name.value,
            partitions_count: Number(count.value),
            replication_factor: Number(rf.value),
          });
          toast(`Created ${name.value}`);
          navigate(topicHref(name.value));
        } catch (err) {
          fail(err);
        }
      }) as EventListener,
    },
    h('label', 'New topic', name),
    h('label', 'Partitions', count),
    h('label', 'Replication', rf),
    h('button', { type: 'submit' }, 'Create topic'),
  );
  main.append(
    h('h1', 'Topics'),
    form,
    h(
      'p.muted',
      link(
        showInternal ? '/topics' : '/topics?internal=1',
        showInternal ? 'Hide internal topics' : 'Show internal topics',
      ),
    ),
    table(
      ['Topic', ['Partitions', 'num'], ['Replication', 'num'], ['Msgs/s', 'num'], 'Throughput', ['Size', 'num'], ''],
      topics.map((t: TopicRow) => {
        return [
          ...topicCells(t, r.get(t.name)),
          t.size === null ? '—' : fmt.bytes(t.size),
          h(
            'button.danger',
            {
              onclick: (async () => {
                if (!confirm(`Delete topic ${t.name} and all its records?`)) return;
                try {
                  await api(v3(`/topics/${encodeURIComponent(t.name)}`), 'DELETE');
                  toast(`Deleted ${t.name}`);
                  navigate(location.pathname + location.search);
                } catch (err) {
                  fail(err);
                }
              }) as EventListener,
            },
            'Delete',
          ),
        ];
      }),
    ),
  );
};

// ---------------------------------------------------------------------------------------------- topic detail

interface Data {
  encoding: string;
  data: string;
  /** Decoded through the schema registry: the writer's schema id and type. */
  schema?: { id: number; type: string };
}

interface Rec {
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: string;
  key: Data | null;
  value: Data | null;
  headers: Array<{ key: string; value: Data | null }>;
}

function dataCell(d: Rec['value']): HTMLElement | string {
  if (d === null) return h('span.muted', 'null');
  if (d.schema !== undefined) {
    const label = d.schema.type === 'JSON' ? 'JSON Schema' : d.schema.type === 'PROTOBUF' ? 'Protobuf' : 'Avro';
    return h(
      'div',
      h('span.badge', { title: `decoded with schema ${d.schema.id} from the registry` }, `${label} #${d.schema.id}`),
      h('pre.mono', JSON.stringify(JSON.parse(d.data), null, 2)),
    );
  }
  if (d.encoding === 'base64') return h('span.mono', { title: 'binary, shown as base64' }, `base64:${d.data}`);
  const text = d.data.trim();
  if (text.startsWith('{') || text.startsWith('[')) {
    try {
      return h('pre.mono', JSON.stringify(JSON.parse(text), null, 2));
    } catch {
      // not JSON after all
    }
  }
  return h('pre.mono', d.data);
}

function recordRows(recs: Rec[]): Array<Array<HTMLElement | string | number>> {
  return recs.map((m) => [
    m.partition,
    m.offset,
    h('span.mono', { title: m.timestampType }, fmt.time(m.timestamp)),
    dataCell(m.key),
    dataCell(m.value),
    m.headers.length === 0
      ? ''
      : h('span.mono', m.headers.map((x) => `${x.key}=${x.value?.data ?? 'null'}`).join('\n')),
  ]);
}

const RECORD_HEADERS: Array<string | [string, string]> = [
  ['P', 'num'],
  ['Offset', 'num'],
  'Timestamp',
  'Key',
  'Value',
  'Headers',
];

export const topicPage: Page = async (main, params, query) => {
  const topic = params['topic']!;
  const tab = query.get('tab') ?? 'messages';
  const t = await api(v3(`/topics/${encodeURIComponent(topic)}`));
  const tabs = h(
    'div.tabs',
    ['messages', 'partitions', 'configs', 'produce'].map((x) =>
      h(
        `a${x === tab ? '.active' : ''}`,
        { href: topicHref(topic, x), 'data-link': true },
        x[0]!.toUpperCase() + x.slice(1),
      ),
    ),
  );
  main.append(
    h('h1', topic, ' ', h('span.muted', `${t.partitions_count} partitions · replication ${t.replication_factor}`)),
    tabs,
  );
  const body = h('div');
  main.append(body);
  if (tab === 'partitions') return partitionsTab(body, topic, t.partitions_count);
  if (tab === 'configs') return configsTab(body, topic);
  if (tab === 'produce') return produceTab(body, topic, t.partitions_count);
  return messagesTab(body, topic, t.partitions_count, query);
};

async function partitionsTab(body: HTMLElement, topic: string, count: number): Promise<void> {
  const p = await api(`/console/api/topics/${encodeURIComponent(topic)}/partitions`);
  const more = h('input', {
    type: 'number',
    min: count + 1,
    value: count + 1,
    style: 'width:90px',
  }) as HTMLInputElement;
  body.append(
    table(
      [
        ['Partition', 'num'],
        ['Leader', 'num'],
        'Replicas',
        'In sync',
        ['Earliest', 'num'],
        ['Latest', 'num'],
        ['Records', 'num'],
      ],
      p.partitions.map(
        (x: {
          partition: number;
          leader: number;
          replicas: number[];
          isr: number[];
          earliest: number;
          latest: number;
        }) => [
          x.partition,
          x.leader < 0 ? h('span.pill.bad', 'offline') : x.leader,
          x.replicas.join(', '),
          x.isr.length < x.replicas.length ? h('span.pill.bad', x.isr.join(', ') || 'none') : x.isr.join(', '),
          fmt.n(x.earliest),
          fmt.n(x.latest),
          fmt.n(Math.max(0, x.latest - x.earliest)),
        ],
      ),
    ),
    h(
      'form.inline',
      {
        onsubmit: (async (e: Event) => {
          e.preventDefault();
          try {
            await api(v3(`/topics/${encodeURIComponent(topic)}`), 'PATCH', { partitions_count: Number(more.value) });
            toast(`${topic} has ${more.value} partitions`);
            navigate(topicHref(topic, 'partitions'));
          } catch (err) {
            fail(err);
          }
        }) as EventListener,
      },
      h('label', 'Partitions', more),
      h('button', { type: 'submit' }, 'Add partitions'),
    ),
  );
}

async function configsTab(body: HTMLElement, topic: string): Promise<void> {
  const cfg = await api(v3(`/topics/${encodeURIComponent(topic)}/configs`));
  const rows = cfg.data.map(
    (c: { name: string; value: string | null; is_default: boolean; is_read_only: boolean; source: string }) => {
      const input = h('input', {
        value: c.value ?? '',
        'aria-label': c.name,
        style: 'width:220px',
      }) as HTMLInputElement;
      const url = v3(`/topics/${encodeURIComponent(topic)}/configs/${encodeURIComponent(c.name)}`);
      return [
        h('span.mono', c.name),
        input,
        c.is_default ? h('span.muted', 'default') : h('span.pill', c.source.replace(/_CONFIG$/, '').toLowerCase()),
        h(
          'span',
          h(
            'button.secondary',
            {
              disabled: c.is_read_only,
              onclick: (async () => {
                try {
                  await api(url, 'PUT', { value: input.value });
                  toast(`${c.name} = ${input.value}`);
                  navigate(topicHref(topic, 'configs'));
                } catch (err) {
                  fail(err);
                }
              }) as EventListener,
            },
            'Save',
          ),
          ' ',
          c.is_default
            ? ''
            : h(
                'button.danger',
                {
                  onclick: (async () => {
                    try {
                      await api(url, 'DELETE');
                      toast(`${c.name} reset to its default`);
                      navigate(topicHref(topic, 'configs'));
                    } catch (err) {
                      fail(err);
                    }
                  }) as EventListener,
                },
                'Reset',
              ),
        ),
      ];
    },
  );
  body.append(table(['Config', 'Value', 'Source', ''], rows));
}

/** A choice of one of `count` partitions, or none (`none` names what that means). */
function partitionSelect(count: number, none: string): HTMLSelectElement {
  return h(
    'select',
    { name: 'partition' },
    h('option', { value: '' }, none),
    Array.from({ length: count }, (_, i) => h('option', { value: i }, String(i))),
  ) as HTMLSelectElement;
}

async function produceTab(body: HTMLElement, topic: string, count: number): Promise<void> {
  const partition = partitionSelect(count, 'by key');
  const key = h('input', { name: 'key', placeholder: 'key (optional)' }) as HTMLInputElement;
  const value = h('textarea', { name: 'value', placeholder: '{"hello": "world"}' }) as HTMLTextAreaElement;
  const headers = h('textarea', {
    name: 'headers',
    placeholder: 'one header a line: name=value',
    style: 'min-height:50px',
  }) as HTMLTextAreaElement;
  const result = h('p.muted');
  body.append(
    h(
      'form',
      {
        id: 'produce',
        onsubmit: (async (e: Event) => {
          e.preventDefault();
          let data: { type: string; data: unknown };
          try {
            data = { type: 'JSON', data: JSON.parse(value.value) };
          } catch {
            data = { type: 'STRING', data: value.value };
          }
          const hs = headers.value
            .split('\n')
            .filter((l) => l.trim() !== '')
            .map((l) => {
              const i = l.indexOf('=');
              const n = i < 0 ? l : l.slice(0, i);
              const v = i < 0 ? '' : l.slice(i + 1);
              return { name: n.trim(), value: btoa(String.fromCharCode(...new TextEncoder().encode(v))) };
            });
          try {
            const r = await api(v3(`/topics/${encodeURIComponent(topic)}/records`), 'POST', {
              ...(partition.value === '' ? {} : { partition_id: Number(partition.value) }),
              ...(key.value === '' ? {} : { key: { type: 'STRING', data: key.value } }),
              value: data,
              headers: hs,
            });
            result.textContent = `Written to partition ${r.partition_id} at offset ${r.offset}`;
            toast(result.textContent);
          } catch (err) {
            fail(err);
          }
        }) as EventListener,
      },
      h('div.controls', h('label', 'Partition', partition), h('label', 'Key', key)),
      h('div.controls', h('label', 'Value (JSON or text)', value)),
      h('div.controls', h('label', 'Headers', headers)),
      h('button', { type: 'submit' }, 'Produce'),
    ),
    result,
  );
}

async function messagesTab(body: HTMLElement, topic: string, count: number, query: URLSearchParams): Promise<Cleanup> {
  const partition = partitionSelect(count, 'all');
  partition.value = query.get('partition') ?? '';
  const from = h(
    'select',
    { name: 'from' },
    ['newest', 'beginning', 'offset', 'timestamp'].map((x) => h('option', { value: x }, x)),
  ) as HTMLSelectElement;
  from.value = query.get('from') ?? 'newest';
  const at = h('input', {
    name: 'at',
    placeholder: 'offset or 2026-01-01T00:00:00Z',
    value: query.get('at') ?? '',
  }) as HTMLInputElement;
  const filter = h('input', {
    name: 'filter',
    placeholder: 'text in key, value, headers',
    value: query.get('filter') ?? '',
  }) as HTMLInputElement;
  const limit = h('input', {
    name: 'limit',
    type: 'number',
    min: 1,
    max: 500,
    value: query.get('limit') ?? 50,
    style: 'width:80px',
  }) as HTMLInputElement;
  const live = h('button.secondary', { type: 'button', id: 'live' }, 'Live tail') as HTMLButtonElement;
  const status = h('p.muted');
  const results = h('div', { id: 'messages' });
  let stream: AbortController | undefined;

  const load = async () => {
    const q = new URLSearchParams({ from: from.value, limit: limit.value });
    if (partition.value !== '') q.set('partition', partition.value);
    if (filter.value) q.set('filter', filter.value);
    if (from.value === 'offset') q.set('offset', at.value || '0');
    if (from.value === 'timestamp')
      q.set('timestamp', String(/^\d+$/.test(at.value) ? Number(at.value) : Date.parse(at.value) || 0));
    const shown = new URLSearchParams(q);
    shown.delete('offset');
    shown.delete('timestamp');
    if (at.value) shown.set('at', at.value);
    history.replaceState(null, '', `${location.pathname}?tab=messages&${shown}`);
    status.textContent = 'Loading…';
    try {
      const r = await api(`/console/api/topics/${encodeURIComponent(topic)}/records?${q}`);
      results.replaceChildren(table(RECORD_HEADERS, recordRows(r.records), 'No records match'));
      status.textContent = `${r.records.length} records shown (${r.scanned} read)`;
    } catch (err) {
      status.textContent = '';
      fail(err);
    }
  };

  live.addEventListener('click', () => {
    if (stream) {
      stream.abort();
      stream = undefined;
      live.textContent = 'Live tail';
      status.textContent = 'Live tail stopped';
      return;
    }
    const q = new URLSearchParams();
    if (filter.value) q.set('filter', filter.value);
    const recs: Rec[] = [];
    results.replaceChildren(table(RECORD_HEADERS, [], 'Waiting for new records…'));
    const ctl = new AbortController();
    stream = ctl;
    live.textContent = 'Stop tail';
    status.textContent = 'Showing new records as they arrive';
    // Server-Sent Events read through fetch, so the tail carries the console's credentials like every other call.
    const onLine = (line: string) => {
      if (!line.startsWith('data:')) return;
      const rec = JSON.parse(line.slice(5)) as Rec;
      if (partition.value !== '' && rec.partition !== Number(partition.value)) return;
      recs.unshift(rec);
      if (recs.length > 200) recs.pop();
      results.replaceChildren(table(RECORD_HEADERS, recordRows(recs)));
    };
    streamLines(
      `/console/api/topics/${encodeURIComponent(topic)}/tail?${q}`,
      undefined,
      'text/event-stream',
      onLine,
      ctl.signal,
    )
      .catch(fail)
      .finally(() => {
        if (stream !== ctl) return;
        stream = undefined;
        live.textContent = 'Live tail';
      });
  });

  body.append(
    h(
      'form.controls',
      {
        onsubmit: ((e: Event) => {
          e.preventDefault();
          void load();
        }) as EventListener,
      },
      h('label', 'Partition', partition),
      h('label', 'From', from),
      h('label', 'Offset / time', at),
      h('label', 'Filter', filter),
      h('label', 'Limit', limit),
      h('button', { type: 'submit' }, 'Load'),
      live,
    ),
    status,
    results,
  );
  await load();
  return () => stream?.abort();
}

// ---------------------------------------------------------------------------------------------- consumer groups

export const groupsPage: Page = async (main) => {
  const g = await api(v3('/consumer-groups'));
  const summaries = await Promise.all(
    g.data.map((x: { consumer_group_id: string }) =>
      api(v3(`/consumer-groups/${encodeURIComponent(x.consumer_group_id)}/lag-summary`)).catch(() => null),
    ),
  );
  main.append(
    h('h1', 'Consumer groups'),
    table(
      ['Group', 'State', 'Assignor', ['Total lag', 'num'], ['Max lag', 'num']],
      g.data.map((x: { consumer_group_id: string; state: string; partition_assignor: string }, i: number) => [
        link(groupHref(x.consumer_group_id), x.consumer_group_id),
        h(`span.pill.${x.state}`, x.state),
        x.partition_assignor || '—',
        summaries[i] ? fmt.n(summaries[i].total_lag) : '—',
        summaries[i] ? fmt.n(summaries[i].max_lag) : '—',
      ]),
      'No consumer groups yet',
    ),
  );
};

export const groupPage: Page = async (main, params) => {
  const id = params['group']!;
  const enc = encodeURIComponent(id);
  const [g, consumers] = await Promise.all([
    api(v3(`/consumer-groups/${enc}`)),
    api(v3(`/consumer-groups/${enc}/consumers`)),
  ]);
  const state = h(`span.pill.${g.state}`, { id: 'group-state' }, g.state);
  const total = h('span', { id: 'total-lag' }, '…');
  const lagTable = h('div', { id: 'lags' });
  const chart = new TimeChart('total lag', Math.max(280, Math.min(1200, main.clientWidth - 60)));
  const refresh = async () => {
    try {
      const l = await api(`/console/api/groups/${enc}/lags`);
      const sum = l.rows.reduce((n: number, r: { lag: number }) => n + r.lag, 0);
      total.textContent = fmt.n(sum);
      state.textContent = l.state;
      chart.push(Date.now(), sum);
      lagTable.replaceChildren(
        table(
          ['Topic', ['Partition', 'num'], ['Committed', 'num'], ['End', 'num'], ['Lag', 'num'], 'Consumer'],
          l.rows.map(
            (r: {
              topic: string;
              partition: number;
              current: number;
              end: number;
              lag: number;
              clientId: string;
              consumerId: string;
            }) => [
              link(topicHref(r.topic), r.topic),
              r.partition,
              r.current < 0 ? '—' : fmt.n(r.current),
              fmt.n(r.end),
              fmt.n(r.lag),
              r.clientId ? h('span.mono', { title: r.consumerId }, r.clientId) : h('span.muted', 'unassigned'),
            ],
          ),
          'No committed offsets',
        ),
      );
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) fail(err);
    }
  };
  const to = h(
    'select',
    ['earliest', 'latest', 'timestamp'].map((x) => h('option', { value: x }, x)),
  ) as HTMLSelectElement;
  const ts = h('input', { placeholder: '2026-01-01T00:00:00Z' }) as HTMLInputElement;
  main.append(
    h('h1', id, ' ', state),
    h(
      'div.cards',
      card('Members', consumers.data.length),
      h('div.card', h('div.label', 'Total lag'), h('div.value', total)),
    ),
    h('h2', 'Lag over time'),
    chart.el,
    h('h2', 'Lag per partition'),
    lagTable,
    h('h2', 'Members'),
    table(
      ['Consumer', 'Client', 'Host', 'Assignment'],
      consumers.data.map(
        (c: {
          consumer_id: string;
          client_id: string;
          host?: string;
          assigned_partitions?: Array<{ topic_name: string; partition_id: number }>;
        }) => [
          h('span.mono', c.consumer_id),
          c.client_id,
          c.host ?? '',
          h('td.wrap', (c.assigned_partitions ?? []).map((a) => `${a.topic_name}-${a.partition_id}`).join(', ')),
        ],
      ),
      'No active members',
    ),
    h('h2', 'Manage'),
    h(
      'form.inline',
      {
        onsubmit: (async (e: Event) => {
          e.preventDefault();
          const spec = to.value === 'timestamp' ? Date.parse(ts.value) : to.value;
          try {
            await api(`/console/api/groups/${enc}/reset`, 'POST', { to: spec });
            toast(`Offsets of ${id} reset to ${to.value}`);
            await refresh();
          } catch (err) {
            fail(err);
          }
        }) as EventListener,
      },
      h('label', 'Reset offsets to', to),
      h('label', 'Timestamp', ts),
      h('button', { type: 'submit' }, 'Reset offsets'),
      h(
        'button.danger',
        {
          type: 'button',
          onclick: (async () => {
            if (!confirm(`Delete group ${id} and its committed offsets?`)) return;
            try {
              await api(`/console/api/groups/${enc}`, 'DELETE');
              toast(`Deleted ${id}`);
              navigate('/groups');
            } catch (err) {
              fail(err);
            }
          }) as EventListener,
        },
        'Delete group',
      ),
    ),
  );
  // The server's samples of the last minutes first, then this page's own every 2 s.
  const history = await api('/console/api/throughput').catch(() => null);
  const past: Array<number | null> = history?.groups?.[id] ?? [];
  past.forEach((v, i) => {
    if (v !== null && history.times[i] !== undefined) chart.push(history.times[i], v);
  });
  await refresh();
  const timer = window.setInterval(() => void refresh(), 2000);
  return () => clearInterval(timer);
};

// ---------------------------------------------------------------------------------------------- navigation

let navigator: (path: string) => void = () => {};
export function setNavigator(fn: (path: string) => void): void {
  navigator = fn;
}
export function navigate(path: string): void {
  navigator(path);
}
