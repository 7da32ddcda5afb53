import { redactException } from '@agentrace/core';
import { SpanStatusCode, type Attributes, type Span } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE, ATTR_HTTP_RESPONSE_STATUS_CODE } from '@opentelemetry/semantic-conventions';
import { genAiResponseAttributes, type BodyCollector, type GenAiCall } from './genai.js';
import { ATTR_AGENTRACE_HTTP_ABORTED, ATTR_HTTP_RESPONSE_BODY_SIZE } from './semconv.js';
import { errorType, isAbortError } from './span-common.js';

/** One outgoing request's span and what is learnt about it until it ends (any client). */
export interface ClientRecord {
  span: Span;
  done: boolean;
  /** Set once response headers arrived. */
  responded: boolean;
  /** From `content-length`, when the response has one. */
  declaredSize?: number;
  /** Bytes counted as they arrived, when counting was possible. */
  counted?: number;
  genAi?: GenAiCall;
  /** Whether the request model is known (or no longer worth looking for). */
  modelSeen?: boolean;
  collector?: BodyCollector;
  /** `network.protocol.version` once the connection is known, before the response (undici). */
  protocolVersion?: string;
}

/**
 * A record with every field present from the start, whichever client makes it: records of one
 * shape keep the code shared by node:http and undici (status, finish) monomorphic for the JIT.
 */
export function newClientRecord(span: Span): ClientRecord {
  return {
    span,
    done: false,
    responded: false,
    declaredSize: undefined,
    counted: undefined,
    genAi: undefined,
    modelSeen: undefined,
    collector: undefined,
    protocolVersion: undefined,
  };
}

/** Marks a request closed before its response with no error: the caller cancelled it. */
export const ABORTED = Symbol('aborted');

/** Status code attributes; 4xx and 5xx are errors for a client, as the conventions say. */
export function recordStatus(record: ClientRecord, status: number, attributes: Attributes): void {
  record.responded = true;
  attributes[ATTR_HTTP_RESPONSE_STATUS_CODE] = status;
  if (status >= 400) {
    attributes[ATTR_ERROR_TYPE] = String(status);
    record.span.setStatus({ code: SpanStatusCode.ERROR });
  }
}

/** `content-length` as a body size, when it is a valid one. */
export function declaredLength(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** Node wraps an `AbortSignal.timeout()` expiry in an AbortError; the cause says what happened. */
function timeoutCause(error: unknown): unknown {
  const cause = (error as { cause?: { name?: unknown } } | null)?.cause;
  return cause !== null && typeof cause === 'object' && cause.name === 'TimeoutError' ? cause : undefined;
}

/**
 * Ends the span once: `undefined` when the body was fully read, {@link ABORTED} or an AbortError
 * when the caller cancelled (not an error, marked aborted), any other value is the failure.
 */
export function finishClientSpan(record: ClientRecord, outcome: unknown): void {
  if (record.done) return;
  record.done = true;
  const { span } = record;
  if (outcome === ABORTED || (outcome !== undefined && isAbortError(outcome))) {
    span.setAttribute(ATTR_AGENTRACE_HTTP_ABORTED, true);
  } else if (outcome !== undefined) {
    span.setAttribute(ATTR_ERROR_TYPE, errorType(timeoutCause(outcome) ?? outcome));
    // Error text may quote the URL or a header; masked like captured values.
    const redacted = redactException(outcome);
    if (outcome instanceof Error) span.recordException(redacted.exception);
    span.setStatus({ code: SpanStatusCode.ERROR, message: redacted.message });
  } else {
    const size = record.declaredSize ?? record.counted;
    if (size !== undefined) span.setAttribute(ATTR_HTTP_RESPONSE_BODY_SIZE, size);
    const text = record.collector?.text();
    if (text) {
      const attributes = genAiResponseAttributes(text);
      if (attributes !== undefined) span.setAttributes(attributes);
    }
  }
  span.end();
}
