import { isTimeoutError } from '@agentrace/core';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';

/**
 * What the batch processor does with a batch after an export: count it as exported; keep it and
 * retry after a backoff (`retry`); drop it as refused for good (`failed`) or as unanswered
 * (`timeout`: it may have arrived); send it again in halves (`tooLarge`).
 */
export type Outcome = 'exported' | 'retry' | 'failed' | 'timeout' | 'tooLarge';

export interface Classified {
  outcome: Outcome;
  /** The endpoint's `Retry-After`, in milliseconds, when it gave one. */
  retryAfterMillis?: number;
}

/**
 * Network errors after which the endpoint may come back and nothing was received: Node's socket and
 * DNS codes, and undici's (for exporters built on `fetch`).
 */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** undici's codes for a request that was sent and not answered in time: the spans may have arrived. */
const UNANSWERED_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** The HTTP status an exporter put on its error: `code` of OpenTelemetry's `OTLPExporterError` and of ours. */
function httpStatus(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' && code >= 100 && code < 600 ? code : undefined;
}

/** The first string `code` on the error or its causes (`fetch` wraps the socket error in `cause`). */
function networkCode(error: unknown): string | undefined {
  let e = error as { code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; depth < 4 && typeof e === 'object' && e !== null; depth++) {
    if (typeof e.code === 'string') return e.code;
    e = e.cause as typeof e;
  }
  return undefined;
}

/**
 * Classifies an export's result by what the error carries, never by its message: the HTTP status
 * (408, 429 and 5xx transient; 413 too large; any other 4xx refused for good), else the network
 * error code, else a `TimeoutError`. OpenTelemetry's own OTLP exporter, if a user passes one, gives up
 * on a 429/502/503/504 with an `OTLPExporterError` that has no status: transient too. Anything else
 * unknown is refused for good, as retrying it would fail the same way.
 */
export function classifyExportResult(result: ExportResult | 'timeout'): Classified {
  if (result === 'timeout') return { outcome: 'timeout' };
  if (result.code === ExportResultCode.SUCCESS) return { outcome: 'exported' };
  const error: unknown = result.error;
  const status = httpStatus(error);
  if (status !== undefined) {
    if (status === 413) return { outcome: 'tooLarge' };
    if (status === 408 || status === 429 || status >= 500) {
      const retryAfterMillis = (error as { retryAfterMillis?: unknown }).retryAfterMillis;
      return typeof retryAfterMillis === 'number' ? { outcome: 'retry', retryAfterMillis } : { outcome: 'retry' };
    }
    return { outcome: 'failed' };
  }
  const code = networkCode(error);
  if (code !== undefined) {
    if (TRANSIENT_CODES.has(code)) return { outcome: 'retry' };
    if (UNANSWERED_CODES.has(code)) return { outcome: 'timeout' };
    return { outcome: 'failed' };
  }
  if (isTimeoutError(error)) return { outcome: 'timeout' };
  if ((error as { name?: unknown } | undefined)?.name === 'OTLPExporterError') return { outcome: 'retry' };
  return { outcome: 'failed' };
}
