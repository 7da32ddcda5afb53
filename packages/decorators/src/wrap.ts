import { context, SpanKind, trace, type Attributes, type Context, type Link, type Span, type SpanOptions, type Tracer } from '@opentelemetry/api';
import { Call } from './call.js';
import { sanitizeAttributes } from '@agentrace/core';
import { captureInputs } from './capture-site.js';
import {
  deriveScope,
  detachedContext,
  enterScope,
  generateCorrelationId,
  scopeOf,
  type RunScope,
} from '@agentrace/core';
import { agentOf, defaultAgentOf } from './agent-registry.js';
import type { AgentInfo, Spec } from './internal-types.js';
import { safeCall, reporter } from './report.js';
import { callWithRetry } from './retry.js';
import { ATTR_GEN_AI_CONVERSATION_ID, ATTR_GEN_AI_TOOL_CALL_ID } from './semconv.js';
import { chainPromise, settleResult, traceIterator } from './span-lifecycle.js';
import { activeTracer } from './tracer.js';

const NON_RECORDING_SPAN: Span = trace.wrapSpanContext({ traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 0 });

// Module-level so context.with needs no closure or bind per call.
function apply(fn: (...a: any[]) => unknown, self: unknown, args: unknown[]): unknown {
  return fn.apply(self, args);
}

/** Builds the replacement function: same `this`, arguments, result, thrown object and sync/async shape. */
export function createTracedFunction(spec: Spec): (...args: any[]) => unknown {
  const fn = spec.fn;
  const wrapper = function (this: unknown, ...args: unknown[]): unknown {
    const tracer = activeTracer();
    if (tracer === undefined) {
      // No provider: cost is the lookup above. Retries still happen (they are behaviour, not telemetry).
      if (spec.passSpan) return fn.call(this, NON_RECORDING_SPAN);
      if (spec.retry === undefined) return fn.apply(this, args);
      return callWithRetry(spec, spec.retry, untracedHost(), this, args);
    }
    return invoke(spec, tracer, this, args);
  };
  Object.defineProperty(wrapper, 'name', { value: fn.name, configurable: true });
  Object.defineProperty(wrapper, 'length', { value: fn.length, configurable: true });
  return wrapper;
}

function untracedHost(): Parameters<typeof callWithRetry>[2] {
  return { tracer: undefined, ctx: context.active(), parentSpan: undefined, spanName: '', attributes: {}, signal: undefined };
}

/** The run's own correlation id, from the option or the message, if it names one. */
function explicitCorrelationId(spec: Spec, args: unknown[]): string | undefined {
  const option = spec.options.correlationId;
  if (typeof option === 'string' && option !== '') return option;
  if (typeof option === 'function') {
    const id = safeCall(spec, 'correlationId', option, args);
    if (typeof id === 'string' && id !== '') return id;
  }
  const message = args[0];
  if (typeof message === 'object' && message !== null) {
    try {
      const id =
        (message as { correlationId?: unknown }).correlationId ?? (message as { correlation_id?: unknown }).correlation_id;
      if (typeof id === 'string' && id !== '') return id;
    } catch {
      // A hostile getter or proxy on the message: fall back to inherited/generated, never throw into the agent.
    }
  }
  return undefined;
}

function runAttributesOf(spec: Spec, args: unknown[]): Attributes | undefined {
  const { runAttributes, conversationId } = spec.options;
  let attributes: Attributes | undefined;
  if (typeof runAttributes === 'function') {
    const mapped = safeCall(spec, 'runAttributes', runAttributes, args);
    if (mapped != null && typeof mapped === 'object') attributes = mapped;
  } else if (runAttributes != null && typeof runAttributes === 'object') {
    attributes = runAttributes;
  }
  if (typeof conversationId === 'function') {
    const id = safeCall(spec, 'conversationId', conversationId, args);
    if (typeof id === 'string' && id !== '') attributes = { ...attributes, [ATTR_GEN_AI_CONVERSATION_ID]: id };
  }
  return attributes;
}

/**
 * The id of the model's tool call a tool was given, when no `callId` option says where it is: the
 * `toolCallId` of the Vercel AI SDK's execute options, or a tool call object passed as it came from the
 * model (OpenAI's `{ id, type: 'function', function }`, Anthropic's `{ type: 'tool_use', id }`). It ties
 * the `execute_tool` span to the inference span that asked for the call (same `gen_ai.tool.call.id`).
 */
function toolCallIdIn(args: unknown[]): string | undefined {
  try {
    for (let i = 0; i < args.length && i < 4; i++) {
      const arg = args[i];
      if (typeof arg !== 'object' || arg === null || Array.isArray(arg)) continue;
      const o = arg as { toolCallId?: unknown; id?: unknown; type?: unknown; function?: unknown };
      if (typeof o.toolCallId === 'string' && o.toolCallId !== '') return o.toolCallId;
      if (typeof o.id === 'string' && o.id !== '' && ((o.type === 'function' && typeof o.function === 'object') || o.type === 'tool_use')) return o.id;
    }
  } catch {
    // A hostile getter or proxy among the arguments: no id, and no throw into the agent.
  }
  return undefined;
}

function findSignal(spec: Spec, args: unknown[]): AbortSignal | undefined {
  const option = spec.options.signal;
  if (typeof option === 'function') {
    const signal = safeCall(spec, 'signal', option, args);
    return signal instanceof AbortSignal ? signal : undefined;
  }
  try {
    for (let i = 0; i < args.length; i++) {
      const arg = args[i];
      if (arg instanceof AbortSignal) return arg;
      if (typeof arg === 'object' && arg !== null) {
        const nested = (arg as { signal?: unknown }).signal;
        if (nested instanceof AbortSignal) return nested;
      }
    }
  } catch {
    // A throwing getter or proxy among the arguments: no signal, and no throw into the agent.
  }
  return undefined;
}

function resolveAgent(spec: Spec, self: unknown): AgentInfo | undefined {
  if (spec.agent !== undefined) return spec.agent;
  if (!spec.isMethod) return undefined;
  return agentOf(self) ?? (spec.operation === 'run' ? defaultAgentOf(self) : undefined);
}

let internalErrorReported = false;

/** Frames between a decorated function and its caller: the wrapper, invoke, context.with (3), apply. */
const WRAPPER_FRAMES = 6;
/** A limit this high (or Infinity) already keeps every frame that matters. */
const MAX_RAISED_LIMIT = 1000;

function invoke(spec: Spec, tracer: Tracer, self: unknown, args: unknown[]): unknown {
  let call: Call | Context;
  try {
    call = begin(spec, tracer, self, args);
  } catch (error) {
    // A broken SDK or a hostile argument must not break the agent: report once, run undecorated.
    if (!internalErrorReported) {
      internalErrorReported = true;
      reporter.error(`starting the span for "${spec.functionName}" failed (${String(error)}); calls run untraced when this happens. Reported once.`);
    }
    return spec.passSpan ? spec.fn.call(self, NON_RECORDING_SPAN) : spec.fn.apply(self, args);
  }
  if (!(call instanceof Call)) {
    // Unsampled: the span only has to be the parent of what runs inside; nothing ends or is recorded.
    return context.with(call, apply, undefined, spec.fn, self, spec.passSpan ? [trace.getSpan(call)] : args);
  }
  const callArgs = spec.passSpan ? [call.span] : args;
  let result: unknown;
  // Errors created while the function runs synchronously would spend WRAPPER_FRAMES of V8's
  // `Error.stackTraceLimit` frames on this wrapper: the limit is raised by as many meanwhile, so the
  // agent's own frames stay in the stack as without instrumentation (recorded stacks leave ours out).
  const limit = Error.stackTraceLimit;
  const raised = typeof limit === 'number' && limit > 0 && limit < MAX_RAISED_LIMIT ? limit + WRAPPER_FRAMES : undefined;
  if (raised !== undefined) Error.stackTraceLimit = raised;
  try {
    result =
      spec.retry === undefined
        ? context.with(call.ctx, apply, undefined, spec.fn, self, callArgs)
        : callWithRetry(spec, spec.retry, call.attemptHost(tracer), self, callArgs);
  } catch (error) {
    call.fail(error);
    throw error;
  } finally {
    // Left alone if the function set a limit of its own.
    if (raised !== undefined && Error.stackTraceLimit === raised) Error.stackTraceLimit = limit;
  }
  switch (spec.shape) {
    case 'async':
      return result instanceof Promise ? chainPromise(result, call) : settleResult(result, call);
    case 'generator':
      return typeof result === 'object' && result !== null ? traceIterator(result as never, call, false) : settleResult(result, call);
    case 'asyncGenerator':
      return typeof result === 'object' && result !== null ? traceIterator(result as never, call, true) : settleResult(result, call);
    default:
      return settleResult(result, call);
  }
}

/** Span options of a run that starts a new trace: a root, linked to the span that was active, if any. */
function newTraceOptions(spec: Spec, activeCtx: Context): SpanOptions {
  const active = trace.getSpanContext(activeCtx);
  const links: Link[] | undefined = active !== undefined && trace.isSpanContextValid(active) ? [{ context: active }] : undefined;
  return { kind: SpanKind.INTERNAL, attributes: spec.startAttributes, root: true, links };
}

function reportEndedParent(spec: Spec, previous: string | undefined): void {
  reporter.warnOnce(
    'run-under-ended-run',
    `run "${spec.functionName}" started in the context of run ${previous === undefined ? '' : `"${previous}" `}which has ended (a loop, timer or listener created inside that run); it starts a new trace with its own correlation id, linked to the old run. Start such loops with detached() from @agentrace/decorators, or give the run { newTrace: true }. Reported once.`,
  );
}

/** Starts the span and everything the call needs; returns just the context when there is nothing to end. */
function begin(spec: Spec, tracer: Tracer, self: unknown, args: unknown[]): Call | Context {
  const activeCtx = context.active();
  const agent = resolveAgent(spec, self);
  const isRun = spec.operation === 'run';
  let parentCtx = activeCtx;
  let parentScope = scopeOf(activeCtx);
  let spanOptions: SpanOptions | undefined;
  let runId: string | undefined;
  if (isRun) {
    runId = explicitCorrelationId(spec, args);
    const ended = parentScope?.run?.ended === true;
    const activeId = parentScope?.correlationId;
    // One trace holds one run: a run with an id of its own under another run, a consumer or loop that
    // asked for it, or a run in the context of a run that has ended (a loop or listener it created)
    // starts a new trace, linked to the span that was active.
    // A remote caller's run that this process was not told to trust (its correlation id is only a
    // claim, see acceptInboundContext in @agentrace/core) is not this run either.
    const foreign = activeId === undefined && parentScope?.caller?.correlationId !== undefined;
    if (ended || foreign || spec.options.newTrace === true || (runId !== undefined && activeId !== undefined && activeId !== runId)) {
      if (ended && spec.options.newTrace !== true) reportEndedParent(spec, activeId);
      parentCtx = detachedContext(activeCtx);
      parentScope = undefined;
      spanOptions = newTraceOptions(spec, activeCtx);
    }
  }
  const scope = deriveScope(
    parentScope,
    isRun ? (runId ?? parentScope?.correlationId ?? generateCorrelationId()) : undefined,
    spec.options.runAttributes !== undefined || spec.options.conversationId !== undefined ? runAttributesOf(spec, args) : undefined,
    agent?.name,
    isRun ? { ended: false } : undefined,
  );
  const ctx = scope === parentScope || scope === undefined ? parentCtx : enterScope(parentCtx, scope, parentScope);
  const spanName = spec.spanName ?? agent?.runSpanName ?? `invoke_agent ${spec.functionName}`;
  const span = tracer.startSpan(spanName, spanOptions ?? { kind: SpanKind.INTERNAL, attributes: spec.startAttributes }, ctx);
  const spanCtx = trace.setSpan(ctx, span);
  const recording = span.isRecording();
  // A run always gets a Call, recording or not: its end marks the run's lifetime ended.
  if (!recording && !isRun && spec.retry === undefined && (spec.shape === 'sync' || spec.shape === 'async')) return spanCtx;
  const call = new Call(span, spanCtx, spec, self, args, recording, spanName, scope);
  if (recording) {
    // Runs and tools are GenAI operations (`gen_ai.agent.name`); steps carry `agentrace.agent.name`.
    if (scope !== undefined) span.setAttributes(spec.operation === 'step' ? scope.attributes : scope.genAiAttributes);
    if (isRun && agent !== undefined) span.setAttributes(agent.attributes);
    if (spec.operation === 'tool') {
      const id = typeof spec.options.callId === 'function' ? safeCall(spec, 'callId', spec.options.callId, args) : toolCallIdIn(args);
      if (typeof id === 'string' || typeof id === 'number') span.setAttribute(ATTR_GEN_AI_TOOL_CALL_ID, String(id));
    }
    const mapper = spec.options.attributes;
    if (mapper !== undefined) {
      const attributes = safeCall(spec, 'attributes', mapper, args);
      if (attributes != null && typeof attributes === 'object') span.setAttributes(sanitizeAttributes(attributes));
    }
    captureInputs(call);
    const signal = findSignal(spec, args);
    if (signal !== undefined) call.watchSignal(signal);
  }
  return call;
}
