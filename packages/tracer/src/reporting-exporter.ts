import { diag } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

/** Errors already explained to the user, so the SDK's global error handler does not repeat them. */
export const reportedErrors = new WeakSet<object>();

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
      if (result.code !== ExportResultCode.SUCCESS) {
        const cause = describeError(result.error);
        diag.error(
          `could not export ${spans.length} spans to ${this.endpoint} (${cause}); is Jaeger (or another OTLP receiver) running there? ` +
            'Start one with `docker compose up -d` or `node scripts/services.mjs up jaeger`, or set OTEL_EXPORTER_OTLP_ENDPOINT.',
        );
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
}

function describeError(error: unknown): string {
  if (!error) return 'no reason given';
  const e = error as { code?: unknown; message?: unknown; cause?: { code?: unknown } };
  const code = e.code ?? e.cause?.code;
  const message = typeof e.message === 'string' ? e.message : String(error);
  return code && !message.includes(String(code)) ? `${String(code)}: ${message}` : message;
}
