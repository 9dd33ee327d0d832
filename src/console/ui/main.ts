/**
 * The web console's entry: the menu, a router from URL paths to pages (every page has its own URL, so links and
 * the back button work), and the cluster id shown in the bar. Pages live in pages.ts; pages of other services join
 * through extensions.ts.
 */
import { api, ApiError, servicePath, setCluster, setCredentials } from './api.js';
import { h } from './dom.js';
import { extensionPages, type ExtensionPage } from './extensions.js';
import './schemas.js';
import { aclsPage, login, usersPage } from './security.js';
import './sql.js';
import {
  groupPage,
  groupsPage,
  overviewPage,
  setNavigator,
  topicPage,
  topicsPage,
  type Cleanup,
  type Page,
} from './pages.js';

interface Route {
  pattern: string[];
  page: Page;
  menu?: string;
}

const routes: Route[] = [
  { pattern: [], page: overviewPage, menu: 'Overview' },
  { pattern: ['topics'], page: topicsPage, menu: 'Topics' },
  { pattern: ['topics', ':topic'], page: topicPage },
  { pattern: ['groups'], page: groupsPage, menu: 'Consumer groups' },
  { pattern: ['groups', ':group'], page: groupPage },
];

function match(pattern: string[], parts: string[]): Record<string, string> | null {
  if (pattern.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    if (p.startsWith(':')) params[p.slice(1)] = decodeURIComponent(parts[i]!);
    else if (p !== parts[i]) return null;
  }
  return params;
}

const split = (path: string) => path.split('/').filter((s) => s !== '');
let cleanup: Cleanup | undefined;
let renderSeq = 0;

async function render(): Promise<void> {
  const seq = ++renderSeq;
  cleanup?.();
  cleanup = undefined;
  const main = document.getElementById('main')!;
  main.replaceChildren();
  const parts = split(location.pathname);
  const query = new URLSearchParams(location.search);
  for (const a of document.querySelectorAll<HTMLAnchorElement>('#nav a')) {
    const first = split(new URL(a.href).pathname)[0];
    a.classList.toggle('active', first === parts[0]);
  }
  document.getElementById('nav')!.classList.remove('open');
  try {
    for (const r of routes) {
      const params = match(r.pattern, parts);
      if (params === null) continue;
      const done = await r.page(main, params, query);
      const c = typeof done === 'function' ? (done as Cleanup) : undefined;
      if (seq === renderSeq) cleanup = c;
      else c?.();
      return;
    }
    main.append(h('h1', 'Not found'), h('p', 'No page at ', h('span.mono', location.pathname), '.'));
  } catch (e) {
    if (seq !== renderSeq) return;
    if (e instanceof ApiError && e.status === 401 && loggedIn) {
      // The password no longer works (changed or deleted): ask again, then show the page.
      setCredentials(undefined);
      await login(main);
      if (seq === renderSeq) await render();
      return;
    }
    main.append(h('h1', 'Could not load this page'), h('p.muted', e instanceof Error ? e.message : String(e)));
  }
}

function go(path: string): void {
  history.pushState(null, '', path);
  void render();
}

function addExtension(page: ExtensionPage, url: string): void {
  routes.push({
    pattern: split(page.path),
    menu: page.title,
    page: (main, params, query) => Promise.resolve(page.render(main, { url, params, query })),
  });
}

let loggedIn = false;

async function start(): Promise<void> {
  setNavigator(go);
  let info = await api('/console/api/info');
  if (info.authentication === 'basic' && info.principal === null) {
    info = await login(document.getElementById('main')!);
    loggedIn = true;
  }
  setCluster(info.cluster_id);
  const bar = document.getElementById('cluster')!;
  bar.textContent = `cluster ${info.cluster_id}`;
  if (loggedIn) {
    bar.append(
      ' · ',
      h('span#principal', info.principal),
      ' ',
      h(
        'a#logout',
        {
          href: '/',
          onclick: ((e: Event) => {
            e.preventDefault();
            setCredentials(undefined);
            location.reload();
          }) as EventListener,
        },
        'log out',
      ),
    );
  }
  if (info.security?.acls) routes.push({ pattern: ['acls'], page: aclsPage, menu: 'ACLs' });
  if (info.security?.scram_users) routes.push({ pattern: ['users'], page: usersPage, menu: 'Users' });
  for (const f of info.features as Array<{ id: string; url: string }>) {
    for (const p of extensionPages) if (p.feature === f.id && f.url !== '') addExtension(p, servicePath(f.id));
  }
  const nav = document.getElementById('nav')!;
  for (const r of routes) {
    if (r.menu) nav.append(h('a', { href: `/${r.pattern.join('/')}`, 'data-link': true }, r.menu));
  }
  document.getElementById('menu')!.addEventListener('click', () => nav.classList.toggle('open'));
  document.addEventListener('click', (e) => {
    const a = (e.target as HTMLElement).closest('a[data-link]') as HTMLAnchorElement | null;
    if (!a || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    go(a.getAttribute('href')!);
  });
  window.addEventListener('popstate', () => void render());
  await render();
}

void start();
