import type { JaegerTrace, JaegerTracesResponse } from './types.js';

/** Where Jaeger's query API listens unless told otherwise. */
export const DEFAULT_JAEGER_QUERY_URL = 'http://127.0.0.1:16686';

/** Options of `fetchJaegerTraces`. */
export interface FetchJaegerTracesOptions {
  /** Jaeger query base URL. Default: `AGENTRACE_JAEGER_QUERY_URL`, else http://127.0.0.1:16686. */
  baseUrl?: string;
  /** The traces of this service (`service.name`). Required unless `traceIds` is given. */
  service?: string;
  /** How many of the service's latest traces. Default: 20. */
  limit?: number;
  /** How far back to look for the service's traces, in Jaeger's syntax (`1h`, `2d`). Default: `1h`. */
  lookback?: string;
  /** Fetch exactly these traces instead. */
  traceIds?: readonly string[];
}

function baseUrlOf(options: FetchJaegerTracesOptions): string {
  return (options.baseUrl ?? process.env['AGENTRACE_JAEGER_QUERY_URL'] ?? DEFAULT_JAEGER_QUERY_URL).replace(/\/+$/, '');
}

async function getTraces(url: string): Promise<JaegerTrace[]> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: 'application/json' } });
  } catch (error) {
    throw new Error(`Could not reach Jaeger at ${url}: ${error instanceof Error ? error.message : String(error)}. Is Jaeger running, and is AGENTRACE_JAEGER_QUERY_URL right?`);
  }
  if (response.status === 404) return [];
  if (!response.ok) throw new Error(`Jaeger answered ${response.status} ${response.statusText} for ${url}`);
  const body = (await response.json()) as JaegerTracesResponse;
  return body.data ?? [];
}

/** Fetches traces from Jaeger's query API: given trace ids, or the latest `limit` traces of `service`. */
export async function fetchJaegerTraces(options: FetchJaegerTracesOptions): Promise<JaegerTrace[]> {
  const base = baseUrlOf(options);
  if (options.traceIds !== undefined && options.traceIds.length > 0) {
    const traces = await Promise.all(options.traceIds.map((id) => getTraces(`${base}/api/traces/${encodeURIComponent(id)}`)));
    return traces.flat();
  }
  if (options.service === undefined || options.service === '') {
    throw new Error('fetchJaegerTraces: give traceIds, or a service name (option service)');
  }
  const query = new URLSearchParams({
    service: options.service,
    limit: String(options.limit ?? 20),
    lookback: options.lookback ?? '1h',
  });
  return getTraces(`${base}/api/traces?${query.toString()}`);
}
