/** A tiny DOM builder for the console pages: h('tag.class', {attrs}, ...children), plus toasts and formatting. */
type Child = Node | string | number | null | undefined | false | Child[];
type Attrs = Record<string, string | number | boolean | EventListener | null | undefined>;

export function h(tag: string, attrs: Attrs | Child = {}, ...children: Child[]): HTMLElement {
  const [name, ...classes] = tag.split('.');
  const el = document.createElement(name || 'div');
  if (classes.length > 0) el.className = classes.join(' ');
  if (attrs === null || typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs)) {
    children.unshift(attrs as Child);
  } else {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
      else if (v === true) el.setAttribute(k, '');
      else el.setAttribute(k, String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el: HTMLElement, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

let toastTimer: number | undefined;
export function toast(text: string, error = false): void {
  const t = document.getElementById('toast')!;
  t.textContent = text;
  t.className = `show${error ? ' error' : ''}`;
  clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => (t.className = ''), error ? 6000 : 2500);
}

export function table(
  headers: Array<string | [string, string]>,
  rows: Child[][],
  empty = 'Nothing here yet',
): HTMLElement {
  const head = h(
    'tr',
    headers.map((x) => (Array.isArray(x) ? h(`th.${x[1]}`, x[0]) : h('th', x))),
  );
  const body =
    rows.length === 0
      ? [h('tr', h('td.empty', { colspan: headers.length }, empty))]
      : rows.map((r) =>
          h(
            'tr',
            r.map((c, i) =>
              c instanceof HTMLTableCellElement
                ? c
                : h(Array.isArray(headers[i]) ? `td.${(headers[i] as [string, string])[1]}` : 'td', c),
            ),
          ),
        );
  return h('div.table-wrap', h('table', h('thead', head), h('tbody', body)));
}

export function card(label: string, value: string | number, tone = ''): HTMLElement {
  return h('div.card', h('div.label', label), h(`div.value${tone ? `.${tone}` : ''}`, String(value)));
}

export const fmt = {
  n: (v: number) => v.toLocaleString('en-US'),
  rate: (v: number) => (v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(v >= 10 ? 1 : 2)),
  bytes: (v: number) => {
    const units = ['B', 'KB', 'MB', 'GB', 'TB'];
    let i = 0;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return `${i === 0 ? v : v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
  },
  time: (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', ''),
};
