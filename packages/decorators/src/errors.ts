import { recordFailure } from '@agentrace/core';
import type { Span } from '@opentelemetry/api';
import type { Spec } from './internal-types.js';
import { safeCall } from './report.js';
import { ATTR_ERROR_EXPECTED } from './semconv.js';

/**
 * Records `error` on the span (exception event, ERROR status and `error.type`, through core's guarded
 * recorder), unless the `expectedError` option marks it as expected. Never throws, whatever was thrown.
 */
export function recordError(span: Span, error: unknown, spec: Spec): void {
  const expected = spec.options.expectedError;
  if (expected !== undefined && safeCall(spec, 'expectedError', expected, [error]) === true) {
    span.setAttribute(ATTR_ERROR_EXPECTED, true);
    return;
  }
  recordFailure(span, error);
}
