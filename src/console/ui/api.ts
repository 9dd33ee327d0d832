/** Calls to the console's own server: the REST Proxy v3 under /v3 and the console API under /console/api. */
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

/** Calls the server; JSON answers are read field by field by the pages. */
export async function api(path: string, method = 'GET', body?: unknown): Promise<any> {
  const res = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const parsed = text === '' ? null : JSON.parse(text);
  if (!res.ok) throw new ApiError(res.status, parsed?.error_code ?? res.status, parsed?.message ?? res.statusText);
  return parsed;
}
