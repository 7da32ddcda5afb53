// A small client of Jaeger's query API: traces by id or by service, parsed without losing an int64,
// with errors that say what to check.
import type { JaegerTrace, JaegerTracesResponse } from './model.js';

/** Where Jaeger's query API listens unless told otherwise. */
export const DEFAULT_JAEGER_QUERY_URL = 'http://127.0.0.1:16686';

const URL_VARIABLE = 'AGENTRACE_JAEGER_QUERY_URL';

/** Options of {@link fetchJaegerTraces}. */
export interface FetchJaegerTracesOptions {
  /** Query API base URL. Default: {@link jaegerQueryUrl}() (`AGENTRACE_JAEGER_QUERY_URL`, else `http://127.0.0.1:16686`). */
  baseUrl?: string;
  /** Fetch exactly these traces (`GET /api/traces/<id>`); one Jaeger does not have (yet) is left out. Default: none. */
  traceIds?: readonly string[];
  /** Otherwise the latest traces of this service (`GET /api/traces?service=`). Required unless `traceIds` is given. */
  service?: string;
  /** How many of the service's latest traces. Default 20. */
  limit?: number;
  /** How far back to search the service's traces, in Jaeger's syntax (`30m`, `1h`, `2d`). Default `'1h'`. */
  lookback?: string;
  /** Give up on a request after this many milliseconds. Default 10000. */
  timeoutMs?: number;
}

function trimmed(url: string | undefined): string | undefined {
  const value = url?.trim();
  // A trailing slash would double up when paths are appended.
  return value ? value.replace(/\/+$/, '') : undefined;
}

/** The query API base URL: `AGENTRACE_JAEGER_QUERY_URL`, else `http://127.0.0.1:16686`, without a trailing slash. */
export function jaegerQueryUrl(): string {
  return trimmed(process.env[URL_VARIABLE]) ?? DEFAULT_JAEGER_QUERY_URL;
}

/** The base URL to use and, for error messages, where it came from. */
function resolveBase(baseUrl: string | undefined): { base: string; from: string } {
  const given = trimmed(baseUrl);
  if (given !== undefined) return { base: given, from: `the URL given (${given})` };
  const fromEnv = trimmed(process.env[URL_VARIABLE]);
  if (fromEnv !== undefined) return { base: fromEnv, from: `${URL_VARIABLE} (${fromEnv})` };
  return { base: DEFAULT_JAEGER_QUERY_URL, from: `the default ${DEFAULT_JAEGER_QUERY_URL} (set ${URL_VARIABLE} to use another)` };
}

// Jaeger v1 writes an int64 tag as a JSON number, which `JSON.parse` would round past 2^53. Such a
// literal as a `"value"` is quoted first, so the decoder keeps its exact digits. (Inside a JSON
// string every quote is escaped, so the pattern cannot match there.)
const LONG_INTEGER_VALUE = /("value"\s*:\s*)(-?\d{16,})(?=\s*[,}\]])/g;

/** Parses a query API answer, keeping integers past 2^53 exact (as strings). */
export function parseJaegerJson(text: string): JaegerTracesResponse {
  return JSON.parse(
    text.replace(LONG_INTEGER_VALUE, (literal, prefix: string, digits: string) => (Number.isSafeInteger(Number(digits)) ? literal : `${prefix}"${digits}"`)),
  ) as JaegerTracesResponse;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message} (${error.cause.message})` : error.message;
}

function jaegerErrors(body: JaegerTracesResponse | undefined): string {
  const messages = (body?.errors ?? []).map((e) => e?.msg).filter((m): m is string => typeof m === 'string' && m !== '');
  return messages.length > 0 ? ` ("${messages.join('"; "')}")` : '';
}

function hintFor(status: number, from: string): string {
  if (status === 400) return 'Check the trace ids (hex), service, limit and lookback (Jaeger syntax: 30m, 1h, 2d).';
  if (status === 404) return `Nothing answers /api/traces there: check that ${from} is Jaeger's query API (port 16686), not the OTLP receiver (4318) or a UI path.`;
  if (status >= 500) return "Jaeger's storage may be failing or still starting: see Jaeger's log.";
  return `Check that ${from} is Jaeger's query API.`;
}

/** One GET of the query API; a 404 from Jaeger itself means "not stored (yet)" and gives no trace. */
async function getTraces(url: string, from: string, timeoutMs: number): Promise<JaegerTrace[]> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
    text = await response.text();
  } catch (error) {
    if (error instanceof Error && error.name === 'TimeoutError') {
      throw new Error(`Jaeger's query API did not answer ${url} within ${timeoutMs} ms (option timeoutMs). Check that Jaeger is up and that ${from} is its query address.`, { cause: error });
    }
    throw new Error(
      `Could not reach Jaeger's query API at ${url}: ${describe(error)}. Check that Jaeger is running and that ${from} is its query address (port 16686).`,
      { cause: error },
    );
  }
  let body: JaegerTracesResponse | undefined;
  try {
    body = parseJaegerJson(text);
  } catch {
    body = undefined;
  }
  // Jaeger answers a trace id it has not stored with a JSON 404 ("trace not found"); any other 404
  // (plain text from an OTLP port, a proxy) is a wrong address and must not pass for "not yet".
  if (response.status === 404 && body !== undefined && typeof body === 'object') return [];
  if (!response.ok) {
    throw new Error(`Jaeger's query API answered ${response.status} ${response.statusText} for ${url}${jaegerErrors(body)}. ${hintFor(response.status, from)}`);
  }
  if (body === null || typeof body !== 'object' || !('data' in body)) {
    throw new Error(
      `${url} did not answer with Jaeger's JSON (content-type ${response.headers.get('content-type') ?? 'none'}). Check that ${from} is Jaeger's query API (port 16686), not its UI path or the OTLP receiver.`,
    );
  }
  return body.data ?? [];
}

/**
 * Fetches traces from Jaeger's query API, as its JSON: the traces with the given ids, or the latest
 * `limit` traces of `service` within `lookback`. A trace Jaeger has not stored yet is simply absent,
 * so callers can poll. Rejects, saying what to check, when Jaeger cannot be reached or answers
 * something else.
 */
export async function fetchJaegerTraces({
  baseUrl,
  traceIds = [],
  service,
  limit = 20,
  lookback = '1h',
  timeoutMs = 10_000,
}: FetchJaegerTracesOptions): Promise<JaegerTrace[]> {
  const { base, from } = resolveBase(baseUrl);
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    throw new TypeError(`fetchJaegerTraces: option timeoutMs must be a positive number of milliseconds; got ${String(timeoutMs)}.`);
  }
  if (traceIds.length > 0) {
    const bad = traceIds.find((id) => typeof id !== 'string' || !/^[0-9a-fA-F]{1,32}$/.test(id));
    if (bad !== undefined) throw new TypeError(`fetchJaegerTraces: option traceIds takes hex trace ids of up to 32 digits; got ${JSON.stringify(bad)}.`);
    const traces = await Promise.all(traceIds.map((id) => getTraces(`${base}/api/traces/${id}`, from, timeoutMs)));
    return traces.flat();
  }
  if (typeof service !== 'string' || service === '') {
    throw new TypeError(`fetchJaegerTraces: give option traceIds (trace ids to fetch) or service (a service name to search); got ${service === '' ? 'an empty service' : 'neither'}.`);
  }
  if (!(Number.isInteger(limit) && limit > 0)) {
    throw new TypeError(`fetchJaegerTraces: option limit must be a positive integer; got ${String(limit)}.`);
  }
  const query = new URLSearchParams({ service, limit: String(limit), lookback });
  return getTraces(`${base}/api/traces?${query.toString()}`, from, timeoutMs);
}
