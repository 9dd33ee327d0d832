/**
 * Calls to the console's own server: the REST Proxy v3 under /v3, the console API under /console/api, and the
 * other services of the process (schema registry, streaming SQL) through /console/api/services/{id}.
 *
 * Every call carries the credentials set with `setCredentials` (HTTP Basic), so a console that asks for a user's
 * name and password acts as that principal on every service it calls.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

let clusterId = '';
export function setCluster(id: string): void {
  clusterId = id;
}
/** A path under this cluster's /v3 resource. */
export const v3 = (path = ''): string => `/v3/clusters/${encodeURIComponent(clusterId)}${path}`;

/** Where the front end reaches a service of this process (a feature id of /console/api/info). */
export const servicePath = (feature: string): string => `/console/api/services/${encodeURIComponent(feature)}`;

let authorization: string | undefined;

/** Credentials sent with every later call (HTTP Basic), or none after `undefined`. */
export function setCredentials(c: { username: string; password: string } | undefined): void {
  if (c === undefined) {
    authorization = undefined;
    return;
  }
  const bytes = new TextEncoder().encode(`${c.username}:${c.password}`);
  authorization = `Basic ${btoa(String.fromCharCode(...bytes))}`;
}

function headers(body: unknown, extra: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = { ...extra };
  if (body !== undefined) out['content-type'] = 'application/json';
  if (authorization !== undefined) out['authorization'] = authorization;
  return out;
}

/** The error a failed answer carries: REST Proxy, registry and ksqlDB bodies all have error_code and message. */
async function failure(res: Response): Promise<ApiError> {
  const text = await res.text();
  let parsed: { error_code?: number; message?: string } | null = null;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    parsed = { message: text };
  }
  return new ApiError(res.status, parsed?.error_code ?? res.status, parsed?.message ?? res.statusText);
}

/** Calls the server; JSON answers are read field by field by the pages. */
export async function api(path: string, method = 'GET', body?: unknown): Promise<any> {
  const res = await fetch(path, {
    method,
    headers: headers(body),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw await failure(res);
  const text = await res.text();
  return text === '' ? null : JSON.parse(text);
}

/**
 * POSTs `body` (GETs without one) and hands each line of the answer to `onLine` as it arrives (a push query's
 * rows, a tail's Server-Sent Events); resolves when the answer ends or `signal` aborts it. Unlike EventSource it
 * sends the credentials.
 */
export async function streamLines(
  path: string,
  body: unknown,
  accept: string,
  onLine: (line: string) => void,
  signal: AbortSignal,
): Promise<void> {
  const res = await fetch(path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: headers(body, { accept }),
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  if (!res.ok || res.body === null) throw await failure(res);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let pending = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      pending += value;
      let nl = pending.indexOf('\n');
      while (nl >= 0) {
        const line = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        if (line !== '') onLine(line);
        nl = pending.indexOf('\n');
      }
    }
  } catch (e) {
    if (signal.aborted) return;
    throw e;
  }
  if (pending.trim() !== '') onLine(pending.trim());
}
