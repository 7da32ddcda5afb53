import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ExportAbortedError } from './otlp-http-exporter.js';
import { reporter } from './report.js';

/** Errors already explained to the user, so the SDK's global error handler does not repeat them. */
export const reportedErrors = new WeakSet<object>();

/** Longest part of an endpoint's answer quoted in a message. */
const MAX_QUOTED_BODY = 200;

/**
 * Wraps the OTLP exporter to turn a failed export into one sentence that says where the spans were
 * going and what to check, instead of a stack from inside the SDK.
 */
export class ReportingExporter implements SpanExporter {
  constructor(
    private readonly inner: SpanExporter,
    private readonly endpoint: string,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      // An export abandoned at the end of a shutdown was counted there; the shutdown has returned.
      if (result.code !== ExportResultCode.SUCCESS && !(result.error instanceof ExportAbortedError)) {
        reporter.error(`could not export ${spans.length} spans to ${this.endpoint} (${describeFailure(result.error)}); ${advice(result.error)}`);
        if (result.error) reportedErrors.add(result.error);
      }
      resultCallback(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }

  /** Ends the requests in flight (see `OtlpHttpExporter.abort`). */
  abort(): void {
    (this.inner as { abort?: () => void }).abort?.();
  }
}

type Failure = { code?: unknown; message?: unknown; data?: unknown; cause?: { code?: unknown } } | undefined;

function describeFailure(error: unknown): string {
  if (!error) return 'no reason given';
  const e = error as NonNullable<Failure>;
  const code = e.code ?? e.cause?.code;
  const message = typeof e.message === 'string' ? e.message : String(error);
  const body = typeof e.data === 'string' && e.data.trim() ? `: ${e.data.trim().slice(0, MAX_QUOTED_BODY)}` : '';
  return (code !== undefined && !message.includes(String(code)) ? `${String(code)}: ${message}` : message) + body;
}

/** What to check: the receiver when nothing answered, the request when it answered no. */
function advice(error: unknown): string {
  const status = (error as Failure)?.code;
  if (typeof status === 'number') {
    if (status === 401 || status === 403) return 'check the headers the endpoint expects (headers, OTEL_EXPORTER_OTLP_HEADERS).';
    if (status === 413) return 'the spans are sent again in smaller requests.';
    if (status === 408 || status === 429 || status >= 500) return 'the endpoint is busy or failing; the spans are sent again after a backoff.';
    return 'check that the endpoint is an OTLP/HTTP traces URL that takes the protocol in use (protocol, OTEL_EXPORTER_OTLP_PROTOCOL); these spans are dropped.';
  }
  return (
    'is Jaeger (or another OTLP receiver) running there? ' +
    'Run one (`docker run -p 16686:16686 -p 4318:4318 jaegertracing/jaeger`), or point OTEL_EXPORTER_OTLP_ENDPOINT at your collector.'
  );
}
