import { context, SpanKind, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { errorType, isAbortError, isThenable, withAttempt } from '@agentrace/core';
import { recordError } from './errors.js';
import type { NormalizedRetry, Spec } from './internal-types.js';
import { safeCall, reporter } from './report.js';
import { ATTR_ERROR_TYPE, ATTR_RETRY_ATTEMPT, ATTR_RETRY_BACKOFF_MS, EVENT_RETRY } from './semconv.js';
import type { RetryPolicy } from './types.js';

const DEFAULT_ATTEMPTS = 3;

/** Validates the `retry` option once at decoration time; a bad one is reported and dropped. */
export function normalizeRetry(option: RetryPolicy | number | undefined, where: string): NormalizedRetry | undefined {
  if (option === undefined) return undefined;
  const policy: RetryPolicy | null = typeof option === 'number' ? { attempts: option } : option;
  const attempts = typeof policy === 'object' && policy !== null ? (policy.attempts ?? DEFAULT_ATTEMPTS) : NaN;
  if (typeof policy !== 'object' || policy === null || !Number.isInteger(attempts) || attempts < 1) {
    reporter.error(`option retry of "${where}" must be a number of attempts (integer >= 1) or { attempts, backoff, retryOn }; got ${String(typeof option === 'object' ? JSON.stringify(option) : option)}. Retries are off for it.`);
    return undefined;
  }
  return {
    attempts,
    backoff: typeof policy.backoff === 'function' ? policy.backoff : (attempt) => Math.min(10_000, 100 * 2 ** (attempt - 1)),
    retryOn: typeof policy.retryOn === 'function' ? policy.retryOn : () => true,
  };
}

/** Where the attempts run: with a tracer, each attempt is a child span of the call's span. */
export interface AttemptHost {
  tracer: Tracer | undefined;
  /** Context with the call's span active. */
  ctx: Context;
  parentSpan: Span | undefined;
  spanName: string;
  /** Run attributes every attempt span carries. */
  attributes: Readonly<Attributes>;
  signal: AbortSignal | undefined;
}

function apply(fn: (...a: any[]) => unknown, self: unknown, args: unknown[]): unknown {
  return fn.apply(self, args);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Calls the function, retrying while its promise rejects. A call whose first attempt returns or throws
 * synchronously is left synchronous (no retry): a sync function must stay sync.
 */
export function callWithRetry(spec: Spec, policy: NormalizedRetry, host: AttemptHost, self: unknown, args: unknown[]): unknown {
  const start = (attempt: number): { span: Span | undefined; ctx: Context } => {
    if (host.tracer === undefined) return { span: undefined, ctx: host.ctx };
    const span = host.tracer.startSpan(
      `${host.spanName} attempt`,
      { kind: SpanKind.INTERNAL, attributes: { ...host.attributes, [ATTR_RETRY_ATTEMPT]: attempt } },
      host.ctx,
    );
    return { span, ctx: withAttempt(trace.setSpan(host.ctx, span), attempt) };
  };
  const end = (span: Span | undefined, error?: unknown, failed = false): void => {
    if (span === undefined) return;
    if (failed && span.isRecording()) recordError(span, error, spec);
    span.end();
  };
  let current = start(1);
  let result: unknown;
  try {
    result = context.with(current.ctx, apply, undefined, spec.fn, self, args);
  } catch (error) {
    end(current.span, error, true);
    throw error;
  }
  if (!isThenable(result)) {
    end(current.span);
    return result;
  }
  const loop = async (first: PromiseLike<unknown>): Promise<unknown> => {
    let pending = first;
    for (let attempt = 1; ; attempt++) {
      try {
        const value = await pending;
        end(current.span);
        return value;
      } catch (error) {
        end(current.span, error, true);
        const expected = spec.options.expectedError;
        const retryable =
          attempt < policy.attempts &&
          host.signal?.aborted !== true &&
          !isAbortError(error) &&
          !(expected !== undefined && safeCall(spec, 'expectedError', expected, [error]) === true) &&
          safeCall(spec, 'retry.retryOn', policy.retryOn, [error, attempt]) === true;
        if (!retryable) throw error;
        const raw = safeCall(spec, 'retry.backoff', policy.backoff, [attempt, error]);
        const wait = typeof raw === 'number' && raw > 0 && Number.isFinite(raw) ? raw : 0;
        host.parentSpan?.addEvent(EVENT_RETRY, {
          [ATTR_RETRY_ATTEMPT]: attempt,
          [ATTR_RETRY_BACKOFF_MS]: wait,
          [ATTR_ERROR_TYPE]: errorType(error),
        });
        await sleep(wait, host.signal);
        if (host.signal?.aborted === true) throw error;
        current = start(attempt + 1);
        try {
          pending = Promise.resolve(context.with(current.ctx, apply, undefined, spec.fn, self, args));
        } catch (syncError) {
          pending = Promise.reject(syncError);
        }
      }
    }
  };
  return loop(result);
}
