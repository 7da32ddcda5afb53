import { isAbortError, recordFailure } from '@agentrace/core';
import { SpanStatusCode, type Attributes, type Span } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_METHOD_ORIGINAL,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
} from '@opentelemetry/semantic-conventions';
import type { GenAiCall } from './genai/detect.js';
import { genAiSpanName, genAiStartAttributes, GenAiExchange, isModelCallSpan } from './genai/exchange.js';
import type { ResolvedHttpConfig } from './internal-types.js';
import { clientHttpSpanName } from './span-naming.js';
import { ATTR_AGENTRACE_ABANDONED, ATTR_AGENTRACE_HTTP_ABORTED, ATTR_HTTP_RESPONSE_BODY_SIZE } from './semconv.js';
import type { Target } from './targets.js';

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
  /** Set when the span is a model call's inference span: reads the request and the answer as they pass. */
  genAi?: GenAiExchange;
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
    protocolVersion: undefined,
  };
}

/**
 * The attributes a CLIENT span starts with, node:http and undici alike: `method` is the one the
 * caller used, `normalizedMethod` what `normalizeMethod` made of it, `run` the run's attributes.
 */
export function clientStartAttributes(
  method: string,
  normalizedMethod: string,
  urlFull: string,
  target: Target,
  run: Attributes | undefined,
  genAi: GenAiCall | undefined,
): Attributes {
  const attributes: Attributes = {
    [ATTR_HTTP_REQUEST_METHOD]: normalizedMethod,
    [ATTR_URL_FULL]: urlFull,
    [ATTR_SERVER_ADDRESS]: target.address,
    [ATTR_SERVER_PORT]: target.port,
  };
  if (normalizedMethod === '_OTHER') attributes[ATTR_HTTP_REQUEST_METHOD_ORIGINAL] = method;
  if (run !== undefined) Object.assign(attributes, run);
  if (genAi !== undefined) genAiStartAttributes(genAi, attributes);
  return attributes;
}

/**
 * The model call a request is, when its span is to be the inference span: a recognised model API,
 * unless the span it starts under already stands for that model call (an SDK's own GenAI span: then
 * this one is the plain HTTP attempt under it, so the trace has one inference span per call).
 */
export function modelCallOf(target: Target, parent: unknown): GenAiCall | undefined {
  const call = target.genAi;
  if (call === undefined || isModelCallSpan(parent)) return undefined;
  return call;
}

/** The span name: `{operation} {model}` for a model call, else the HTTP one. */
/** A model call is named by the GenAI conventions; any other call by its method, template or the user's hook. */
export function clientSpanName(cfg: ResolvedHttpConfig, method: string, urlFull: string, attributes: Attributes, call: GenAiCall | undefined): string {
  return call === undefined ? clientHttpSpanName(cfg, method, urlFull, attributes) : genAiSpanName(call);
}

/** Starts reading a model call's request and answer for its span. */
export function watchModelCall(cfg: ResolvedHttpConfig, record: ClientRecord, call: GenAiCall, startedAt: number): GenAiExchange {
  const exchange = new GenAiExchange(cfg.genAi!, call, record.span, startedAt);
  exchange.onAbandon = () => finishClientSpan(record, ABANDONED);
  record.genAi = exchange;
  return exchange;
}

/** Marks a request closed before its response with no error: the caller cancelled it. */
export const ABORTED = Symbol('aborted');
/** Marks a streamed answer nobody reads any more (see `GenAiExchange.readerPaused`). */
export const ABANDONED = Symbol('abandoned');

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

/**
 * Ends the span once: `undefined` when the body was fully read, {@link ABORTED} or an AbortError
 * when the caller cancelled (not an error, marked aborted), any other value is the failure. A
 * timeout is a failure even when it arrives as an abort (`AbortSignal.timeout()`): `isAbortError`
 * says no and `error.type` is `TimeoutError`.
 */
export function finishClientSpan(record: ClientRecord, outcome: unknown): void {
  if (record.done) return;
  record.done = true;
  const { span } = record;
  if (outcome === ABANDONED) {
    span.setAttribute(ATTR_AGENTRACE_ABANDONED, true);
  } else if (outcome === ABORTED || (outcome !== undefined && isAbortError(outcome))) {
    span.setAttribute(ATTR_AGENTRACE_HTTP_ABORTED, true);
  } else if (outcome !== undefined) {
    // The error undici publishes on `undici:request:error` is the dispatcher's own (`ECONNREFUSED`,
    // `UND_ERR_*`, the abort reason), never fetch's `TypeError('fetch failed')` wrapper, so it goes to
    // `error.type` as it is. Error text may quote the URL or a header: recordFailure masks it.
    recordFailure(span, outcome);
  } else {
    const size = record.declaredSize ?? record.counted;
    if (size !== undefined) span.setAttribute(ATTR_HTTP_RESPONSE_BODY_SIZE, size);
  }
  const exchange = record.genAi;
  if (exchange === undefined) {
    span.end();
    return;
  }
  // What the answer said, as far as it was seen (a cancelled stream too). A compressed answer is
  // decoded apart: the span then ends when the decoder has flushed, with this moment as its end.
  const endTime = performance.timeOrigin + performance.now();
  exchange.finish(() => span.end(endTime));
}
