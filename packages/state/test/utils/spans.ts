import { trace, type Span } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

export const tracer = trace.getTracer('state-test');

/** Runs `fn` inside an active span named `name` and ends it afterwards. */
export function inSpan<T>(name: string, fn: (span: Span) => T): T {
  return tracer.startActiveSpan(name, (span) => {
    try {
      const out = fn(span);
      if (out instanceof Promise) return out.finally(() => span.end()) as T;
      span.end();
      return out;
    } catch (error) {
      span.end();
      throw error;
    }
  });
}

export function eventsNamed(span: ReadableSpan, name: string) {
  return span.events.filter((e) => e.name === name);
}

// The kit's query under the name these tests read best with: exactly one span of that name.
export { findSpan as spanNamed } from '@agentrace/testing';
