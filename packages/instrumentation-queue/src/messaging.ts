// The messaging part every client shares: the producer (start the span, inject the context into the
// message) and the consumer (extract, child or link, end when the handler is done and the message is
// settled, push or pull style). Client files only say where their library keeps these things.
import {
  type Attributes,
  type Context,
  type Span,
  type Tracer,
  type TracerProvider,
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { acceptInboundContext, callerAttributes, inboundHeaderGetter, isThenable, recordFailure } from '@agentrace/core';
import { type BacklogSource, recordBacklog } from './backlog.js';
import { reporter } from './diagnostics.js';
import type { ClientState, Delivery } from './internal-types.js';
import { ATTR_AGENTRACE_MESSAGING_FAILURE_REASON, ATTR_AGENTRACE_MESSAGING_SETTLEMENT } from './semconv.js';
import type { ConsumerParentMode, MessagingInstrumentationConfig } from './types.js';
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

/** Runs a user hook; a throwing hook is reported once per hook name and never reaches the program. */
export function runHook<I>(name: string, hook: (span: Span, info: I) => void, span: Span, info: I): void {
  try {
    hook(span, info);
  } catch (error) {
    reporter.errorOnce(`hook:${name}`, `the ${name} threw; its span is kept as is`, error);
  }
}

/**
 * Records `error` on `span` as the failure of this attempt: core's `recordFailure` (masked exception
 * event, ERROR status, `error.type`) plus `agentrace.messaging.failure_reason`. `reason`, when given,
 * replaces the error's masked message as status and reason (a broker nack says more than its error).
 */
export function recordMessagingFailure(span: Span, error: unknown, reason?: string): void {
  const message = recordFailure(span, error);
  try {
    if (reason !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: reason });
    span.setAttribute(ATTR_AGENTRACE_MESSAGING_FAILURE_REASON, reason ?? message);
  } catch {
    // a broken span implementation must not reach the program
  }
}

/**
 * The state a client's patches read, from its config: the part every client shares. Bad values are
 * reported once (naming the option, the value and what is accepted) and replaced by their defaults.
 */
export function resolveClientState(system: string, client: string, config: MessagingInstrumentationConfig, tracerProvider: TracerProvider | undefined): ClientState {
  const cfg: MessagingInstrumentationConfig = config !== null && typeof config === 'object' ? config : {};
  let consumerParent = cfg.consumerParent ?? 'child';
  if (consumerParent !== 'child' && consumerParent !== 'link') {
    reporter.errorOnce(`${client}:consumerParent`, `option ${client}.consumerParent is ${String(consumerParent)}; accepted: 'child' or 'link'. Using 'child'.`);
    consumerParent = 'child';
  }
  return {
    system,
    tracerProvider,
    consumerParent,
    producerHook: hookOption(client, 'producerHook', cfg.producerHook),
    consumerHook: hookOption(client, 'consumerHook', cfg.consumerHook),
  };
}

function hookOption<H>(client: string, name: string, hook: H | undefined): H | undefined {
  if (hook === undefined || typeof hook === 'function') return hook;
  reporter.errorOnce(`${client}:${name}`, `option ${client}.${name} is ${typeof hook}; accepted: a function. It is ignored.`);
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// Producer

/**
 * Whether `value` (a caller's message options, or the part of them that holds the carrier) is absent
 * or an object a copy can carry the context in. Anything else (an array, a Buffer, a boxed string: what
 * no caller means as options) is passed on as given, untraced in the message: copying it could cost a
 * key per element, and the library decides what it makes of it.
 */
export function canCarry(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  return typeof value === 'object' && !Array.isArray(value) && !ArrayBuffer.isView(value) && !(value instanceof String);
}

/**
 * Starts a PRODUCER span for a message (as a child of the active span), runs the producer hook, puts
 * the queue's last known backlog on it, then injects the span's context and the active baggage into
 * `carrier`: after the hook, so no hook can tamper with propagation. Returns the context to send in
 * (the span is `trace.getSpan` of it). `message` is what the hook sees; pass `undefined` when no hook
 * is set, so nothing is built for it.
 */
export function startProducer(
  state: ClientState,
  name: string,
  attributes: Attributes,
  destination: string,
  source: BacklogSource | undefined,
  message: unknown,
  carrier: Record<string, unknown>,
): Context {
  const span = getTracer(state.tracerProvider).startSpan(name, { kind: SpanKind.PRODUCER, attributes });
  if (state.producerHook) runHook('producerHook', state.producerHook, span, { system: state.system, destination, message });
  if (source?.latest) recordBacklog(span, source);
  const ctx = trace.setSpan(context.active(), span);
  propagation.inject(ctx, carrier);
  return ctx;
}

/**
 * Ends `span` when `result` settles (now if it is not a thenable), recording a rejection; returns what
 * the caller gets. Core's `whenSettled` would take one more closure per message (its callback, to reach
 * the span): on the producer's hot path the two of `then` are all it allocates.
 */
export function endWhenSettled<T>(span: Span, result: T, onValue?: (span: Span, value: unknown) => void): T {
  if (!isThenable(result)) {
    span.end();
    return result;
  }
  // Chained, not a side chain: a rejection nobody handles stays unhandled, with the same error.
  return result.then(
    (value) => {
      if (onValue) onValue(span, value);
      span.end();
      return value;
    },
    (error: unknown) => {
      recordMessagingFailure(span, error);
      span.end();
      throw error;
    },
  ) as T;
}

/** The send threw synchronously: records it and ends the span. */
export function endFailed(span: Span, error: unknown): void {
  recordMessagingFailure(span, error);
  span.end();
}

// ---------------------------------------------------------------------------------------------------
// Consumer

/**
 * The context a message carries (W3C trace context and baggage), over an empty one; ROOT when it
 * carries none. Header values of any type are read as the propagators expect them (a Buffer, a
 * number, a nested table, `Traceparent` in another case: `inboundHeaderGetter` of core), baggage only
 * where it follows the W3C grammar, and its identity values are taken as far as messages are trusted
 * (`setInboundBaggageTrust` of core; by default the correlation id only), the rest recorded as claims.
 */
export function extractContext(carrier: unknown): Context {
  if (carrier === null || typeof carrier !== 'object') return ROOT_CONTEXT;
  try {
    return acceptInboundContext(propagation.extract(ROOT_CONTEXT, carrier, inboundHeaderGetter), 'message');
  } catch (error) {
    reporter.warnOnce('extract', 'could not read the trace context of a message; it starts a new trace', error);
    return ROOT_CONTEXT;
  }
}

/**
 * Starts the CONSUMER span of one delivered message. Its parent is the producer span in `parent` (a
 * broker client passes what the message carries, `extractContext`, never the context active in the
 * consumer loop: a worker started at boot must not parent every message it pulls), or with `link` a
 * new trace linked to it; baggage stays either way, so the run's correlation id survives the hop. Puts
 * the last known backlog on the span and runs the consumer hook. `settled`: the message needs no
 * settlement of its own (auto-ack, or the library settles it when the handler returns). The caller has
 * counted the delivery in `source.inFlight`; it is uncounted when the delivery ends.
 */
export function startDelivery(
  state: ClientState,
  name: string,
  attributes: Attributes,
  parent: Context,
  mode: ConsumerParentMode,
  destination: string,
  source: BacklogSource | undefined,
  message: unknown,
  settled: boolean,
): Delivery {
  const tracer = getTracer(state.tracerProvider);
  const producer = trace.getSpanContext(parent);
  let base = parent;
  let span: Span;
  if (mode === 'child' && producer) {
    span = tracer.startSpan(name, { kind: SpanKind.CONSUMER, attributes }, parent);
  } else {
    if (producer) base = trace.deleteSpan(parent);
    span = tracer.startSpan(name, { kind: SpanKind.CONSUMER, attributes, links: producer ? [{ context: producer }] : undefined, root: true }, base);
  }
  if (source?.latest) recordBacklog(span, source);
  // Identity values the producer sent but is not trusted with, under `agentrace.caller.*`.
  const claims = callerAttributes(parent);
  if (claims !== undefined) span.setAttributes(claims);
  if (state.consumerHook) runHook('consumerHook', state.consumerHook, span, { system: state.system, destination, message });
  return { span, ctx: trace.setSpan(base, span), source, message, handlerDone: false, settled, ended: false };
}

/**
 * Push style: runs the handler (`call`) in the delivery's context. Its part is done when it returns or,
 * for a thenable, settles; a throw or rejection is recorded. Returns what the handler returned (a
 * chained promise for a thenable, so an unhandled rejection stays unhandled with the same error).
 * `call` is the closure the client needs anyway to pass its arguments; nothing else is allocated here
 * but the two callbacks of `then`.
 */
export function runHandler(delivery: Delivery, call: () => unknown): unknown {
  let result: unknown;
  try {
    result = context.with(delivery.ctx, call);
  } catch (error) {
    recordMessagingFailure(delivery.span, error);
    handlerDone(delivery);
    throw error;
  }
  if (!isThenable(result)) {
    handlerDone(delivery);
    return result;
  }
  return result.then(
    (value) => {
      handlerDone(delivery);
      return value;
    },
    (error: unknown) => {
      recordMessagingFailure(delivery.span, error);
      handlerDone(delivery);
      throw error;
    },
  );
}

/** The handler's part is over (pull style: the message was handed to the caller, there is nothing to wait for). */
export function handlerDone(delivery: Delivery): void {
  delivery.handlerDone = true;
  endIfDone(delivery);
}

/**
 * The message was settled. `how` (ack, nack, ...) goes to `agentrace.messaging.settlement` when given;
 * `failure` makes the span an ERROR with that message. Settling twice changes nothing.
 */
export function settleDelivery(delivery: Delivery, how?: string, failure?: string): void {
  if (delivery.settled) return;
  delivery.settled = true;
  if (how !== undefined) delivery.span.setAttribute(ATTR_AGENTRACE_MESSAGING_SETTLEMENT, how);
  if (failure !== undefined) delivery.span.setStatus({ code: SpanStatusCode.ERROR, message: failure });
  endIfDone(delivery);
}

function endIfDone(delivery: Delivery): void {
  if (delivery.ended || !delivery.handlerDone || !delivery.settled) return;
  delivery.ended = true;
  if (delivery.source) delivery.source.inFlight--;
  delivery.span.end();
}
