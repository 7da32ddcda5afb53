import { SpanStatusCode, type Span } from '@opentelemetry/api';
import { redactException } from './redact-error.js';
import { ATTR_ERROR_TYPE, ERROR_TYPE_VALUE_OTHER } from './semconv.js';
import { capString } from './serialize.js';

/** Longest `error.type` written: a class name or code, never a message. */
const MAX_ERROR_TYPE_LENGTH = 256;

function field(error: object, key: 'name' | 'code' | 'cause'): unknown {
  try {
    return (error as Record<string, unknown>)[key];
  } catch {
    return undefined; // a throwing getter or revoked proxy
  }
}

/**
 * A cancellation by the caller (`AbortController.abort()`), which the conventions say is not an
 * error. A timeout is not an abort even when it arrives as one (`AbortSignal.timeout()` gives a
 * `TimeoutError`; undici wraps it in an `AbortError` whose cause is the `TimeoutError`). Never throws.
 */
export function isAbortError(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  if (isTimeoutError(error)) return false;
  return field(error, 'name') === 'AbortError' || field(error, 'code') === 'ABORT_ERR';
}

/** A timeout: a `TimeoutError` (as `AbortSignal.timeout()` throws), or an abort caused by one. Never throws. */
export function isTimeoutError(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  if (field(error, 'name') === 'TimeoutError') return true;
  const cause = field(error, 'cause');
  return cause !== null && typeof cause === 'object' && field(cause, 'name') === 'TimeoutError';
}

/**
 * `error.type` by the conventions, the same in every package: `TimeoutError` for a timeout,
 * `AbortError` for an abort, the error's string `code` where it has one (`ECONNREFUSED`,
 * `UND_ERR_SOCKET`: low-cardinality and more telling than `TypeError`), else its class name (its
 * `name` for plain `Error` and `DOMException`), else `_OTHER` (thrown strings, numbers, plain
 * objects). Capped at 256 characters; a hostile value (revoked proxy, throwing getters) gives
 * `_OTHER`. Never throws.
 */
export function errorType(error: unknown): string {
  if (error === null || typeof error !== 'object') return ERROR_TYPE_VALUE_OTHER;
  try {
    if (isTimeoutError(error)) return 'TimeoutError';
    const name = field(error, 'name');
    if (name === 'AbortError') return 'AbortError';
    const code = field(error, 'code');
    if (typeof code === 'string' && code !== '') return capString(code, MAX_ERROR_TYPE_LENGTH);
    const ctor = (error as { constructor?: { name?: unknown } }).constructor?.name;
    const generic = ctor === 'Error' || ctor === 'DOMException' || typeof ctor !== 'string' || ctor === '';
    if (generic && typeof name === 'string' && name !== '') return capString(name, MAX_ERROR_TYPE_LENGTH);
    if (typeof ctor === 'string' && ctor !== '' && ctor !== 'Object') return capString(ctor, MAX_ERROR_TYPE_LENGTH);
  } catch {
    // a revoked proxy throws even on `constructor`
  }
  return ERROR_TYPE_VALUE_OTHER;
}

/**
 * Records a failure on `span`: an exception event with message and stack masked by the default
 * redaction rules, ERROR status with the masked message, and `error.type`. Every package records
 * failures through it, because error text is written by libraries and users, and hostile thrown
 * values (revoked proxies, throwing getters, huge strings) must never reach the caller as a new
 * error. Returns the masked message. Never throws.
 */
export function recordFailure(span: Span, error: unknown): string {
  let message = ERROR_TYPE_VALUE_OTHER;
  try {
    const redacted = redactException(error);
    message = redacted.message;
    span.recordException(redacted.exception);
  } catch {
    // redactException does not throw; a broken span implementation might
  }
  try {
    span.setAttribute(ATTR_ERROR_TYPE, errorType(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message });
  } catch {
    // as above
  }
  return message;
}
