// Links into the Jaeger UI that a person can click from a log line or a terminal: one run's trace, or
// a search for a run's correlation id. Jaeger 2.x refuses a search without a time range, so every
// search link carries a lookback.

/** Where the Jaeger UI is unless told otherwise. */
export const DEFAULT_JAEGER_UI_URL = 'http://localhost:16686';

/**
 * The UI's base URL, without a trailing slash: `AGENTRACE_JAEGER_UI`, else the query API address
 * (`AGENTRACE_JAEGER_QUERY_URL`: Jaeger serves both from one port), else `http://localhost:16686`.
 */
export function jaegerUiUrl(): string {
  for (const name of ['AGENTRACE_JAEGER_UI', 'AGENTRACE_JAEGER_QUERY_URL']) {
    const value = process.env[name]?.trim();
    if (value) return value.replace(/\/+$/, '');
  }
  return DEFAULT_JAEGER_UI_URL;
}

/** The UI page of one trace: `<ui>/trace/<traceId>`. */
export function jaegerTraceLink(traceId: string, uiUrl: string = jaegerUiUrl()): string {
  return `${uiUrl.replace(/\/+$/, '')}/trace/${encodeURIComponent(traceId)}`;
}

/** What {@link jaegerSearchLink} searches for. */
export interface JaegerSearch {
  service: string;
  /** Span attributes that must match, e.g. `{ 'agentrace.correlation_id': 'msg-1' }`. */
  tags?: Record<string, string | number | boolean>;
  operation?: string;
  /** How far back, in Jaeger's syntax (`30m`, `1h`, `2d`). Default `'1h'`. */
  lookback?: string;
  /** At most this many traces. Default 20. */
  limit?: number;
}

function searchParams(search: JaegerSearch): URLSearchParams {
  const params = new URLSearchParams({ service: search.service });
  if (search.operation !== undefined) params.set('operation', search.operation);
  if (search.tags !== undefined && Object.keys(search.tags).length > 0) {
    const tags: Record<string, string> = {};
    for (const [key, value] of Object.entries(search.tags)) tags[key] = String(value);
    params.set('tags', JSON.stringify(tags));
  }
  params.set('lookback', search.lookback ?? '1h');
  params.set('limit', String(search.limit ?? 20));
  return params;
}

/** The UI's search page for `search`, with the time range Jaeger 2.x requires. */
export function jaegerSearchLink(search: JaegerSearch, uiUrl: string = jaegerUiUrl()): string {
  return `${uiUrl.replace(/\/+$/, '')}/search?${searchParams(search).toString()}`;
}

/**
 * The query API request that answers what a UI link shows (`/trace/<id>` → `/api/traces/<id>`,
 * `/search?…` → `/api/traces?…`), for checking a printed link from a test or a script. Returns
 * undefined for any other URL.
 */
export function jaegerApiUrlForLink(link: string): string | undefined {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return undefined;
  }
  const traceMatch = /^(.*)\/trace\/([^/]+)$/.exec(url.pathname);
  if (traceMatch !== null) return `${url.origin}${traceMatch[1]}/api/traces/${traceMatch[2]}`;
  const searchMatch = /^(.*)\/search$/.exec(url.pathname);
  if (searchMatch === null) return undefined;
  return `${url.origin}${searchMatch[1]}/api/traces${url.search}`;
}
