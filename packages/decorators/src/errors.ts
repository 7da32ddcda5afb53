import { SpanStatusCode, type Span } from '@opentelemetry/api';
import type { Spec } from './internal-types.js';
import { defaultRedactor } from './redact.js';
import { redactException } from './redact-error.js';
import { safeCall } from './report.js';
import { capString, serializeValue } from './serialize.js';
import { ATTR_ERROR_EXPECTED, ATTR_ERROR_TYPE } from './semconv.js';

/** `error.type`: the error's class name (its `name` for plain Error / DOMException), `_OTHER` for non-objects. */
export function errorType(error: unknown): string {
  if (typeof error !== 'object' || error === null) return '_OTHER';
  const ctor = (error as { constructor?: { name?: unknown } }).constructor?.name;
  const name = (error as { name?: unknown }).name;
  if ((ctor === 'Error' || ctor === 'DOMException' || typeof ctor !== 'string' || ctor === '') && typeof name === 'string' && name !== '') {
    return name;
  }
  return typeof ctor === 'string' && ctor !== '' && ctor !== 'Object' ? ctor : '_OTHER';
}

function errorMessage(error: unknown): string {
  try {
    if (typeof error === 'object' && error !== null) {
      const message = (error as { message?: unknown }).message;
      if (typeof message === 'string') return message;
      // String() joins every element of an array (2^32 of them for a sparse one) and decodes a whole
      // Buffer: such values get a capped summary instead.
      if (Array.isArray(error) || ArrayBuffer.isView(error)) return serializeValue(error, { maxBytes: 1024 }).value;
    }
    return String(error);
  } catch {
    return '_OTHER';
  }
}

/** Records `error` on the span: exception event, ERROR status and `error.type`, unless it is expected. */
export function recordError(span: Span, error: unknown, spec: Spec): void {
  const expected = spec.options.expectedError;
  if (expected !== undefined && safeCall(spec, 'expectedError', expected, [error]) === true) {
    span.setAttribute(ATTR_ERROR_EXPECTED, true);
    return;
  }
  // Error text quotes headers, URLs and payloads: it is masked like captured values before it leaves.
  let message: string;
  if (error instanceof Error) {
    const redacted = redactException(error);
    message = redacted.message;
    span.recordException(redacted.exception);
  } else {
    // Capped before masking (a 10 MB thrown string is never scanned whole) and after (masks can lengthen it).
    message = capString(defaultRedactor.redactString(capString(errorMessage(error))));
    span.recordException({ name: errorType(error), message });
  }
  span.setAttribute(ATTR_ERROR_TYPE, errorType(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

/** Whether an error is an abort (never retried). */
export function isAbortError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';
}
