import { ATTR_CORRELATION_ID as CORRELATION_ID } from '@agentrace/core';
import { type Span, context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type { TestTracing } from '@agentrace/testing';

type ReadableSpan = ReturnType<TestTracing['spans']>[number];

/**
 * Runs `fn` as one logical run: a root `run {id}` span with the run's correlation id in baggage,
 * as the tracer's run API sets it up. The span ends when `fn` settles.
 */
export async function inRun<T>(id: string, fn: (span: Span) => Promise<T> | T): Promise<T> {
  const bag = propagation.createBaggage({ [CORRELATION_ID]: { value: id } });
  const ctx = propagation.setBaggage(ROOT_CONTEXT, bag);
  return trace.getTracer('test').startActiveSpan(`run ${id}`, { attributes: { [CORRELATION_ID]: id } }, ctx, async (span) => {
    try {
      return await fn(span);
    } finally {
      span.end();
    }
  });
}

/** Runs `fn` inside a long-lived "worker boot" span: the context a consumer started at boot would have. */
export function inWorkerBoot<T>(fn: () => T): T {
  const span = trace.getTracer('test').startSpan('worker boot', { root: true });
  try {
    return context.with(trace.setSpan(ROOT_CONTEXT, span), fn);
  } finally {
    span.end();
  }
}

/** The run id visible in baggage right now (what a consumer handler sees). */
export function currentRunId(): string | undefined {
  return propagation.getBaggage(context.active())?.getEntry(CORRELATION_ID)?.value;
}

export function parentId(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

export function byName(spans: ReadableSpan[], name: string): ReadableSpan[] {
  return spans.filter((s) => s.name === name);
}

/** Polls `check` until it returns true (no fixed sleeps); fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
