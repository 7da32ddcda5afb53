import { type Span } from '@opentelemetry/api';
import { reporter } from './report.js';
import { makeSpec } from './spec.js';
import type { TraceOptions, TracedOptions } from './types.js';
import { createTracedFunction } from './wrap.js';

/**
 * The function form of the decorators: returns `fn` wrapped so that every call is a span (a step by
 * default; `type: 'run'` or `'tool'` for the GenAI spans). Same `this`, arguments, result, thrown
 * object and sync/async shape as `fn`.
 */
export function traced<F extends (...args: any[]) => any>(name: string, fn: F, options?: TracedOptions): F {
  if (typeof fn !== 'function') {
    reporter.error(`traced("${String(name)}", fn) needs a function; got ${typeof fn}. Returned as is.`);
    return fn;
  }
  const opts: TracedOptions = typeof options === 'object' && options !== null ? options : {};
  const type = opts.type ?? 'step';
  const functionName = typeof name === 'string' && name !== '' ? name : fn.name || 'anonymous';
  return createTracedFunction(makeSpec(type, fn, functionName, opts, false)) as F;
}

/**
 * Runs `fn` now, inside a step span named `name`, and returns what it returns (a promise, stream or
 * iterator keeps the span open until it ends). `fn` gets the span, to add attributes or events.
 */
export function withSpan<T>(name: string, fn: (span: Span) => T, options?: TraceOptions): T {
  if (typeof fn !== 'function') {
    reporter.error(`withSpan("${String(name)}", fn) needs a function; got ${typeof fn}.`);
    return undefined as T;
  }
  const opts = typeof options === 'object' && options !== null ? options : {};
  return createTracedFunction(makeSpec('step', fn, typeof name === 'string' && name !== '' ? name : fn.name || 'anonymous', opts, false, true))() as T;
}
