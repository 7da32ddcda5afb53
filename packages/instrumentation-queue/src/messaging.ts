import {
  type Attributes,
  type Context,
  type Link,
  type Span,
  type Tracer,
  type TracerProvider,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  diag,
  propagation,
  trace,
} from '@opentelemetry/api';
import { capString, redactException } from '@agentrace/core';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';
import { ATTR_AGENTRACE_MESSAGING_FAILURE_REASON } from './semconv.js';
import type { ConsumerParentMode } from './types.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version.js';

const tracers = new WeakMap<TracerProvider, Tracer>();

/**
 * The tracer for `provider`, or for the global provider as it is now: the global one is looked up on
 * every call (so a provider registered or replaced after patching is honoured) but its tracer is
 * cached per provider object, which keeps the per-message cost to one WeakMap lookup.
 */
export function getTracer(provider: TracerProvider | undefined): Tracer {
  const p = provider ?? trace.getTracerProvider();
  let tracer = tracers.get(p);
  if (!tracer) {
    tracer = p.getTracer(PACKAGE_NAME, PACKAGE_VERSION);
    tracers.set(p, tracer);
  }
  return tracer;
}

/** W3C trace context and baggage of `ctx`, written into `carrier` (a new object by default). */
export function injectCarrier<C extends Record<string, unknown>>(ctx: Context, carrier: C = {} as C): C {
  propagation.inject(ctx, carrier);
  return carrier;
}

export interface ConsumerStart {
  span: Span;
  /** The context to run the handler in: the new span plus the producer's baggage. */
  ctx: Context;
}

/**
 * Starts a CONSUMER span for a delivered message. The parent is always built from ROOT plus what the
 * message carries, never from the context active in the consumer loop: a worker started at boot must
 * not become the parent of every message it pulls.
 */
export function startConsumerSpan(
  tracer: Tracer,
  name: string,
  attributes: Attributes,
  carrier: unknown,
  mode: ConsumerParentMode,
): ConsumerStart {
  const extracted = carrier && typeof carrier === 'object' ? propagation.extract(ROOT_CONTEXT, carrier) : ROOT_CONTEXT;
  const producer = trace.getSpanContext(extracted);
  if (mode === 'child' && producer) {
    const span = tracer.startSpan(name, { kind: SpanKind.CONSUMER, attributes }, extracted);
    return { span, ctx: trace.setSpan(extracted, span) };
  }
  // New trace; baggage stays in the context so the run's correlation id survives the hop.
  const base = producer ? trace.deleteSpan(extracted) : extracted;
  const links: Link[] | undefined = producer ? [{ context: producer }] : undefined;
  const span = tracer.startSpan(name, { kind: SpanKind.CONSUMER, attributes, links, root: true }, base);
  return { span, ctx: trace.setSpan(base, span) };
}

/** Records `error` on `span` as the failure of this attempt (exception event, ERROR status, reason). */
export function recordFailure(span: Span, error: unknown, reason?: string): void {
  // Error text may quote credentials (a header, a token in a URL): masked before it leaves the process.
  const redacted = redactException(error);
  const message = reason ?? redacted.message;
  if (error !== undefined && error !== null && (typeof error === 'object' || typeof error === 'string')) {
    span.recordException(redacted.exception);
  }
  span.setAttributes({ [ATTR_ERROR_TYPE]: errorTypeOf(error), [ATTR_AGENTRACE_MESSAGING_FAILURE_REASON]: capString(message) });
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

/** `error.type`: the error's name (capped), or its `typeof`; a revoked proxy or throwing getter gives `_OTHER`. */
function errorTypeOf(error: unknown): string {
  try {
    return error instanceof Error ? capString(String(error.name), 256) : typeof error;
  } catch {
    return '_OTHER';
  }
}

const reported = new Set<string>();

/** Runs a user hook; a throwing hook is reported once per hook name and never reaches the program. */
export function runHook<A extends unknown[]>(name: string, hook: ((...args: A) => void) | undefined, ...args: A): void {
  if (!hook) return;
  try {
    hook(...args);
  } catch (error) {
    reportOnce(`hook:${name}`, `${PACKAGE_NAME}: the ${name} threw; its span is kept as is`, error);
  }
}

/** Reports an instrumentation problem once per key through `diag`, then stays quiet. */
export function reportOnce(key: string, message: string, error?: unknown): void {
  if (reported.has(key)) return;
  reported.add(key);
  diag.error(message, error);
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  try {
    return (
      value !== null &&
      (typeof value === 'object' || typeof value === 'function') &&
      typeof (value as { then?: unknown }).then === 'function'
    );
  } catch {
    // A revoked proxy or a throwing `then` getter: handed back untouched, as without instrumentation.
    return false;
  }
}

/** Ends `span` when `result` settles (now if it is not a promise), recording a rejection; returns what the caller gets. */
export function endWhenSettled(span: Span, result: unknown, onResult?: (span: Span, value: unknown) => void): unknown {
  if (!isThenable(result)) {
    span.end();
    return result;
  }
  // Chained, not a side chain: a rejection nobody handles stays unhandled, with the same error.
  return result.then(
    (value) => {
      if (onResult) onResult(span, value);
      span.end();
      return value;
    },
    (error: unknown) => {
      recordFailure(span, error);
      span.end();
      throw error;
    },
  );
}
