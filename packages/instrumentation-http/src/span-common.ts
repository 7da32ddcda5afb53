import { ATTR_CORRELATION_ID, getBaggageAllowlist, getGenAiRunAttributes, getRunAttributes } from '@agentrace/core';
import { propagation, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import type { Target } from './targets.js';
import { reporter } from './diagnostics.js';
import type { ResolvedHttpConfig } from './internal-types.js';

const KNOWN_METHODS = new Set(['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE', 'QUERY']);

/** `http.request.method` as the conventions want it: known methods upper-cased, anything else `_OTHER`. */
export function normalizeMethod(method: string): string {
  if (KNOWN_METHODS.has(method)) return method;
  const upper = method.toUpperCase();
  return KNOWN_METHODS.has(upper) ? upper : '_OTHER';
}

/** The span name the conventions give an HTTP span without a route. */
export function spanName(method: string): string {
  return method === '_OTHER' ? 'HTTP' : method;
}

/**
 * The run attributes of `ctx` (agent name, correlation id); never throws. A model call's inference
 * span is a GenAI operation and takes them under their GenAI names (`gen_ai.agent.name`); a plain
 * HTTP span under `agentrace.*` names.
 */
export function runAttributes(cfg: ResolvedHttpConfig, ctx: Context, genAi: boolean): Attributes | undefined {
  if (!cfg.runAttributes) return undefined;
  try {
    return genAi ? getGenAiRunAttributes(ctx) : getRunAttributes(ctx);
  } catch (error) {
    reporter.warnOnce('run-attributes', 'getRunAttributes threw; HTTP spans go without run attributes', error);
    return undefined;
  }
}

/**
 * The context to inject from: the run's correlation id joins the baggage when the run put it in
 * span attributes only, so the service called can tie its spans to the run.
 */
export function withCorrelationBaggage(ctx: Context, run: Attributes | undefined): Context {
  const id = run?.[ATTR_CORRELATION_ID];
  if (id === undefined || id === null) return ctx;
  const bag = propagation.getBaggage(ctx);
  if (bag?.getEntry(ATTR_CORRELATION_ID) !== undefined) return ctx;
  const next = (bag ?? propagation.createBaggage()).setEntry(ATTR_CORRELATION_ID, { value: String(id) });
  return propagation.setBaggage(ctx, next);
}

/**
 * The context an outgoing request's headers are injected from: the CLIENT span (when the host gets
 * trace context), and the baggage the host may get (`propagateBaggageTo`): none, all but the identity
 * keys of the allowlist, or all of it.
 */
export function outboundContext(ctx: Context, run: Attributes | undefined, span: Span, target: Target): Context {
  let out = target.baggage === 'none' ? propagation.deleteBaggage(ctx) : withCorrelationBaggage(ctx, run);
  if (target.baggage === 'without-identity') {
    const bag = propagation.getBaggage(out);
    if (bag !== undefined) {
      let identity: string[] | undefined;
      for (const key of getBaggageAllowlist()) if (bag.getEntry(key) !== undefined) (identity ??= []).push(key);
      if (identity !== undefined) out = propagation.setBaggage(out, bag.removeEntries(...identity));
    }
  }
  return target.traceContext ? trace.setSpan(out, span) : trace.deleteSpan(out);
}
