import { SpanStatusCode, type Span } from '@opentelemetry/api';
import type { Spec } from './internal-types.js';
import { safeCall } from './report.js';
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
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
    return (error as { message: string }).message;
  }
  try {
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
  const message = errorMessage(error);
  if (error instanceof Error) {
    span.recordException(error);
  } else {
    span.recordException({ name: errorType(error), message });
  }
  span.setAttribute(ATTR_ERROR_TYPE, errorType(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

/** Whether an error is an abort (never retried). */
export function isAbortError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';
}
