/**
 * The security pages: ACLs (when the broker has an authorizer) through the REST Proxy's /v3 ACL endpoints, SCRAM
 * users (when a listener enables SCRAM) through /console/api/users, and the login form of a console that acts as
 * the user who logs in (console.authentication=basic).
 */
import { ACL_OPERATION_NAMES, ACL_RESOURCE_TYPE_NAMES } from '../../protocol/acl-codes.js';
import { api, ApiError, setCredentials, v3 } from './api.js';
import { h, table, toast } from './dom.js';
import { fail, navigate, type Page } from './pages.js';

// The names Kafka's ACL codes have, from the protocol layer (a module without imports, so it bundles for the
// browser): the same lists the REST Proxy's /v3 ACL endpoints accept.
const RESOURCE_TYPES: readonly string[] = ACL_RESOURCE_TYPE_NAMES;
const OPERATIONS: readonly string[] = ACL_OPERATION_NAMES;

interface Acl {
  resource_type: string;
  resource_name: string;
  pattern_type: string;
  principal: string;
  host: string;
  operation: string;
  permission: string;
}

function select(name: string, options: readonly string[], value: string): HTMLSelectElement {
  const s = h(
    'select',
    { name },
    options.map((o) => h('option', { value: o }, o === '' ? 'any' : o)),
  ) as HTMLSelectElement;
  s.value = value;
  return s;
}

const input = (name: string, placeholder: string, value = '') =>
  h('input', { name, placeholder, value }) as HTMLInputElement;

/** /acls?resource_type=&resource_name=&principal=: the bindings that match, a form to add one, delete buttons. */
export const aclsPage: Page = async (main, _params, query) => {
  const type = select('resource_type', ['', ...RESOURCE_TYPES], query.get('resource_type') ?? '');
  const name = input('resource_name', 'resource name', query.get('resource_name') ?? '');
  const principal = input('principal', 'User:alice', query.get('principal') ?? '');
  const filter = h(
    'form.inline',
    {
      id: 'acl-filter',
      onsubmit: ((e: Event) => {
        e.preventDefault();
        const q = new URLSearchParams();
        if (type.value) q.set('resource_type', type.value);
        if (name.value) q.set('resource_name', name.value);
        if (principal.value) q.set('principal', principal.value);
        navigate(`/acls${q.size > 0 ? `?${q}` : ''}`);
      }) as EventListener,
    },
    h('label', 'Resource type', type),
    h('label', 'Resource name', name),
    h('label', 'Principal', principal),
    h('button.secondary', { type: 'submit' }, 'Filter'),
  );
  const search = new URLSearchParams();
  if (type.value) search.set('resource_type', type.value);
  // A name filter lists every binding that applies to that name (literal, wildcard or prefix).
  if (name.value) {
    search.set('resource_name', name.value);
    search.set('pattern_type', 'MATCH');
  }
  if (principal.value) search.set('principal', principal.value);
  const list = await api(v3(`/acls${search.size > 0 ? `?${search}` : ''}`));
  const acls = list.data as Acl[];

  const nType = select('resource_type', RESOURCE_TYPES, 'TOPIC');
  const nName = input('resource_name', 'orders');
  const nPattern = select('pattern_type', ['LITERAL', 'PREFIXED'], 'LITERAL');
  const nPrincipal = input('principal', 'User:alice');
  const nHost = input('host', '*', '*');
  const nOp = select('operation', OPERATIONS, 'READ');
  const nPerm = select('permission', ['ALLOW', 'DENY'], 'ALLOW');
  const add = h(
    'form.inline',
    {
      id: 'acl-create',
      onsubmit: (async (e: Event) => {
        e.preventDefault();
        try {
          await api(v3('/acls'), 'POST', {
            resource_type: nType.value,
            resource_name: nName.value,
            pattern_type: nPattern.value,
            principal: nPrincipal.value,
            host: nHost.value || '*',
            operation: nOp.value,
            permission: nPerm.value,
          });
          toast(`Added ${nPerm.value} ${nOp.value} for ${nPrincipal.value}`);
          navigate(location.pathname + location.search);
        } catch (err) {
          fail(err);
        }
      }) as EventListener,
    },
    h('label', 'Type', nType),
    h('label', 'Name', nName),
    h('label', 'Pattern', nPattern),
    h('label', 'Principal', nPrincipal),
    h('label', 'Host', nHost),
    h('label', 'Operation', nOp),
    h('label', 'Permission', nPerm),
    h('button', { type: 'submit' }, 'Add ACL'),
  );
  const remove = async (a: Acl) => {
    if (!confirm(`Remove ${a.permission} ${a.operation} on ${a.resource_type} ${a.resource_name} for ${a.principal}?`))
      return;
    const q = new URLSearchParams({
      resource_type: a.resource_type,
      resource_name: a.resource_name,
      pattern_type: a.pattern_type,
      principal: a.principal,
      host: a.host,
      operation: a.operation,
      permission: a.permission,
    });
    try {
      await api(v3(`/acls?${q}`), 'DELETE');
      toast('ACL removed');
      navigate(location.pathname + location.search);
    } catch (err) {
      fail(err);
    }
  };
  main.append(
    h('h1', 'ACLs'),
    filter,
    table(
      ['Resource', 'Name', 'Pattern', 'Principal', 'Host', 'Operation', 'Permission', ''],
      acls.map((a) => [
        a.resource_type,
        h('span.mono', a.resource_name),
        a.pattern_type,
        h('span.mono', a.principal),
        a.host,
        a.operation,
        h(`span.pill${a.permission === 'DENY' ? '.bad' : '.Stable'}`, a.permission),
        h('button.danger', { onclick: (() => void remove(a)) as EventListener }, 'Remove'),
      ]),
      search.size > 0 ? 'No ACL matches' : 'No ACLs yet',
    ),
    h('h2', 'Add an ACL'),
    add,
  );
};

/** /users: SCRAM users with their mechanisms; create (or change a password) and delete. */
export const usersPage: Page = async (main) => {
  const list = await api('/console/api/users');
  const users = list.users as Array<{ name: string; credentials: Array<{ mechanism: string; iterations: number }> }>;
  const name = input('name', 'alice');
  const password = h('input', { name: 'password', type: 'password', placeholder: 'password' }) as HTMLInputElement;
  const mechanism = select('mechanism', ['SCRAM-SHA-256', 'SCRAM-SHA-512'], 'SCRAM-SHA-512');
  const form = h(
    'form.inline',
    {
      id: 'user-create',
      onsubmit: (async (e: Event) => {
        e.preventDefault();
        try {
          await api('/console/api/users', 'POST', {
            name: name.value,
            password: password.value,
            mechanism: mechanism.value,
          });
          toast(`Saved ${name.value}`);
          navigate('/users');
        } catch (err) {
          fail(err);
        }
      }) as EventListener,
    },
    h('label', 'User', name),
    h('label', 'Password', password),
    h('label', 'Mechanism', mechanism),
    h('button', { type: 'submit' }, 'Create user'),
  );
  main.append(
    h('h1', 'Users'),
    h('p.muted', 'SCRAM credentials stored by the brokers; PLAIN users live in the listener’s JAAS configuration.'),
    table(
      ['User', 'Mechanisms', ''],
      users.map((u) => [
        h('span.mono', u.name),
        u.credentials.map((c) => `${c.mechanism} (${c.iterations} iterations)`).join(', '),
        h(
          'button.danger',
          {
            onclick: (async () => {
              if (!confirm(`Delete the SCRAM credentials of ${u.name}?`)) return;
              try {
                await api(`/console/api/users/${encodeURIComponent(u.name)}`, 'DELETE');
                toast(`Deleted ${u.name}`);
                navigate('/users');
              } catch (err) {
                fail(err);
              }
            }) as EventListener,
          },
          'Delete',
        ),
      ]),
      'No SCRAM users yet',
    ),
    h('h2', 'Create a user or change a password'),
    form,
  );
};

/**
 * Asks for a user name and password until the server accepts them (it logs in to the broker with them); resolves
 * with the info the server answers for that user. The credentials stay in this page's memory only.
 */
export function login(main: HTMLElement): Promise<any> {
  return new Promise((resolve) => {
    const user = h('input', { name: 'username', autocomplete: 'username', required: true }) as HTMLInputElement;
    const pass = h('input', {
      name: 'password',
      type: 'password',
      autocomplete: 'current-password',
    }) as HTMLInputElement;
    const error = h('p.login-error', { role: 'alert' });
    const button = h('button', { type: 'submit' }, 'Log in') as HTMLButtonElement;
    const form = h(
      'form.login',
      {
        id: 'login',
        onsubmit: (async (e: Event) => {
          e.preventDefault();
          button.disabled = true;
          error.textContent = '';
          setCredentials({ username: user.value, password: pass.value });
          try {
            const info = await api('/console/api/info');
            resolve(info);
          } catch (err) {
            setCredentials(undefined);
            error.textContent =
              err instanceof ApiError && err.status === 401
                ? 'Wrong user name or password.'
                : err instanceof Error
                  ? err.message
                  : String(err);
            pass.value = '';
            pass.focus();
          } finally {
            button.disabled = false;
          }
        }) as EventListener,
      },
      h('h1', 'Log in'),
      h('p.muted', 'The console acts as this user: the cluster’s ACLs decide what you see and do.'),
      h('label', 'User', user),
      h('label', 'Password', pass),
      button,
      error,
    );
    main.replaceChildren(form);
    user.focus();
  });
}
