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

/** Where an error object was first recorded, per trace it passed through (a shared failure reaches several). */
interface RecordedAt {
  traceId: string;
  spanId: string;
  spanName: string;
}

/** Traces remembered per error object: a shared failure (one rejection handed to many runs) reaches a few. */
const MAX_TRACES_PER_ERROR = 8;
/** Longest child name and message in an ancestor's status message. */
const MAX_STATUS_PART = 120;

// Keyed by the error object itself, so an entry lives exactly as long as the error: bounded by the
// errors the program keeps alive, never by how many were thrown.
const recordedErrors = new WeakMap<object, RecordedAt[]>();

function spanName(span: Span): string {
  try {
    const name = (span as { name?: unknown }).name;
    return typeof name === 'string' && name !== '' ? capString(name, MAX_STATUS_PART) : 'a child span';
  } catch {
    return 'a child span';
  }
}

/**
 * Records a failure on `span`: an exception event with message and stack masked by the default
 * redaction rules (and agentrace's and OpenTelemetry's own frames left out of the stack), ERROR status
 * with the masked message, and `error.type`. Every package records failures through it, because error
 * text is written by libraries and users, and hostile thrown values (revoked proxies, throwing
 * getters, huge strings) must never reach the caller as a new error.
 *
 * An error object is recorded once per trace, where it was raised: the ancestors it passes through on
 * its way up get ERROR status, `error.type` and a short status message naming the span that failed,
 * but no second exception event and stack. (A thrown primitive cannot be recognised, and is recorded
 * on each span.) Returns the masked message. Never throws.
 */
export function recordFailure(span: Span, error: unknown): string {
  let message = ERROR_TYPE_VALUE_OTHER;
  let statusMessage: string | undefined;
  try {
    const redacted = redactException(error);
    message = redacted.message;
    const first = isObject(error) ? firstRecordedIn(span, error) : undefined;
    if (first === undefined) span.recordException(redacted.exception);
    else if (first !== SAME_SPAN) statusMessage = `"${first}" failed: ${capString(message, MAX_STATUS_PART)}`;
  } catch {
    // redactException does not throw; a broken span implementation might
  }
  try {
    span.setAttribute(ATTR_ERROR_TYPE, errorType(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: statusMessage ?? message });
  } catch {
    // as above
  }
  return message;
}

function isObject(value: unknown): value is object {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}

/** `firstRecordedIn` found the error recorded on this very span already. */
const SAME_SPAN = Symbol('same span');

/** The name of the span in `span`'s trace that already recorded `error`; else remembers `span` as that one. */
function firstRecordedIn(span: Span, error: object): string | typeof SAME_SPAN | undefined {
  const { traceId, spanId } = span.spanContext();
  let seen = recordedErrors.get(error);
  if (seen !== undefined) {
    for (const at of seen) if (at.traceId === traceId) return at.spanId === spanId ? SAME_SPAN : at.spanName;
  } else {
    seen = [];
    recordedErrors.set(error, seen);
  }
  if (seen.length >= MAX_TRACES_PER_ERROR) seen.shift();
  seen.push({ traceId, spanId, spanName: spanName(span) });
  return undefined;
}
