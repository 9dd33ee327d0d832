/**
 * The extension point for pages of other services in this process (schema registry, streaming SQL, security).
 * The server lists the services it started in /console/api/info `features` ({id, title, url}); a page registered
 * here for a feature id joins the menu and gets its URL only when that feature is on, so the console never shows
 * an empty page for a service that is not there.
 *
 * To add one: `registerExtension({ feature: 'schema-registry', path: '/schemas', title: 'Schemas', render: (main,
 * ctx) => ... })` in a module imported by main.ts (schemas.ts and sql.ts do so); `ctx.url` is where the front end
 * calls the service (the console forwards /console/api/services/{id}/... to it) and `ctx.params` holds the path's
 * `:name` segments. A page may return a cleanup for its timers and streams.
 */
export interface ExtensionContext {
  /** The path prefix of the service's API on the console's origin, e.g. /console/api/services/schema-registry. */
  url: string;
  params: Record<string, string>;
  query: URLSearchParams;
}

export interface ExtensionPage {
  feature: string;
  /** Route pattern, e.g. '/schemas' or '/schemas/:subject'. */
  path: string;
  /** Menu title; pages without one (detail pages) are routed but not listed. */
  title?: string;
  render(main: HTMLElement, ctx: ExtensionContext): Promise<(() => void) | undefined> | (() => void) | undefined;
}

export const extensionPages: ExtensionPage[] = [];

export function registerExtension(page: ExtensionPage): void {
  extensionPages.push(page);
}
